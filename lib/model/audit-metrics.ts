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
  const metrics = auditMetricsAccumulator(options)
  for (const g of packageGroups(records, packages)) metrics.add(g.name, g.pkg, g.records)
  return metrics.finish()
}

/** One package's description and records, as the store's packageGroups reads them a page at a time. */
export interface AuditPackageGroup {
  name: string
  pkg?: AuditPackage
  records: AuditRecord[]
}

/** `records` and `packages` held in memory, grouped by package: every described package, then names with records only. */
export function packageGroups(records: readonly AuditRecord[], packages: readonly AuditPackage[]): AuditPackageGroup[] {
  const byPackage = new Map<string, AuditRecord[]>()
  for (const r of records) pushTo(byPackage, r.name, r)
  const described = new Map(packages.map((p) => [p.name, p]))
  return [...new Set([...described.keys(), ...byPackage.keys()])].map((name) => {
    const pkg = described.get(name)
    return { name, ...(pkg && { pkg }), records: byPackage.get(name) ?? [] }
  })
}

/** The downgrades among one package's versions, as the metrics' continuity.downgrades lists them. */
export function packageDowngrades(name: string, records: readonly AuditRecord[]): AuditDowngrade[] {
  const found: Array<AuditDowngrade & { at: number }> = []
  continuityOf(name, records, { versions: 0, provenance: 0 }, found)
  return found.map(({ at: _at, ...d }) => d)
}

/**
 * auditMetrics one package at a time, for a store too large to hold (`audit report` reads it a page of
 * packages at a time): `add` each package once, with its description (its latest version) and all
 * its records; `finish` gives the document. Only the counts, the months and the downgrades are kept.
 */
export interface AuditMetricsAccumulator {
  add(name: string, pkg: AuditPackage | undefined, records: readonly AuditRecord[]): void
  finish(): AuditMetrics
}

export function auditMetricsAccumulator(options: AuditMetricsOptions): AuditMetricsAccumulator {
  const downloads = options.downloads
  const weight = (r: AuditRecord): number => {
    const n = downloads?.[r.name]
    return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : 0
  }
  const seen = new Set<string>()
  const population = { packages: 0, versions: 0, fetchFailed: 0 }
  const versions = emptyVersionCounts()
  const latest = emptyVersionCounts()
  const weighted = { total: 0, unknown: 0, latest: emptyVersionCounts() }
  const ever = { provenance: 0, trustedPublisher: 0 }
  const issuers = new Map<string, number>()
  const runners = new Map<string, number>()
  const months = monthlyBuckets()
  const after = { versions: 0, provenance: 0 }
  const downgrades: Array<AuditDowngrade & { at: number }> = []
  return {
    add(name, pkg, records) {
      if (seen.has(name)) throw new Error(`auditMetrics: ${name} is added twice`)
      seen.add(name)
      const ids = new Set<string>()
      for (const r of records) {
        if (r.name !== name) throw new Error(`auditMetrics: ${r.name}@${r.version} is not a version of ${name}`)
        if (ids.has(r.version)) throw new Error(`auditMetrics: ${name}@${r.version} is recorded twice`)
        ids.add(r.version)
      }
      population.packages++
      population.versions += records.length
      for (const r of records) {
        if (r.fetchFailed) population.fetchFailed++
        addCounts(versions, r, 1)
        if (r.provenance === 'verified' && r.issuer !== undefined) issuers.set(r.issuer, (issuers.get(r.issuer) ?? 0) + 1)
        if (r.provenance === 'verified' && r.runner !== undefined) runners.set(r.runner, (runners.get(r.runner) ?? 0) + 1)
        months.add(r)
      }
      const latestRecord = pkg?.latest === undefined ? undefined : records.find((r) => r.version === pkg.latest)
      if (latestRecord) {
        addCounts(latest, latestRecord, 1)
        if (downloads) {
          weighted.total += weight(latestRecord)
          if (!Object.hasOwn(downloads, name)) weighted.unknown++
          addCounts(weighted.latest, latestRecord, weight(latestRecord))
        }
      }
      if (records.some((r) => r.provenance === 'verified')) ever.provenance++
      if (records.some(countsAsTrustedPublisher)) ever.trustedPublisher++
      continuityOf(name, records, after, downgrades)
    },
    finish() {
      downgrades.sort((a, b) => compareText(a.package, b.package) || a.at - b.at || compareText(a.version, b.version))
      const metrics: AuditMetrics = {
        schemaVersion: AUDIT_SCHEMA_VERSION,
        generatedAt: options.generatedAt,
        registry: options.registry,
        population,
        versions,
        latest,
        ever,
        issuers: tally(issuers, []),
        runners: tally(runners, ['github-hosted', 'self-hosted']),
        monthly: months.series(),
        continuity: { afterFirstProvenance: after, downgrades: downgrades.map(({ at: _at, ...d }) => d) },
      }
      if (downloads) metrics.downloads = weighted
      return metrics
    },
  }
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

function emptyVersionCounts(): VersionCounts {
  return { signature: emptyStatusCounts(), provenance: emptyStatusCounts(), publishAttestation: emptyStatusCounts(), trustedPublisher: 0, approver: 0 }
}

function addCounts(counts: VersionCounts, r: AuditRecord, w: number): void {
  counts.signature[r.signature] += w
  counts.provenance[r.provenance] += w
  counts.publishAttestation[r.publishAttestation] += w
  if (countsAsTrustedPublisher(r)) counts.trustedPublisher += w
  if (r.provenance === 'verified' && r.approver) counts.approver += w
}

/** Counts per value: `first` keys always, in that order, then the others sorted. */
function tally(counts: ReadonlyMap<string, number>, first: readonly string[]): Record<string, number> {
  const rest = [...counts.keys()].filter((k) => !first.includes(k)).sort(compareText)
  return Object.fromEntries([...first, ...rest].map((k) => [k, counts.get(k) ?? 0]))
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

/** Versions per month of registry time, and the series from the first month to the last, empty ones included. */
function monthlyBuckets(): { add(r: AuditRecord): void; series(): MonthlyCounts[] } {
  const buckets = new Map<string, MonthlyCounts>()
  let first: number | undefined
  let last: number | undefined
  return {
    add(r) {
      const at = timeOf(r)
      if (at === undefined) return
      first = first === undefined ? at : Math.min(first, at)
      last = last === undefined ? at : Math.max(last, at)
      const month = monthOf(at)
      const bucket = buckets.get(month) ?? { month, versions: 0, provenance: 0, trustedPublisher: 0 }
      bucket.versions++
      if (r.provenance === 'verified') bucket.provenance++
      if (countsAsTrustedPublisher(r)) bucket.trustedPublisher++
      buckets.set(month, bucket)
    },
    series() {
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
    },
  }
}

/**
 * One package's part of both continuity figures, over its versions whose level is known (fetched)
 * and whose publish time is a date, in registry-time order, added to `after` and `downgrades`. A
 * downgrade, as the check's TRUST_DOWNGRADE: a version of a release line (model/trust.ts
 * releaseLine) whose level is below the highest an earlier version of the line verified at
 * (published strictly before it; versions that are not semver have no line).
 */
function continuityOf(name: string, records: readonly AuditRecord[], after: { versions: number; provenance: number }, downgrades: Array<AuditDowngrade & { at: number }>): void {
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
