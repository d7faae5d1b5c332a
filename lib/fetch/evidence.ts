/**
 * The evidence for each registry package, fetched from its configured registry:
 *  1. the evidence cache, first: a hit means no request at all for the package. It gives evidence,
 *     never a verdict: a hit is verified like fetched evidence (cache.ts says why);
 *  2. the version document `GET <registry>/<name>/<version>` (dist.integrity, dist.signatures,
 *     dist.attestations, _npmUser). When every signing key of the registry bounds its validity (npm's
 *     keys from Sigstore TUF), a signed version needs the packument anyway (step 3), so the version
 *     document is read from the packument instead: one request, not two. It is the same unsigned
 *     registry metadata as the version endpoint serves; only the version asked for and its time are
 *     kept of a packument that can be megabytes. A packument that fails or lacks the version falls
 *     back to the version document and step 3, as for any other registry;
 *  3. the publish time `time[version]`, only when needed: it is only in the full packument
 *     (`GET <registry>/<name>`, possibly megabytes), and only matters when
 *     a signature names a registry key whose `npm:signatures` use has a validity bound (the
 *     verifier checks the key was valid at publish time, and without a time fails closed). The same
 *     rule holds for every registry. With Sigstore TUF's npm keys (`validFor.start` is always set)
 *     this means the packument for every signed package on the first run; the cache saves it later.
 *     When the check wants the package's history (`historyFor`: its rule checks continuity or a
 *     release age), the version document is read from the packument too, and the locked version's
 *     release line is kept of it (fetch/history.ts): still one request. A packument that fails gives
 *     history `unavailable` (not cached), never an empty one. An earlier version the check verifies
 *     for that history (`knownVersion`) takes its document from the packument already read: no request;
 *  4. the attestations document, when `dist.attestations` advertises one, from
 *     `<configured registry>/-/npm/v1/attestations/<name>@<version>`: never from the advertised URL,
 *     which is registry metadata no signature covers (and could name any host).
 *
 * Behind a mirror (docs/mirrors.md): when an upstream is set for a package (`upstreamFor`), its
 * registry is a mirror of that upstream. Registry signatures are checked with the upstream's keys
 * (they sign `name@version:integrity`, whatever host serves them); the mirror's evidence is used when
 * it is complete (dist.signatures, and attestations that could be fetched), else the same steps run
 * against the upstream by name@version, without credentials (`credentials: false`: no token of any
 * registry reaches a URL a project .npmrc can choose). Either way the verifier binds it to the
 * lockfile's integrity: an upstream that says another integrity, or signs with another key, fails.
 * The mirror's and the upstream's evidence are cached under their own registry.
 *
 * Offline (`offline`), step 1 is all there is: a cache miss is a FetchFailure, with no request. A
 * version carrying `dist.signatures` from a registry that said it publishes no keys is contradictory:
 * the keys are asked for once more (`recheckKeys`) and the package is a FetchFailure either way.
 *
 * A bounded pool of workers, one request in flight each. Every failure — network, timeout, HTTP
 * error, 404, malformed or truncated JSON, no registry keys — makes the package a FetchFailure (the
 * FETCH_FAILED finding upstream: could not verify, never a pass), including a failed attestations
 * request; only a 404 for advertised attestations is evidence (`not-found`: the verifier reports it).
 * fetch/ gathers and never decides.
 */
import { claimedLevel, readPackumentHistory } from './history.js'
import { log } from './log.js'
import type { PackageRef } from '../model.js'
import { parseIntegrity } from '../model/integrity.js'
import type { AttestationsEvidence, EarlierVersion, EvidenceOrigin, PackageEvidence, RegistryKey, VersionData } from '../model/evidence.js'
import { downgradeCandidates, identityCandidates, type HistoryVersion, type RegistryHistory, type TrustLevel } from '../model/trust.js'
import type { EvidenceCache } from './cache.js'
import { getJSON, requestPolicy, type GetJSONOptions, type RetryPolicy } from './http.js'
import type { NpmConfig } from './npm-config.js'
import { mapWithConcurrency } from './pool.js'
import { normalizeRegistry, type RegistryKeysResult } from './registry-keys/by-registry.js'


/**
 * Packages in flight at once. Sized for real round-trip times, not loopback: at 25 ms RTT a package
 * (two or three sequential requests) waits ~75 ms per request chain, and 32 chains kept both cores
 * busy verifying (issue 11: cold 500 packages from ~7 s to ~1 s).
 */
export const DEFAULT_CONCURRENCY = 32

/**
 * The evidence was fetched (and stored in the cache, when one is in use); verify it with
 * `registryKeys`, the keys of `keysRegistry`. `registry` is the package's own (where npm installs it
 * from); `evidence.origin` says where the evidence came from.
 */
export interface FetchedEvidence {
  state: 'fetched'
  evidence: PackageEvidence
  registry: string
  /** The registry whose keys `registryKeys` are: `registry`, or its upstream. */
  keysRegistry: string
  registryKeys: readonly RegistryKey[] | null
}

/**
 * Evidence from the cache: nothing was fetched. Untrusted like fetched evidence and verified the
 * same way, with `registryKeys`; name, version and integrity are the ref's, never the entry's.
 */
export interface CachedEvidence {
  state: 'cached'
  evidence: PackageEvidence
  registry: string
  keysRegistry: string
  registryKeys: readonly RegistryKey[] | null
  /** When the entry was written (ISO 8601). */
  storedAt: string
}

/** The package could not be verified: FETCH_FAILED upstream. `reason` is redacted and names the package and URL. */
export interface FetchFailure {
  state: 'failed'
  name: string
  version: string
  registry: string
  reason: string
  /** The request that failed, when one did. */
  url?: string
  /** The version carries dist.signatures but the registry publishes no keys: a mirror of a registry that signs? (the report's diagnosis). */
  signedWithoutKeys?: true
}

export type EvidenceOutcome = FetchedEvidence | CachedEvidence | FetchFailure

export interface FetchEvidenceOptions {
  config: NpmConfig
  /** From fetchKeysForRegistries, for every registry whose keys the refs use (their own, or their upstream's). */
  registryKeys: ReadonlyMap<string, RegistryKeysResult>
  /**
   * The upstream of a ref's registry (`--upstream`, `verify-deps-upstream`; docs/mirrors.md), when
   * one is set for it: its keys check the ref, and its evidence is used when the mirror's is incomplete.
   */
  upstreamFor?: (ref: PackageRef, registry: string) => string | undefined
  /** Packages in flight at most (one request each at a time); default DEFAULT_CONCURRENCY. */
  concurrency?: number
  /** Per request attempt, headers and body; default npm's `fetch-timeout` when set, else 30 s. */
  timeoutMs?: number
  /** Default npm's `fetch-retries` when set, else 2. */
  retries?: number
  /** Backoff and Retry-After cap; defaults from npm's `fetch-retry-*` when set, else DEFAULT_RETRY_POLICY. */
  retry?: Partial<Omit<RetryPolicy, 'retries'>>
  /** Omit (`--no-cache`) to always fetch. */
  cache?: EvidenceCache
  /** No network at all (`--offline`, npm's `offline`): a package not in the cache could not be verified. */
  offline?: boolean
  /**
   * Asks a registry for its keys again, when a version carries `dist.signatures` although the
   * registry said it publishes no keys (contradictory evidence). Called at most once per registry.
   */
  recheckKeys?: (registry: string) => Promise<RegistryKeysResult>
  /**
   * Whether the check wants `ref`'s history (and publish time) from its packument (docs/continuity.md),
   * and from when (`since`, the policy's `YYYY-MM-DD`): then the packument is read (one request,
   * replacing the version document's) and the evidence carries `history`. The evidence cache keeps
   * no history (cache.ts), so a cache hit is fetched again when the history is wanted (offline: used
   * without it); the sealed store keeps it for warm runs (lib/check.ts).
   */
  historyFor?: (ref: PackageRef) => { since?: string } | undefined
  /**
   * The version document and publish time of `ref` already read from its packument in this run
   * (PackageEvidence.historyDocuments of a later version), if any: used instead of asking again, from
   * the package's own registry only (behind a mirror, fetched as usual).
   */
  knownVersion?: (ref: PackageRef) => EarlierVersion | undefined
  signal?: AbortSignal
}

/** The key of a ref in fetchEvidence's result: one entry per distinct registry, name, version and integrity. */
export function evidenceKey(ref: Pick<PackageRef, 'name' | 'version' | 'integrity' | 'registry'>): string {
  return `${ref.name}@${ref.version} ${ref.integrity ?? '-'} ${ref.registry ? normalizeRegistry(ref.registry) : '-'}`
}

/**
 * Evidence for the registry packages among `refs` (other sources have none and are left out),
 * keyed by `evidenceKey(ref)`. Never throws for a package: every package ends as one outcome.
 */
export async function fetchEvidence(refs: readonly PackageRef[], options: FetchEvidenceOptions): Promise<Map<string, EvidenceOutcome>> {
  const arrived = new Map<string, EvidenceOutcome>()
  const keys = await forEachEvidence(refs, options, (key, _ref, outcome) => {
    arrived.set(key, outcome)
  })
  return new Map(keys.map((key) => [key, arrived.get(key)!]))
}

/**
 * fetchEvidence as a stream: `consume` gets each distinct registry package's outcome as soon as it
 * is complete, inside the pool. The package's slot is held until `consume` returns, so whatever it
 * does with the evidence (verify it, then let it go) is bounded by the same concurrency, and no
 * evidence waits for the others. Returns the distinct keys, in input order. Never throws for a package.
 */
export async function forEachEvidence(
  refs: readonly PackageRef[],
  options: FetchEvidenceOptions,
  consume: (key: string, ref: PackageRef, outcome: EvidenceOutcome) => void | Promise<void>,
): Promise<string[]> {
  const unique = new Map<string, PackageRef>()
  for (const ref of refs) {
    if (ref.source !== 'registry') continue
    const key = evidenceKey(ref)
    if (!unique.has(key)) unique.set(key, ref)
  }
  const context = requestContext(options)
  await mapWithConcurrency([...unique], options.concurrency ?? DEFAULT_CONCURRENCY, async ([key, ref]) => {
    await consume(key, ref, await fetchPackage(ref, options, context))
  })
  return [...unique.keys()]
}

export interface RequestContext {
  /**
   * `anonymous`: without the registry's credentials (an upstream, or a feed on another origin).
   */
  request: (url: string, registry: string, how?: { anonymous?: boolean }) => ReturnType<typeof getJSON>
}

/**
 * Request options per registry. npm's HTTP cache (make-fetch-happen over `<npm cache>/_cacache`) is
 * not used, for any document: make-fetch-happen answers a failed revalidation (timeout, reset) with
 * the stale cached copy, so a network failure — or a registry that stopped serving a version's
 * history — would not show; and writing every packument to cacache cost more than the request itself
 * (issue 12: at 1,000 packages, reading the packuments through it took a cold check from 2.1 s to
 * 3.7–4.9 s, without it 3.4 s of CPU either way). What a run needs of a packument (a version's
 * document, its publish time, its release line's history) is kept in the verification cache and the
 * sealed store instead, and a changed packument (a new version) would miss npm's cache anyway.
 */
export function requestContext(options: Pick<FetchEvidenceOptions, 'config' | 'timeoutMs' | 'retries' | 'retry' | 'concurrency' | 'signal'>): RequestContext {
  const { config } = options
  const { timeoutMs, retry } = requestPolicy(config.fetchSettings(), {
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.retries !== undefined && { retries: options.retries }),
    ...(options.retry && { retry: options.retry }),
  })
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY
  const perRegistry = new Map<string, GetJSONOptions>()
  return {
    request: (url, registry, how = {}) => {
      // An upstream is asked without credentials: its options are its own entry, never a registry's.
      const entry = `${how.anonymous ? 'anonymous' : 'credentials'} ${registry}`
      let forRegistry = perRegistry.get(entry)
      if (!forRegistry) {
        // Enough sockets for the pool, so that no request waits for one while its timeout runs; no HTTP cache (above).
        const { cache: _httpCache, ...fetchOptions } = { ...config.fetchOptions(registry, { credentials: !how.anonymous }), maxSockets: concurrency }
        forRegistry = { timeoutMs, retry, redact: (text: string) => config.redact(text), ...(options.signal && { signal: options.signal }), fetchOptions }
        perRegistry.set(entry, forRegistry)
      }
      return getJSON(url, forRegistry)
    },
  }
}

async function fetchPackage(ref: PackageRef, options: FetchEvidenceOptions, context: RequestContext): Promise<EvidenceOutcome> {
  const registry = normalizeRegistry(ref.registry ?? options.config.registryFor(ref.name))
  const named = options.upstreamFor?.(ref, registry)
  const upstream = named === undefined ? undefined : normalizeRegistry(named)
  if (upstream === undefined || upstream === registry) return fetchFrom(ref, { registry, role: 'registry', keys: registry }, options, context)

  // Behind a mirror: its evidence when complete, else the upstream's; the upstream's keys either way
  // (without them, neither can be verified: one failure, no request).
  const mirrorOrigin: EvidenceOrigin = { registry, role: 'mirror', keys: upstream }
  if (options.registryKeys.get(upstream)?.state !== 'fetched') return fetchFrom(ref, mirrorOrigin, options, context)
  const mirror = await fetchFrom(ref, mirrorOrigin, options, context)
  if (mirror.state !== 'failed' && isComplete(mirror.evidence)) return mirror
  const fromUpstream = await fetchFrom(ref, { registry: upstream, role: 'upstream', keys: upstream }, options, context)
  if (fromUpstream.state === 'failed') {
    const reason = mirror.state === 'failed' ? `${mirror.reason}; and from the upstream: ${fromUpstream.reason}` : fromUpstream.reason
    return { ...fromUpstream, registry, reason }
  }
  log.verbose('fetch', options.config.redact(`${ref.name}@${ref.version}: ${mirror.state === 'failed' ? mirror.reason : `${registry} serves it without ${carriesSignatures(mirror.evidence.versionData ?? {}) ? 'attestations' : 'signatures'}`}; evidence from the upstream ${upstream}`))
  // npm installs it from the mirror (`registry`: tarballs, credentials); the mirror's word that it has
  // install scripts still counts (it only ever raises the lockfile's flag).
  const scripts = mirror.state !== 'failed' && mirror.evidence.versionData?.installScripts === true
  const evidence = scripts ? { ...fromUpstream.evidence, versionData: { ...fromUpstream.evidence.versionData, installScripts: true as const } } : fromUpstream.evidence
  return { ...fromUpstream, registry, evidence }
}

/** Whether a mirror's evidence is all an upstream could add: signatures, and attestations that were fetched. */
function isComplete(evidence: PackageEvidence): boolean {
  return carriesSignatures(evidence.versionData ?? {}) && evidence.attestations.state === 'fetched'
}

/**
 * The evidence for `ref` from `origin.registry`, checked with the keys of `origin.keys`: steps 1–4.
 * An upstream (`role: 'upstream'`) is asked without credentials. The outcome's `registry` is
 * `origin.registry`; the caller names the package's own when the upstream answered.
 */
async function fetchFrom(ref: PackageRef, origin: EvidenceOrigin, options: FetchEvidenceOptions, context: RequestContext): Promise<EvidenceOutcome> {
  const { name, version } = ref
  const id = `${name}@${version}`
  const { registry } = origin
  const anonymous = origin.role === 'upstream'
  const request: RequestContext['request'] = (url, on, how = {}) => context.request(url, on, { ...how, anonymous })
  const fail = (reason: string, url?: string, more: Partial<FetchFailure> = {}): FetchFailure => {
    const failure: FetchFailure = { state: 'failed', name, version, registry, reason: options.config.redact(`${id}: ${reason}`), ...(url && { url: options.config.redact(url) }), ...more }
    log.verbose('fetch', failure.reason)
    return failure
  }

  const keys = options.registryKeys.get(origin.keys)
  if (!keys) return fail(`the signing keys of ${origin.keys} were not looked up`)
  if (keys.state === 'failed') return fail(`the signing keys of ${origin.keys} could not be obtained: ${keys.reason}`)
  const historyWanted = options.historyFor?.(ref)

  // 1. The cache, keyed by this registry: a hit needs no request. Evidence stored without a publish
  //    time that these keys need (they gained a validity bound since) is fetched again. Only a
  //    lockfile integrity that pins one sha512 pins the evidence; other entries are verified afresh
  //    each run (their facts depend on downloaded bytes).
  const cacheKey = parseIntegrity(ref.integrity).kind === 'sha512' ? options.cache?.keyFor(ref, registry) : undefined
  if (cacheKey && options.cache) {
    const hit = options.cache.get(cacheKey)
    // The evidence cache keeps no history (cache.ts: it is not sealed): wanted, it is read from the
    // packument again — online; offline the entry is all there is, and the history is not known.
    const stale = (hit?.evidence.publishTime === undefined && needsPublishTime(hit?.evidence.versionData?.dist?.signatures, keys.keys)) || (historyWanted !== undefined && !options.offline)
    if (hit && !stale) return { state: 'cached', evidence: { ...hit.evidence, origin }, registry, keysRegistry: origin.keys, registryKeys: keys.keys, storedAt: hit.storedAt }
  }

  // Offline means no request at all, as in npm: what the cache does not hold could not be verified.
  if (options.offline) return fail(`offline: no evidence for it in the verification cache (run once online, or without --offline / npm's offline)`)

  const path = escapedName(name)
  if (!path) return fail('not a valid package name for a registry request')

  // 2. The version document: given (an earlier version, from the packument the history pass read);
  //    from the packument when every key needs a publish time or the history is wanted (one request
  //    for both), else — or when that packument cannot give it — from the version endpoint.
  const packumentUrl = `${registry}${path}`
  let versionData: VersionData | undefined
  let publishTime: string | undefined
  let fromPackument = false
  let history: RegistryHistory | undefined
  let historyDocuments: Record<string, EarlierVersion> | undefined
  const known = origin.role === 'registry' ? options.knownVersion?.(ref) : undefined
  if (known) ({ versionData, publishTime, fromPackument } = { ...known, fromPackument: true })
  else if (everyKeyBounded(keys.keys) || historyWanted) {
    const packument = await request(packumentUrl, registry)
    if (historyWanted) history = packument.ok ? readPackumentHistory(packument.document, version, historyWanted.since) : { state: 'unavailable', reason: `the packument could not be fetched: ${options.config.redact(packument.reason)}`, failed: true }
    const read = packument.ok ? readPackumentVersion(packument.document, name, version) : undefined
    if (packument.ok && history?.state === 'listed' && read && typeof read === 'object') historyDocuments = likelyCandidateDocuments(packument.document, name, history.versions, claimedLevel(read.versionData))
    if (typeof read === 'string') return fail(`the packument from GET ${packumentUrl} ${read}`, packumentUrl)
    if (read) ({ versionData, publishTime, fromPackument } = { ...read, fromPackument: true })
    else log.verbose('fetch', `${id}: ${packument.ok ? `the packument has no version ${version}` : options.config.redact(packument.reason)}; asking for the version document`)
  }
  if (!versionData) {
    const versionUrl = `${registry}${path}/${encodeURIComponent(version)}`
    const versionResponse = await request(versionUrl, registry)
    if (!versionResponse.ok) {
      return fail(versionResponse.status === 404 ? `${registry} has no such version (GET ${versionUrl}: HTTP 404)` : versionResponse.reason, versionUrl)
    }
    const read = readVersionData(versionResponse.document, name, version)
    if (typeof read === 'string') return fail(`the version document from GET ${versionUrl} ${read}`, versionUrl)
    versionData = read
  }

  // 2b. Signatures from a registry that says it has no keys: one of the two answers is false. Ask
  // for the keys again; either way the package cannot be verified on this run (never a warning).
  if (keys.keys === null && carriesSignatures(versionData)) {
    const again = await options.recheckKeys?.(origin.keys)
    const told = again === undefined ? '' : again.state === 'fetched' && again.keys !== null ? ', then served keys when asked again' : ', and not when asked again either'
    return fail(`the version carries dist.signatures but ${origin.keys} says it publishes no signing keys (-/npm/v1/keys: 404/400)${told}: contradictory evidence, not verified`, undefined, { signedWithoutKeys: true })
  }

  // 3. The publish time, when a signing key's validity depends on it (and the packument was not read yet).
  if (!fromPackument && needsPublishTime(versionData.dist?.signatures, keys.keys)) {
    const packument = await request(packumentUrl, registry)
    if (!packument.ok) return fail(`the publish time is needed and the packument could not be fetched: ${packument.reason}`, packumentUrl)
    const time = readPublishTime(packument.document, version)
    if (typeof time === 'object') return fail(`the packument from GET ${packumentUrl} ${time.problem}`, packumentUrl)
    publishTime = time
    if (publishTime === undefined) log.verbose('fetch', `${id}: the packument has no time[${version}]`)
    // The packument read for the version document failed, this one did not: the history from it.
    if (historyWanted) history = readPackumentHistory(packument.document, version, historyWanted.since)
  }

  // 4. Attestations, from the registry asked (the configured one, or the upstream the user named) only.
  let attestations: AttestationsEvidence = { state: 'not-requested' }
  let attestationsText: string | undefined
  if (versionData.dist?.attestations !== undefined && versionData.dist.attestations !== null) {
    const attestationsUrl = `${registry}-/npm/v1/attestations/${path}@${encodeURIComponent(version)}`
    const response = await request(attestationsUrl, registry)
    if (response.ok) ({ attestations, attestationsText } = { attestations: { state: 'fetched', document: response.document }, attestationsText: response.text })
    else if (response.status === 404) attestations = { state: 'not-found' }
    else return fail(`the advertised attestations could not be fetched: ${response.reason}`, attestationsUrl)
  }

  const evidence: PackageEvidence = {
    name,
    version,
    ...(ref.integrity !== undefined && { integrity: ref.integrity }),
    versionData,
    ...(publishTime !== undefined && { publishTime }),
    ...(history !== undefined && { history }),
    attestations,
  }
  if (cacheKey) options.cache?.put(cacheKey, evidence, attestationsText)
  return { state: 'fetched', evidence: { ...evidence, ...(historyDocuments && { historyDocuments }), origin }, registry, keysRegistry: origin.keys, registryKeys: keys.keys }
}

/**
 * The name as a registry path segment: `@scope%2fname` for scoped names (as npm-package-arg's
 * escapedName). The name comes from the lockfile, which a pull request can change: anything that
 * could leave the package's path (`..`, extra slashes) is refused.
 */
export function escapedName(name: string): string | undefined {
  const match = /^(?:@([^/@\s]+)\/)?([^/@\s]+)$/.exec(name)
  if (!match) return undefined
  const [, scope, base] = match
  if (base === '.' || base === '..' || scope === '.' || scope === '..') return undefined
  return scope ? `@${encodeURIComponent(scope)}%2f${encodeURIComponent(base!)}` : encodeURIComponent(base!)
}

/** The fields the verifier reads, from the untrusted version document; a string says what is wrong. */
export function readVersionData(doc: unknown, name: string, version: string): VersionData | string {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'is not a JSON object'
  const d = doc as Record<string, unknown>
  // A document about another package or version is not evidence for this one.
  if (d.name !== undefined && d.name !== name) return `is about ${JSON.stringify(d.name)}, not ${name}`
  if (d.version !== undefined && d.version !== version) return `is about version ${JSON.stringify(d.version)}, not ${version}`
  const data = readVersionFields(d)
  return 'field' in data ? `has a ${data.field} that is not ${data.expected}` : data
}

/**
 * The fields the verifier reads from a version document's object (from the registry, or from the
 * evidence cache), or the field that is malformed. A `dist.integrity` that is not a string is not
 * "no integrity stated": the verifier would read it as absent and let the lockfile's stand
 * unchallenged. A registry that says something unreadable about the bytes is malformed evidence,
 * like malformed JSON.
 */
export function readVersionFields(d: Record<string, unknown>): VersionData | { field: string; expected: string } {
  const dist = d.dist
  if (dist !== undefined && (typeof dist !== 'object' || dist === null || Array.isArray(dist))) return { field: 'dist', expected: 'an object' }
  const data: VersionData = {}
  if (dist) {
    const { integrity, signatures, attestations } = dist as Record<string, unknown>
    if (integrity !== undefined && typeof integrity !== 'string') return { field: 'dist.integrity', expected: 'a string' }
    data.dist = {
      ...(integrity !== undefined && { integrity }),
      ...(signatures !== undefined && { signatures }),
      ...(attestations !== undefined && { attestations }),
    }
  }
  if (d._npmUser !== undefined) data._npmUser = d._npmUser
  if (declaresInstallScripts(d)) data.installScripts = true
  return data
}

/**
 * Whether a version document (or a stored VersionData: `installScripts`) says the package has install
 * scripts, as npm's publish writes them: read-package-json turns a binding.gyp into `gypfile` and an
 * `install: node-gyp rebuild` script, and the registry adds `hasInstallScript`. Attacker-controlled:
 * used only to raise the lockfile's flag, never to lower it.
 */
function declaresInstallScripts(d: Record<string, unknown>): boolean {
  if (d.installScripts === true || d.hasInstallScript === true || d.gypfile === true) return true
  const scripts = d.scripts
  if (typeof scripts !== 'object' || scripts === null) return false
  const s = scripts as Record<string, unknown>
  return ['preinstall', 'install', 'postinstall'].some((event) => typeof s[event] === 'string' && s[event] !== '')
}

/** `time[version]` of an untrusted packument: absent is `undefined`, a malformed `time` is a problem. */
export function readPublishTime(doc: unknown, version: string): string | undefined | { problem: string } {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { problem: 'is not a JSON object' }
  const time = (doc as { time?: unknown }).time
  if (time === undefined) return undefined
  if (typeof time !== 'object' || time === null || Array.isArray(time)) return { problem: 'has a time field that is not an object' }
  const value = (time as Record<string, unknown>)[version]
  return typeof value === 'string' ? value : undefined
}

/**
 * The version `version` of an untrusted packument, as the version endpoint would give it, and its
 * `time[version]`; undefined when the packument does not list the version; a string says what is
 * malformed. The rest of the packument is dropped by the caller (it can be megabytes).
 */
export function readPackumentVersion(doc: unknown, name: string, version: string): { versionData: VersionData; publishTime?: string } | string | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'is not a JSON object'
  const d = doc as Record<string, unknown>
  if (d.name !== undefined && d.name !== name) return `is about ${JSON.stringify(d.name)}, not ${name}`
  const versions = d.versions
  if (versions === undefined) return undefined
  if (typeof versions !== 'object' || versions === null || Array.isArray(versions)) return 'has a versions field that is not an object'
  if (!Object.hasOwn(versions, version)) return undefined
  const versionData = readVersionData((versions as Record<string, unknown>)[version], name, version)
  if (typeof versionData === 'string') return `has a versions[${JSON.stringify(version)}] that ${versionData}`
  const time = readPublishTime(doc, version)
  if (typeof time === 'object') return time.problem
  return { versionData, ...(time !== undefined && { publishTime: time }) }
}

/**
 * The version documents, from the packument, of the earlier versions the check is likely to verify
 * first: the first downgrade candidate above what the locked version claims and above a signature,
 * and the first identity candidate (model/trust.ts). A guess made before verification (the check
 * decides with what verified, and `since`): a version not kept here is fetched as usual. At most three.
 */
function likelyCandidateDocuments(doc: unknown, name: string, line: readonly HistoryVersion[], claimed: TrustLevel): Record<string, EarlierVersion> | undefined {
  const versions = (doc as { versions: Record<string, unknown> }).versions
  const likely = [downgradeCandidates(line, claimed, 1)[0], downgradeCandidates(line, 'signature', 1)[0], identityCandidates(line, 1)[0]]
  const documents: Record<string, EarlierVersion> = {}
  for (const v of likely) {
    if (v === undefined || Object.hasOwn(documents, v.version)) continue
    const versionData = readVersionData(versions[v.version], name, v.version)
    if (typeof versionData === 'object') documents[v.version] = { versionData, publishTime: v.publishedAt }
  }
  return Object.keys(documents).length > 0 ? documents : undefined
}

/**
 * Whether every key the registry signs versions with bounds its validity (npm's keys from Sigstore
 * TUF: `validFor.start` is always set): then every signed version needs its publish time.
 */
export function everyKeyBounded(keys: readonly RegistryKey[] | null): boolean {
  const signing = (keys ?? []).map((k) => k.usages['npm:signatures']).filter((v) => v !== undefined)
  return signing.length > 0 && signing.every((v) => v.validFrom !== undefined || v.expires !== undefined)
}

function carriesSignatures(data: VersionData): boolean {
  const signatures = data.dist?.signatures
  return signatures !== undefined && signatures !== null && !(Array.isArray(signatures) && signatures.length === 0)
}

/** Whether verifying `signatures` depends on the publish time: a named key's `npm:signatures` use is bounded. */
export function needsPublishTime(signatures: unknown, keys: readonly RegistryKey[] | null): boolean {
  if (!keys || !Array.isArray(signatures)) return false
  return signatures.some((sig: unknown) => {
    const keyid = (sig as { keyid?: unknown } | null)?.keyid
    if (typeof keyid !== 'string') return false
    const validity = keys.find((k) => k.keyid === keyid)?.usages['npm:signatures']
    return validity !== undefined && (validity.validFrom !== undefined || validity.expires !== undefined)
  })
}
