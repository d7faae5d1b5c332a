/**
 * The verified-facts memo: what verifyPackage produced for a registry package, plus the one evidence
 * field later stages read (the registry's word that the package has install scripts), sealed in the
 * pack so that a warm run skips both the fetch and the verification of that package.
 *
 * Keyed by everything the facts are a function of: the registry the evidence came from, name,
 * version, the lockfile's integrity (one sha512, as the evidence cache requires), the upstream when
 * the registry is a mirror of one (docs/mirrors.md), a digest of the trust material used (the trusted
 * root and the keys of that registry, or of its upstream), the tool version and the cache format. New trust material, another registry or another tool version is another key: a miss.
 * Entries expire after the evidence cache's max age, counted from when the evidence was fetched, so a
 * registry's later change (an unpublished version, a new attestations document) is seen as soon as it
 * would be without the memo. Failures (FETCH_FAILED) are never memoized.
 */
import { hash } from 'node:crypto'
import type { PackageRef } from '../../model.js'
import type { PackageFacts } from '../../model/facts.js'
import { parseIntegrity } from '../../model/integrity.js'
import { readRegistryHistory, storableHistory, type RegistryHistory } from '../../model/trust.js'
import { CACHE_FORMAT, canonicalJSON } from '../cache.js'
import { evidenceKey, type EvidenceOutcome } from '../evidence.js'
import { normalizeRegistry, type RegistryKeysResult } from '../registry-keys/by-registry.js'
import type { SealedPack } from './pack.js'

/** Bumped when what a facts entry holds, or how its id is made, changes. 2: facts carry where their evidence came from (`origin`). 3: the id digests the package's fields after a digest of its registry's. */
export const FACTS_MEMO_FORMAT = 3

/** A memo hit: the facts a fresh verification gave, and whether the registry said it has install scripts. */
export interface RememberedFacts {
  facts: PackageFacts
  installScripts: boolean
  /** The registry's `time[version]`, when the evidence had it (the release-age check's unsigned fallback). */
  publishTime?: string
  /** The release line's history, when the run that verified it wanted it (docs/continuity.md): a warm run needs no packument. */
  history?: RegistryHistory
}

export interface FactsMemoOptions {
  pack: SealedPack
  toolVersion: string
  /** The run's trusted root (as loaded: the JSON document). */
  trustedRoot: unknown
  registryKeys: ReadonlyMap<string, RegistryKeysResult>
  /** The upstream of a ref's registry, when it is a mirror (as the fetch stage is given it). */
  upstreamFor?: (ref: PackageRef, registry: string) => string | undefined
}

export class FactsMemo {
  readonly #options: FactsMemoOptions
  readonly #trustDigests = new Map<string, string>()
  readonly #scopeDigests = new Map<string, string>()

  constructor(options: FactsMemoOptions) {
    this.#options = options
  }

  /**
   * The memo hits among `refs`, keyed by evidenceKey(ref). Never throws. `settled`: the refs are
   * earlier versions verified for a history (remembered with `settled`), whose entries do not expire.
   */
  recall(refs: readonly PackageRef[], settled = false): Map<string, RememberedFacts> {
    const hits = new Map<string, RememberedFacts>()
    for (const ref of refs) {
      const key = evidenceKey(ref)
      if (hits.has(key)) continue
      const id = this.#id(ref)
      const entry = id && (this.#options.pack.get(settled ? 'settled' : 'facts', id) ?? (settled ? this.#options.pack.get('facts', id) : undefined))
      const remembered = entry && readRemembered(entry.data, ref)
      if (remembered) hits.set(key, remembered)
    }
    return hits
  }

  /**
   * Seals the facts verified from `fetched` (fetched or cached evidence) for `ref`. `settled`: `ref` is
   * an earlier version verified for a package's history — published versions are immutable, so its
   * verdict is kept for good (the pack's `settled` kind), not for the evidence cache's max age.
   */
  remember(ref: PackageRef, fetched: EvidenceOutcome | undefined, facts: PackageFacts, settled = false): void {
    if (fetched?.state !== 'fetched' && fetched?.state !== 'cached') return
    const id = this.#id(ref)
    if (!id) return
    const { publishTime } = fetched.evidence
    const history = storableHistory(fetched.evidence.history)
    const remembered: RememberedFacts = { facts, installScripts: fetched.evidence.versionData?.installScripts === true, ...(publishTime !== undefined && { publishTime }), ...(history !== undefined && { history }) }
    // Cached evidence keeps its own age: the memo never outlives the evidence it was verified from
    // (except a settled verdict, which needs no evidence again).
    if (settled) this.#options.pack.put('settled', id, JSON.stringify(remembered))
    else this.#options.pack.put('facts', id, JSON.stringify(remembered), fetched.state === 'cached' ? fetched.storedAt : undefined)
  }

  /** The entry id for a registry package pinned by one sha512, or undefined (never memoized). */
  #id(ref: PackageRef): string | undefined {
    if (ref.source !== 'registry' || !ref.registry || !isOneSha512(ref.integrity)) return undefined
    const registry = normalizeRegistry(ref.registry)
    const named = this.#options.upstreamFor?.(ref, registry)
    const upstream = named === undefined || normalizeRegistry(named) === registry ? undefined : normalizeRegistry(named)
    const scope = this.#scopeDigest(registry, upstream)
    // The package's own fields after the digest of what every package of its registry shares: one
    // small digest per package (a JSON array: no two packages give one input).
    return scope && sha256(JSON.stringify([scope, ref.name, ref.version, ref.integrity]))
  }

  /**
   * A digest of everything the facts of a package of `registry` (behind `upstream`, when a mirror)
   * depend on besides the package itself: the formats, the tool version, the registry, the upstream and
   * the trust material its packages are checked with. Undefined when the keys could not be had.
   */
  #scopeDigest(registry: string, upstream: string | undefined): string | undefined {
    // A JSON array, not the two joined: a registry URL may hold a space (an npmrc value is any text),
    // and `<mirror> <upstream>` must not find the digest of that mirror behind that upstream.
    const at = JSON.stringify([registry, upstream ?? null])
    let digest = this.#scopeDigests.get(at)
    if (digest === undefined) {
      // Behind a mirror the upstream's keys check the package, and its evidence may be the upstream's.
      const trust = this.#trustDigest(upstream ?? registry)
      if (!trust) return undefined
      digest = sha256(canonicalJSON({ cacheFormat: CACHE_FORMAT, format: FACTS_MEMO_FORMAT, registry, tool: this.#options.toolVersion, trust, ...(upstream && { upstream }) }))
      this.#scopeDigests.set(at, digest)
    }
    return digest
  }

  /** A digest of the trust material packages of `registry` are verified with; undefined when its keys could not be had. */
  #trustDigest(registry: string): string | undefined {
    let digest = this.#trustDigests.get(registry)
    if (digest === undefined) {
      const keys = this.#options.registryKeys.get(registry)
      if (keys?.state !== 'fetched') return undefined
      digest = sha256(canonicalJSON({ trustedRoot: this.#options.trustedRoot, registryKeys: keys.keys }))
      this.#trustDigests.set(registry, digest)
    }
    return digest
  }
}

/** A sealed entry's data as facts about `ref`, or undefined. Sealed by us, yet checked: a mix-up is a miss, not a wrong verdict. */
function readRemembered(data: string, ref: PackageRef): RememberedFacts | undefined {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return undefined
  }
  const { facts, installScripts, publishTime, history } = (value ?? {}) as Partial<RememberedFacts>
  if (typeof facts !== 'object' || facts === null || facts.name !== ref.name || facts.version !== ref.version || typeof installScripts !== 'boolean') return undefined
  if (!Array.isArray(facts.findings)) return undefined
  if (publishTime !== undefined && typeof publishTime !== 'string') return undefined
  const readHistory = history === undefined ? undefined : readRegistryHistory(history)
  if (history !== undefined && readHistory === undefined) return undefined
  return { facts, installScripts, ...(publishTime !== undefined && { publishTime }), ...(readHistory !== undefined && { history: readHistory }) }
}

/** SHA-256, hex. One call, no Hash object: the memos take one per package. */
export function sha256(data: string | Buffer): string {
  return hash('sha256', data, 'hex')
}

/**
 * Whether an integrity string pins exactly one sha512 digest (parseIntegrity's `sha512`). The usual
 * lockfile form, one canonical base64 sha512 digest and nothing else (88 characters whose last before
 * `==` carries no stray bits), is that without ssri's parse; anything else is asked of parseIntegrity.
 */
export function isOneSha512(integrity: unknown): boolean {
  return (typeof integrity === 'string' && ONE_SHA512.test(integrity)) || parseIntegrity(integrity).kind === 'sha512'
}
const ONE_SHA512 = /^sha512-[A-Za-z0-9+/]{85}[AQgw]==$/
