/**
 * The continuity step (docs/continuity.md): from what the check knows of a package's trust over
 * time (PackageTrust: its level, publish time, verified history, trust-lockfile baseline), the
 * rule's `continuity` settings and the time of the check, the findings TRUST_DOWNGRADE,
 * IDENTITY_CHANGED, RELEASE_TOO_NEW, HISTORY_UNAVAILABLE and HISTORY_CLAIM_UNVERIFIED, decided,
 * and a line for `explain` saying what was compared and concluded. Pure.
 *
 * Only verified evidence is compared: the history holds earlier versions whose attestations were
 * fetched and verified (fetch/ and verify/ did that); the registry's claims that did not verify are
 * reported and never counted. A history the registry did not give is never "no downgrade".
 */
import { finding, type Finding } from '../findings.js'
import type { DecidedFinding, PackageTrustSummary } from '../model.js'
import type { SignerIdentity } from '../model/facts.js'
import { baselineIdentityChanges, compareTrustLevels, describeTrustLevel, identityChanges, parseDuration, type IdentityChange, type PackageTrust, type TrustBaseline, type TrustLevel, type VerifiedHistory } from '../model/trust.js'
import { TRUST_LOCKFILE_NAME } from '../model/trust-lockfile-file.js'
import type { ContinuitySettings } from './continuity-settings.js'
import { decideFinding } from './severity.js'
import type { Mode, RuleBody } from './types.js'

/** The trust lockfile the baseline comes from (written by `verify-deps trust update`), as findings name it. */
const BASELINE = `the trust lockfile (${TRUST_LOCKFILE_NAME})`

/** What the continuity step looked at and concluded, for `explain` (one line each). */
export interface ContinuityCheck {
  /** The settings that decided: `downgrade warn, identity warn, since 2025-01-01, minimumReleaseAge 4d`. */
  settings: string
  /** What was compared and the conclusion, one line per comparison. */
  compared: string[]
}

export interface ContinuityInput {
  /** `name@version`. */
  pkg: string
  name: string
  version: string
  trust: PackageTrust
  settings: ContinuitySettings
  /** The rule body that decides the package (its `mode` decides RELEASE_TOO_NEW, its `severity` may name codes). */
  body: RuleBody
  /** The rule's id for "(required by …)"; undefined for the built-in default policy. */
  ruleId: string | undefined
  /** The locked version's verified provenance identity, when its provenance verified. */
  identity: SignerIdentity | undefined
  now: Date
}

/** The decided continuity findings of one package and what `explain` says of them. */
export function checkContinuity(input: ContinuityInput): { findings: DecidedFinding[]; check: ContinuityCheck } {
  const { trust, settings, body, ruleId } = input
  const findings: DecidedFinding[] = []
  const compared: string[] = []
  const decide = (f: Finding, mode: Mode) => findings.push(decideFinding(f, { ...body, mode }, ruleId))

  const history = trust.history
  const since = settings.since !== undefined ? Date.parse(`${settings.since}T00:00:00Z`) : undefined
  // Versions published before `since` are not history (the fetch stage applies it too; re-checked here, pure and cheap).
  const inHistory = <T extends VerifiedHistory>(v: T | undefined): T | undefined => (v && (since === undefined || Date.parse(v.publishedAt) >= since) ? v : undefined)
  const checked = history?.state === 'checked' ? history : undefined
  const higher = inHistory(checked?.higher)
  const previousBuild = inHistory(checked?.previousBuild)
  const baseline = trust.baseline

  // The registry gave no history: said per package (info, a warning when a downgrade or an identity
  // change must be enforced and no baseline can stand in), never read as "no downgrade". A baseline at
  // `none` stands in for no drop (no level is below it): an entry edited down to `none` must not quiet
  // the warning; one without an identity stands in for no identity change.
  if (history?.state === 'unavailable' && (settings.downgrade !== 'off' || settings.identity !== 'off')) {
    const blindToDrop = settings.downgrade === 'enforce' && !(baseline !== undefined && compareTrustLevels(baseline.level, 'none') > 0)
    const blindToIdentity = settings.identity === 'enforce' && input.identity !== undefined && baseline?.identity === undefined
    const fallback = baseline ? `; compared with the trust lockfile (${TRUST_LOCKFILE_NAME}) only` : ''
    decide(finding('HISTORY_UNAVAILABLE', `${input.pkg}: the registry gave no history for its release line (${history.reason}): a downgrade or a change of build identity cannot be ruled out${fallback}`), blindToDrop || blindToIdentity ? 'enforce' : 'warn')
    compared.push(`history     unavailable (${history.reason})${fallback}`)
  }
  for (const claim of checked?.unverifiedClaims ?? []) {
    decide(finding('HISTORY_CLAIM_UNVERIFIED', `${input.pkg}: the registry says ${claim.version} had ${describeClaim(claim.claimed)}; it does not verify: ${claim.reason}; not counted`), body.mode)
  }

  // 1. Downgrade: below the highest verified level of the line's earlier versions, or below the baseline.
  if (settings.downgrade !== 'off') {
    const reasons: string[] = []
    if (baseline && compareTrustLevels(trust.level, baseline.level) < 0) reasons.push(`${BASELINE} accepted ${baseline.level} for ${input.name} ${describeLine(baseline.line)} (recorded from ${baseline.version})`)
    if (higher && compareTrustLevels(trust.level, higher.level) < 0) reasons.push(`${higher.version} (published ${day(higher.publishedAt)}) had ${describeEarlier(higher.level, higher.identity)}`)
    if (reasons.length > 0) decide(finding('TRUST_DOWNGRADE', `${input.pkg}: trust downgrade — ${reasons.join('; ')}; ${input.version} has ${describeNow(trust.level)}`), settings.downgrade)
    compared.push(`downgrade   ${input.version} is ${trust.level}; ${describeDowngradeComparison(higher, checked !== undefined, baseline)}${reasons.length > 0 ? ' -> TRUST_DOWNGRADE' : ': no downgrade'}`)
  }

  // 2. Build identity: the locked version's verified provenance against the previous verified build and the baseline.
  if (settings.identity !== 'off') {
    const current = input.identity
    const parts: string[] = []
    const seen: string[] = []
    if (current && previousBuild) {
      seen.push(`${previousBuild.version}'s build`)
      const changes = identityChanges(previousBuild.identity, current)
      if (changes.length > 0) parts.push(`since ${previousBuild.version} (published ${day(previousBuild.publishedAt)}): ${describeChanges(changes)}`)
    }
    if (current && baseline?.identity) {
      seen.push(`the ${TRUST_LOCKFILE_NAME} identity`)
      const changes = baselineIdentityChanges(baseline.identity, current)
      if (changes.length > 0) parts.push(`since ${BASELINE} entry for ${input.name} ${describeLine(baseline.line)} (recorded from ${baseline.version}): ${describeChanges(changes)}`)
    }
    if (parts.length > 0) decide(finding('IDENTITY_CHANGED', `${input.pkg}: build identity changed ${parts.join('; and ')}`), settings.identity)
    const what = !current ? 'no verified provenance identity to compare' : seen.length === 0 ? 'no earlier verified build to compare with' : `compared with ${seen.join(' and ')}: ${parts.length > 0 ? 'changed -> IDENTITY_CHANGED' : 'unchanged'}`
    compared.push(`identity    ${what}`)
  }

  // 3. Release age: fail closed when the publish time is unknown.
  if (settings.minimumReleaseAge !== undefined) {
    const minimum = settings.minimumReleaseAge
    const minimumMs = parseDuration(minimum)
    const published = trust.publishedAt
    if (minimumMs === undefined) {
      // The schema refuses such a policy; a hand-built one cannot pass by accident.
      decide(finding('RELEASE_TOO_NEW', `${input.pkg}: minimumReleaseAge ${JSON.stringify(minimum)} is not a duration like 72h or 4d: its age cannot be judged`), body.mode)
      compared.push(`release age minimumReleaseAge ${JSON.stringify(minimum)} is not a duration -> RELEASE_TOO_NEW`)
    } else if (!published) {
      decide(finding('RELEASE_TOO_NEW', `${input.pkg}: its publish time is unknown (no verified attestation time, no registry time), so its age cannot be established against minimumReleaseAge ${minimum}`), body.mode)
      compared.push(`release age publish time unknown -> RELEASE_TOO_NEW (minimumReleaseAge ${minimum})`)
    } else {
      const at = Date.parse(published.at)
      const age = input.now.getTime() - at
      const source = published.source === 'signed' ? 'signed time' : 'registry time, unsigned'
      if (Number.isNaN(at) || age < minimumMs) {
        const when = Number.isNaN(at) ? 'at an unreadable time' : age < 0 ? `after the time of the check (${input.now.toISOString()})` : `${describeAge(age)} before ${input.now.toISOString()}`
        const from = Number.isNaN(at) ? '' : `; old enough from ${new Date(at + minimumMs).toISOString()}`
        decide(finding('RELEASE_TOO_NEW', `${input.pkg}: published ${published.at} (${source}), ${when}: younger than minimumReleaseAge ${minimum}${from}`), body.mode)
        compared.push(`release age published ${published.at} (${source}), younger than ${minimum} -> RELEASE_TOO_NEW`)
      } else {
        compared.push(`release age published ${published.at} (${source}), ${describeAge(age)} old: at least ${minimum}`)
      }
    }
  }

  const described = [`downgrade ${settings.downgrade}`, `identity ${settings.identity}`, ...(settings.since ? [`since ${settings.since}`] : []), ...(settings.minimumReleaseAge ? [`minimumReleaseAge ${settings.minimumReleaseAge}`] : [])]
  return { findings, check: { settings: described.join(', '), compared } }
}

/**
 * The package's trust as the report gives it (JSON `trust`): its level and publish time, the earlier
 * version it was compared with (the one that verified above it, else the previous verified build),
 * and the trust lockfile's entry.
 */
export function trustSummaryOf(trust: PackageTrust): PackageTrustSummary {
  const history = trust.history
  const earlier = history?.state === 'checked' ? (history.higher ?? history.previousBuild) : undefined
  return {
    level: trust.level,
    publishedAt: trust.publishedAt ? { at: trust.publishedAt.at, source: trust.publishedAt.source } : null,
    historyState: history ? history.state : 'not-checked',
    history: earlier ? { level: earlier.level, version: earlier.version, publishedAt: earlier.publishedAt } : null,
    baseline: trust.baseline ? { ...trust.baseline } : null,
  }
}

/** `2026-03-27` from an ISO time (as the registry gives it). */
function day(iso: string): string {
  return iso.slice(0, 10)
}

/** `1.x`, `0.30.x`, `1.2.3-beta prereleases` for a release line (model/trust.ts releaseLine). */
function describeLine(line: string): string {
  return /^\d+(?:\.\d+)?$/.test(line) ? `${line}.x` : `${line} prereleases`
}


/** What an earlier version had: `verified provenance from axios/axios (trusted publisher)`. */
function describeEarlier(level: TrustLevel, identity: SignerIdentity | undefined): string {
  const from = identity?.repository ? ` from ${identity.repository}` : ''
  switch (level) {
    case 'approved':
      return `verified provenance${from} (approved, staged publishing)`
    case 'trusted-publisher':
      return `verified provenance${from} (trusted publisher)`
    case 'provenance':
      return `verified provenance${from}`
    default:
      return describeTrustLevel(level)
  }
}

/** What the locked version has, saying what is missing. */
function describeNow(level: TrustLevel): string {
  switch (level) {
    case 'trusted-publisher':
      return 'verified provenance from a trusted publisher, without an approver'
    case 'provenance':
      return 'verified provenance without a trusted publisher'
    case 'signature':
      return 'a registry signature only'
    default:
      // `none`: a version cannot be below `none`, nor above `approved`, which the highest level only reaches.
      return 'nothing verified (no registry signature, no provenance)'
  }
}

/** What a registry claim said an earlier version had. */
function describeClaim(level: TrustLevel): string {
  switch (level) {
    case 'approved':
      return 'provenance with an approver'
    case 'trusted-publisher':
      return 'provenance from a trusted publisher'
    case 'provenance':
      return 'provenance'
    default:
      // A claim is only looked at when it is above the locked version's level: never `none`.
      return 'a registry signature'
  }
}

/** What the downgrade check compared the locked version's level with. */
function describeDowngradeComparison(higher: VerifiedHistory | undefined, checked: boolean, baseline: TrustBaseline | undefined): string {
  const parts: string[] = []
  if (higher) parts.push(`${higher.version}, verified ${higher.level}`)
  else if (checked) parts.push('its line\'s earlier versions (none verified above it)')
  if (baseline) parts.push(`the trust lockfile's ${baseline.level} (recorded from ${baseline.version})`)
  return parts.length === 0 ? 'nothing to compare with (no history looked at, no trust lockfile entry)' : `compared with ${parts.join(' and ')}`
}

function describeChanges(changes: readonly IdentityChange[]): string {
  return changes.map((c) => `${c.field}: ${c.before} → ${c.after}`).join(', ')
}

/** `3 hours`, `2 days` (rounded down; `ms` is not negative). */
function describeAge(ms: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`
  const hours = Math.floor(ms / 3_600_000)
  if (hours < 1) return plural(Math.floor(ms / 60_000), 'minute')
  if (hours < 48) return plural(hours, 'hour')
  return plural(Math.floor(hours / 24), 'day')
}

