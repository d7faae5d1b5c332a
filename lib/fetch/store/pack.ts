/**
 * The sealed pack: one file of entries, each authenticated with HMAC-SHA256 under the store key
 * (key.ts), read once per run and written at most once per run, atomically (temp file + rename).
 *
 * The file lives in the cache folder, which anything running as the user can write (issue 14 item 8),
 * so every byte of it is attacker-controlled: an entry is used only when its MAC, over its kind, id,
 * time and data, verifies under this user's key. A bad MAC, an entry made under another key, an
 * unknown kind, a torn or unparsable file: each is a miss, never an error and never a pass. Concurrent
 * runs each write the whole file: the last writer wins, and a reader sees one whole file or the other.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { readRegularFile } from '../../tree/files.js'
import { dirname } from 'node:path'
import procLog from 'proc-log'

const { log } = procLog

/** Bumped when the file layout or the MAC input changes. */
export const PACK_FORMAT = 1
/** The pack never grows past this many entries: the oldest go first. */
export const MAX_PACK_ENTRIES = 100_000
/** A larger pack file is not read (a miss): room for MAX_PACK_ENTRIES facts entries of ~2.5 KB, below V8's longest string. */
export const MAX_PACK_BYTES = 384 * 1024 * 1024
// A stored time this far in the future is not a clock skew but a bad entry.
const MAX_CLOCK_SKEW_MS = 24 * 3600 * 1000

export type EntryKind = 'facts' | 'tree' | 'keys' | 'trust'

interface PackEntry {
  kind: EntryKind
  /** A digest of everything the data depends on (memo.ts). */
  id: string
  storedAt: string
  /** The value, as JSON text: the MAC is over these exact bytes. */
  data: string
  mac: string
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
  #entries: Map<string, PackEntry> | undefined
  #dirty = false

  constructor(options: SealedPackOptions) {
    this.file = options.file
    this.#key = options.key
    this.#maxAgeMs = options.maxAgeMs
    this.#now = options.now ?? (() => new Date())
  }

  /** The data stored under (kind, id), when its MAC verifies and it has not expired. Never throws. */
  get(kind: EntryKind, id: string): { data: string; storedAt: string } | undefined {
    const entry = this.#load().get(slot(kind, id))
    if (!entry || !this.#usable(entry)) return undefined
    return { data: entry.data, storedAt: entry.storedAt }
  }

  /** Seals `data` under (kind, id); kept in memory until save(). `storedAt` defaults to now. */
  put(kind: EntryKind, id: string, data: string, storedAt: string = this.#now().toISOString()): void {
    this.#load().set(slot(kind, id), { kind, id, storedAt, data, mac: this.#mac(kind, id, storedAt, data) })
    this.#dirty = true
  }

  /**
   * Writes the pack when something was put: every entry that verifies and has not expired, newest
   * last, at most MAX_PACK_ENTRIES. A write error is logged, never thrown: the store only saves time.
   */
  save(): boolean {
    if (!this.#dirty || !this.#entries) return false
    const kept = [...this.#entries.values()].filter((e) => this.#usable(e)).sort((a, b) => (a.storedAt < b.storedAt ? -1 : a.storedAt > b.storedAt ? 1 : 0))
    const temp = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
    try {
      mkdirSync(dirname(this.file), { recursive: true })
      writePackFile(temp, kept.slice(-MAX_PACK_ENTRIES))
      renameSync(temp, this.file)
      this.#dirty = false
      return true
    } catch (err) {
      try {
        rmSync(temp, { force: true })
      } catch {
        // the folder itself is unusable: nothing was written
      }
      log.warn('verify-deps store', `could not write ${this.file}: ${(err as Error).message}`)
      return false
    }
  }

  #usable(entry: PackEntry): boolean {
    const age = this.#now().getTime() - Date.parse(entry.storedAt)
    if (!(age <= this.#maxAgeMs && age >= -MAX_CLOCK_SKEW_MS)) return false
    const expected = this.#macBytes(entry.kind, entry.id, entry.storedAt, entry.data)
    const given = Buffer.from(entry.mac, 'hex')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      log.verbose('verify-deps store', `ignoring ${entry.kind} entry ${entry.id}: its MAC does not verify`)
      return false
    }
    return true
  }

  #mac(kind: string, id: string, storedAt: string, data: string): string {
    return this.#macBytes(kind, id, storedAt, data).toString('hex')
  }

  #macBytes(kind: string, id: string, storedAt: string, data: string): Buffer {
    // Every field is delimited (NUL cannot occur in the kind, id or time), so no two entries share a MAC input.
    return createHmac('sha256', this.#key).update(`verify-deps sealed pack ${PACK_FORMAT}\0${kind}\0${id}\0${storedAt}\0`).update(data).digest()
  }

  #load(): Map<string, PackEntry> {
    if (this.#entries) return this.#entries
    this.#entries = new Map()
    let text: string
    try {
      // The cache folder may be poisoned: a FIFO or a link to an endless device in the pack's place
      // is a miss, not a hang (readRegularFile: regular files only, opened without blocking, capped).
      text = readRegularFile(this.file, MAX_PACK_BYTES).toString('utf8')
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') log.verbose('verify-deps store', `ignoring ${this.file}: ${(err as Error).message}`)
      return this.#entries
    }
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      log.verbose('verify-deps store', `ignoring ${this.file}: not JSON (a torn or foreign file)`)
      return this.#entries
    }
    const entries = isObject(doc) && doc.format === PACK_FORMAT && Array.isArray(doc.entries) ? doc.entries : []
    for (const entry of entries) {
      if (isPackEntry(entry)) this.#entries.set(slot(entry.kind, entry.id), entry)
    }
    return this.#entries
  }
}

/** The bytes a save writes at most at once: the pack is written in pieces, never built as one string (~28 MB at 10,000 packages). */
const SAVE_CHUNK_BYTES = 1024 * 1024

/**
 * Writes `{"format":…,"entries":[…]}` to `file` (a new file: never one already there), one chunk of
 * entries at a time, each entry with the five fields #load reads.
 */
function writePackFile(file: string, entries: readonly PackEntry[]): void {
  const fd = openSync(file, 'wx')
  try {
    let chunk = `{"format":${PACK_FORMAT},"entries":[`
    entries.forEach((entry, i) => {
      chunk += (i ? ',' : '') + JSON.stringify({ kind: entry.kind, id: entry.id, storedAt: entry.storedAt, data: entry.data, mac: entry.mac })
      if (chunk.length >= SAVE_CHUNK_BYTES) {
        writeAll(fd, chunk)
        chunk = ''
      }
    })
    writeAll(fd, `${chunk}]}`)
  } finally {
    closeSync(fd)
  }
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8')
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at)
}

function slot(kind: EntryKind, id: string): string {
  return `${kind} ${id}`
}

function isPackEntry(value: unknown): value is PackEntry {
  if (!isObject(value)) return false
  const { kind, id, storedAt, data, mac } = value
  return (kind === 'facts' || kind === 'tree' || kind === 'keys' || kind === 'trust') && typeof id === 'string' && !id.includes('\0') && typeof storedAt === 'string' && !storedAt.includes('\0') && typeof data === 'string' && typeof mac === 'string'
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
