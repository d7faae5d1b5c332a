/**
 * A package's history as its packument states it (docs/continuity.md): for each earlier version of
 * the locked version's release line, its publish time, its dist.integrity and the trust level its
 * unsigned metadata claims. Everything here is registry metadata no signature covers: the check
 * fetches and verifies a claimed version before it counts (check-pipeline.ts, verifyHistories).
 * Only the line is kept of a packument that can be megabytes.
 */
import { historyOf, historyShortlist, releaseLine, type HistoryVersion, type RegistryHistory, type TrustLevel } from '../model/trust.js'

/** SLSA provenance predicate types start so (npm attestation spec: `dist.attestations.provenance.predicateType`). */
const SLSA_PROVENANCE_PREFIX = 'https://slsa.dev/provenance/'

/**
 * The level a version document's unsigned metadata claims: `dist.attestations` advertising SLSA
 * provenance → `provenance`, raised to `approved` by `_npmUser.approver` or to `trusted-publisher`
 * by `_npmUser.trustedPublisher`; else `dist.signatures` → `signature`; else `none`.
 * Attacker-controlled: a hint of what to verify, never a verdict.
 */
export function claimedLevel(doc: unknown): TrustLevel {
  if (!isObject(doc)) return 'none'
  const dist = isObject(doc.dist) ? doc.dist : {}
  const provenance = isObject(dist.attestations) && isObject(dist.attestations.provenance) ? dist.attestations.provenance.predicateType : undefined
  if (typeof provenance === 'string' && provenance.startsWith(SLSA_PROVENANCE_PREFIX)) {
    const user = isObject(doc._npmUser) ? doc._npmUser : {}
    if (user.approver !== undefined && user.approver !== null && user.approver !== false) return 'approved'
    if (isObject(user.trustedPublisher)) return 'trusted-publisher'
    return 'provenance'
  }
  return Array.isArray(dist.signatures) && dist.signatures.length > 0 ? 'signature' : 'none'
}

/**
 * The history of `version` in an untrusted packument: the earlier versions of its release line
 * published from `since` on (a policy's `YYYY-MM-DD`; historyOf), counted, and their shortlist
 * (historyShortlist). No `time` object, no version list, no `time[version]`, or another version of
 * its line without a time is `unavailable` with the reason — never an empty history, which would read
 * as "nothing to compare".
 */
export function readPackumentHistory(doc: unknown, version: string, since?: string): RegistryHistory {
  if (!isObject(doc)) return { state: 'unavailable', reason: 'the packument is not a JSON object' }
  const { time, versions } = doc
  if (!isObject(time)) return { state: 'unavailable', reason: 'the packument has no publish times (no `time`: a registry or mirror that strips them)' }
  if (!isObject(versions)) return { state: 'unavailable', reason: 'the packument has no version list' }
  const publishedAt = time[version]
  if (typeof publishedAt !== 'string' || Number.isNaN(Date.parse(publishedAt))) return { state: 'unavailable', reason: `the packument has no publish time for ${version}` }
  const listed: HistoryVersion[] = []
  // A version of the same line without a readable time cannot be placed before or after the locked
  // one: skipping it would let a packument that drops one time (the version that set the level) read
  // as "nothing above it". The history is unavailable instead, as without `time` at all.
  const line = releaseLine(version)
  const untimed: string[] = []
  for (const [other, data] of Object.entries(versions)) {
    const at = time[other]
    if (other === version) continue
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) {
      if (line !== null && releaseLine(other) === line) untimed.push(other)
      continue
    }
    const integrity = isObject(data) && isObject(data.dist) && typeof data.dist.integrity === 'string' ? data.dist.integrity : undefined
    listed.push({ version: other, publishedAt: at, claimed: claimedLevel(data), ...(integrity !== undefined && { integrity }) })
  }
  if (untimed.length > 0) return { state: 'unavailable', reason: `the packument has no publish time for ${untimed.length === 1 ? 'another version' : `${untimed.length} other versions`} of its release line (${untimed.slice(0, 3).join(', ')}${untimed.length > 3 ? ', …' : ''})` }
  const from = since === undefined ? undefined : new Date(since)
  const earlier = historyOf({ version, publishedAt }, listed, from && !Number.isNaN(from.getTime()) ? from : undefined)
  return { state: 'listed', count: earlier.length, versions: historyShortlist(earlier), ...(since !== undefined && { since }) }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
