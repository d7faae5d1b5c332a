/**
 * The sealed pack: one file of entries authenticated as a whole with HMAC-SHA256 under the store key
 * (key.ts), read once per run and written at most once per run, atomically (temp file + rename).
 *
 * The file lives in the cache folder, which anything running as the user can write (issue 14 item 8),
 * so every byte of it is attacker-controlled: its entries are used only when the MAC over the whole
 * file verifies under this user's key. A bad MAC (one edited byte anywhere), a file made under another
 * key, another format, a torn or truncated file: each is a miss for every entry, never an error and
 * never a pass. An entry of an unknown kind or that has expired is a miss on its own.
 *
 * Layout (format 2), one entry a line, so that a warm run pays one HMAC and no JSON parse for the
 * file itself (each entry's data is parsed by its memo, only when asked for):
 *
 *     verify-deps sealed pack 2\n
 *     <kind> <id> <storedAt> <data>\n        (kind, id and time hold no space; data is JSON text on one line)
 *     …
 *     <HMAC-SHA256 of every byte above, 64 hex digits>
 *
 * Writing streams: each entry put is appended to a bounded buffer, written to the temp file (and fed
 * to the HMAC) a chunk at a time, so a run never holds what it memoized (the facts of 10,000 packages
 * are ~25 MB). save() appends the entries of the old pack that are still valid and not replaced,
 * newest first while the caps allow (so the oldest go first), then the MAC, and renames the temp
 * file over the pack. Concurrent runs each write a whole file: the last writer wins, and a reader
 * sees one whole file or the other. A run that dies or throws before save() leaves its temp file
 * behind: a later save() removes temp files of this pack older than a day.
 */
import { createHmac, randomBytes, timingSafeEqual, type Hmac } from 'node:crypto'
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { readRegularFile, writeAll } from '../../tree/files.js'
import { basename, dirname, join } from 'node:path'
import { log } from '../log.js'


/** Bumped when the file layout or the MAC input changes (an older pack is then a miss). 2: one MAC per file, one entry a line. */
export const PACK_FORMAT = 2
/** The pack never grows past this many entries: the oldest go first. */
export const MAX_PACK_ENTRIES = 100_000
/** A larger pack file is not read (a miss), and none is written: room for MAX_PACK_ENTRIES facts entries of ~2.5 KB, below V8's longest string. */
export const MAX_PACK_BYTES = 384 * 1024 * 1024
// A stored time this far in the future is not a clock skew but a bad entry.
const MAX_CLOCK_SKEW_MS = 24 * 3600 * 1000
/** The first line: the MAC covers it, so a pack of another format never verifies as this one. */
const HEADER = `verify-deps sealed pack ${PACK_FORMAT}\n`
const MAC_HEX_LENGTH = 64
/** What a run buffers of its new entries before writing them to the temp file (and the HMAC). */
const WRITE_CHUNK_CHARS = 1024 * 1024
/** A temp file of this pack older than this is from a run that died before it saved. */
const STALE_TEMP_MS = 24 * 3600 * 1000
/** The kind, the id and the time of an entry: printable ASCII, no space (the line's separators). */
const FIELD = /^[\x21-\x7e]+$/

/**
 * `settled`: facts of an earlier version verified for a package's history (docs/continuity.md). A
 * published version's evidence never changes, so its verdict does not expire with age (only with
 * another trust material or tool version, which its id digests); the pack's caps still bound it.
 */
export type EntryKind = 'facts' | 'settled' | 'tree' | 'keys' | 'trust'
const KINDS: ReadonlySet<string> = new Set<EntryKind>(['facts', 'settled', 'tree', 'keys', 'trust'])
/** Kinds whose entries do not expire with age. */
const AGELESS: ReadonlySet<string> = new Set<EntryKind>(['settled'])

/** An entry of the pack read at the start of the run: its whole line, kept to be written again as it is. */
interface ReadEntry {
  /** The line, without its newline. */
  line: string
  kind: EntryKind
  storedAt: string
  /** Where the data starts in `line`. */
  dataAt: number
}

export interface SealedPackOptions {
  file: string
  key: Buffer
  maxAgeMs: number
  now?: () => Date
}

export class SealedPack {
  readonly file: string
  readonly #key: Buffer
  readonly #maxAgeMs: number
  readonly #now: () => Date
  /** The read pack's entries by slot (kind and id), less those this run replaced. */
  #entries: Map<string, ReadEntry> | undefined
  /** This run's new entries, on their way to the temp file; undefined until the first put. */
  #writer: PackWriter | undefined
  /** A write failed: nothing more is put, and save() writes nothing. */
  #failed = false

  constructor(options: SealedPackOptions) {
    this.file = options.file
    this.#key = options.key
    this.#maxAgeMs = options.maxAgeMs
    this.#now = options.now ?? (() => new Date())
  }

  /**
   * The data stored under (kind, id) in the pack read at the start of the run, when the pack's MAC
   * verified and the entry has not expired; not what this run put (that is for the next run). Never throws.
   */
  get(kind: EntryKind, id: string): { data: string; storedAt: string } | undefined {
    const entry = this.#load().get(slot(kind, id))
    if (!entry || !this.#fresh(entry.storedAt, kind)) return undefined
    return { data: entry.line.slice(entry.dataAt), storedAt: entry.storedAt }
  }

  /**
   * Seals `data` (JSON text: one line) under (kind, id) for the next run, replacing what the read pack
   * held there. `storedAt` defaults to now. An entry already expired, or past the pack's caps, is not
   * kept; a write error is logged, never thrown: the store only saves time.
   */
  put(kind: EntryKind, id: string, data: string, storedAt: string = this.#now().toISOString()): void {
    if (this.#failed) return
    this.#load().delete(slot(kind, id))
    if (!FIELD.test(id) || !FIELD.test(storedAt) || data.includes('\n')) {
      log.verbose('verify-deps store', `not keeping ${kind} entry ${id}: it does not fit on one line`)
      return
    }
    if (!this.#fresh(storedAt, kind)) return
    try {
      this.#writer ??= new PackWriter(this.file, this.#key)
      if (!this.#writer.fits(`${kind} ${id} ${storedAt} ${data}`)) log.verbose('verify-deps store', `not keeping ${kind} entry ${id}: the pack is full`)
    } catch (err) {
      this.#fail(err)
    }
  }

  /**
   * Writes the pack when something was put: this run's entries, then every entry of the read pack
   * that has not expired nor been replaced, newest first while MAX_PACK_ENTRIES and MAX_PACK_BYTES
   * allow. A write error is logged, never thrown.
   */
  save(): boolean {
    const writer = this.#writer
    if (!writer || this.#failed) return false
    this.#writer = undefined
    try {
      const kept = [...this.#load().values()].filter((e) => this.#fresh(e.storedAt, e.kind)).sort((a, b) => (a.storedAt > b.storedAt ? -1 : a.storedAt < b.storedAt ? 1 : 0))
      for (const entry of kept) if (!writer.fits(entry.line)) break
      writer.finish()
      renameSync(writer.temp, this.file)
    } catch (err) {
      this.#writer = writer
      this.#fail(err)
      return false
    }
    // What this run put is now in the file: a later get or save starts from it, as the next run would.
    this.#entries = undefined
    removeStaleTemps(this.file)
    return true
  }

  #fail(err: unknown): void {
    this.#failed = true
    this.#writer?.abandon()
    this.#writer = undefined
    log.warn('verify-deps store', `could not write ${this.file}: ${(err as Error).message}`)
  }

  /** Within the max age (any age for an AGELESS kind), and not stored (by the clock's word) more than a day in the future. */
  #fresh(storedAt: string, kind: EntryKind): boolean {
    const age = this.#now().getTime() - Date.parse(storedAt)
    return (age <= this.#maxAgeMs || AGELESS.has(kind)) && age >= -MAX_CLOCK_SKEW_MS
  }

  #load(): Map<string, ReadEntry> {
    if (this.#entries) return this.#entries
    this.#entries = new Map()
    let bytes: Buffer
    try {
      // The cache folder may be poisoned: a FIFO or a link to an endless device in the pack's place
      // is a miss, not a hang (readRegularFile: regular files only, opened without blocking, capped).
      bytes = readRegularFile(this.file, MAX_PACK_BYTES)
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') log.verbose('verify-deps store', `ignoring ${this.file}: ${(err as Error).message}`)
      return this.#entries
    }
    const body = verifiedBody(bytes, this.#key)
    if (!body) {
      log.verbose('verify-deps store', `ignoring ${this.file}: another format, or its MAC does not verify (a torn, edited or foreign file)`)
      return this.#entries
    }
    // Sealed by us, yet read defensively: a line that is not `kind id time data` is skipped.
    const text = body.toString('utf8')
    for (let at = HEADER.length, end = text.indexOf('\n', at); end !== -1; at = end + 1, end = text.indexOf('\n', at)) {
      const afterKind = text.indexOf(' ', at)
      const afterId = afterKind === -1 || afterKind > end ? -1 : text.indexOf(' ', afterKind + 1)
      const afterTime = afterId === -1 || afterId > end ? -1 : text.indexOf(' ', afterId + 1)
      if (afterTime === -1 || afterTime > end || afterKind === at || afterId === afterKind + 1 || afterTime === afterId + 1) continue
      const kind = text.slice(at, afterKind)
      if (!KINDS.has(kind)) continue
      this.#entries.set(text.slice(at, afterId), { line: text.slice(at, end), kind: kind as EntryKind, storedAt: text.slice(afterId + 1, afterTime), dataAt: afterTime + 1 - at })
    }
    return this.#entries
  }
}

/** The file's bytes before its MAC, when it starts with this format's header and the MAC verifies under `key`. */
function verifiedBody(bytes: Buffer, key: Buffer): Buffer | undefined {
  const header = Buffer.from(HEADER, 'latin1')
  if (bytes.length < header.length + MAC_HEX_LENGTH || !bytes.subarray(0, header.length).equals(header)) return undefined
  const body = bytes.subarray(0, bytes.length - MAC_HEX_LENGTH)
  // Hex decoding stops at the first byte that is not a hex digit: anything but 64 of them is too short.
  const given = Buffer.from(bytes.subarray(bytes.length - MAC_HEX_LENGTH).toString('latin1'), 'hex')
  const expected = createHmac('sha256', key).update(body).digest()
  return given.length === expected.length && timingSafeEqual(given, expected) && body[body.length - 1] === 0x0a ? body : undefined
}

/**
 * A new pack on its way to disk: the header and then lines, buffered up to WRITE_CHUNK_CHARS, written
 * to a temp file and fed to the HMAC as written. No descriptor is held between writes (a run that
 * throws before save leaves only the file, removed a day later): each write opens the file again,
 * without following a link, and checks that it is still the file this writer created (O_EXCL) before
 * writing to it, so a temp file swapped for a link to, or a hard link of, another file of the user's
 * is refused, never appended to, and one swapped for a FIFO is refused, never waited on.
 */
class PackWriter {
  readonly temp: string
  readonly #hmac: Hmac
  /** The temp file this writer created, once it has. */
  #created: { dev: number; ino: number } | undefined
  #chunk = HEADER
  #entries = 0
  /** Bytes of the file so far, MAC included. */
  #bytes = HEADER.length + MAC_HEX_LENGTH

  constructor(file: string, key: Buffer) {
    this.temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
    this.#hmac = createHmac('sha256', key)
  }

  /** Adds `line` (no newline) when the pack has room for it; false when it is full. Throws on a write error. */
  fits(line: string): boolean {
    const bytes = Buffer.byteLength(line) + 1
    if (this.#entries >= MAX_PACK_ENTRIES || this.#bytes + bytes > MAX_PACK_BYTES) return false
    this.#entries++
    this.#bytes += bytes
    this.#chunk += `${line}\n`
    if (this.#chunk.length >= WRITE_CHUNK_CHARS) this.#write()
    return true
  }

  /** Writes what is buffered, then the MAC of the whole file. */
  finish(): void {
    this.#write(true)
  }

  /** Removes the temp file, if any. Never throws. */
  abandon(): void {
    try {
      // The name is this writer's own (random): whatever is there is what it made, or a swap to undo.
      rmSync(this.temp, { force: true })
    } catch {
      // the folder itself is unusable: nothing more to undo
    }
  }

  #write(last = false): void {
    const bytes = Buffer.from(this.#chunk, 'utf8')
    this.#chunk = ''
    this.#hmac.update(bytes)
    let fd: number
    if (this.#created) {
      // Without blocking: a temp file swapped for a FIFO is an error (ENXIO, or the inode check
      // below when something holds it open to read), never a wait for a reader that never comes.
      fd = openSync(this.temp, constants.O_WRONLY | constants.O_APPEND | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0))
    } else {
      mkdirSync(dirname(this.temp), { recursive: true })
      fd = openSync(this.temp, 'wx')
    }
    try {
      const { dev, ino } = fstatSync(fd)
      this.#created ??= { dev, ino }
      if (dev !== this.#created.dev || ino !== this.#created.ino) throw new Error(`${this.temp} was replaced while it was written`)
      writeAll(fd, bytes)
      if (last) writeAll(fd, Buffer.from(this.#hmac.digest('hex'), 'latin1'))
    } finally {
      closeSync(fd)
    }
  }
}

/** Removes temp files of this pack left by runs that died before they saved (older than a day). Never throws. */
function removeStaleTemps(file: string): void {
  const dir = dirname(file)
  const prefix = `${basename(file)}.`
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue
    try {
      const temp = join(dir, name)
      // The file system's clock, as its times are (not the run's clock).
      if (Date.now() - statSync(temp).mtimeMs > STALE_TEMP_MS) rmSync(temp, { force: true })
    } catch {
      // gone already, or not ours to remove
    }
  }
}

function slot(kind: EntryKind, id: string): string {
  return `${kind} ${id}`
}
