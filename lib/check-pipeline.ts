/**
 * Stages 3–4 of a check as one pipeline: each distinct registry package is fetched (or read from the
 * evidence cache), given its tarball with `--fetch-tarballs`, and verified as soon as its evidence
 * is complete — then its evidence is let go. Only what the later stages read is kept: the
 * verification outcome (facts, or why there are none) and the registry's word on install scripts.
 * So memory grows with the packages in flight (the concurrency), not with the tree, and fetching
 * and verifying overlap instead of running one after the other.
 */
import { evidenceKey, forEachEvidence, type EvidenceOutcome, type FetchEvidenceOptions } from './fetch/evidence.js'
import { createLimiter } from './fetch/pool.js'
import { normalizeRegistry } from './fetch/registry-keys/by-registry.js'
import { DEFAULT_TARBALL_CONCURRENCY, wantsTarball, withTarball, type FetchTarballsOptions } from './fetch/tarballs.js'
import { invalidTrustedRootFile, type ResolvedTrust } from './fetch/trust.js'
import { FINDINGS } from './findings.js'
import type { PackageRef } from './model.js'
import type { EarlierVersion } from './model/evidence.js'
import { createFactsCompactor, type PackageFacts } from './model/facts.js'
import { publishTimeOf, resolveTrustHistory, trustLevelOf, type CandidateVerdict, type HistoryVersion, type PackageTrust, type RegistryHistory, type TrustHistory } from './model/trust.js'
import type { PackageOutcome } from './policy/decision.js'
import { createVerifyPool, defaultWorkerCount, DEFAULT_WORKER_THRESHOLD, type VerifyPool, type VerifyPoolOptions } from './verify/pool.js'
import type { TrustContext, TrustInput } from './verify/trust-context.js'

/** What the later stages need of one distinct registry package, once verified. */
export interface VerifiedPackage {
  outcome: PackageOutcome
  /** The registry's version document (fetched or cached) says the package has install scripts. */
  installScripts: boolean
  /** The registry's `time[version]`, when the evidence had it. */
  publishTime?: string
  /** The release line's history as the registry lists it, when the check wanted it (FetchEvidenceOptions.historyFor). */
  history?: RegistryHistory
  /** The likely candidates' version documents from the same packument (PackageEvidence.historyDocuments): this run only. */
  historyDocuments?: Record<string, EarlierVersion>
}

export interface FetchAndVerifyOptions {
  fetch: FetchEvidenceOptions
  /** With `--fetch-tarballs` (online): download the tarballs of weak lockfile integrities, DEFAULT_TARBALL_CONCURRENCY at a time. */
  tarballs?: FetchTarballsOptions
  /** The trust context for a registry's packages (built once per registry by the caller). */
  contextFor: (registry: string) => TrustContext
  /**
   * The inputs `contextFor` builds a registry's context from: given, packages may be verified in
   * worker threads (verify/pool.ts), each building its own contexts from them. Must describe the
   * same context as `contextFor`, so that a package's facts do not depend on the thread.
   */
  trustInputFor?: (registry: string) => TrustInput
  /** Verify workers; default defaultWorkerCount() (none on one core); 0: all inline. */
  workers?: number
  /** Fewer packages to verify than this: no workers (default DEFAULT_WORKER_THRESHOLD). */
  workerThreshold?: number
  /**
   * The verify workers' entry, node options and heap limits, as verify/pool.ts takes them (defaults:
   * defaultWorkerURL(), the process's own execArgv, DEFAULT_WORKER_RESOURCE_LIMITS; a worker that runs
   * out of heap is a failed worker: its packages are verified inline).
   */
  worker?: Pick<VerifyPoolOptions, 'workerURL' | 'execArgv' | 'resourceLimits'>
  /** Packages done out of `refs.length` (every ref, duplicates and other sources included). */
  onProgress?: (done: number, total: number, label: string) => void
  /** Facts already verified in an earlier run (the sealed memo, fetch/store), by `evidenceKey`: neither fetched nor verified again. */
  remembered?: ReadonlyMap<string, { facts: PackageFacts; installScripts: boolean; publishTime?: string; history?: RegistryHistory }>
  /** Called with each package verified in this run (not the remembered ones), with the evidence it was verified from. */
  onVerified?: (ref: PackageRef, fetched: EvidenceOutcome, outcome: PackageOutcome) => void
}

/** Every distinct registry package of `refs`, fetched and verified, keyed by `evidenceKey`. Never throws for a package. */
export async function fetchAndVerify(refs: readonly PackageRef[], options: FetchAndVerifyOptions): Promise<Map<string, VerifiedPackage>> {
  const remembered = options.remembered ?? new Map<string, never>()
  const verified = new Map<string, VerifiedPackage>()
  for (const [key, { facts, ...rest }] of remembered) verified.set(key, { outcome: { kind: 'verified', facts }, ...rest })
  const refsPerKey = new Map<string, number>()
  for (const ref of refs) if (ref.source === 'registry') refsPerKey.set(evidenceKey(ref), (refsPerKey.get(evidenceKey(ref)) ?? 0) + 1)
  // Packages from other sources, and remembered ones, need no work: counted as done from the start.
  let done = refs.filter((ref) => ref.source !== 'registry' || remembered.has(evidenceKey(ref))).length
  const toFetch = remembered.size ? refs.filter((ref) => ref.source !== 'registry' || !remembered.has(evidenceKey(ref))) : refs
  options.onProgress?.(done, refs.length, 'fetching')
  const tarballs = options.tarballs
  const tarballSlot = createLimiter(tarballs?.concurrency ?? DEFAULT_TARBALL_CONCURRENCY)
  const verifyTurn = oneTurnEach()
  // Every package's facts are kept until the report: their repeated values once, not once per package.
  const compact = createFactsCompactor()
  // Started before the first request, so that the workers load their modules while it is answered.
  const pool = startPool([...refsPerKey.keys()].filter((key) => !remembered.has(key)).length, options)
  // The verifier (and @sigstore/*) is loaded by the first package to verify here: a warm run, all remembered, never loads it.
  let verifier: Promise<VerifyPackage> | undefined
  const inline = async (outcome: EvidenceOutcome): Promise<PackageOutcome> => {
    const verifyPackage = await (verifier ??= import('./verify/package.js').then((m) => m.verifyPackage))
    return verifyTurn(() => verifiedOutcome(outcome, options.contextFor, verifyPackage))
  }
  // Packages a worker is verifying. Their fetch slot is already free for the next package: waiting
  // for a worker is not fetching (the pool bounds how many wait; beyond that they are verified here).
  const inWorkers = new Set<Promise<void>>()
  let workerFailure: { error: unknown } | undefined
  let stopped = false
  try {
    await forEachEvidence(toFetch, options.fetch, async (key, ref, fetched) => {
      // Tarballs are large and held until verified: fewer downloads at once than packages in flight.
      const outcome = tarballs && wantsTarball(ref, fetched) ? await tarballSlot(() => withTarball(ref, fetched, tarballs)) : fetched
      const finish = (result: PackageOutcome): void => {
        const facts: PackageOutcome = result.kind === 'verified' ? { kind: 'verified', facts: compact(result.facts, ref.integrity) } : result
        verified.set(key, { outcome: facts, installScripts: registryDeclaresScripts(outcome), ...timeline(outcome) })
        options.onVerified?.(ref, outcome, facts)
        done += refsPerKey.get(key) ?? 1
        options.onProgress?.(done, refs.length, 'verifying')
      }
      // The keys of the registry that checks it: its own, or its upstream's (docs/mirrors.md).
      const task = pool && outcome.state !== 'failed' ? pool.tryVerify(outcome.evidence, normalizeRegistry(outcome.keysRegistry)) : undefined
      if (!task) return finish(await inline(outcome))
      const settled = task
        // A worker failed: verified here, exactly as without workers.
        .then(async (result) => {
          if (stopped) return
          finish('facts' in result ? { kind: 'verified', facts: result.facts } : await inline(outcome))
        })
        .catch((error: unknown) => void (workerFailure ??= { error }))
        .finally(() => inWorkers.delete(settled))
      inWorkers.add(settled)
    })
    while (inWorkers.size > 0) await Promise.all(inWorkers)
    if (workerFailure) throw workerFailure.error
  } finally {
    // On an error, packages still in a worker are not verified here after all.
    stopped = true
    await pool?.close()
  }
  return verified
}

/** Verify workers for `count` packages to verify, or none (too few packages, one core, or no trust inputs to give them). */
function startPool(count: number, options: FetchAndVerifyOptions): VerifyPool | undefined {
  const size = options.workers ?? defaultWorkerCount()
  if (!options.trustInputFor || size < 1 || count < (options.workerThreshold ?? DEFAULT_WORKER_THRESHOLD)) return undefined
  return createVerifyPool({ ...options.worker, size, trustInputFor: options.trustInputFor })
}

/**
 * Runs synchronous work one call per event-loop turn, in order: verification is CPU-bound, and
 * between two verifications the requests in flight get their I/O processed, so that our own CPU
 * time is not counted against the registry by the request timeouts.
 */
function oneTurnEach(): <R>(fn: () => R) => Promise<R> {
  let tail: Promise<unknown> = Promise.resolve()
  return <R>(fn: () => R): Promise<R> => {
    const run = tail.then(() => new Promise<R>((resolve, reject) => {
      setImmediate(() => {
        try {
          resolve(fn())
        } catch (err) {
          reject(err)
        }
      })
    }))
    tail = run.catch(() => undefined)
    return run
  }
}

/** The outcome of one ref, from fetchAndVerify's result. */
export function outcomeOf(ref: PackageRef, verified: ReadonlyMap<string, VerifiedPackage>): PackageOutcome {
  if (ref.source !== 'registry') return { kind: 'not-registry' }
  return verified.get(evidenceKey(ref))?.outcome ?? { kind: 'fetch-failed', reason: `${ref.name}@${ref.version}: no evidence was fetched` }
}

type VerifyPackage = (typeof import('./verify/package.js'))['verifyPackage']

function verifiedOutcome(fetched: EvidenceOutcome, contextFor: (registry: string) => TrustContext, verifyPackage: VerifyPackage): PackageOutcome {
  switch (fetched.state) {
    case 'failed':
      return { kind: 'fetch-failed', reason: fetched.reason, ...(fetched.signedWithoutKeys && { signedWithoutKeys: true as const }) }
    // Cached evidence is verified exactly like fetched evidence: the cache is never a source of truth.
    case 'cached':
    case 'fetched':
      return { kind: 'verified', facts: verifyPackage(fetched.evidence, contextFor(normalizeRegistry(fetched.keysRegistry))) }
  }
}

/** The registry's publish time and history of the package, from its evidence (fetched or cached), when it has them. */
function timeline(fetched: EvidenceOutcome): Pick<VerifiedPackage, 'publishTime' | 'history' | 'historyDocuments'> {
  if (fetched.state === 'failed') return {}
  const { publishTime, history, historyDocuments } = fetched.evidence
  return { ...(publishTime !== undefined && { publishTime }), ...(history !== undefined && { history }), ...(historyDocuments && { historyDocuments }) }
}

/** Whether the registry's version document (fetched or cached) says the package has install scripts. */
function registryDeclaresScripts(fetched: EvidenceOutcome): boolean {
  return (fetched.state === 'fetched' || fetched.state === 'cached') && fetched.evidence.versionData?.installScripts === true
}

/** What the policy asks of a package's trust over time (policy/continuity-settings.ts, read by the caller). */
export interface TrustWanted {
  /** Its history at all: downgrade or identity continuity is on for its rule. */
  history: boolean
  /** Downgrade continuity is on: an earlier version verified at a higher level is looked for. */
  downgrade: boolean
  /** Identity continuity is on: the previous build's identity is looked for. */
  identity: boolean
}

export interface GatherTrustOptions {
  wantedFor: (ref: PackageRef) => TrustWanted
  /**
   * Fetches and verifies earlier versions like any package (fetchAndVerify, with the same cache and
   * facts memo: a published version's evidence never changes, so a warm run asks nothing).
   */
  verifyCandidates: (refs: readonly PackageRef[], known: ReadonlyMap<string, EarlierVersion>) => Promise<ReadonlyMap<string, VerifiedPackage>>
}

/**
 * Step 4b (docs/continuity.md): each distinct registry package's PackageTrust — its level and publish
 * time from its own verified facts, and, when its rule wants history, its verified history. The
 * registry's claims about earlier versions are hints: the candidates (at most three downgrade and
 * three identity claims per package) are fetched and verified like any package, in pipeline passes
 * over every package's candidates, deduplicated, each bound to the dist.integrity the packument
 * gives for it; only what verified counts (resolveTrustHistory). Keyed by evidenceKey.
 */
export async function gatherTrust(refs: readonly PackageRef[], verified: ReadonlyMap<string, VerifiedPackage>, options: GatherTrustOptions): Promise<Map<string, PackageTrust>> {
  const trusts = new Map<string, PackageTrust>()
  const pending: Array<{ key: string; ref: PackageRef; line: HistoryVersion[]; count: number; look: { downgrade: boolean; identity: boolean }; documents?: Record<string, EarlierVersion> }> = []
  for (const ref of refs) {
    const key = evidenceKey(ref)
    if (ref.source !== 'registry' || trusts.has(key)) continue
    const entry = verified.get(key)
    const facts = entry?.outcome.kind === 'verified' ? entry.outcome.facts : undefined
    const publishedAt = publishTimeOf(facts, entry?.publishTime)
    const trust: PackageTrust = { level: trustLevelOf(facts), ...(publishedAt && { publishedAt }) }
    trusts.set(key, trust)
    const wanted = options.wantedFor(ref)
    if (!wanted.history) continue
    const unavailable = historyUnavailable(entry)
    if (unavailable || entry?.history?.state !== 'listed') {
      trust.history = unavailable ?? { state: 'unavailable', reason: 'the registry history was not read' }
      continue
    }
    // The fetch stage applied `since` and kept the versions that can be candidates (historyShortlist).
    const { versions: line, count } = entry.history
    // Identity continuity compares build identities: only when the locked version's provenance verified.
    const identity = wanted.identity && facts?.provenance.status === 'verified' && facts.provenance.identity !== undefined
    pending.push({ key, ref, line, count, look: { downgrade: wanted.downgrade, identity }, ...(entry.historyDocuments && { documents: entry.historyDocuments }) })
  }
  // In rounds: each package's next candidates, assuming every claim not yet verified holds (so only
  // the first downgrade and the first identity candidate are fetched at first); a claim that did not
  // hold brings in the next one in the next round. Each round is one pass over every package's
  // candidates; a package is decided once all the candidates it looked at were verified (at most
  // three of each kind: a finite number of rounds).
  const checked = new Map<string, VerifiedPackage>()
  const attempted = new Set<string>()
  let open = pending
  while (open.length > 0) {
    const wanted = new Map<string, PackageRef>()
    const known = new Map<string, EarlierVersion>()
    const undecided: typeof pending = []
    for (const item of open) {
      const trust = trusts.get(item.key)!
      let complete = true
      const history = resolveTrustHistory(item.line, trust.level, item.look, (v) => {
        const candidate = candidateRef(item.ref, v)
        if (candidate && !attempted.has(evidenceKey(candidate))) {
          complete = false
          wanted.set(evidenceKey(candidate), candidate)
          const document = item.documents && Object.hasOwn(item.documents, v.version) ? item.documents[v.version] : undefined
          if (document) known.set(evidenceKey(candidate), document)
          return { level: v.claimed, identity: { sources: {} } }
        }
        return candidateVerdict(candidate, checked)
      })
      if (complete) trust.history = history.state === 'checked' ? { ...history, versions: item.count } : history
      else undecided.push(item)
    }
    if (wanted.size > 0) {
      for (const [key, entry] of await options.verifyCandidates([...wanted.values()], known)) checked.set(key, entry)
      for (const key of wanted.keys()) attempted.add(key)
    }
    open = undecided
  }
  return trusts
}

/** Why a package has no history to read, when it has none: it could not be verified, or the registry gave none. */
function historyUnavailable(entry: VerifiedPackage | undefined): TrustHistory | undefined {
  if (entry?.outcome.kind === 'fetch-failed') return { state: 'unavailable', reason: `its evidence could not be fetched: ${entry.outcome.reason}` }
  if (entry?.history?.state === 'unavailable') return { state: 'unavailable', reason: entry.history.reason }
  return undefined
}

/**
 * An earlier version of `ref`'s package as a package to fetch and verify: bound to the integrity the
 * registry states for it (the verifier checks its signatures and attestations name exactly that).
 * None without one: there is nothing to bind its evidence to.
 */
function candidateRef(ref: PackageRef, v: HistoryVersion): PackageRef | undefined {
  if (v.integrity === undefined) return undefined
  return { name: ref.name, version: v.version, integrity: v.integrity, ...(ref.registry !== undefined && { registry: ref.registry }), source: 'registry', locations: [] }
}

/**
 * What a candidate verified as: its level from its own facts, with the finding that says why it is
 * not higher (one about its provenance first: what a higher claim rests on); `none`, with the reason,
 * when it could not be fetched.
 */
function candidateVerdict(candidate: PackageRef | undefined, checked: ReadonlyMap<string, VerifiedPackage>): CandidateVerdict {
  if (!candidate) return { level: 'none', reason: 'the registry states no dist.integrity for it: nothing to bind its evidence to' }
  const outcome = checked.get(evidenceKey(candidate))?.outcome
  if (outcome?.kind !== 'verified') return { level: 'none', reason: outcome?.kind === 'fetch-failed' ? outcome.reason : 'it was not fetched' }
  const { facts } = outcome
  const identity = facts.provenance.status === 'verified' ? facts.provenance.identity : undefined
  const first = facts.findings.find((f) => FINDINGS[f.code].evidence === 'provenance') ?? facts.findings[0]
  return { level: trustLevelOf(facts), ...(identity && { identity }), ...(first && { reason: `${first.code}: ${first.message}` }) }
}

/**
 * A trusted root file the user named is checked now, before any package is fetched: a usable trust
 * context, else ETRUSTEDROOT naming it (exit 2). One `memo` (the check's sealed store) saw pass — the
 * same document, the same tool version — is not parsed again: the check is a pure function of the
 * document, and loading the verifier to repeat it is most of a warm run's start-up. The check's and
 * the audit's (which keeps no memo). Here, not in fetch/trust.ts: it loads the verifier, which no fetch module may.
 */
export async function checkTrustedRootFile(file: string, trust: ResolvedTrust, memo?: { trustedRootChecked(root: unknown): boolean; rememberTrustedRoot(root: unknown): void }): Promise<void> {
  if (memo?.trustedRootChecked(trust.trustedRoot)) return
  const { createTrustContext } = await import('./verify/trust-context.js')
  try {
    createTrustContext({ ...trust, registryKeys: null })
  } catch (err) {
    throw invalidTrustedRootFile(file, err)
  }
  memo?.rememberTrustedRoot(trust.trustedRoot)
}
