/**
 * The ground truth of a generated population, from the knobs the generator chose and nothing else:
 * never from the verifier, and never from lib/model/audit-metrics.ts's auditMetrics (only its types). Two
 * independent computations of the same figures — this one written plainly, loop by loop — must
 * agree (test/helpers/population.test.ts); the audit's report must equal this (later sessions).
 */
import type { AuditRecord, AuditStatus } from '../../../lib/model/audit.js'
import type { AuditMetrics, VersionCounts } from '../../../lib/model/audit-metrics.js'
import { compareText } from '../../../lib/model/text-order.js'
import type { TrustLevel } from '../../../lib/model/trust.js'
import type { GeneratedVersion, Population } from './generate.js'

/** What verifying one version must find, in the audit's vocabulary. */
export interface TruthVersion {
  name: string
  version: string
  /** Registry time (ISO 8601) and its `YYYY-MM`. */
  publishedAt: string
  month: string
  line: string
  signature: AuditStatus
  provenance: AuditStatus
  publishAttestation: AuditStatus
  /** Registry metadata as served (`_npmUser`); false when not fetched (nothing was read). */
  trustedPublisher: boolean
  approver: boolean
  /** Of verified provenance only. */
  issuer?: string
  runner?: string
  fetchFailed: boolean
  /** Undefined when not fetched. */
  level?: TrustLevel
}

/** Lowest first, as the check orders them. */
const LEVEL_ORDER: readonly TrustLevel[] = ['none', 'signature', 'provenance', 'trusted-publisher', 'approved']

export function truthVersion(v: GeneratedVersion): TruthVersion {
  const base = { name: v.name, version: v.version, publishedAt: v.publishedAt, month: v.publishedAt.slice(0, 7), line: v.line }
  if (v.fetchFault) {
    return { ...base, signature: 'unverifiable', provenance: 'unverifiable', publishAttestation: 'unverifiable', trustedPublisher: false, approver: false, fetchFailed: true }
  }
  const signature: AuditStatus = v.signature === 'valid' ? 'verified' : v.signature === 'missing' ? 'missing' : 'invalid'
  const provenance: AuditStatus = v.provenance === 'none' ? 'missing' : v.provenance === 'valid' ? 'verified' : 'invalid'
  const publishAttestation: AuditStatus = v.publishAttestation === 'missing' ? 'missing' : v.publishAttestation === 'valid' ? 'verified' : 'invalid'
  let level: TrustLevel = signature === 'verified' ? 'signature' : 'none'
  if (provenance === 'verified') level = v.approver ? 'approved' : v.trustedPublisher ? 'trusted-publisher' : 'provenance'
  return {
    ...base,
    signature,
    provenance,
    publishAttestation,
    trustedPublisher: v.trustedPublisher,
    approver: v.approver,
    ...(provenance === 'verified' && { issuer: v.issuer!, runner: v.runner! }),
    fetchFailed: false,
    level,
  }
}

export function truthVersions(population: Population): TruthVersion[] {
  return population.packages.flatMap((p) => p.versions.map(truthVersion))
}

/** The truth as the records the audit would store (no findings: the truth does not predict finding codes). */
export function truthRecords(population: Population): AuditRecord[] {
  return truthVersions(population).map((v) => ({
    name: v.name,
    version: v.version,
    publishedAt: v.publishedAt,
    signature: v.signature,
    provenance: v.provenance,
    publishAttestation: v.publishAttestation,
    trustedPublisher: v.trustedPublisher,
    approver: v.approver,
    ...(v.issuer !== undefined && { issuer: v.issuer }),
    ...(v.runner !== undefined && { runner: v.runner }),
    findings: [],
    fetchFailed: v.fetchFailed,
  }))
}

/** Counts of `versions`, each counted `weight(v)` times (1, or its package's weekly downloads). */
function versionCounts(versions: readonly TruthVersion[], weight: (v: TruthVersion) => number = () => 1): VersionCounts {
  const counts: VersionCounts = {
    signature: { verified: 0, invalid: 0, missing: 0, unverifiable: 0 },
    provenance: { verified: 0, invalid: 0, missing: 0, unverifiable: 0 },
    publishAttestation: { verified: 0, invalid: 0, missing: 0, unverifiable: 0 },
    trustedPublisher: 0,
    approver: 0,
  }
  for (const v of versions) {
    counts.signature[v.signature] += weight(v)
    counts.provenance[v.provenance] += weight(v)
    counts.publishAttestation[v.publishAttestation] += weight(v)
    if (v.provenance === 'verified' && v.trustedPublisher) counts.trustedPublisher += weight(v)
    if (v.provenance === 'verified' && v.approver) counts.approver += weight(v)
  }
  return counts
}

/** The metrics document the audit must report for the population; with `downloads`, weighted by the population's download figures. */
export function truthMetrics(population: Population, options: { generatedAt: string; registry: string; downloads?: boolean }): AuditMetrics {
  const byPackage = population.packages.map((p) => ({ name: p.name, latest: p.latest, versions: p.versions.map(truthVersion) }))
  const all = byPackage.flatMap((p) => p.versions)

  const latest = byPackage.map((p) => p.versions.find((v) => v.version === p.latest)!)

  const issuers: Record<string, number> = {}
  const runners: Record<string, number> = { 'github-hosted': 0, 'self-hosted': 0 }
  for (const v of all) if (v.issuer !== undefined) issuers[v.issuer] = (issuers[v.issuer] ?? 0) + 1
  for (const v of all) if (v.runner !== undefined) runners[v.runner] = runners[v.runner]! + 1
  const sortedIssuers = Object.fromEntries(Object.keys(issuers).sort(compareText).map((k) => [k, issuers[k]!]))

  // Every month from the first publish to the last.
  const months = all.map((v) => v.month).sort()
  const monthly: AuditMetrics['monthly'] = []
  if (months.length > 0) {
    let [year, month] = months[0]!.split('-').map(Number) as [number, number]
    const last = months.at(-1)!
    for (;;) {
      const id = `${year}-${String(month).padStart(2, '0')}`
      const inMonth = all.filter((v) => v.month === id)
      monthly.push({
        month: id,
        versions: inMonth.length,
        provenance: inMonth.filter((v) => v.provenance === 'verified').length,
        trustedPublisher: inMonth.filter((v) => v.provenance === 'verified' && v.trustedPublisher).length,
      })
      if (id === last) break
      month++
      if (month === 13) [year, month] = [year + 1, 1]
    }
  }

  // Versions are generated in publish order with distinct times; not fetched: left out of both figures.
  const afterFirstProvenance = { versions: 0, provenance: 0 }
  const downgrades: AuditMetrics['continuity']['downgrades'] = []
  for (const p of byPackage) {
    const known = p.versions.filter((v) => !v.fetchFailed)
    const first = known.findIndex((v) => v.provenance === 'verified')
    if (first >= 0) {
      for (const v of known.slice(first + 1)) {
        afterFirstProvenance.versions++
        if (v.provenance === 'verified') afterFirstProvenance.provenance++
      }
    }
    const highest = new Map<string, number>()
    for (const v of known) {
      const rank = LEVEL_ORDER.indexOf(v.level!)
      const before = highest.get(v.line)
      if (before !== undefined && rank < before) downgrades.push({ package: p.name, version: v.version, from: LEVEL_ORDER[before]!, to: v.level! })
      if (before === undefined || rank > before) highest.set(v.line, rank)
    }
  }
  // By package; within a package they were found in publish order.
  downgrades.sort((a, b) => compareText(a.package, b.package))

  const metrics: AuditMetrics = {
    schemaVersion: 1,
    generatedAt: options.generatedAt,
    registry: options.registry,
    population: { packages: byPackage.length, versions: all.length, fetchFailed: all.filter((v) => v.fetchFailed).length },
    versions: versionCounts(all),
    latest: versionCounts(latest),
    ever: {
      provenance: byPackage.filter((p) => p.versions.some((v) => v.provenance === 'verified')).length,
      trustedPublisher: byPackage.filter((p) => p.versions.some((v) => v.provenance === 'verified' && v.trustedPublisher)).length,
    },
    issuers: sortedIssuers,
    runners,
    monthly,
    continuity: { afterFirstProvenance, downgrades },
  }
  if (options.downloads) {
    const figures = population.downloads
    const weight = (v: TruthVersion): number => figures[v.name] ?? 0
    metrics.downloads = {
      total: latest.reduce((sum, v) => sum + weight(v), 0),
      unknown: latest.filter((v) => figures[v.name] === undefined).length,
      latest: versionCounts(latest, weight),
    }
  }
  return metrics
}
