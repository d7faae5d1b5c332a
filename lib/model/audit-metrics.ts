/**
 * The audit's metrics document (`verify-deps audit report --format json`, schemaVersion 1; every
 * field is defined in docs/audit.md) from the stored records (model/audit.ts). Pure and
 * deterministic. Trust levels and release lines are model/trust.ts's, the ones the check's
 * trust-downgrade logic uses; FETCH_FAILED versions are `unverifiable`, counted apart, and have no
 * level (left out of the continuity figures).
 */
import { auditTrustLevel, type AuditRecord } from './audit.js'
import { compareText } from './text-order.js'
import { compareTrustLevels, releaseLine, type TrustLevel } from './trust.js'

export const AUDIT_SCHEMA_VERSION = 1

export interface StatusCounts {
  verified: number
  invalid: number
  missing: number
  unverifiable: number
}

/** Counts over a set of versions (every version, or each package's latest). */
export interface VersionCounts {
  signature: StatusCounts
  provenance: StatusCounts
  publishAttestation: StatusCounts
  /** Versions with verified provenance whose `_npmUser.trustedPublisher` is set. */
  trustedPublisher: number
  /** Versions with verified provenance whose `_npmUser.approver` is set. */
  approver: number
}

export interface MonthlyCounts {
  /** `YYYY-MM` of the registry's publish time (UTC). */
  month: string
  versions: number
  /** Of them, with verified provenance. */
  provenance: number
  /** Of them, counted in `trustedPublisher` (verified provenance and the metadata). */
  trustedPublisher: number
}

export interface AuditDowngrade {
  package: string
  version: string
  /** The highest level verified by an earlier version (registry time) of its release line. */
  from: TrustLevel
  /** Its own verified level, lower. */
  to: TrustLevel
}

/** `audit report --format json`: the document docs/audit.md defines, field for field as issue 13 names them. */
export interface AuditMetrics {
  schemaVersion: typeof AUDIT_SCHEMA_VERSION
  generatedAt: string
  registry: string
  /** `fetchFailed`: versions not fetched (in `versions` and counted `unverifiable`, never `missing`). */
  population: { packages: number; versions: number; fetchFailed: number }
  versions: VersionCounts
  /** Over each package's `dist-tags.latest` version, when it is among the records. */
  latest: VersionCounts
  /** Packages with at least one version with verified provenance / counted as trusted-publisher. */
  ever: { provenance: number; trustedPublisher: number }
  /** Versions with verified provenance per OIDC issuer (sorted). */
  issuers: Record<string, number>
  /** Versions with verified provenance per runner: `github-hosted` and `self-hosted` always, then any other value (sorted). */
  runners: Record<string, number>
  /** Every month from the first to the last publish time, empty months included, in order. */
  monthly: MonthlyCounts[]
  continuity: {
    /** Per package, the versions published after its first version with verified provenance, and how many of them have it too. */
    afterFirstProvenance: { versions: number; provenance: number }
    /** Versions below a level an earlier version of their release line verified at, by package, then publish time. */
    downgrades: AuditDowngrade[]
  }
  /** With `--downloads`: each package's latest version weighted by its weekly downloads. */
  downloads?: {
    /** Weekly downloads of the packages whose latest version is counted. */
    total: number
    /** Packages whose latest version is counted but that have no download figure (weight 0). */
    unknown: number
    latest: VersionCounts
  }
}

/** A package of the population: its name and `dist-tags.latest`. */
export interface AuditPackage {
  name: string
  latest?: string
}

export interface AuditMetricsOptions {
  generatedAt: string
  registry: string
  /** Package name → weekly downloads (`--downloads FILE`). */
  downloads?: Readonly<Record<string, number>>
}

/** The metrics of `records` (each version once) of `packages`. Deterministic: the same input gives the same document, keys and arrays in a fixed order. */
export function auditMetrics(records: readonly AuditRecord[], packages: readonly AuditPackage[], options: AuditMetricsOptions): AuditMetrics {
  const byId = new Map<string, AuditRecord>()
  for (const r of records) {
    const id = `${r.name}@${r.version}`
    if (byId.has(id)) throw new Error(`auditMetrics: ${id} is recorded twice`)
    byId.set(id, r)
  }
  const byPackage = new Map<string, AuditRecord[]>()
  for (const r of records) pushTo(byPackage, r.name, r)
  const names = new Set([...packages.map((p) => p.name), ...byPackage.keys()])

  const latestRecords = packages.flatMap((p) => {
    const r = p.latest === undefined ? undefined : byId.get(`${p.name}@${p.latest}`)
    return r ? [r] : []
  })

  const metrics: AuditMetrics = {
    schemaVersion: AUDIT_SCHEMA_VERSION,
    generatedAt: options.generatedAt,
    registry: options.registry,
    population: { packages: names.size, versions: records.length, fetchFailed: records.filter((r) => r.fetchFailed).length },
    versions: countVersions(records, () => 1),
    latest: countVersions(latestRecords, () => 1),
    ever: {
      provenance: [...byPackage.values()].filter((rs) => rs.some((r) => r.provenance === 'verified')).length,
      trustedPublisher: [...byPackage.values()].filter((rs) => rs.some(countsAsTrustedPublisher)).length,
    },
    issuers: tally(records.filter((r) => r.provenance === 'verified' && r.issuer !== undefined).map((r) => r.issuer!), []),
    runners: tally(records.filter((r) => r.provenance === 'verified' && r.runner !== undefined).map((r) => r.runner!), ['github-hosted', 'self-hosted']),
    monthly: monthly(records),
    continuity: continuity(byPackage),
  }
  if (options.downloads) {
    const downloads = options.downloads
    const weight = (r: AuditRecord): number => {
      const n = downloads[r.name]
      return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : 0
    }
    metrics.downloads = {
      total: latestRecords.reduce((sum, r) => sum + weight(r), 0),
      unknown: latestRecords.filter((r) => !Object.hasOwn(downloads, r.name)).length,
      latest: countVersions(latestRecords, weight),
    }
  }
  return metrics
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

function countsAsTrustedPublisher(r: AuditRecord): boolean {
  return r.provenance === 'verified' && r.trustedPublisher
}

function emptyStatusCounts(): StatusCounts {
  return { verified: 0, invalid: 0, missing: 0, unverifiable: 0 }
}

function countVersions(records: readonly AuditRecord[], weight: (r: AuditRecord) => number): VersionCounts {
  const counts: VersionCounts = { signature: emptyStatusCounts(), provenance: emptyStatusCounts(), publishAttestation: emptyStatusCounts(), trustedPublisher: 0, approver: 0 }
  for (const r of records) {
    const w = weight(r)
    counts.signature[r.signature] += w
    counts.provenance[r.provenance] += w
    counts.publishAttestation[r.publishAttestation] += w
    if (countsAsTrustedPublisher(r)) counts.trustedPublisher += w
    if (r.provenance === 'verified' && r.approver) counts.approver += w
  }
  return counts
}

/** Counts per value: `first` keys always, in that order, then the others sorted. */
function tally(values: readonly string[], first: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>(first.map((k) => [k, 0]))
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  const rest = [...counts.keys()].filter((k) => !first.includes(k)).sort(compareText)
  return Object.fromEntries([...first, ...rest].map((k) => [k, counts.get(k)!]))
}

/** The publish time in ms, or undefined when absent or not a date. */
function timeOf(r: AuditRecord): number | undefined {
  if (r.publishedAt === undefined) return undefined
  const at = Date.parse(r.publishedAt)
  return Number.isNaN(at) ? undefined : at
}

function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7)
}

function monthly(records: readonly AuditRecord[]): MonthlyCounts[] {
  const buckets = new Map<string, MonthlyCounts>()
  let first: number | undefined
  let last: number | undefined
  for (const r of records) {
    const at = timeOf(r)
    if (at === undefined) continue
    first = first === undefined ? at : Math.min(first, at)
    last = last === undefined ? at : Math.max(last, at)
    const month = monthOf(at)
    const bucket = buckets.get(month) ?? { month, versions: 0, provenance: 0, trustedPublisher: 0 }
    bucket.versions++
    if (r.provenance === 'verified') bucket.provenance++
    if (countsAsTrustedPublisher(r)) bucket.trustedPublisher++
    buckets.set(month, bucket)
  }
  if (first === undefined || last === undefined) return []
  const series: MonthlyCounts[] = []
  const end = monthOf(last)
  const cursor = new Date(Date.UTC(new Date(first).getUTCFullYear(), new Date(first).getUTCMonth(), 1))
  for (;;) {
    const month = monthOf(cursor.getTime())
    series.push(buckets.get(month) ?? { month, versions: 0, provenance: 0, trustedPublisher: 0 })
    if (month === end) return series
    cursor.setUTCMonth(cursor.getUTCMonth() + 1)
  }
}

/**
 * Both continuity figures, over the versions whose level is known (fetched) and whose publish time is
 * a date, in registry-time order. A downgrade, as the check's TRUST_DOWNGRADE: a version of a release
 * line (model/trust.ts releaseLine) whose level is below the highest an earlier version of the line
 * verified at (published strictly before it; versions that are not semver have no line).
 */
function continuity(byPackage: ReadonlyMap<string, readonly AuditRecord[]>): AuditMetrics['continuity'] {
  const after = { versions: 0, provenance: 0 }
  const downgrades: Array<AuditDowngrade & { at: number }> = []
  for (const [name, records] of byPackage) {
    const known = records
      .flatMap((r) => {
        const at = timeOf(r)
        const level = auditTrustLevel(r)
        return at === undefined || level === undefined ? [] : [{ r, at, level }]
      })
      .sort((a, b) => a.at - b.at)

    const firstProvenance = known.find((k) => k.r.provenance === 'verified')
    if (firstProvenance) {
      for (const k of known) {
        if (k.at <= firstProvenance.at) continue
        after.versions++
        if (k.r.provenance === 'verified') after.provenance++
      }
    }

    const lines = new Map<string, typeof known>()
    for (const k of known) {
      const line = releaseLine(k.r.version)
      if (line !== null) pushTo(lines, line, k)
    }
    for (const line of lines.values()) {
      // The highest level of the versions published strictly before the current time.
      let highest: TrustLevel | undefined
      for (let i = 0; i < line.length; ) {
        let j = i
        while (j < line.length && line[j]!.at === line[i]!.at) j++
        for (const k of line.slice(i, j)) {
          if (highest !== undefined && compareTrustLevels(k.level, highest) < 0) downgrades.push({ package: name, version: k.r.version, from: highest, to: k.level, at: k.at })
        }
        for (const k of line.slice(i, j)) if (highest === undefined || compareTrustLevels(k.level, highest) > 0) highest = k.level
        i = j
      }
    }
  }
  downgrades.sort((a, b) => compareText(a.package, b.package) || a.at - b.at || compareText(a.version, b.version))
  return { afterFirstProvenance: after, downgrades: downgrades.map(({ at: _at, ...d }) => d) }
}
