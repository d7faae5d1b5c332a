/**
 * The evidence cache's files: packs of entries, one pack written per run, instead of one file per
 * package (issue 11: a cold run of 1,000 packages spent ~0.8 s of main-thread time making folders,
 * temp files and renames for its entries).
 *
 * A pack is lines of `<id> <storedAt> <entry JSON>\n`, where `id` is 64 hex digits (the digest of
 * the entry's key) and `storedAt` an ISO 8601 time. A run appends the entries it fetched to a
 * temp file, in large writes, and renames it to `<name>.pack` when it closes: readers only ever see
 * whole packs, and a crashed run leaves a temp file that a later run deletes. Opening the folder
 * indexes every pack by reading it in chunks (the index holds positions, never entries), and an
 * entry is read with one positioned read when asked for. The same id in several packs: the newest
 * `storedAt` wins.
 *
 * The folder is writable by anything running as the user, so a pack is attacker-controlled: the id
 * and time in a line's head only say where to look; the entry itself is checked against its key by
 * the cache (cache.ts) and its evidence verified like fetched evidence. A malformed line, a line
 * longer than MAX_ENTRY_BYTES or a torn pack gives misses, never an error.
 *
 * Packs do not accumulate: a pack whose entries have all expired is deleted, and when a run that
 * writes finds MAX_PACKS packs or more, it copies their unexpired entries into its own pack and
 * deletes them (compaction), so a folder holds at most MAX_PACKS + concurrent runs' packs.
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeSync, writevSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { log } from './log.js'


/** A run that writes and finds this many packs merges them into its own. */
export const MAX_PACKS = 8
/** A line longer than this is skipped (no entry the fetcher stores comes near it). */
export const MAX_ENTRY_BYTES = 64 * 1024 * 1024
export const PACK_SUFFIX = '.pack'
const TEMP_SUFFIX = '.tmp'
const ID_LENGTH = 64
const TIME_LENGTH = 24 // new Date().toISOString(), years 0000–9999
const HEAD_LENGTH = ID_LENGTH + 1 + TIME_LENGTH + 1
const CHUNK_BYTES = 1024 * 1024
// Written out when this much is pending: few, large writes.
const FLUSH_BYTES = 512 * 1024
// ... or this many lines (below IOV_MAX, 1024 on Linux: one writev each).
const FLUSH_LINES = 512
// A stored time this far in the future is not a clock skew but a bad entry (as in cache.ts).
const MAX_CLOCK_SKEW_MS = 24 * 3600 * 1000
// A temp file this old belongs to no running run.
const STALE_TEMP_MS = 24 * 3600 * 1000

interface Location {
  fd: number
  /** File offset of the entry JSON, and its length in bytes. */
  offset: number
  length: number
  storedAt: string
}

interface Writer {
  fd: number
  temp: string
  file: string
  /** Bytes not written yet, and their length. */
  pending: Buffer[]
  pendingBytes: number
  /** Bytes written to the file. */
  written: number
  ids: Set<string>
}

interface OpenPack {
  file: string
  fd: number
  /** The newest time of its entries: when that has expired, so has the pack. */
  newest: string
}

export interface EvidencePacksOptions {
  dir: string
  maxAgeMs: number
  now: () => Date
}

export class EvidencePacks {
  readonly dir: string
  readonly #maxAgeMs: number
  readonly #now: () => Date
  #index: Map<string, Location> | undefined
  #packs: OpenPack[] = []
  #writer: Writer | undefined
  #writeFailed = false

  constructor(options: EvidencePacksOptions) {
    this.dir = options.dir
    this.#maxAgeMs = options.maxAgeMs
    this.#now = options.now
  }

  /** The stored entry JSON for `id`, newest first, with its time; undefined when there is none. Never throws. */
  read(id: string): { text: string; storedAt: string } | undefined {
    const at = this.#load().get(id)
    if (!at) return undefined
    if (this.#writer && at.fd === this.#writer.fd && at.offset + at.length > this.#writer.written) this.#flush()
    try {
      const bytes = Buffer.allocUnsafe(at.length)
      const read = readSync(at.fd, bytes, 0, at.length, at.offset)
      return { text: bytes.toString('utf8', 0, read), storedAt: at.storedAt }
    } catch (err) {
      log.verbose('verify-deps cache', `could not read an entry in ${this.dir}: ${(err as Error).message}`)
      return undefined
    }
  }

  /** Appends an entry to this run's pack. False when the pack cannot be written (logged once). */
  append(id: string, storedAt: string, json: string): boolean {
    if (!parseHead(Buffer.from(`${id} ${storedAt} `))) return false
    const writer = this.#openWriter()
    if (!writer) return false
    // Each entry is encoded once, straight into the bytes that are written.
    const line = Buffer.from(`${id} ${storedAt} ${json}\n`)
    const offset = writer.written + writer.pendingBytes + HEAD_LENGTH
    const length = line.length - HEAD_LENGTH - 1
    writer.pending.push(line)
    writer.pendingBytes += line.length
    writer.ids.add(id)
    this.#load().set(id, { fd: writer.fd, offset, length, storedAt })
    if (writer.pendingBytes >= FLUSH_BYTES || writer.pending.length >= FLUSH_LINES) this.#flush()
    return !this.#writeFailed
  }

  /**
   * Ends the run: this run's pack (merged with the older packs when there are MAX_PACKS of them) is
   * written out and renamed into place, and packs with nothing left unexpired are deleted. Never throws.
   */
  close(): void {
    const writer = this.#writer
    const expired = this.#expiredPacks()
    const merged = writer && this.#packs.length >= MAX_PACKS ? this.#merge() : []
    if (writer) {
      this.#flush()
      closeQuietly(writer.fd)
      if (!this.#writeFailed) {
        try {
          renameSync(writer.temp, writer.file)
        } catch (err) {
          this.#writeFailed = true
          log.warn('verify-deps cache', `could not write ${writer.file}: ${(err as Error).message}`)
        }
      }
      if (this.#writeFailed) remove(writer.temp)
    }
    for (const pack of this.#packs) closeQuietly(pack.fd)
    // Merged packs are deleted only once their entries are safely in the new pack.
    for (const file of [...(this.#writeFailed ? [] : merged), ...expired]) remove(file)
    this.#packs = []
    this.#index = undefined
    this.#writer = undefined
    this.#writeFailed = false
  }

  /** Copies the unexpired entries of every pack read into this run's pack (unless it has a newer one); returns the packs' files. */
  #merge(): string[] {
    for (const [id, at] of this.#load()) {
      if (this.#writer?.ids.has(id) || this.#expired(at.storedAt)) continue
      const entry = this.read(id)
      if (entry) this.append(id, at.storedAt, entry.text)
    }
    return this.#packs.map((p) => p.file)
  }

  #expiredPacks(): string[] {
    return this.#packs.filter((p) => this.#expired(p.newest)).map((p) => p.file)
  }

  #expired(storedAt: string): boolean {
    return this.#now().getTime() - Date.parse(storedAt) > this.#maxAgeMs
  }

  #load(): Map<string, Location> {
    if (this.#index) return this.#index
    this.#index = new Map()
    let names: string[]
    try {
      names = readdirSync(this.dir)
    } catch {
      return this.#index
    }
    for (const name of names.sort()) {
      const file = join(this.dir, name)
      if (name.endsWith(TEMP_SUFFIX)) {
        removeStaleTemp(file, this.#now())
        continue
      }
      if (!name.endsWith(PACK_SUFFIX)) continue
      // A pack may be anything a poisoned cache put there: only a regular file is read, opened without
      // blocking (a FIFO would wait for a writer) and only up to the size it had when opened (a link
      // to /dev/zero, or a file that keeps growing, would never end).
      let fd: number
      let size: number
      try {
        fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
      } catch {
        continue
      }
      try {
        const stat = fstatSync(fd)
        if (!stat.isFile()) throw new Error('not a regular file')
        size = stat.size
      } catch (err) {
        log.verbose('verify-deps cache', `ignoring ${file}: ${(err as Error).message}`)
        closeQuietly(fd)
        continue
      }
      const pack: OpenPack = { file, fd, newest: '' }
      this.#packs.push(pack)
      // A time further ahead than any clock skew is a bad line, not an entry that would never expire.
      const latest = new Date(this.#now().getTime() + MAX_CLOCK_SKEW_MS).toISOString()
      try {
        indexPack(fd, size, (id, storedAt, offset, length) => {
          if (storedAt > latest) return
          if (storedAt > pack.newest) pack.newest = storedAt
          const known = this.#index!.get(id)
          if (!known || known.storedAt <= storedAt) this.#index!.set(id, { fd, offset, length, storedAt })
        })
      } catch (err) {
        log.verbose('verify-deps cache', `could not read ${file}: ${(err as Error).message}`)
      }
    }
    return this.#index
  }

  #openWriter(): Writer | undefined {
    if (this.#writer || this.#writeFailed) return this.#writer
    this.#load()
    const name = `${this.#now().getTime().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}`
    const file = join(this.dir, `${name}${PACK_SUFFIX}`)
    const temp = join(this.dir, `${name}${TEMP_SUFFIX}`)
    try {
      mkdirSync(this.dir, { recursive: true })
      const fd = openSync(temp, 'wx+')
      this.#writer = { fd, temp, file, pending: [], pendingBytes: 0, written: 0, ids: new Set() }
    } catch (err) {
      this.#writeFailed = true
      log.warn('verify-deps cache', `could not write ${file}: ${(err as Error).message}`)
    }
    return this.#writer
  }

  #flush(): void {
    const writer = this.#writer
    if (!writer || writer.pendingBytes === 0) return
    const chunks = writer.pending
    const total = writer.pendingBytes
    writer.pending = []
    writer.pendingBytes = 0
    if (this.#writeFailed) return
    try {
      // One system call for the lot, without copying it into one buffer first.
      let done = writevSync(writer.fd, chunks, writer.written)
      if (done < total) {
        const rest = Buffer.concat(chunks, total)
        while (done < total) done += writeSync(writer.fd, rest, done, total - done, writer.written + done)
      }
      writer.written += total
    } catch (err) {
      this.#writeFailed = true
      log.warn('verify-deps cache', `could not write ${writer.file}: ${(err as Error).message}`)
    }
  }
}

type EntrySink = (id: string, storedAt: string, offset: number, length: number) => void

/**
 * Reads the first `size` bytes of a pack in chunks and reports each well-formed line's head and
 * where its entry lies. Only positions are kept; a line without a well-formed head, too long, or not
 * ended by a newline within `size` (a torn write) is skipped.
 */
export function indexPack(fd: number, size: number, sink: EntrySink): void {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES)
  const head = Buffer.allocUnsafe(HEAD_LENGTH)
  let headBytes = 0
  let lineStart = 0
  let position = 0
  for (;;) {
    const bytes = readSync(fd, chunk, 0, Math.min(CHUNK_BYTES, size - position), position)
    if (bytes === 0) return
    const view = chunk.subarray(0, bytes)
    let i = 0
    while (i < bytes) {
      const newline = view.indexOf(10, i)
      const end = newline === -1 ? bytes : newline
      if (headBytes < HEAD_LENGTH) {
        const n = Math.min(HEAD_LENGTH - headBytes, end - i)
        view.copy(head, headBytes, i, i + n)
        headBytes += n
        i += n
        if (headBytes < HEAD_LENGTH && newline !== -1 && i === newline) {
          // A line shorter than a head: not an entry.
          headBytes = 0
          lineStart = position + newline + 1
          i = newline + 1
        }
        continue
      }
      if (newline === -1) break
      const entryStart = lineStart + HEAD_LENGTH
      const length = position + newline - entryStart
      const parsed = parseHead(head)
      if (parsed && length <= MAX_ENTRY_BYTES) sink(parsed.id, parsed.storedAt, entryStart, length)
      headBytes = 0
      lineStart = position + newline + 1
      i = newline + 1
    }
    position += bytes
  }
}

function parseHead(head: Buffer): { id: string; storedAt: string } | undefined {
  const text = head.toString('latin1')
  if (text[ID_LENGTH] !== ' ' || text[HEAD_LENGTH - 1] !== ' ') return undefined
  const id = text.slice(0, ID_LENGTH)
  const storedAt = text.slice(ID_LENGTH + 1, HEAD_LENGTH - 1)
  // Times in this one shape compare as strings in time order.
  if (!/^[0-9a-f]{64}$/.test(id) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(storedAt) || Number.isNaN(Date.parse(storedAt))) return undefined
  return { id, storedAt }
}

function removeStaleTemp(file: string, now: Date): void {
  try {
    if (now.getTime() - statSync(file).mtimeMs > STALE_TEMP_MS) rmSync(file, { force: true })
  } catch {
    // gone already, or not ours to remove
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd)
  } catch {
    // already closed: nothing to release
  }
}

function remove(file: string): void {
  try {
    rmSync(file, { force: true })
  } catch (err) {
    log.verbose('verify-deps cache', `could not remove ${file}: ${(err as Error).message}`)
  }
}
