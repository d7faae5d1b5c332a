/**
 * The evidence cache: what the registry served for a published package (its version data, publish
 * time and attestations document), so that a re-run on an unchanged lockfile makes no registry
 * request for it.
 *
 * It is not a source of truth. It holds *evidence*, never verdicts: every hit is verified again
 * against the run's trust material (lib/check.ts), exactly like freshly fetched evidence, and is
 * bound to the integrity the lockfile records (which comes from the lockfile, never from the entry).
 * The folder is writable by anything that runs as the user — a CI cache restored from another job, a
 * dependency's postinstall — so a forged entry can at worst hold evidence that must still verify,
 * with the same power a lying registry has over unsigned metadata (the publish time, `_npmUser`,
 * whether attestations are advertised), never more.
 *
 * Keyed by what the evidence is about, all known before fetching: the registry it came from, name,
 * version and the lockfile's integrity. The evidence of a published name@version with a given
 * integrity does not change; entries still expire after `maxAgeMs` (default 7 days) so that what a
 * registry changes later (an unpublished version, a re-published attestations document) is picked up.
 *
 * On disk under `dir` (the CLI's default: `<npm cache>/_verify-deps/facts/`), in `evidence-v<CACHE_FORMAT>/`:
 * one pack per run that fetched something (evidence-pack.ts), written as the run goes and put in
 * place when it ends (close()). An entry that does not parse, has the wrong shape or does not match
 * its key (another registry, name, version or integrity) is a miss, stored again by the run that
 * fetches it: it never makes a run fail. Only fully fetched evidence is stored.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { log } from './log.js'
import { readVersionFields } from './evidence.js'
import { EvidencePacks } from './evidence-pack.js'
import type { AttestationsEvidence, PackageEvidence, VersionData } from '../model/evidence.js'


export const DEFAULT_CACHE_MAX_AGE_MS = 7 * 24 * 3600 * 1000
/** The cache's folder inside npm's cache folder (`NpmConfig.cacheDir`). */
export const CACHE_SUBDIR = '_verify-deps'
/**
 * Bumped when the entry layout or the meaning of its fields changes. 1: verified facts keyed by a
 * trust digest (trusted blindly: issue 14); 2: evidence keyed by registry, verified on every hit;
 * 3: the version data also records whether the registry says the package has install scripts
 * (a format-2 entry lacks it, and would read as "no install scripts": fail open); 4: the same
 * entries, in packs (one file per run, not one per package).
 */
export const CACHE_FORMAT = 4
/** The entries' folder inside the cache folder. */
export const ENTRIES_DIR = `evidence-v${CACHE_FORMAT}`
// A stored time this far in the future is not a clock skew but a bad entry.
const MAX_CLOCK_SKEW_MS = 24 * 3600 * 1000

export interface CacheKey {
  /** The registry the evidence is fetched from, with a trailing slash. */
  registry: string
  name: string
  version: string
  /** The lockfile's integrity: what npm will install. */
  integrity: string
}

/** What a hit gives: evidence to verify, about exactly the key's package. */
export interface CacheHit {
  evidence: PackageEvidence
  storedAt: string
}

export interface EvidenceCacheOptions {
  dir: string
  maxAgeMs?: number
  now?: () => Date
}

/**
 * The stored part of PackageEvidence: name, version and integrity come from the key. Never the
 * release line's history (fetch/history.ts): everything in it is unsigned, and unlike the other
 * unsigned fields its *absence* passes — an entry forged to list no earlier versions (this folder is
 * a CI cache an attacker may poison) would hide a downgrade with no finding. The history is kept
 * only in the sealed store (fetch/store, HMAC under a key outside every cache folder); a hit here
 * when the history is wanted and the sealed store does not hold it reads the packument again.
 */
interface StoredEvidence {
  versionData: VersionData
  publishTime?: string
  attestations: AttestationsEvidence
}

interface CacheEntry extends CacheKey {
  format: number
  storedAt: string
  evidence: StoredEvidence
}

/** Entries are read as asked for and written as put; close() at the end of the run puts this run's pack in place. */
export class EvidenceCache {
  readonly dir: string
  readonly #maxAgeMs: number
  readonly #now: () => Date
  readonly #packs: EvidencePacks

  constructor(options: EvidenceCacheOptions) {
    this.dir = options.dir
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_CACHE_MAX_AGE_MS
    this.#now = options.now ?? (() => new Date())
    this.#packs = new EvidencePacks({ dir: join(this.dir, ENTRIES_DIR), maxAgeMs: this.#maxAgeMs, now: this.#now })
  }

  /** The key for a package from `registry`; undefined without a lockfile integrity (nothing pins the evidence). */
  keyFor(ref: { name: string; version: string; integrity?: string }, registry: string): CacheKey | undefined {
    if (!ref.integrity) return undefined
    return { registry, name: ref.name, version: ref.version, integrity: ref.integrity }
  }

  /** Cached evidence for the key, or undefined (missing, expired, corrupt, about something else). Never throws. */
  get(key: CacheKey): CacheHit | undefined {
    const id = entryId(key)
    const text = this.#packs.read(id)?.text
    if (text === undefined) return undefined
    let entry: unknown
    try {
      entry = JSON.parse(text)
    } catch {
      log.verbose('verify-deps cache', `ignoring unreadable entry ${id}`)
      return undefined
    }
    const stored = readEntry(entry, key)
    if (typeof stored === 'string') {
      log.verbose('verify-deps cache', `ignoring entry ${id}: ${stored}`)
      return undefined
    }
    const age = this.#now().getTime() - Date.parse(stored.storedAt)
    if (age > this.#maxAgeMs || age < -MAX_CLOCK_SKEW_MS) return undefined
    const { versionData, publishTime, attestations } = stored.evidence
    // Name, version and integrity are the key's: the lockfile's, never the entry's.
    const evidence: PackageEvidence = {
      name: key.name,
      version: key.version,
      integrity: key.integrity,
      versionData,
      ...(publishTime !== undefined && { publishTime }),
      attestations,
    }
    return { evidence, storedAt: stored.storedAt }
  }

  /**
   * Stores fully fetched evidence about the key's package (in this run's pack). Refuses (returns
   * false) evidence that was not fully fetched or is about another package. A write error is logged,
   * never thrown: the cache only saves time.
   *
   * `attestationsText`: the body the fetched attestations document was parsed from. It is stored as
   * it came instead of the document being written out again (the largest part of an entry); reading
   * it back parses to the same document.
   */
  put(key: CacheKey, evidence: PackageEvidence, attestationsText?: string): boolean {
    if (!evidence.versionData || evidence.attestations.state === 'failed') return false
    if (evidence.name !== key.name || evidence.version !== key.version || evidence.integrity !== key.integrity) return false
    const storedAt = this.#now().toISOString()
    const stored: StoredEvidence = {
      versionData: evidence.versionData,
      ...(evidence.publishTime !== undefined && { publishTime: evidence.publishTime }),
      attestations: evidence.attestations,
    }
    const entry: CacheEntry = { format: CACHE_FORMAT, ...key, storedAt, evidence: stored }
    let json: string
    if (attestationsText !== undefined && evidence.attestations.state === 'fetched') {
      // The entry without its attestations ends in `}}` (the evidence object, then the entry): they go last.
      const { attestations: _, ...rest } = stored
      json = `${JSON.stringify({ ...entry, evidence: rest }).slice(0, -2)},"attestations":{"state":"fetched","document":${oneLine(attestationsText)}}}}`
    } else {
      json = JSON.stringify(entry)
    }
    return this.#packs.append(entryId(key), storedAt, json)
  }

  /** Ends the run's use of the cache: what was put is in place for the next run. Never throws. */
  close(): void {
    this.#packs.close()
  }
}

/**
 * JSON text on one line. A newline can only be whitespace between tokens of JSON that parsed (inside
 * a string it must be escaped), so a space means the same.
 */
function oneLine(json: string): string {
  return json.includes('\n') || json.includes('\r') ? json.replace(/[\r\n]/g, ' ') : json
}

/** The digest of the key's canonical JSON (its fields in sorted order, written out: canonicalJSON's replacer costs more than the digest). */
function entryId(key: CacheKey): string {
  return sha256(JSON.stringify({ integrity: key.integrity, name: key.name, registry: key.registry, version: key.version }))
}

/** JSON with object keys sorted, so equal data digests equally. */
export function canonicalJSON(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    }
    return v
  })
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/**
 * A stored entry (attacker-writable JSON) as usable for `key`, or what is wrong with it. Only the
 * fields fetch/ itself would have gathered are kept, in the shapes it gives them; the values inside
 * (signatures, bundles) stay untrusted and are checked by the verifier as on every run.
 */
function readEntry(entry: unknown, key: CacheKey): { storedAt: string; evidence: StoredEvidence } | string {
  if (!isObject(entry)) return 'not an object'
  if (entry.format !== CACHE_FORMAT) return `format ${String(entry.format)}`
  for (const field of ['registry', 'name', 'version', 'integrity'] as const) {
    if (entry[field] !== key[field]) return `${field} does not match`
  }
  if (typeof entry.storedAt !== 'string' || Number.isNaN(Date.parse(entry.storedAt))) return 'storedAt is not a date'
  const evidence = entry.evidence
  if (!isObject(evidence)) return 'evidence is not an object'
  const versionData = readStoredVersionData(evidence.versionData)
  if (typeof versionData === 'string') return versionData
  if (evidence.publishTime !== undefined && typeof evidence.publishTime !== 'string') return 'publishTime is not a string'
  // A history (written by an older verify-deps, or forged) is never read: see StoredEvidence.
  const attestations = readStoredAttestations(evidence.attestations)
  if (typeof attestations === 'string') return attestations
  // fetch/ asks for the attestations document exactly when the version data advertises one.
  const advertised = versionData.dist?.attestations !== undefined && versionData.dist.attestations !== null
  if (advertised !== (attestations.state !== 'not-requested')) return 'attestations do not match what the version data advertises'
  return {
    storedAt: entry.storedAt,
    evidence: { versionData, ...(evidence.publishTime !== undefined && { publishTime: evidence.publishTime }), attestations },
  }
}

function readStoredVersionData(value: unknown): VersionData | string {
  if (!isObject(value)) return 'versionData is not an object'
  const data = readVersionFields(value)
  return 'field' in data ? `versionData.${data.field} is not ${data.expected}` : data
}

function readStoredAttestations(value: unknown): AttestationsEvidence | string {
  if (!isObject(value)) return 'attestations is not an object'
  switch (value.state) {
    case 'fetched':
      return value.document === undefined ? 'the attestations document is missing' : { state: 'fetched', document: value.document }
    case 'not-found':
      return { state: 'not-found' }
    case 'not-requested':
      return { state: 'not-requested' }
    default:
      // `failed` is never stored: a failure is fetched again.
      return `attestations state ${JSON.stringify(value.state)}`
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
