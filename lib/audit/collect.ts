/**
 * The audit's collector (docs/audit.md): which packages (the population), their packuments from the
 * configured registry, and each version to audit verified with the check's own engine
 * (check-pipeline.ts fetchAndVerify, the trust context built as lib/check.ts builds it), turned into
 * a record (model/audit.ts auditRecordOf) and upserted into the store. The audit's verdicts are the
 * check's: only the binding differs — with no lockfile, a version is bound to the `dist.integrity`
 * its packument states (as the check binds an earlier version of its history: candidateRef).
 *
 * Resumable: a version stored verified with the same trust material (its digest) and tool version is
 * not fetched again (published versions are immutable), unless `reverify`; FETCH_FAILED versions are
 * retried. Polite: at most `concurrency` requests in flight, at most `rate` requests a second (a
 * token bucket), and 429/503 answers retried after their Retry-After (fetch/http.ts).
 */
import { createHash } from 'node:crypto'
import { evidenceKey, escapedName, readVersionData, requestContext, type RequestContext } from '../fetch/evidence.js'
import { DEFAULT_REGISTRY, loadNpmConfig, registryNerfDart, type Env, type NpmConfig } from '../fetch/npm-config.js'
import { createLimiter } from '../fetch/pool.js'
import { fetchKeysForRegistries, normalizeRegistry, registryKeysPin, upstreamKeys, type RegistryKeysPin, type RegistryKeysResult } from '../fetch/registry-keys/by-registry.js'
import { loadRegistryKeysFile } from '../fetch/registry-keys/parse.js'
import { resolveTrust, trustSourcesOf, type ResolvedTrust } from '../fetch/trust.js'
import { createTUFSession } from '../fetch/tuf.js'
import { checkTrustedRootFile, fetchAndVerify } from '../check-pipeline.js'
import type { PackageRef } from '../model.js'
import { auditRecordOf, type AuditRecord } from '../model/audit.js'
import type { EarlierVersion } from '../model/evidence.js'
import type { TrustContext, TrustInput } from '../verify/trust-context.js'
import type { AuditStore, StoredVersion } from './store.js'
import { parsePackageSpec, readPackument, repositoryMatches, selectVersions, type VersionSelection } from './packument.js'
import { createTokenBucket } from './token-bucket.js'

export type { VersionSelection }

/** Requests in flight at most (`--concurrency`). */
export const DEFAULT_AUDIT_CONCURRENCY = 16

export interface AuditOptions {
  /** Where npm configuration is read from (the registry, its credentials, `fetch-*`), as for the check. */
  cwd: string
  env: Env
  toolVersion: string
  store: AuditStore
  registry?: string
  /** `--upstream`: the registry the default registry mirrors (npm config `verify-deps-upstream`; docs/mirrors.md), as for the check. */
  upstream?: string
  offline?: boolean
  trustedRootFile?: string
  /** `--registry-keys` pins: registry URL → keys file (a plain FILE pins registry.npmjs.org). */
  registryKeysPins?: ReadonlyMap<string, RegistryKeysPin>
  versions?: VersionSelection
  reverify?: boolean
  concurrency?: number
  /** Requests a second at most (`--rate`); default unbounded. */
  rate?: number
  timeoutMs?: number
  retries?: number
  /** Versions done out of those known so far (the total grows as packuments arrive). */
  onProgress?: (done: number, total: number, label: string) => void
  now?: () => Date
}

/**
 * What auditBatch needs, built once per process (createAuditContext): npm config, the trust
 * material and each registry's keys, the politeness limits, the store.
 */
export interface AuditContext {
  config: NpmConfig
  store: AuditStore
  toolVersion: string
  /**
   * sha256 of the trusted root and the keys a package is checked with — its own registry's (a
   * scope's registry has its own keys), or behind a mirror its upstream's (`upstream`: named, so that
   * a setting change is a change of trust material): a change means stored verdicts are of other
   * trust material.
   */
  trustDigestFor: (registry: string, upstream?: boolean) => Promise<string>
  versions: VersionSelection
  reverify: boolean
  concurrency: number
  /** Wraps one request (or one version's fetch and verification): the concurrency limit and the rate. */
  slot: <R>(fn: () => Promise<R>) => Promise<R>
  take: () => Promise<void>
  /** A registry's keys, looked up once; an upstream's (`upstream`) without credentials, and never its self-served ones (fetch/registry-keys upstreamKeys). */
  keysFor: (registry: string, upstream?: boolean) => Promise<RegistryKeysResult>
  /** The trust context for the keys of a registry, as own registry or as upstream (their keys may differ: see keysFor). */
  contextFor: (registry: string, upstream?: boolean) => TrustContext
  /** fetch/evidence.ts's requests, as the check makes them (npm config's options per registry, no HTTP cache). */
  request: RequestContext['request']
  timeoutMs?: number
  retries?: number
  progress: { done: number; total: number; errors: number; report?: AuditOptions['onProgress'] }
  now: () => Date
}

/** What one batch did (auditBatch). */
export interface BatchSummary {
  /** Packages of the batch. */
  packages: number
  /** Packages whose packument could not be read (no version of theirs is known: counted apart, retried next run). */
  packagesFailed: number
  /** Versions fetched and verified in this batch (FETCH_FAILED ones included). */
  versions: number
  /** Of them, not fetched: FETCH_FAILED, stored as `unverifiable` and retried on the next run. */
  fetchFailed: number
  /** Of them, stored FETCH_FAILED by an earlier run and retried now. */
  retried: number
  /** Versions already stored verified with the same trust material and tool version: not fetched again. */
  skipped: number
  /** Why versions or packuments were not fetched: the first FAILURE_EXAMPLES reasons (redacted; names and versions are the registry's, untrusted), for the operator. */
  failures: string[]
}

/** Reasons a summary keeps (BatchSummary.failures). */
export const FAILURE_EXAMPLES = 3

/** Keeps `reason` among a summary's first failures. */
export function noteFailure(failures: string[], reason: string): void {
  if (failures.length < FAILURE_EXAMPLES) failures.push(reason)
}

/** The trust material, keys and limits for an audit run; TUF online (embedded material offline or as fallback), as the check. */
export async function createAuditContext(options: AuditOptions): Promise<AuditContext> {
  const config = await loadNpmConfig({ cwd: options.cwd, env: options.env, cli: { registry: options.registry, upstream: options.upstream, offline: options.offline } })
  const offline = config.offline.value
  const registry = normalizeRegistry(config.registry)
  const pins = new Map(options.registryKeysPins ?? [])
  for (const pin of pins.values()) loadRegistryKeysFile(pin.file)
  const { tuf, trustedRootFile } = trustSourcesOf(config, options.trustedRootFile)
  const tufSession = createTUFSession(tuf)
  // npm's keys from TUF (or embedded) when npmjs is the registry or an upstream, and not pinned: as the check.
  const keyRegistries = [registry, config.upstreamFor('-', registry)?.url, ...config.scopedUpstreams().map((u) => u.value)].filter((r) => r !== undefined)
  const npmjsUnpinned = keyRegistries.some((r) => registryNerfDart(r) === registryNerfDart(DEFAULT_REGISTRY) && !registryKeysPin(r, pins, config))
  const trust: ResolvedTrust = await resolveTrust({ offline, ...(trustedRootFile !== undefined && { trustedRootFile }), registryKeysWanted: npmjsUnpinned, tuf }, tufSession.fetchTargets)
  if (trustedRootFile) await checkTrustedRootFile(trustedRootFile, trust)
  const { createTrustContext } = await import('../verify/trust-context.js')
  const keyOptions = { config, trust, pins, offline, ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }), ...(options.retries !== undefined && { retries: options.retries }), ...(!offline && { tuf, fetchTargets: tufSession.fetchTargets }) }
  // Keys, trust inputs and contexts per registry and role: the same URL may be one package's own
  // registry and another's upstream, whose self-served keys do not count (upstreamKeys).
  const roleKey = (r: string, upstream = false) => `${upstream ? 'upstream' : 'registry'} ${normalizeRegistry(r)}`
  const registryKeys = new Map<string, RegistryKeysResult>()
  const pending = new Map<string, Promise<RegistryKeysResult>>()
  const keysFor = (r: string, upstream = false): Promise<RegistryKeysResult> => {
    const key = normalizeRegistry(r)
    const entry = roleKey(key, upstream)
    let keys = pending.get(entry)
    if (!keys) {
      // An upstream is asked without credentials, as for its evidence (the check: `anonymous`).
      keys = fetchKeysForRegistries([key], { ...keyOptions, ...(upstream && { anonymous: new Set([key]) }) }).then((m) => {
        const result = upstream ? upstreamKeys(key, m.get(key)!, config) : m.get(key)!
        registryKeys.set(entry, result)
        return result
      })
      pending.set(entry, keys)
    }
    return keys
  }
  const trustInputFor = (r: string, upstream = false): TrustInput => {
    const keys = registryKeys.get(roleKey(r, upstream))
    return { trustedRoot: trust.trustedRoot, trustedRootSource: trust.trustedRootSource, registryKeys: keys?.state === 'fetched' ? keys.keys : null }
  }
  const contexts = new Map<string, TrustContext>()
  const contextFor = (r: string, upstream = false): TrustContext => {
    const entry = roleKey(r, upstream)
    let ctx = contexts.get(entry)
    if (!ctx) contexts.set(entry, (ctx = createTrustContext(trustInputFor(r, upstream))))
    return ctx
  }
  const concurrency = options.concurrency ?? DEFAULT_AUDIT_CONCURRENCY
  const digests = new Map<string, Promise<string>>()
  const { request } = requestContext({
    config,
    concurrency,
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.retries !== undefined && { retries: options.retries }),
  })
  return {
    config,
    store: options.store,
    toolVersion: options.toolVersion,
    trustDigestFor: (r, upstream = false) => {
      // Once per registry and role: the trusted root is hashed again only for other keys.
      const entry = roleKey(r, upstream)
      let digest = digests.get(entry)
      if (!digest) digests.set(entry, (digest = keysFor(r, upstream).then((keys) => trustDigestOf(trust.trustedRoot, keys, upstream ? normalizeRegistry(r) : undefined))))
      return digest
    },
    versions: options.versions ?? { kind: 'all' },
    reverify: options.reverify ?? false,
    concurrency,
    slot: createLimiter(concurrency),
    take: createTokenBucket(options.rate),
    keysFor,
    contextFor,
    request,
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.retries !== undefined && { retries: options.retries }),
    progress: { done: 0, total: 0, errors: 0, ...(options.onProgress && { report: options.onProgress }) },
    now: options.now ?? (() => new Date()),
  }
}

/** sha256 over the trusted root and the registry's keys the verdicts were reached with (and the upstream they came from, behind a mirror). */
export function trustDigestOf(trustedRoot: unknown, keys: RegistryKeysResult, upstream?: string): string {
  const material = { trustedRoot, registryKeys: keys.state === 'fetched' ? keys.keys : { failed: keys.reason }, ...(upstream !== undefined && { upstream }) }
  return `sha256-${createHash('sha256').update(JSON.stringify(material)).digest('base64')}`
}


/**
 * The worker seam: collects, verifies and upserts the packages `specs` names (`name`, or
 * `name@version` for that version only), each package's rows written as soon as it is done. Safe to
 * run twice on the same batch (a worker killed before acknowledging its job): upserts only. Never
 * throws for a package; throws for the store (a database error stops the batch: nothing is lost,
 * the batch is run again).
 */
export async function auditBatch(specs: readonly string[], ctx: AuditContext): Promise<BatchSummary> {
  const wanted = new Map<string, Set<string> | 'all'>()
  for (const spec of specs) {
    const parsed = parsePackageSpec(spec)
    if (!parsed) throw new TypeError(`auditBatch: ${JSON.stringify(spec)} is not name or name@version`)
    const before = wanted.get(parsed.name)
    if (parsed.version === undefined || before === 'all') wanted.set(parsed.name, 'all')
    else wanted.set(parsed.name, new Set([...(before ?? []), parsed.version]))
  }
  const stored = await ctx.store.storedVersions([...wanted.keys()])
  const summary: BatchSummary = { packages: wanted.size, packagesFailed: 0, versions: 0, fetchFailed: 0, retried: 0, skipped: 0, failures: [] }
  await Promise.all([...wanted].map(([name, versions]) => auditPackage(name, versions, stored.get(name) ?? new Map(), ctx, summary)))
  return summary
}

/** Whether a stored version is settled: verified (fetched) with this trust material and tool version. */
function settled(row: StoredVersion | undefined, ctx: AuditContext, digest: string): boolean {
  return row !== undefined && !row.fetchFailed && !ctx.reverify && row.trustDigest === digest && row.toolVersion === ctx.toolVersion
}

async function auditPackage(name: string, wanted: Set<string> | 'all', stored: Map<string, StoredVersion>, ctx: AuditContext, summary: BatchSummary): Promise<void> {
  const registry = normalizeRegistry(ctx.config.registryFor(name))
  // Behind a mirror (docs/mirrors.md), as the check: the upstream's keys check it, and its evidence
  // is asked for when the mirror's is incomplete (fetch/evidence.ts).
  const named = ctx.config.upstreamFor(name, registry)?.url
  const upstream = named === undefined || normalizeRegistry(named) === registry ? undefined : normalizeRegistry(named)
  // The keys it is checked with, looked up once per registry and role.
  const digest = await ctx.trustDigestFor(upstream ?? registry, upstream !== undefined)
  const registryKeys = new Map([upstream === undefined ? [registry, await ctx.keysFor(registry)] : [upstream, await ctx.keysFor(upstream, true)]])
  const asUpstream = (r: string) => upstream !== undefined && normalizeRegistry(r) === upstream
  const isSettled = (v: string) => settled(stored.get(v), ctx, digest)
  // Versions named and all settled: not even the packument is asked for.
  if (wanted !== 'all' && [...wanted].every(isSettled)) {
    summary.skipped += wanted.size
    return
  }
  const path = escapedName(name)!
  const url = `${registry}${path}`
  const response = await ctx.slot(async () => {
    await ctx.take()
    return ctx.request(url, registry)
  })
  // getJSON's reason names the request (GET <url>: …), redacted.
  const packument = response.ok ? readPackument(response.document, name) : response.reason
  const failure = (reason: string) => ({ reason })
  if (typeof packument === 'string') {
    // Its versions are unknown: only the versions named can be recorded (as not fetched).
    if (wanted === 'all') {
      summary.packagesFailed++
      noteFailure(summary.failures, ctx.config.redact(`${name}: ${packument}`))
      ctx.progress.errors++
      await ctx.store.upsertPackages([{ name }])
      return
    }
    const unsettled = [...wanted].filter((v) => !isSettled(v))
    summary.skipped += wanted.size - unsettled.length
    ctx.progress.total += unsettled.length
    await ctx.store.upsertPackages([{ name }])
    await record(name, unsettled.map((version) => ({ version, outcome: failure(packument) })), stored, ctx, summary, digest)
    return
  }
  const chosen = wanted === 'all' ? selectVersions(packument, ctx.versions) : [...wanted]
  const todo = chosen.filter((v) => {
    if (!isSettled(v)) return true
    summary.skipped++
    return false
  })
  ctx.progress.total += todo.length
  ctx.progress.report?.(ctx.progress.done, ctx.progress.total, progressLabel(ctx))
  const outcomes = await Promise.all(
    todo.map(async (version) => {
      const document = Object.hasOwn(packument.versions, version) ? packument.versions[version] : undefined
      if (document === undefined) return { version, outcome: failure(`${registry} lists no version ${version} of ${name}`) }
      const versionData = readVersionData(document, name, version)
      if (typeof versionData === 'string') return { version, outcome: failure(`the packument's versions[${JSON.stringify(version)}] ${versionData}`) }
      const publishTime = packument.time[version]
      const integrity = typeof versionData.dist?.integrity === 'string' ? versionData.dist.integrity : undefined
      // Bound to the integrity the registry states for it: the verifier checks that its signatures and attestations name exactly that.
      const ref: PackageRef = { name, version, ...(integrity !== undefined && { integrity }), registry, source: 'registry', locations: [] }
      const known: EarlierVersion | undefined = publishTime === undefined ? undefined : { versionData, publishTime }
      const advertised = versionData.dist?.attestations !== undefined && versionData.dist.attestations !== null
      const verified = await ctx.slot(async () => {
        // The version document comes from the packument: one request more only for advertised attestations.
        // Behind a mirror, up to three: the mirror's version document, the upstream's and its attestations.
        for (let n = upstream !== undefined ? 3 : advertised || !known ? 1 : 0; n > 0; n--) await ctx.take()
        return fetchAndVerify([ref], {
          fetch: {
            config: ctx.config,
            registryKeys,
            ...(upstream !== undefined && { upstreamFor: () => upstream }),
            concurrency: ctx.concurrency,
            ...(ctx.timeoutMs !== undefined && { timeoutMs: ctx.timeoutMs }),
            ...(ctx.retries !== undefined && { retries: ctx.retries }),
            ...(known && { knownVersion: () => known }),
          },
          contextFor: (r) => ctx.contextFor(r, asUpstream(r)),
          workers: 0,
        })
      })
      const entry = verified.get(evidenceKey(ref))
      const outcome = entry?.outcome
      return {
        version,
        publishedAt: publishTime,
        outcome: outcome?.kind === 'verified' ? { facts: outcome.facts, matches: repositoryMatches(document, outcome.facts.provenance.status === 'verified' ? outcome.facts.provenance.identity : undefined) } : failure(outcome?.kind === 'fetch-failed' ? outcome.reason : 'no evidence was fetched'),
      }
    }),
  )
  await ctx.store.upsertPackages([{ name, ...(packument.latest !== undefined && { latest: packument.latest }) }])
  await record(name, outcomes, stored, ctx, summary, digest)
}

type VersionOutcome = { version: string; publishedAt?: string | undefined; outcome: { reason: string } | { facts: import('../model/facts.js').PackageFacts; matches: boolean | undefined } }

async function record(name: string, outcomes: readonly VersionOutcome[], stored: Map<string, StoredVersion>, ctx: AuditContext, summary: BatchSummary, trustDigest: string): Promise<void> {
  const records: AuditRecord[] = outcomes.map(({ version, publishedAt, outcome }) => {
    const facts = 'facts' in outcome ? outcome.facts : undefined
    return auditRecordOf({
      name,
      version,
      ...(publishedAt !== undefined && { publishedAt }),
      facts,
      findings: facts ? facts.findings.map((f) => f.code) : ['FETCH_FAILED'],
      ...('matches' in outcome && outcome.matches !== undefined && { repositoryMatchesPackageJson: outcome.matches }),
    })
  })
  await ctx.store.upsertVersions(records, { trustDigest, toolVersion: ctx.toolVersion, verifiedAt: ctx.now().toISOString() })
  for (const [i, r] of records.entries()) {
    summary.versions++
    if (r.fetchFailed) {
      summary.fetchFailed++
      ctx.progress.errors++
      const { outcome } = outcomes[i]!
      const id = `${name}@${r.version}`
      if ('reason' in outcome) noteFailure(summary.failures, ctx.config.redact(outcome.reason.startsWith(`${id}: `) ? outcome.reason : `${id}: ${outcome.reason}`))
    }
    if (stored.get(r.version)?.fetchFailed) summary.retried++
  }
  ctx.progress.done += records.length
  ctx.progress.report?.(ctx.progress.done, ctx.progress.total, progressLabel(ctx))
}

/** The progress line's label: what is done, and the errors so far (versions and packuments not fetched). */
function progressLabel(ctx: AuditContext): string {
  const errors = ctx.progress.errors
  return errors === 0 ? 'verifying' : `verifying (${errors} not fetched)`
}

