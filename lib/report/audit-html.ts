/**
 * `verify-deps audit report --format html`: the audit's metrics (model/audit-metrics.ts) and records
 * as one self-contained page (docs/audit.md, "The HTML report"): headline shares, a donut of four
 * adoption categories, the monthly series, issuers and runners, the quality of the evidence present,
 * the continuity figures and downgrades, and a searchable, sortable table of packages. Pure and
 * deterministic: the same input gives the same bytes.
 *
 * Every name, version, issuer, runner and registry string comes from the registry or a certificate
 * (attacker-controlled) and reaches the page only through the escaping builders of html/escape.ts,
 * under the check report's Content-Security-Policy (html/page.ts): the page's style and script are
 * constants allowed by hash; the table's data travels as embedded JSON.
 */
import { auditTrustLevel, type AuditRecord } from '../model/audit.js'
import { packageDowngrades, packageGroups, type AuditMetrics, type AuditPackage, type VersionCounts } from '../model/audit-metrics.js'
import { compareText } from '../model/text-order.js'
import { TRUST_LEVELS, type TrustLevel } from '../model/trust.js'
import { PAGE_SCRIPT, PAGE_STYLE } from './html/client.js'
import { badge, banner, barChart, searchButton, section, simpleTable, sortableTable, summaryCards, type Card, type TableRow, type Tone } from './html/components.js'
import { donutChart, percent, stackedColumns, type Slice } from './html/charts.js'
import { element, type Content, type Html } from './html/escape.js'
import { formatHtmlPage } from './html/page.js'

export interface AuditHtmlInput {
  metrics: AuditMetrics
  page: AuditPage
}

/** Packages in the page's table at most by default (`audit report --table-rows N`); the export has them all. */
export const DEFAULT_TABLE_ROWS = 10_000

/** A donut's counts: versions (or latest versions) per category, and those not fetched (left out). */
export type AdoptionCounts = Record<AdoptionCategory, number> & { notFetched: number }

/** One package's row of the page's table. */
export interface AuditPageRow {
  name: string
  latest?: string
  versions: number
  /** Its latest version's level; `not fetched` (recorded, FETCH_FAILED) or `not recorded` without one. */
  level: TrustLevel | 'not fetched' | 'not recorded'
  /** Versions fetched, of them with verified provenance, of them published through a trusted publisher. */
  fetched: number
  provenance: number
  trusted: number
  downgrades: number
}

/**
 * What the page shows beyond the metrics, computed one package at a time (auditPageAccumulator): the
 * two donuts' counts over every package, and the table's rows — all of them, or at most `maxRows`
 * chosen by `rankedBy` when the store holds more packages.
 */
export interface AuditPage {
  adoption: { latest: AdoptionCounts; all: AdoptionCounts }
  /** Every package. */
  packages: number
  /** By name; `rows.length < packages` when the table was bounded. */
  rows: AuditPageRow[]
  /** How the rows were chosen when bounded: downgrades first, then weekly downloads (with --downloads) or versions. */
  rankedBy: 'downloads' | 'versions'
}

export interface AuditPageOptions {
  /** Rows at most (default DEFAULT_TABLE_ROWS). */
  maxRows?: number
  /** Package name → weekly downloads (`--downloads FILE`): the most downloaded packages make the table. */
  downloads?: Readonly<Record<string, number>>
}

export interface AuditPageAccumulator {
  add(name: string, pkg: AuditPackage | undefined, records: readonly AuditRecord[]): void
  finish(): AuditPage
}

/** The id of the package table (its search box is `audit-packages-search`). */
export const AUDIT_PACKAGE_TABLE_ID = 'audit-packages'

/** Downgrades listed on the page; the JSON report has them all. */
export const MAX_DOWNGRADES_SHOWN = 500

/**
 * The donut's four categories, strongest first, from a fetched version's trust level
 * (model/audit.ts auditTrustLevel — the check's levels): `approved` counts as trusted publishing.
 */
export const ADOPTION_CATEGORIES = ['trusted-publishing', 'provenance', 'signature-only', 'none'] as const
export type AdoptionCategory = (typeof ADOPTION_CATEGORIES)[number]

const CATEGORY_LABELS: Record<AdoptionCategory, string> = {
  'trusted-publishing': 'trusted publishing',
  provenance: 'provenance',
  'signature-only': 'signature only',
  none: 'none or invalid',
}
const CATEGORY_TONES: Record<AdoptionCategory, Tone> = { 'trusted-publishing': 'pass', provenance: 'info', 'signature-only': 'warn', none: 'fail' }

const LEVEL_LABELS: Record<TrustLevel, string> = {
  approved: 'approved',
  'trusted-publisher': 'trusted publisher',
  provenance: 'provenance',
  signature: 'signature',
  none: 'none verified',
}
const LEVEL_TONES: Record<TrustLevel, Tone> = { approved: 'pass', 'trusted-publisher': 'pass', provenance: 'info', signature: 'warn', none: 'fail' }

/** The donut category of a version's trust level. */
export function adoptionCategory(level: TrustLevel): AdoptionCategory {
  switch (level) {
    case 'approved':
    case 'trusted-publisher':
      return 'trusted-publishing'
    case 'provenance':
      return 'provenance'
    case 'signature':
      return 'signature-only'
    case 'none':
      return 'none'
  }
}

/** Extra look of the audit page, after the check report's style (one constant: the CSP hashes the whole text). */
export const AUDIT_STYLE = `
.headline h3 { font-size: 14px; margin: 16px 0 0; color: var(--muted); font-weight: 600; }
.headline .cards { margin: 8px 0; }
.donut-body { display: flex; align-items: center; gap: 16px; }
.donut-track { fill: none; stroke: var(--panel); }
.donut-seg { fill: none; stroke: var(--c); }
.donut-total { fill: var(--fg); font-size: 22px; font-weight: 600; }
.donut-label { fill: var(--muted); font-size: 12px; }
.legend { list-style: none; margin: 6px 0; padding: 0; display: flex; flex-direction: column; gap: 4px; }
.columns .legend { flex-direction: row; gap: 16px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; background: var(--c); vertical-align: -1px; }
.series rect { fill: var(--c); }
.axis line { stroke: var(--line); stroke-width: 1; }
.axis text { fill: var(--muted); font-size: 11px; }
#audit-packages { table-layout: fixed; min-width: 860px; }
#audit-packages th:nth-child(1) { width: 34%; } #audit-packages th:nth-child(2) { width: 9%; } #audit-packages th:nth-child(3) { width: 17%; }
#audit-packages th:nth-child(4) { width: 16%; } #audit-packages th:nth-child(5) { width: 13%; } #audit-packages th:nth-child(6) { width: 11%; }
`

export function renderAuditHtml(input: AuditHtmlInput): string {
  const { metrics, page } = input
  const table = packageTable(page)
  const body: Content[] = [
    header(metrics),
    metrics.population.fetchFailed > 0 &&
      banner('warn', element('p', {}, `${metrics.population.fetchFailed} of ${metrics.population.versions} versions could not be fetched: they are unverifiable, counted apart (never as missing) and retried on the next run.`)),
    headline(metrics),
    section('adoption', 'Adoption', element('div', { class: 'charts' }, adoptionDonut('Latest versions (one per package)', page.adoption.latest, 'packages'), adoptionDonut('All versions', page.adoption.all, 'versions'))),
    section('monthly', 'Monthly adoption', monthlyChart(metrics)),
    section('issuers-runners', 'Issuers and runners (versions with verified provenance)', element('div', { class: 'charts' }, issuerChart(metrics), runnerChart(metrics))),
    section('quality', 'Quality of the evidence present', qualityTable(metrics.versions)),
    continuitySection(metrics),
    section('packages-section', page.rows.length < page.packages ? `Packages (${page.rows.length} of ${page.packages})` : `Packages (${page.packages})`, table.html),
    element('footer', {}, 'verify-deps audit · a self-contained page: it loads nothing and sends nothing.'),
  ]
  return formatHtmlPage({
    title: `verify-deps audit: ${metrics.registry}`,
    style: PAGE_STYLE + AUDIT_STYLE,
    script: PAGE_SCRIPT,
    data: { tables: { [AUDIT_PACKAGE_TABLE_ID]: table.data } },
    body,
  })
}

function header(m: AuditMetrics): Html {
  const rows: Array<[string, Content]> = [
    ['registry', element('code', {}, m.registry)],
    ['generated', m.generatedAt],
    ['packages', m.population.packages],
    ['versions', `${m.population.versions} (${m.population.fetchFailed} not fetched)`],
  ]
  return element(
    'header',
    {},
    element('h1', {}, 'verify-deps audit'),
    element('p', { class: 'summary-line' }, 'Signatures, provenance and trusted publishing, as verified by the check\u2019s engine.'),
    element('dl', { class: 'meta' }, rows.map(([k, v]) => [element('dt', {}, k), element('dd', {}, v)])),
  )
}

/** Three shares of a set of counts: verified registry signature, verified provenance, trusted publishing. */
function shareCards(counts: VersionCounts, unit: string): Card[] {
  const total = counts.signature.verified + counts.signature.invalid + counts.signature.missing + counts.signature.unverifiable
  const card = (label: string, n: number, tone: Tone): Card => ({ label, value: percent(n, total), tone, detail: `${n} of ${total} ${unit}` })
  return [card('signature verified', counts.signature.verified, 'warn'), card('provenance verified', counts.provenance.verified, 'info'), card('trusted publishing', counts.trustedPublisher, 'pass')]
}

function headline(m: AuditMetrics): Html {
  return section(
    'headline',
    'Headline',
    element(
      'div',
      { class: 'headline' },
      element('h3', {}, 'All versions'),
      summaryCards(shareCards(m.versions, 'versions')),
      element('h3', {}, 'Latest versions (dist-tags.latest)'),
      summaryCards(shareCards(m.latest, 'packages')),
      m.downloads && [
        element('h3', {}, 'Latest versions, weighted by weekly downloads'),
        summaryCards(shareCards(m.downloads.latest, 'weekly downloads')),
        element('p', { class: 'muted' }, `${plural(m.downloads.unknown, 'package has', 'packages have')} no download figure (weight 0).`),
      ],
    ),
  )
}

/** A level's label; any other text (a metrics document read back from a file) as it is, escaped, never a property of the table. */
function levelLabel(level: string): string {
  return Object.hasOwn(LEVEL_LABELS, level) ? LEVEL_LABELS[level as TrustLevel] : level
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

/** The four categories over the fetched versions; those not fetched have no level and are left out (said in the caption). */
function adoptionDonut(title: string, counts: AdoptionCounts, unit: string): Html {
  const slices: Slice[] = ADOPTION_CATEGORIES.map((c) => ({ label: CATEGORY_LABELS[c], value: counts[c], tone: CATEGORY_TONES[c] }))
  return element('div', {}, donutChart(title, slices, unit), counts.notFetched > 0 && element('p', { class: 'muted' }, `${counts.notFetched} not fetched: left out.`))
}

function monthlyChart(m: AuditMetrics): Content {
  if (m.monthly.length === 0) return element('p', { class: 'muted' }, 'No version has a publish time.')
  const months = m.monthly.map((x) => x.month)
  // Years at each January (and the first month); every month when there are a year's worth or fewer.
  const labelOf = (month: string, i: number): string | undefined => (m.monthly.length <= 12 ? month : i === 0 || month.endsWith('-01') ? month.slice(0, 4) : undefined)
  return [
    stackedColumns(
      'Versions published per month (registry time)',
      months,
      [
        { label: 'trusted publishing', tone: 'pass', values: m.monthly.map((x) => x.trustedPublisher) },
        { label: 'provenance (not trusted publishing)', tone: 'info', values: m.monthly.map((x) => x.provenance - x.trustedPublisher) },
        { label: 'no verified provenance', tone: 'skipped', values: m.monthly.map((x) => x.versions - x.provenance) },
      ],
      { labelOf, unit: 'versions' },
    ),
    simpleTable(
      ['last months', 'versions', 'provenance', 'trusted publishing'],
      m.monthly.slice(-6).map((x) => [x.month, x.versions, `${x.provenance} (${percent(x.provenance, x.versions)})`, `${x.trustedPublisher} (${percent(x.trustedPublisher, x.versions)})`]),
      [1, 2, 3],
    ),
  ]
}

function issuerChart(m: AuditMetrics): Html {
  const entries = Object.entries(m.issuers)
  if (entries.length === 0) return element('p', { class: 'muted' }, 'No verified provenance: no issuer.')
  return barChart('OIDC issuer (CI provider)', entries.map(([label, value]) => ({ label, value, tone: 'info' as const })), { labelWidth: 290, width: 640 })
}

function runnerChart(m: AuditMetrics): Html {
  return barChart('Runner', Object.entries(m.runners).map(([label, value]) => ({ label, value, tone: label === 'self-hosted' ? ('warn' as const) : ('info' as const) })))
}

/** Per kind of evidence, of the versions that carry it (all but `missing`): how much verified, was invalid, or could not be checked. */
function qualityTable(v: VersionCounts): Html {
  const kinds: Array<[string, VersionCounts['signature']]> = [
    ['registry signature', v.signature],
    ['provenance', v.provenance],
    ['publish attestation', v.publishAttestation],
  ]
  return element(
    'div',
    {},
    simpleTable(
      ['evidence', 'present', 'verified', 'invalid', 'unverifiable'],
      kinds.map(([label, c]) => {
        const present = c.verified + c.invalid + c.unverifiable
        return [label, present, `${c.verified} (${percent(c.verified, present)})`, `${c.invalid} (${percent(c.invalid, present)})`, `${c.unverifiable} (${percent(c.unverifiable, present)})`]
      }),
      [1, 2, 3, 4],
    ),
    element('p', { class: 'muted' }, 'Present: the versions that carry (or claim) the evidence, or whose evidence could not be fetched. Unverifiable: not fetched, or the registry publishes no keys.'),
  )
}

function continuitySection(m: AuditMetrics): Html {
  const after = m.continuity.afterFirstProvenance
  const downgrades = m.continuity.downgrades
  const shown = downgrades.slice(0, MAX_DOWNGRADES_SHOWN)
  return section(
    'continuity',
    `Continuity and downgrades (${downgrades.length})`,
    element('p', {}, `Once a package publishes with verified provenance, ${after.provenance} of the ${after.versions} versions it publishes after (${percent(after.provenance, after.versions)}) have verified provenance too.`),
    downgrades.length === 0
      ? element('p', { class: 'muted' }, 'No downgrade.')
      : [
          simpleTable(
            ['package', 'version', 'from', 'to'],
            shown.map((d) => [searchButton(AUDIT_PACKAGE_TABLE_ID, d.package, d.package), element('code', {}, d.version), levelLabel(d.from), levelLabel(d.to)]),
          ),
          downgrades.length > shown.length && element('p', { class: 'muted' }, `The first ${shown.length} of ${downgrades.length}; the JSON report has them all.`),
        ],
  )
}

/**
 * The page's data one package at a time, as auditMetricsAccumulator takes them (`audit report` reads
 * the store a page of packages at a time): the donuts count every package; the table keeps at most
 * `maxRows` rows — packages with downgrades first, then the most downloaded (with `downloads`) or
 * those with the most versions, then by name — so a registry-sized store gives a page a browser opens.
 */
export function auditPageAccumulator(options: AuditPageOptions = {}): AuditPageAccumulator {
  const maxRows = options.maxRows ?? DEFAULT_TABLE_ROWS
  if (!Number.isSafeInteger(maxRows) || maxRows < 1) throw new Error(`auditPageAccumulator: maxRows must be a positive integer, got ${maxRows}`)
  const downloads = options.downloads
  const weight = (name: string): number => {
    const n = downloads && Object.hasOwn(downloads, name) ? downloads[name] : undefined
    return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : 0
  }
  const rank = (a: AuditPageRow, b: AuditPageRow): number =>
    Number(b.downgrades > 0) - Number(a.downgrades > 0) || (downloads ? weight(b.name) - weight(a.name) : 0) || b.versions - a.versions || compareText(a.name, b.name)
  const latest = emptyAdoption()
  const all = emptyAdoption()
  let packages = 0
  let rows: AuditPageRow[] = []
  const bound = (): void => {
    rows.sort(rank)
    rows.length = Math.min(rows.length, maxRows)
  }
  return {
    add(name, pkg, records) {
      packages++
      for (const r of records) countAdoption(all, r)
      const latestRecord = pkg?.latest === undefined ? undefined : records.find((r) => r.version === pkg.latest)
      if (latestRecord) countAdoption(latest, latestRecord)
      const level = latestRecord ? auditTrustLevel(latestRecord) : undefined
      const fetched = records.filter((r) => !r.fetchFailed)
      rows.push({
        name,
        ...(pkg?.latest !== undefined && { latest: pkg.latest }),
        versions: records.length,
        level: level ?? (latestRecord ? 'not fetched' : 'not recorded'),
        fetched: fetched.length,
        provenance: fetched.filter((r) => r.provenance === 'verified').length,
        trusted: fetched.filter((r) => r.provenance === 'verified' && r.trustedPublisher).length,
        downgrades: packageDowngrades(name, records).length,
      })
      // Sorting and cutting only when twice the bound is held: amortised n log(maxRows).
      if (rows.length >= 2 * maxRows) bound()
    },
    finish() {
      bound()
      rows = rows.sort((a, b) => compareText(a.name, b.name))
      return { adoption: { latest, all }, packages, rows, rankedBy: downloads ? 'downloads' : 'versions' }
    },
  }
}

/** auditPageAccumulator over records and packages held in memory. */
export function auditPage(records: readonly AuditRecord[], packages: readonly AuditPackage[], options: AuditPageOptions = {}): AuditPage {
  const page = auditPageAccumulator(options)
  for (const g of packageGroups(records, packages)) page.add(g.name, g.pkg, g.records)
  return page.finish()
}

function emptyAdoption(): AdoptionCounts {
  return { 'trusted-publishing': 0, provenance: 0, 'signature-only': 0, none: 0, notFetched: 0 }
}

/** A fetched version counts in its level's category; one not fetched has no level and is counted apart. */
function countAdoption(counts: AdoptionCounts, r: AuditRecord): void {
  const level = auditTrustLevel(r)
  if (level === undefined) counts.notFetched++
  else counts[adoptionCategory(level)]++
}

/** One row per package of the page, by name: its versions, its latest version's level, its provenance share, trusted publishing, downgrades. */
function packageTable(page: AuditPage): ReturnType<typeof sortableTable> {
  const rows: TableRow[] = page.rows.map((p) => {
    const level = p.level === 'not fetched' || p.level === 'not recorded' ? undefined : p.level
    const levelCell: Content = level !== undefined ? badge(LEVEL_LABELS[level], LEVEL_TONES[level]) : element('span', { class: 'muted' }, p.level)
    const levelText = level !== undefined ? LEVEL_LABELS[level] : p.level
    return {
      cells: [
        [element('code', { class: 'pkg' }, p.name), p.latest !== undefined && element('div', { class: 'muted' }, ['latest ', element('code', {}, p.latest)])],
        p.versions,
        levelCell,
        p.fetched === 0 ? element('span', { class: 'muted' }, '—') : `${percent(p.provenance, p.fetched)} (${p.provenance}/${p.fetched})`,
        p.trusted,
        p.downgrades,
      ],
      search: [p.name, p.latest, levelText, p.trusted > 0 && 'trusted-publishing', p.downgrades > 0 && 'downgrade'].filter(Boolean).join(' '),
      keys: [p.name, p.versions, level !== undefined ? TRUST_LEVELS.indexOf(level) : p.level === 'not fetched' ? -1 : -2, p.fetched === 0 ? null : p.provenance / p.fetched, p.trusted, p.downgrades],
    }
  })
  const bounded = page.rows.length < page.packages
  const which = bounded
    ? `${page.rows.length} of the ${page.packages} packages: those with downgrades first, then the ${page.rankedBy === 'downloads' ? 'most downloaded (--downloads)' : 'ones with the most versions'}, by name; every package is in "verify-deps audit export" (or raise --table-rows).`
    : 'Every package, by name.'
  return sortableTable(
    AUDIT_PACKAGE_TABLE_ID,
    `${which} Provenance: share of its fetched versions with verified provenance. Trusted publishing: versions with verified provenance published through a trusted publisher.`,
    [
      { label: 'package', sortable: true },
      { label: 'versions', sortable: true, numeric: true },
      { label: 'latest version', sortable: true },
      { label: 'provenance', sortable: true, numeric: true },
      { label: 'trusted publishing', sortable: true, numeric: true },
      { label: 'downgrades', sortable: true, numeric: true },
    ],
    rows,
    'name, level (provenance, signature…), downgrade, trusted-publishing…',
  )
}
