/**
 * The verification cache: what was verified about a published package, so that a re-run on an
 * unchanged lockfile makes no registry request for it.
 *
 * Keyed by what the facts depend on, all known before fetching: name, version, the lockfile's
 * integrity, and a digest of the trust material (trusted root, the registry's keys, this tool's
 * version and the entry format). The evidence of a published name@version with a given integrity
 * does not change, so the key stands for it; the entry also records the digest of the evidence it
 * was made from. A rotated or revoked registry key changes the trust digest (a miss); entries also
 * expire after `maxAgeMs` (default 7 days) so that anything the registry changes later (a key
 * withdrawn without a new trust root, a re-published attestations document) is picked up.
 *
 * On disk under `dir` (the CLI's default: `<npm cache>/_verify-deps/`), one JSON file per entry,
 * written atomically (temp file + rename). An entry that does not parse, has the wrong shape or
 * does not match its key is ignored and later overwritten: the cache is never trusted blindly and
 * never makes a run fail. Only facts from fully fetched evidence are stored, never a failure.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import procLog from 'proc-log'
import { isFindingCode } from '../findings.js'
import type { RegistryKey } from '../verify/registry-keys.js'
import type { PackageEvidence, PackageFacts } from '../verify/types.js'

const { log } = procLog

export const DEFAULT_CACHE_MAX_AGE_MS = 7 * 24 * 3600 * 1000
/** The cache's folder inside npm's cache folder (`NpmConfig.cacheDir`). */
export const CACHE_SUBDIR = '_verify-deps'
/** Bumped when the entry layout or the meaning of facts changes. */
export const CACHE_FORMAT = 1
const ENTRIES_DIR = `facts-v${CACHE_FORMAT}`
// A stored time this far in the future is not a clock skew but a bad entry.
const MAX_CLOCK_SKEW_MS = 24 * 3600 * 1000

export interface CacheKey {
  name: string
  version: string
  integrity: string
  trustDigest: string
}

export interface CacheHit {
  facts: PackageFacts
  evidenceDigest: string
  storedAt: string
}

export interface VerificationCacheOptions {
  dir: string
  /** The trusted root in use: part of every trust digest. */
  trustedRoot: unknown
  /** verify-deps' version: facts from another version are not reused. */
  toolVersion: string
  maxAgeMs?: number
  now?: () => Date
}

interface CacheEntry extends CacheKey {
  format: number
  evidenceDigest: string
  storedAt: string
  facts: PackageFacts
}

export class VerificationCache {
  readonly dir: string
  readonly #rootDigest: string
  readonly #maxAgeMs: number
  readonly #now: () => Date
  readonly #trustDigests = new WeakMap<readonly RegistryKey[], string>()

  constructor(options: VerificationCacheOptions) {
    this.dir = options.dir
    this.#rootDigest = sha256(canonicalJSON({ format: CACHE_FORMAT, tool: options.toolVersion, trustedRoot: options.trustedRoot }))
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_CACHE_MAX_AGE_MS
    this.#now = options.now ?? (() => new Date())
  }

  /** The key for a package under its registry's keys; undefined without a lockfile integrity (nothing pins the evidence). */
  keyFor(ref: { name: string; version: string; integrity?: string }, registryKeys: readonly RegistryKey[] | null): CacheKey | undefined {
    if (!ref.integrity) return undefined
    return { name: ref.name, version: ref.version, integrity: ref.integrity, trustDigest: this.trustDigest(registryKeys) }
  }

  /** Digest of the trusted root, tool version and the given registry keys (null: the registry has none). */
  trustDigest(registryKeys: readonly RegistryKey[] | null): string {
    if (registryKeys === null) return sha256(`${this.#rootDigest}\0no-keys`)
    let digest = this.#trustDigests.get(registryKeys)
    if (!digest) {
      digest = sha256(`${this.#rootDigest}\0${digestRegistryKeys(registryKeys)}`)
      this.#trustDigests.set(registryKeys, digest)
    }
    return digest
  }

  /** Cached facts for the key, or undefined (missing, expired, corrupt). Never throws. */
  get(key: CacheKey): CacheHit | undefined {
    const file = this.#file(key)
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      return undefined
    }
    let entry: unknown
    try {
      entry = JSON.parse(text)
    } catch {
      log.verbose('verify-deps cache', `ignoring unreadable entry ${file}`)
      return undefined
    }
    const problem = checkEntry(entry, key)
    if (problem) {
      log.verbose('verify-deps cache', `ignoring entry ${file}: ${problem}`)
      return undefined
    }
    const { facts, evidenceDigest, storedAt } = entry as CacheEntry
    const age = this.#now().getTime() - Date.parse(storedAt)
    if (age > this.#maxAgeMs || age < -MAX_CLOCK_SKEW_MS) return undefined
    return { facts, evidenceDigest, storedAt }
  }

  /**
   * Stores facts verified from `evidence`. Refuses (returns false) what must not be cached:
   * evidence that was not fully fetched, or facts and evidence that are not about the key's
   * package. A write error is logged, never thrown: the cache only saves time.
   */
  put(key: CacheKey, evidence: PackageEvidence, facts: PackageFacts): boolean {
    if (!evidence.versionData || evidence.attestations.state === 'failed') return false
    if (evidence.name !== key.name || evidence.version !== key.version || evidence.integrity !== key.integrity) return false
    if (facts.name !== key.name || facts.version !== key.version) return false
    const entry: CacheEntry = {
      format: CACHE_FORMAT,
      ...key,
      evidenceDigest: digestEvidence(evidence),
      storedAt: this.#now().toISOString(),
      // Round-trip through JSON so what is stored is exactly what a later read returns.
      facts: JSON.parse(JSON.stringify(facts)) as PackageFacts,
    }
    const file = this.#file(key)
    const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
    try {
      mkdirSync(join(file, '..'), { recursive: true })
      writeFileSync(temp, JSON.stringify(entry))
      renameSync(temp, file)
      return true
    } catch (err) {
      try {
        rmSync(temp, { force: true })
      } catch {
        // the folder itself is unusable: nothing was written
      }
      log.warn('verify-deps cache', `could not write ${file}: ${(err as Error).message}`)
      return false
    }
  }

  #file(key: CacheKey): string {
    const id = sha256(canonicalJSON(key))
    return join(this.dir, ENTRIES_DIR, id.slice(0, 2), `${id}.json`)
  }
}

/** Digest of everything fetched for a package (the tarball bytes are not evidence the cache keeps). */
export function digestEvidence(evidence: PackageEvidence): string {
  const { tarball: _tarball, ...rest } = evidence
  return sha256(canonicalJSON(rest))
}

function digestRegistryKeys(keys: readonly RegistryKey[]): string {
  const material = [...keys]
    .sort((a, b) => (a.keyid < b.keyid ? -1 : a.keyid > b.keyid ? 1 : 0))
    .map((k) => ({
      keyid: k.keyid,
      spki: k.spkiBase64,
      usages: Object.fromEntries(
        Object.entries(k.usages).map(([usage, v]) => [usage, { from: v?.validFrom?.toISOString() ?? null, to: v?.expires?.toISOString() ?? null }]),
      ),
    }))
  return sha256(canonicalJSON(material))
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

/** What is wrong with a stored entry, or undefined when it is usable for `key`. */
function checkEntry(entry: unknown, key: CacheKey): string | undefined {
  if (!isObject(entry)) return 'not an object'
  if (entry.format !== CACHE_FORMAT) return `format ${String(entry.format)}`
  for (const field of ['name', 'version', 'integrity', 'trustDigest'] as const) {
    if (entry[field] !== key[field]) return `${field} does not match`
  }
  if (typeof entry.evidenceDigest !== 'string' || typeof entry.storedAt !== 'string' || Number.isNaN(Date.parse(entry.storedAt))) {
    return 'missing evidenceDigest or storedAt'
  }
  return checkFacts(entry.facts, key)
}

function checkFacts(facts: unknown, key: CacheKey): string | undefined {
  if (!isObject(facts)) return 'facts is not an object'
  if (facts.name !== key.name || facts.version !== key.version) return 'facts are about another package'
  for (const part of ['integrity', 'signature', 'provenance', 'publish'] as const) {
    const value = facts[part]
    if (!isObject(value) || typeof value.status !== 'string') return `facts.${part} has no status`
  }
  if (!isObject(facts.publisher) || facts.publisher.source !== 'registry-metadata') return 'facts.publisher is malformed'
  const findings = facts.findings
  if (!Array.isArray(findings)) return 'facts.findings is not an array'
  for (const f of findings as unknown[]) {
    if (!isObject(f) || typeof f.code !== 'string' || !isFindingCode(f.code) || typeof f.message !== 'string') return 'a finding is malformed'
  }
  return undefined
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
