/**
 * `--format html`: the check report as one self-contained page for people and CI artifacts
 * (`--output report.html`): what was checked, the counts, a chart of decisions and one of evidence
 * levels, findings grouped by code with their fix, the registries, and every package in a searchable,
 * sortable table with the identity of its verified build. Pure: Report in, a string out.
 *
 * Every string from the report is attacker-controlled (lockfile, registry, certificate) and reaches
 * the page only through the escaping builders of escape.ts; identity and links come from verified
 * facts only (evidence.ts).
 */
import { FINDINGS, type FindingCode, type FindingSeverity } from '../../findings.js'
import type { Decision, PackageResult, Report, RunSetting } from '../../model.js'
import { formatFirstWhy, formatPackageId, formatSummaryCounts, skipKind } from '../describe.js'
import { isCryptographicallyVerified, registryDiagnoses } from '../registries.js'
import type { FormatOptions, FormattedOutput } from '../types.js'
import { PAGE_SCRIPT, PAGE_STYLE } from './client.js'
import { badge, banner, barChart, searchButton, section, simpleTable, sortableTable, summaryCards, type TableRow, type Tone } from './components.js'
import { element, type Content, type Html } from './escape.js'
import { EVIDENCE_LABELS, EVIDENCE_LEVELS, evidenceLevel, sourceLinks, verifiedIdentity, type EvidenceLevel } from './evidence.js'
import { formatHtmlPage } from './page.js'
import { compareText as collateText } from '../../model/text-order.js'

/** The id of the package table (its search box is `packages-search`). */
export const PACKAGE_TABLE_ID = 'packages'

const DECISIONS: readonly Decision[] = ['fail', 'warn', 'skipped', 'pass']
const DECISION_TONE: Record<Decision, Tone> = { fail: 'fail', warn: 'warn', skipped: 'skipped', pass: 'pass' }
const SEVERITY_TONE: Record<FindingSeverity, Tone> = { error: 'fail', warning: 'warn', info: 'info' }
const EVIDENCE_TONE: Record<EvidenceLevel, Tone> = { 'trusted-publisher': 'pass', provenance: 'pass', signature: 'info', none: 'warn', 'not-checked': 'skipped' }

export function formatReportHtml(report: Report, _options: FormatOptions = {}): FormattedOutput {
  const packages = [...report.packages].sort((a, b) => DECISIONS.indexOf(a.decision) - DECISIONS.indexOf(b.decision) || compareText(formatPackageId(a), formatPackageId(b)))
  const table = packageTable(packages)
  const body: Content[] = [
    header(report),
    runBanners(report),
    summaryCards(cards(report)),
    element('div', { class: 'charts' }, decisionChart(report), evidenceChart(report)),
    findingsSection(report),
    section('packages-section', `Packages (${report.packages.length})`, table.html),
    skippedSection(report),
    registriesSection(report),
    notesSection(report),
    element('footer', {}, `${report.tool.name} ${report.tool.version} · a self-contained page: it loads nothing and sends nothing.`),
  ]
  return { main: formatHtmlPage({ title: `verify-deps: ${formatSummaryCounts(report)}`, style: PAGE_STYLE, script: PAGE_SCRIPT, data: { tables: { [PACKAGE_TABLE_ID]: table.data } }, body }) }
}

function header(report: Report): Html {
  const p = report.project
  const rows: Array<[string, Content]> = [
    ['project', p.root],
    [p.tarball !== undefined ? 'tarball' : 'lockfile', p.tarball ?? p.lockfile],
    ['policy', p.policy ?? 'built-in default policy'],
  ]
  return element(
    'header',
    {},
    element('h1', {}, 'verify-deps report'),
    element('p', { class: 'summary-line' }, formatSummaryCounts(report)),
    element('dl', { class: 'meta' }, rows.map(([k, v]) => [element('dt', {}, k), element('dd', {}, element('code', {}, v))])),
  )
}

/** What the reader must know about the run before its numbers: evidence that could not be had, settings that narrowed it. */
function runBanners(report: Report): Content[] {
  const out: Content[] = []
  // One banner per registry that could not be verified or looks like a mirror (the text report's words).
  for (const d of registryDiagnoses(report)) {
    out.push(banner(d.kind === 'keyless' ? 'fail' : 'warn', element('p', {}, element('strong', {}, d.message)), element('ul', {}, d.fixes.map((fix) => element('li', {}, `fix: ${fix}`)))))
  }
  if (report.couldNotVerify) out.push(banner('warn', element('p', {}, 'Some evidence could not be obtained (registry, network or trust material): not every package could be verified.')))
  const settings = report.project.settings ?? []
  if (settings.length > 0) {
    out.push(
      banner(
        'info',
        element('p', {}, element('strong', {}, 'Settings that shaped this check'), ' (a pull request can change a project ', element('code', {}, '.npmrc'), '):'),
        element('ul', {}, settings.map((s) => element('li', {}, element('code', {}, `${s.key}=${settingValue(s)}`), ` from ${s.from}`, s.key === 'omit' ? ` — ${settingValue(s)} dependencies were not checked` : ''))),
      ),
    )
  }
  return out
}

function settingValue(s: RunSetting): string {
  return Array.isArray(s.value) ? s.value.join(',') : String(s.value)
}

function cards(report: Report): Parameters<typeof summaryCards>[0] {
  const s = report.summary
  const fromRegistries = report.packages.filter((p) => p.source === 'registry')
  const verified = fromRegistries.filter((p) => isCryptographicallyVerified(p.facts)).length
  const scripted = report.packages.filter((p) => p.installScripts)
  const running = scripted.filter((p) => p.installScripts!.willRun)
  const scriptsCard = report.installScripts && scripted.length > 0
    ? [{ label: 'run install scripts', value: running.length, tone: running.length > 0 ? ('warn' as const) : ('neutral' as const), detail: `of ${scripted.length} with install scripts; ${running.filter((p) => p.installScripts!.verified.provenance).length} of those that run have verified provenance` }]
    : []
  return [
    { label: 'packages', value: s.total },
    { label: 'fail', value: s.fail, tone: 'fail' },
    { label: 'warn', value: s.warn, tone: 'warn' },
    { label: 'pass', value: s.pass, tone: 'pass' },
    { label: 'skipped', value: s.skipped, tone: 'skipped' },
    { label: 'cryptographically verified', value: verified, tone: 'info', detail: `of ${fromRegistries.length} registry ${fromRegistries.length === 1 ? 'package' : 'packages'}: a registry signature, provenance or publish attestation` },
    ...scriptsCard,
  ]
}

function decisionChart(report: Report): Html {
  const s = report.summary
  return barChart('Decisions', DECISIONS.map((d) => ({ label: d, value: s[d], tone: DECISION_TONE[d] })))
}

function evidenceChart(report: Report): Html {
  const counts = new Map<EvidenceLevel, number>()
  for (const p of report.packages) counts.set(evidenceLevel(p.facts), (counts.get(evidenceLevel(p.facts)) ?? 0) + 1)
  return barChart('Evidence verified', EVIDENCE_LEVELS.map((level) => ({ label: EVIDENCE_LABELS[level], value: counts.get(level) ?? 0, tone: EVIDENCE_TONE[level] })))
}

/** One row per finding code: how many packages, at which severities, and the one fix. */
function findingsSection(report: Report): Content {
  const byCode = new Map<FindingCode, { packages: Set<PackageResult>; severities: Map<FindingSeverity, number> }>()
  for (const p of report.packages) {
    for (const f of p.findings) {
      const entry = byCode.get(f.code) ?? { packages: new Set(), severities: new Map() }
      entry.packages.add(p)
      entry.severities.set(f.severity, (entry.severities.get(f.severity) ?? 0) + 1)
      byCode.set(f.code, entry)
    }
  }
  if (byCode.size === 0) return section('findings', 'Findings', element('p', { class: 'muted' }, 'No findings.'))
  const rows = [...byCode].sort((a, b) => b[1].packages.size - a[1].packages.size || collateText(a[0], b[0]))
  return section(
    'findings',
    `Findings by code (${byCode.size})`,
    simpleTable(
      ['code', 'what', 'findings by severity', 'packages', 'fix'],
      rows.map(([code, e]) => [
        searchButton(PACKAGE_TABLE_ID, code, code),
        FINDINGS[code].title,
        (['error', 'warning', 'info'] as const).filter((sev) => e.severities.has(sev)).map((sev) => [badge(`${e.severities.get(sev)} ${sev}`, SEVERITY_TONE[sev]), ' ']),
        e.packages.size,
        FINDINGS[code].fix,
      ]),
      [3],
    ),
  )
}

function packageTable(packages: readonly PackageResult[]): ReturnType<typeof sortableTable> {
  const rows: TableRow[] = packages.map((p) => {
    const level = evidenceLevel(p.facts)
    const identity = verifiedIdentity(p.facts)
    const aliases = [...new Set(p.locations.flatMap((l) => (l.alias ? [l.alias] : [])))]
    const search = [formatPackageId(p), ...aliases, p.decision, EVIDENCE_LABELS[level], p.source, p.skipReason, p.rule, identity?.repository, identity?.workflow, identity?.ref, identity?.commit, ...p.findings.map((f) => f.code)]
    return {
      cells: [packageCell(p, aliases), badge(p.decision, DECISION_TONE[p.decision]), badge(EVIDENCE_LABELS[level], EVIDENCE_TONE[level]), identity ? identityCell(identity) : element('span', { class: 'muted' }, '—'), findingsCell(p), p.rule],
      search: search.filter(Boolean).join(' '),
      keys: [formatPackageId(p), DECISIONS.indexOf(p.decision), EVIDENCE_LEVELS.indexOf(level), identity?.repository ?? null, p.findings.length, p.rule],
    }
  })
  return sortableTable(
    PACKAGE_TABLE_ID,
    'Every package checked: worst decision first. Identity is shown only for verified provenance.',
    [
      { label: 'package', sortable: true },
      { label: 'decision', sortable: true },
      { label: 'evidence', sortable: true },
      { label: 'built from (verified provenance)', sortable: true },
      { label: 'findings', sortable: true },
      { label: 'rule', sortable: true },
    ],
    rows,
    'name, finding code, decision, repository…',
  )
}

function packageCell(p: PackageResult, aliases: readonly string[]): Content[] {
  const why = formatFirstWhy(p)
  return [
    element('code', { class: 'pkg' }, formatPackageId(p)),
    aliases.length > 0 && element('div', { class: 'muted' }, `installed as ${aliases.join(', ')}`),
    p.source !== 'registry' && element('div', { class: 'muted' }, `source: ${p.source}`),
    p.facts?.origin && p.facts.origin.role !== 'registry' && element('div', { class: 'muted' }, `evidence: ${p.facts.origin.role === 'upstream' ? 'from the upstream' : 'from the mirror'} ${p.facts.origin.registry}, keys of ${p.facts.origin.keys}`),
    p.installScripts && element('div', { class: 'muted' }, `install scripts ${p.installScripts.willRun ? 'will run' : 'will not run'}: ${p.installScripts.reason}`),
    why && element('details', {}, element('summary', { class: 'muted' }, 'why'), element('div', { class: 'mono' }, why)),
  ]
}

function identityCell(identity: NonNullable<ReturnType<typeof verifiedIdentity>>): Html {
  const links = sourceLinks(identity)
  const link = (href: string | undefined, text: string): Content => (href ? element('a', { href, rel: 'noopener noreferrer' }, text) : text)
  const rows: Array<[string, Content]> = []
  if (identity.repository) rows.push(['repo', link(links.repository, identity.repository)])
  if (identity.workflow) rows.push(['workflow', link(links.workflow, identity.workflow)])
  if (identity.ref) rows.push(['ref', identity.ref])
  if (identity.commit) rows.push(['commit', link(links.commit, identity.commit.slice(0, 12))])
  if (rows.length === 0 && identity.subjectAlternativeName) rows.push(['signer', identity.subjectAlternativeName])
  return element('dl', { class: 'identity mono' }, rows.map(([k, v]) => [element('dt', {}, k), element('dd', {}, v)]))
}

function findingsCell(p: PackageResult): Content {
  if (p.decision === 'skipped') return element('span', { class: 'muted' }, p.skipReason ?? 'no reason given')
  if (p.findings.length === 0) return element('span', { class: 'muted' }, '—')
  return element(
    'details',
    { open: p.decision === 'fail' },
    element('summary', {}, p.findings.map((f, i) => [i > 0 && ' ', badge(f.code, SEVERITY_TONE[f.severity])])),
    element('ul', { class: 'findings' }, p.findings.map((f) => element('li', {}, element('strong', {}, f.code), ' ', f.message))),
  )
}

function skippedSection(report: Report): Content {
  const skipped = report.packages.filter((p) => p.decision === 'skipped')
  if (skipped.length === 0) return null
  const byKind = new Map<string, number>()
  for (const p of skipped) byKind.set(skipKind(p.skipReason), (byKind.get(skipKind(p.skipReason)) ?? 0) + 1)
  const rows = [...byKind].sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]))
  return section('skipped', `Skipped (${skipped.length})`, simpleTable(['reason', 'packages'], rows.map(([kind, n]) => [searchButton(PACKAGE_TABLE_ID, kind, kind), n]), [1]))
}

function registriesSection(report: Report): Content {
  const registries = report.registries ?? []
  if (registries.length === 0) return null
  return section(
    'registries',
    `Registries (${registries.length})`,
    simpleTable(
      ['registry', 'upstream', 'keys', 'keys from', 'verified'],
      registries.map((r) => [element('code', {}, r.url), r.upstream ? element('code', {}, r.upstream) : '—', r.couldNotVerify ? badge(r.keysSource, 'fail') : r.keysSource, r.keysFrom ?? '—', `${r.verified} of ${r.packages}`]),
      [4],
    ),
  )
}

function notesSection(report: Report): Content {
  if (report.notices.length === 0) return null
  return section('notices', 'Notices', element('ul', {}, report.notices.map((n) => element('li', {}, n))))
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
