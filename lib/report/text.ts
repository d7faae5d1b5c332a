/**
 * The default, human report, built to stay readable at 1,000 packages:
 *   1. the summary (counts; how many registry packages cryptography verified; the lockfile read),
 *      the settings that shaped the run and one banner per registry that could not be verified;
 *   2. the findings grouped by code: how many packages have each, a few of them, and ONE fix line;
 *   3. failing, then warning packages in detail (why installed, what was observed, their findings),
 *      capped — DEFAULT_MAX_FAILED_DETAILED, DEFAULT_MAX_WARNED_DETAILED and DEFAULT_MAX_DETAIL_LINES —
 *      with "N more — --verbose for all" (`verbose` shows every one);
 *   4. skipped packages in brief, the packages installed under `npm:` aliases (`alias → name@version`),
 *      the registries, notices, and the summary again as the last line.
 * Passing packages are only counted (the JSON report lists them). Pure.
 */
import { FINDINGS, type FindingCode, type FindingSeverity } from '../findings.js'
import type { Decision, PackageResult, Report } from '../model.js'
import { describeObserved, formatFirstWhy, formatInstalledAs, formatSummaryCounts, packagesWith, plainText, skipKind } from './describe.js'
import { isCryptographicallyVerified, registryDiagnoses } from './registries.js'
import type { FormatOptions, FormattedOutput } from './types.js'
import { compareText } from '../model/text-order.js'

/** Up to this many skipped packages are listed one by one; more are counted by reason (all listed with `verbose`). */
export const DEFAULT_MAX_SKIPPED_LISTED = 10
/** Failing packages shown in detail without `verbose`. */
export const DEFAULT_MAX_FAILED_DETAILED = 10
/** Warning packages shown in detail without `verbose`. */
export const DEFAULT_MAX_WARNED_DETAILED = 5
/**
 * Lines the detailed packages may take together without `verbose` (failing ones first): a package
 * with a full provenance identity takes about 15. At least one failing package is always shown.
 */
export const DEFAULT_MAX_DETAIL_LINES = 120
/** Up to this many packages installed under another name (`npm:` aliases) are listed; more are counted (all with `verbose`). */
export const DEFAULT_MAX_ALIASES_LISTED = 10
/** Packages named as examples on a finding code's line. */
export const DEFAULT_EXAMPLES_PER_CODE = 3

const ANSI = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const
type Style = keyof typeof ANSI
type Paint = (style: Style, text: string) => string

const MARK: Record<FindingSeverity, string> = { error: 'x', warning: '!', info: 'i' }
const SEVERITY_STYLE: Record<FindingSeverity, Style> = { error: 'red', warning: 'yellow', info: 'cyan' }
const SEVERITY_RANK: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 }
const DECISION_STYLE: Record<Decision, Style> = { pass: 'green', warn: 'yellow', fail: 'red', skipped: 'dim' }

export function formatReportText(report: Report, options: FormatOptions = {}): FormattedOutput {
  const paint: Paint = options.color ? (style, text) => `\u001b[${ANSI[style]}m${text}\u001b[0m` : (_style, text) => text
  const summary = `verify-deps: ${formatSummaryCounts(report, (decision, text) => paint(DECISION_STYLE[decision], text))}`
  const lines: string[] = [summary, formatVerifiedCount(report), ...formatLockfile(report), ...formatInstallScriptsCount(report)]
  const head = lines.length
  // What narrowed or changed the check, and who set it (a pull request can edit the project .npmrc).
  for (const s of report.project.settings ?? []) lines.push(paint('bold', `setting: ${plainText(`${s.key}=${formatSettingValue(s.value)} (from ${s.from})`)}${s.key === 'omit' ? ` — ${plainText(formatSettingValue(s.value))} dependencies were not checked` : s.key === 'at' ? ' — decided as of that time, not now' : ''}`))
  for (const banner of registryDiagnoses(report)) {
    lines.push('', paint('bold', paint('red', plainText(banner.message))), ...banner.fixes.map((fix) => `    ${paint('dim', `fix: ${plainText(fix)}`)}`))
  }

  lines.push(...formatFindingsByCode(report, paint))
  const failed = packagesWith(report, 'fail')
  const warned = packagesWith(report, 'warn')
  const budget = { lines: options.verbose ? Infinity : DEFAULT_MAX_DETAIL_LINES }
  const cap = (n: number) => (options.verbose ? Infinity : n)
  lines.push(...formatDetailed(failed, 'error', paint(DECISION_STYLE.fail, 'Failed'), cap(DEFAULT_MAX_FAILED_DETAILED), budget, paint))
  lines.push(...formatDetailed(warned, 'warning', paint(DECISION_STYLE.warn, 'Warnings'), cap(DEFAULT_MAX_WARNED_DETAILED), budget, paint))

  const skipped = packagesWith(report, 'skipped')
  if (skipped.length > 0) lines.push('', ...formatSkipped(skipped, cap(DEFAULT_MAX_SKIPPED_LISTED)))
  lines.push(...formatAliases(report, cap(DEFAULT_MAX_ALIASES_LISTED)))

  if (report.registries?.length) lines.push('', ...formatRegistries(report))

  if (report.notices.length > 0) {
    lines.push('')
    for (const notice of report.notices) lines.push(`note: ${plainText(notice)}`)
  }
  // Under a long report, the counts again where the terminal leaves the reader.
  if (lines.length > head) lines.push('', summary)
  return { main: lines.join('\n') + '\n' }
}

function formatSettingValue(value: string | number | boolean | string[]): string {
  return Array.isArray(value) ? value.join(',') : String(value)
}

/** How many registry packages cryptography vouches for, as opposed to the registry's word. */
function formatVerifiedCount(report: Report): string {
  const fromRegistries = report.packages.filter((p) => p.source === 'registry')
  const verified = fromRegistries.filter((p) => isCryptographicallyVerified(p.facts)).length
  return `cryptographically verified: ${verified} of ${fromRegistries.length} registry ${fromRegistries.length === 1 ? 'package' : 'packages'} (a registry signature, provenance or publish attestation verified)`
}

/** `lockfile: package-lock.json (…)`: which file was read, relative to the project root, and its format when the tree stage names it. */
function formatLockfile(report: Report): string[] {
  const { root, lockfile } = report.project
  if (!lockfile) return []
  const inRoot = root !== '' && lockfile.startsWith(root) && (lockfile[root.length] === '/' || lockfile[root.length] === '\\')
  const shown = inRoot ? lockfile.slice(root.length + 1) : lockfile
  // Reports from `verify` and older reports have no lockfileFormat.
  const format = report.project.lockfileFormat
  return [`lockfile: ${plainText(shown)}${format ? ` (${format})` : ''}`]
}

/** How many packages npm will run install scripts for, and how many of those have verified provenance. */
function formatInstallScriptsCount(report: Report): string[] {
  const scripted = report.packages.filter((p) => p.installScripts)
  if (!report.installScripts || scripted.length === 0) return []
  const running = scripted.filter((p) => p.installScripts!.willRun)
  const verified = running.filter((p) => p.installScripts!.verified.provenance).length
  const blocked = scripted.length - running.length
  return [`install scripts: ${running.length} of ${scripted.length} ${scripted.length === 1 ? 'package' : 'packages'} with install scripts will run them (${verified} with verified provenance)${blocked > 0 ? `, ${blocked} will not` : ''}`]
}

/** One finding code across the report: the packages that have it, and at which severities. */
interface CodeGroup {
  code: FindingCode
  packages: PackageResult[]
  severities: Map<FindingSeverity, number>
  worst: FindingSeverity
}

/** Every finding code in the report, the most severe and most frequent first (any format may use it). */
export function groupFindingsByCode(report: Report): CodeGroup[] {
  const groups = new Map<FindingCode, CodeGroup>()
  for (const p of report.packages) {
    const seen = new Set<FindingCode>()
    for (const f of p.findings) {
      let g = groups.get(f.code)
      if (!g) groups.set(f.code, (g = { code: f.code, packages: [], severities: new Map(), worst: f.severity }))
      // A package counts once per code, at the most severe of its findings with that code.
      if (seen.has(f.code)) continue
      seen.add(f.code)
      const severity = p.findings.filter((x) => x.code === f.code).map((x) => x.severity).sort((a, b) => SEVERITY_RANK[a] - SEVERITY_RANK[b])[0]!
      g.packages.push(p)
      g.severities.set(severity, (g.severities.get(severity) ?? 0) + 1)
      if (SEVERITY_RANK[severity] < SEVERITY_RANK[g.worst]) g.worst = severity
    }
  }
  return [...groups.values()].sort((a, b) => SEVERITY_RANK[a.worst] - SEVERITY_RANK[b.worst] || b.packages.length - a.packages.length || compareText(a.code, b.code))
}

/** `Findings (…)`: each code once, with its count, a few of its packages and what would fix it. */
function formatFindingsByCode(report: Report, paint: Paint): string[] {
  const groups = groupFindingsByCode(report)
  if (groups.length === 0) return []
  const lines = ['', paint('bold', `Findings (${groups.length} ${groups.length === 1 ? 'code' : 'codes'})`)]
  const width = Math.max(...groups.map((g) => g.code.length))
  for (const g of groups) {
    const n = g.packages.length
    const mixed = g.severities.size > 1 ? ` (${[...g.severities].sort((a, b) => SEVERITY_RANK[a[0]] - SEVERITY_RANK[b[0]]).map(([s, k]) => `${k} ${s}`).join(', ')})` : ''
    const examples = g.packages.slice(0, DEFAULT_EXAMPLES_PER_CODE).map((p) => plainText(formatInstalledAs(p)))
    const more = n > examples.length ? ', …' : ''
    lines.push(`  ${paint(SEVERITY_STYLE[g.worst], `${MARK[g.worst]} ${g.code}`)}${' '.repeat(width - g.code.length)}  ${n} ${n === 1 ? 'package' : 'packages'}${mixed}: ${examples.join(', ')}${more}`)
    lines.push(`      ${paint('dim', `fix: ${FINDINGS[g.code].fix}`)}`)
  }
  return lines
}

/**
 * A section of packages in detail, within `max` packages and what is left of `budget.lines` (at
 * least one). Which ones: first one package for each of their finding codes (so that every kind of
 * failure has an example), then the rest by name; shown by name.
 */
function formatDetailed(packages: PackageResult[], severity: FindingSeverity, title: string, max: number, budget: { lines: number }, paint: Paint): string[] {
  if (packages.length === 0) return []
  const chosen = new Set<PackageResult>()
  const codes = new Set<FindingCode>()
  for (const p of packages) {
    if (p.findings.some((f) => !codes.has(f.code))) chosen.add(p)
    for (const f of p.findings) codes.add(f.code)
  }
  const order = [...chosen, ...packages.filter((p) => !chosen.has(p))]
  const shown = new Set<PackageResult>()
  const blocks = new Map<PackageResult, string[]>()
  for (const p of order) {
    if (shown.size >= max) break
    const block = ['', ...formatPackageBlock(p, severity, paint)]
    if (block.length > budget.lines && (shown.size > 0 || severity !== 'error')) break
    budget.lines -= block.length
    shown.add(p)
    blocks.set(p, block)
  }
  const hidden = packages.length - shown.size
  const lines = ['', paint('bold', `${title} (${packages.length})${hidden > 0 ? `: ${shown.size} shown` : ''}`)]
  for (const p of packages) if (shown.has(p)) lines.push(...blocks.get(p)!)
  if (hidden > 0) lines.push('', `  … ${hidden} more — --verbose for all`)
  return lines
}

function formatRegistries(report: Report): string[] {
  const lines = [`Registries (${report.registries!.length})`]
  for (const r of report.registries!) {
    const from = r.keysFrom ? ` (${r.keysFrom})` : ''
    const upstream = r.upstream ? `  upstream: ${plainText(r.upstream)}${r.fromUpstream ? ` (evidence of ${r.fromUpstream} from it)` : ''}` : ''
    lines.push(`  ${plainText(r.url)}  keys: ${r.keysSource}${plainText(from)}; ${r.verified} of ${r.packages} verified${upstream}`)
  }
  return lines
}

/** One package: why it is installed, what was observed, its findings (their fixes are under Findings, once per code). */
function formatPackageBlock(p: PackageResult, severity: FindingSeverity, paint: Paint): string[] {
  const lines = [`${paint(SEVERITY_STYLE[severity], MARK[severity])} ${paint('bold', plainText(formatInstalledAs(p)))}`]
  const row = (label: string, value: string) => lines.push(`    ${label.padEnd(13)} ${value}`)
  const why = formatFirstWhy(p)
  if (why) row('why', plainText(why))
  for (const [label, value] of describeObserved(p)) row(label, plainText(value))
  if (p.rule !== 'default') row('rule', plainText(p.rule))
  for (const f of p.findings) lines.push(`    ${paint(SEVERITY_STYLE[f.severity], `${MARK[f.severity]} ${f.code}`)}  ${plainText(f.message)}`)
  return lines
}

/**
 * `Aliases (N)`: each package installed under another name, `alias → name@version`, with its
 * decision. An alias hides the real package's name in package.json and node_modules.
 */
function formatAliases(report: Report, max: number): string[] {
  const aliased = report.packages.filter((p) => p.locations.some((l) => l.alias !== undefined && l.alias !== p.name))
  if (aliased.length === 0) return []
  const lines = ['', `Aliases (${aliased.length})`, ...aliased.slice(0, max).map((p) => `  ${plainText(formatInstalledAs(p))}  ${p.decision}`)]
  if (aliased.length > max) lines.push(`  … ${aliased.length - max} more — --verbose for all`)
  return lines
}

function formatSkipped(skipped: PackageResult[], max: number): string[] {
  if (skipped.length <= max) {
    return [`Skipped (${skipped.length})`, ...skipped.map((p) => `  - ${plainText(formatInstalledAs(p))}: ${plainText(p.skipReason ?? 'no reason given')}`)]
  }
  const byKind = new Map<string, number>()
  for (const p of skipped) {
    const kind = skipKind(p.skipReason)
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1)
  }
  const counts = [...byKind].sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]))
  return [`Skipped (${skipped.length}): ${counts.map(([kind, n]) => `${n} ${plainText(kind)}`).join(', ')} — --verbose to list them`]
}
