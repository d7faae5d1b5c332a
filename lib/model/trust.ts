/**
 * Trust over time (docs/continuity.md): the plain data and pure rules the check, the trust lockfile
 * and the audit share — a version's trust level, its release line, which earlier versions are its
 * history, and how two build identities differ. No I/O, no policy: fetch/ gathers the history,
 * policy/ decides what a drop or a change means under the project's rules.
 */
import type SemverParse from 'semver/functions/parse.js'
import type SemverRcompare from 'semver/functions/rcompare.js'
import { requireCjs } from '../cjs.js'
import type { PackageFacts, SignerIdentity } from './facts.js'

// semver is loaded on first use, one function file each (its index loads 48 files): a warm check
// (every package remembered) never parses a version here (lib/cjs.ts; test/cli/startup.test.ts).
let semverFunctions: { parse: typeof SemverParse; rcompare: typeof SemverRcompare } | undefined
function semver(): NonNullable<typeof semverFunctions> {
  semverFunctions ??= {
    parse: requireCjs('semver/functions/parse.js') as typeof SemverParse,
    rcompare: requireCjs('semver/functions/rcompare.js') as typeof SemverRcompare,
  }
  return semverFunctions
}

/** Semver precedence, highest first (semver's rcompare, loaded on first use). */
export function rcompareVersions(a: string, b: string): number {
  return semver().rcompare(a, b)
}

/**
 * What verified for a version, lowest first. Registry metadata (`_npmUser.trustedPublisher`,
 * `_npmUser.approver`) only raises a level that verified provenance already holds: alone it is
 * worth nothing.
 */
export const TRUST_LEVELS = ['none', 'signature', 'provenance', 'trusted-publisher', 'approved'] as const
export type TrustLevel = (typeof TRUST_LEVELS)[number]

/** Negative when `a` is lower than `b`, 0 when equal, positive when higher. */
export function compareTrustLevels(a: TrustLevel, b: TrustLevel): number {
  return TRUST_LEVELS.indexOf(a) - TRUST_LEVELS.indexOf(b)
}

export function isTrustLevel(value: unknown): value is TrustLevel {
  return typeof value === 'string' && (TRUST_LEVELS as readonly string[]).includes(value)
}

/** What a level means, in words (finding messages, the trust lockfile diff). */
export function describeTrustLevel(level: TrustLevel): string {
  switch (level) {
    case 'none':
      return 'nothing verified'
    case 'signature':
      return 'a registry signature only'
    case 'provenance':
      return 'verified provenance'
    case 'trusted-publisher':
      return 'verified provenance from a trusted publisher'
    case 'approved':
      return 'verified provenance with an approver (staged publishing)'
  }
}

/**
 * The level of a version from its verified facts: `approved` / `trusted-publisher` need verified
 * provenance *and* the registry's `_npmUser` field; `provenance` verified SLSA provenance bound to
 * the locked integrity; `signature` a verified registry signature; else `none`. No facts (not
 * fetched, not a registry package): `none`.
 */
export function trustLevelOf(facts: Pick<PackageFacts, 'signature' | 'provenance' | 'publisher'> | undefined): TrustLevel {
  if (!facts) return 'none'
  if (facts.provenance.status === 'verified') {
    if (facts.publisher.approver) return 'approved'
    if (facts.publisher.trustedPublisher) return 'trusted-publisher'
    return 'provenance'
  }
  return facts.signature.status === 'verified' ? 'signature' : 'none'
}

/**
 * The release line a version belongs to: the major for `>=1.0.0` (`1`), the minor for `0.x`
 * (`0.30`), and for a prerelease its own `major.minor.patch-<tag>` (`1.2.3-beta`; numeric first
 * identifiers share `1.2.3-`). Build metadata is ignored. Not a semver version: null (no history).
 */
export function releaseLine(version: string): string | null {
  const parsed = semver().parse(version)
  if (!parsed) return null
  if (parsed.prerelease.length > 0) {
    const first = parsed.prerelease[0]
    return `${parsed.major}.${parsed.minor}.${parsed.patch}-${typeof first === 'string' ? first : ''}`
  }
  return parsed.major === 0 ? `0.${parsed.minor}` : String(parsed.major)
}

/** One earlier version as the registry describes it (unsigned metadata: claims, not evidence). */
export interface HistoryVersion {
  version: string
  /** The registry's `time[version]` (ISO 8601). */
  publishedAt: string
  /** The level its registry metadata claims (dist.signatures, dist.attestations, _npmUser): a hint, never a verdict. */
  claimed: TrustLevel
  /** The registry's dist.integrity of that version (what its attestations must name). */
  integrity?: string
}

/**
 * The earlier versions of the locked one's line, most recent first: same release line, published
 * strictly before `publishedAt`, and not before `since` when given. `versions` may hold every
 * version of the package (any order); the locked version itself never counts.
 */
export function historyOf(locked: { version: string; publishedAt: string }, versions: readonly HistoryVersion[], since?: Date): HistoryVersion[] {
  const line = releaseLine(locked.version)
  if (line === null) return []
  const before = Date.parse(locked.publishedAt)
  if (Number.isNaN(before)) return []
  const from = since ? since.getTime() : -Infinity
  return versions
    .filter((v) => {
      if (v.version === locked.version || releaseLine(v.version) !== line) return false
      const at = Date.parse(v.publishedAt)
      return !Number.isNaN(at) && at < before && at >= from
    })
    .sort((a, b) => Date.parse(b.publishedAt) - Date.parse(a.publishedAt) || rcompareVersions(a.version, b.version))
}

/** Candidates verified per package and kind, and versions per claimed level that historyShortlist keeps: as many as any candidate list takes. */
export const HISTORY_CANDIDATE_LIMIT = 3

/**
 * Which earlier versions to verify, in order (at most `limit`): the ones whose claimed level is
 * above `current`, highest claim first and, within a level, the most recent (the version that
 * established it last). The first that verifies at its claimed level decides; a claim that does
 * not verify is reported and does not count.
 */
export function downgradeCandidates(history: readonly HistoryVersion[], current: TrustLevel, limit = HISTORY_CANDIDATE_LIMIT): HistoryVersion[] {
  return history
    .filter((v) => compareTrustLevels(v.claimed, current) > 0)
    .sort((a, b) => compareTrustLevels(b.claimed, a.claimed) || Date.parse(b.publishedAt) - Date.parse(a.publishedAt))
    .slice(0, limit)
}

/** The build-identity fields whose change IDENTITY_CHANGED reports. */
export const IDENTITY_CHANGE_FIELDS = ['issuer', 'repository', 'repositoryId', 'workflow', 'trigger', 'refKind', 'runner'] as const
export type IdentityChangeField = (typeof IDENTITY_CHANGE_FIELDS)[number]

export interface IdentityChange {
  field: IdentityChangeField
  before: string
  after: string
}

/**
 * What kind of event started a build: `release` (push of a tag or branch, a GitHub release),
 * `manual` (workflow_dispatch), `pull-request-target` (runs with the base repository's secrets on
 * a fork's code), `pull-request`, `schedule`, `workflow-run`, else the event's own name.
 */
export function triggerClass(trigger: string): string {
  switch (trigger) {
    case 'push':
    case 'release':
      return 'release'
    case 'workflow_dispatch':
      return 'manual'
    case 'pull_request_target':
      return 'pull-request-target'
    case 'pull_request':
      return 'pull-request'
    case 'schedule':
      return 'schedule'
    case 'workflow_run':
      return 'workflow-run'
    default:
      return trigger
  }
}

/** What refKind tells apart. */
export const REF_KINDS = ['tag', 'branch', 'pull', 'other'] as const

/** `tag`, `branch`, `pull` or `other` for a git ref (`refs/tags/v1`, `refs/heads/main`, `refs/pull/1/merge`). */
export function refKind(ref: string): (typeof REF_KINDS)[number] {
  if (ref.startsWith('refs/tags/')) return 'tag'
  if (ref.startsWith('refs/heads/')) return 'branch'
  if (ref.startsWith('refs/pull/')) return 'pull'
  return 'other'
}

/**
 * How the build identity changed from `before` (the most recent earlier version with verified
 * provenance) to `after` (the locked version's), field by field, by the rules of
 * baselineIdentityChanges (a field only when both have it; the trigger by class, the ref by kind,
 * the runner only from GitHub-hosted to self-hosted). A changed trigger is shown as the two events
 * themselves (`push → pull_request_target`), not their classes.
 */
export function identityChanges(before: SignerIdentity, after: SignerIdentity): IdentityChange[] {
  return baselineIdentityChanges(baselineIdentityOf(before), after).map((c) => (c.field === 'trigger' ? { ...c, before: before.trigger!, after: after.trigger! } : c))
}

/**
 * When a version was published, and how that is known: `signed` — the transparency log's signed
 * integratedTime of its verified attestations; `registry` — the registry's `time[version]`, which
 * no signature covers.
 */
export interface PublishTime {
  at: string
  source: 'signed' | 'registry'
}

/**
 * The latest signed time of the version's verified attestations, else the registry's time, else
 * undefined. The latest, not the earliest: a provenance bundle is signed when the build ran, which
 * whoever publishes can choose to be days before the publish (build, wait, publish), while npm's
 * publish attestation is signed when the registry accepted the version. The earliest would let a
 * version a few minutes on the registry pass `minimumReleaseAge` on its build's age.
 */
export function publishTimeOf(facts: Pick<PackageFacts, 'provenance' | 'publish'> | undefined, registryTime: string | undefined): PublishTime | undefined {
  const signed = [facts?.provenance.status === 'verified' ? facts.provenance.signedAt : undefined, facts?.publish.status === 'verified' ? facts.publish.signedAt : undefined]
    .filter((t): t is string => t !== undefined && !Number.isNaN(Date.parse(t)))
    .sort((a, b) => Date.parse(b) - Date.parse(a))
  if (signed[0] !== undefined) return { at: signed[0], source: 'signed' }
  return registryTime !== undefined && !Number.isNaN(Date.parse(registryTime)) ? { at: registryTime, source: 'registry' } : undefined
}

/**
 * A duration as policies write it (`minimumReleaseAge`): a whole number and a unit — `m` minutes,
 * `h` hours, `d` days, `w` weeks (`72h`, `4d`). Milliseconds, or undefined when not one.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^([1-9]\d{0,5})(m|h|d|w)$/.exec(text)
  if (!m) return undefined
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'm' | 'h' | 'd' | 'w']
  return Number(m[1]) * unit
}

/** An earlier version whose evidence was fetched and verified (never the registry's claim alone). */
export interface VerifiedHistory {
  version: string
  /** The registry's `time[version]`. */
  publishedAt: string
  /** Its level, from its own verified facts (trustLevelOf). */
  level: TrustLevel
  /** Its verified provenance identity, when its provenance verified. */
  identity?: SignerIdentity
}

/** A claim of the registry about an earlier version that did not hold when verified: reported (info), never counted. */
export interface UnverifiedClaim {
  version: string
  claimed: TrustLevel
  /** Its level as verified. */
  level: TrustLevel
  /** Why (the verification finding, or why it could not be fetched). */
  reason: string
}

/**
 * The history of the locked version's release line, as the check found it:
 * - `unavailable`: the registry gave no publish times or version list (a mirror that strips them,
 *   a packument that failed) — never read as "no downgrade" (HISTORY_UNAVAILABLE);
 * - `checked`: `versions` earlier versions in the line; `higher` the one that verified at the highest
 *   level above the locked version's (the most recent such), if any; `previousBuild` the most recent
 *   earlier version whose provenance verified, the build identity the locked one is compared with.
 */
export type TrustHistory =
  | { state: 'unavailable'; reason: string }
  | { state: 'checked'; versions: number; higher?: VerifiedHistory; previousBuild?: VerifiedHistory & { identity: SignerIdentity }; unverifiedClaims: UnverifiedClaim[] }

/** The build identity fields the trust lockfile keeps per package and release line. */
export interface BaselineIdentity {
  issuer?: string
  repository?: string
  repositoryId?: string
  workflow?: string
  /** The trigger's class (triggerClass). */
  trigger?: string
  /** The ref's kind (refKind). */
  refKind?: string
  runner?: string
}

/** The trust lockfile's (verify-deps.trust.json) entry for a package's release line: what the project accepted. */
export interface TrustBaseline {
  line: string
  level: TrustLevel
  /** The version the entry was recorded from. */
  version: string
  identity?: BaselineIdentity
}

/** What the check knows of a registry package's trust over time: the input of the policy's continuity step (pure). */
export interface PackageTrust {
  level: TrustLevel
  /** When the locked version was published, and how that is known; absent when neither is known. */
  publishedAt?: PublishTime
  /** Absent when history was not looked at (continuity off for the package's rule, or not a registry package). */
  history?: TrustHistory
  /** The trust lockfile's entry for its name and release line, when there is one. */
  baseline?: TrustBaseline
}

/**
 * What the registry says of a package's history, as the fetch stage keeps it with the evidence
 * (evidence cache, facts memo): of the earlier versions of the locked version's release line
 * (historyOf, with the policy's `since`, kept as the date it was given), how many there are
 * (`count`) and the shortlist of them that can ever be a candidate (historyShortlist), each with
 * its unsigned claim; or why there is none to read. Registry metadata: hints only. A line can hold
 * hundreds of versions and every warm run reads this back: only the shortlist is kept.
 */
export type RegistryHistory =
  | { state: 'listed'; count: number; versions: HistoryVersion[]; since?: string }
  /** `failed`: the packument could not be fetched on this run — never stored, asked for again next run. */
  | { state: 'unavailable'; reason: string; failed?: true }

/** The history to store with the evidence (cache, facts memo): none when its packument failed on this run (a failure is never cached). */
export function storableHistory(history: RegistryHistory | undefined): RegistryHistory | undefined {
  return history?.state === 'unavailable' && history.failed ? undefined : history
}

/**
 * The versions of a history (most recent first) that downgradeCandidates and identityCandidates can
 * ever choose, whatever the locked version's level, in the same order: the `limit` most recent of
 * each claimed level above `none`. Both lists take, per level, its most recent versions first, so
 * they choose the same from the shortlist as from the whole history.
 */
export function historyShortlist(history: readonly HistoryVersion[], limit = HISTORY_CANDIDATE_LIMIT): HistoryVersion[] {
  const taken = new Map<TrustLevel, number>()
  return history.filter((v) => {
    if (v.claimed === 'none') return false
    const n = taken.get(v.claimed) ?? 0
    taken.set(v.claimed, n + 1)
    return n < limit
  })
}

/** Whether a stored history is the one wanted: read from `since` on (one that could not be read is unavailable from any date). */
export function historyAsWanted(history: RegistryHistory | undefined, wanted: { since?: string }): boolean {
  return history !== undefined && (history.state === 'unavailable' || history.since === wanted.since)
}

/**
 * What stands for a stored history that is not the one wanted (historyAsWanted) when it cannot be
 * fetched again (offline): `unavailable` for one read from another `since` — from a later one, it
 * lacks versions the policy now counts; none when none was stored (the check says it was not read).
 */
export function otherSince(history: RegistryHistory | undefined): RegistryHistory | undefined {
  return history?.state === 'listed' ? { state: 'unavailable', reason: `the stored history was read from another \`since\` (${history.since ?? 'none'}) and the check is offline` } : undefined
}

/** A stored RegistryHistory (facts memo: a file a dependency could write) as the shape it must have, or undefined. */
export function readRegistryHistory(value: unknown): RegistryHistory | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const v = value as Record<string, unknown>
  if (v.state === 'unavailable') return typeof v.reason === 'string' ? { state: 'unavailable', reason: v.reason } : undefined
  if (v.state !== 'listed' || !Array.isArray(v.versions) || typeof v.count !== 'number' || !Number.isSafeInteger(v.count) || v.count < 0) return undefined
  if (v.since !== undefined && typeof v.since !== 'string') return undefined
  const versions: HistoryVersion[] = []
  for (const item of v.versions as unknown[]) {
    if (typeof item !== 'object' || item === null) return undefined
    const { version, publishedAt, claimed, integrity } = item as Record<string, unknown>
    if (typeof version !== 'string' || typeof publishedAt !== 'string' || !isTrustLevel(claimed) || (integrity !== undefined && typeof integrity !== 'string')) return undefined
    versions.push({ version, publishedAt, claimed, ...(integrity !== undefined && { integrity }) })
  }
  return { state: 'listed', count: v.count, versions, ...(v.since !== undefined && { since: v.since }) }
}

/** What one earlier version verified as (trustLevelOf of its facts, or `none` when it could not be fetched), and why when below its claim. */
export interface CandidateVerdict {
  level: TrustLevel
  /** Its verified provenance identity, when its provenance verified. */
  identity?: SignerIdentity
  /** Why it did not verify at a higher level (its first finding, or the fetch failure). */
  reason?: string
}

/** The versions whose identity claims are tried for `previousBuild`: the most recent provenance claims, at most `limit`. */
export function identityCandidates(history: readonly HistoryVersion[], limit = HISTORY_CANDIDATE_LIMIT): HistoryVersion[] {
  return history.filter((v) => compareTrustLevels(v.claimed, 'provenance') >= 0).slice(0, limit)
}

/**
 * The verified history of a package at `level` from its line's `history` (since already applied)
 * and `verdictOf` each candidate it looks at, in order: when `look.downgrade` (downgrade continuity
 * is on) the downgrade candidates, then, when `look.identity` (its provenance verified and identity
 * continuity is on) the identity candidates. `higher`: the first downgrade candidate that
 * verified above `level`; `previousBuild` (when `identity`): the most recent provenance claim whose
 * provenance verified. Every candidate that verified below its claim is an UnverifiedClaim (once),
 * and the next candidate is tried: a claim is never evidence.
 */
export function resolveTrustHistory(history: readonly HistoryVersion[], level: TrustLevel, look: { downgrade: boolean; identity: boolean }, verdictOf: (v: HistoryVersion) => CandidateVerdict, limit = HISTORY_CANDIDATE_LIMIT): TrustHistory {
  const unverified = new Map<string, UnverifiedClaim>()
  const judge = (v: HistoryVersion): CandidateVerdict => {
    const verdict = verdictOf(v)
    if (compareTrustLevels(verdict.level, v.claimed) < 0 && !unverified.has(v.version)) {
      unverified.set(v.version, { version: v.version, claimed: v.claimed, level: verdict.level, reason: verdict.reason ?? `what verified: ${describeTrustLevel(verdict.level)}` })
    }
    return verdict
  }
  let higher: VerifiedHistory | undefined
  for (const v of look.downgrade ? downgradeCandidates(history, level, limit) : []) {
    const verdict = judge(v)
    if (compareTrustLevels(verdict.level, level) > 0) {
      higher = { version: v.version, publishedAt: v.publishedAt, level: verdict.level, ...(verdict.identity && { identity: verdict.identity }) }
      break
    }
  }
  let previousBuild: (VerifiedHistory & { identity: SignerIdentity }) | undefined
  if (look.identity) {
    for (const v of identityCandidates(history, limit)) {
      const verdict = judge(v)
      if (verdict.identity && compareTrustLevels(verdict.level, 'provenance') >= 0) {
        previousBuild = { version: v.version, publishedAt: v.publishedAt, level: verdict.level, identity: verdict.identity }
        break
      }
    }
  }
  return { state: 'checked', versions: history.length, ...(higher && { higher }), ...(previousBuild && { previousBuild }), unverifiedClaims: [...unverified.values()] }
}

/** The identity fields the file keeps of a verified provenance identity: never the commit or the exact tag, which change every release. */
export function baselineIdentityOf(identity: SignerIdentity): BaselineIdentity {
  const out: BaselineIdentity = {}
  if (identity.issuer !== undefined) out.issuer = identity.issuer
  if (identity.repository !== undefined) out.repository = identity.repository
  if (identity.repositoryId !== undefined) out.repositoryId = identity.repositoryId
  if (identity.workflow !== undefined) out.workflow = identity.workflow
  if (identity.trigger !== undefined) out.trigger = triggerClass(identity.trigger)
  if (identity.ref !== undefined) out.refKind = refKind(identity.ref)
  if (identity.runner !== undefined) out.runner = identity.runner
  return out
}

/**
 * How the locked version's verified build identity differs from `baseline` (the trust lockfile's, or
 * an earlier build's through baselineIdentityOf), field by field: a field is compared only when both
 * state it (older certificates lack the repository IDs: a missing field is no evidence of a change);
 * the repository without case; the trigger by class and the ref by kind (every release has its own
 * tag); the runner only when it moves from GitHub-hosted to self-hosted.
 */
export function baselineIdentityChanges(baseline: BaselineIdentity, after: SignerIdentity): IdentityChange[] {
  const now = baselineIdentityOf(after)
  const changes: IdentityChange[] = []
  for (const field of IDENTITY_CHANGE_FIELDS) {
    const a = baseline[field]
    const b = now[field]
    if (a === undefined || b === undefined) continue
    const same = field === 'repository' ? a.toLowerCase() === b.toLowerCase() : field === 'runner' ? !(a === 'github-hosted' && b === 'self-hosted') : a === b
    if (!same) changes.push({ field, before: a, after: b })
  }
  return changes
}
