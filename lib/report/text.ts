/**
 * The default, human report: one summary line with the counts, then each failing and each
 * warning package with why it is installed, what was observed, its findings and what would fix
 * them; skipped packages in brief; notices last. Passing packages are only counted. Pure.
 */
import { FINDINGS, type FindingSeverity } from '../findings.js'
import type { PackageResult, Report } from '../model.js'
import { describeObserved, formatFirstWhy, formatPackageId, formatSummaryCounts, packagesWith, plainText, skipKind } from './describe.js'
import { isCryptographicallyVerified, registryDiagnoses } from './registries.js'
import type { FormatOptions, FormattedOutput } from './types.js'

/** Up to this many skipped packages are listed one by one; more are counted by reason. */
export const DEFAULT_MAX_SKIPPED_LISTED = 10

const ANSI = { red: 31, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const
type Style = keyof typeof ANSI

const MARK: Record<FindingSeverity, string> = { error: 'x', warning: '!', info: 'i' }
const SEVERITY_STYLE: Record<FindingSeverity, Style> = { error: 'red', warning: 'yellow', info: 'cyan' }

export function formatReportText(report: Report, options: FormatOptions = {}): FormattedOutput {
  const paint = (style: Style, text: string) => (options.color ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text)
  const lines: string[] = [`verify-deps: ${formatSummaryCounts(report)}`, formatVerifiedCount(report), ...formatInstallScriptsCount(report)]
  // What narrowed or changed the check, and who set it (a pull request can edit the project .npmrc).
  for (const s of report.project.settings ?? []) lines.push(paint('bold', `setting: ${plainText(`${s.key}=${formatSettingValue(s.value)} (from ${s.from})`)}${s.key === 'omit' ? ` — ${plainText(formatSettingValue(s.value))} dependencies were not checked` : ''}`))
  for (const banner of registryDiagnoses(report)) {
    lines.push('', paint('bold', paint('red', plainText(banner.message))), ...banner.fixes.map((fix) => `    ${paint('dim', `fix: ${plainText(fix)}`)}`))
  }

  const failed = packagesWith(report, 'fail')
  const warned = packagesWith(report, 'warn')
  if (failed.length > 0) {
    lines.push('', paint('bold', paint('red', `Failed (${failed.length})`)))
    for (const p of failed) lines.push('', ...formatPackageBlock(p, 'error', paint))
  }
  if (warned.length > 0) {
    lines.push('', paint('bold', paint('yellow', `Warnings (${warned.length})`)))
    for (const p of warned) lines.push('', ...formatPackageBlock(p, 'warning', paint))
  }

  const skipped = packagesWith(report, 'skipped')
  if (skipped.length > 0) lines.push('', ...formatSkipped(skipped))

  if (report.registries?.length) lines.push('', ...formatRegistries(report))

  if (report.notices.length > 0) {
    lines.push('')
    for (const notice of report.notices) lines.push(`note: ${plainText(notice)}`)
  }
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

/** How many packages npm will run install scripts for, and how many of those have verified provenance. */
function formatInstallScriptsCount(report: Report): string[] {
  const scripted = report.packages.filter((p) => p.installScripts)
  if (!report.installScripts || scripted.length === 0) return []
  const running = scripted.filter((p) => p.installScripts!.willRun)
  const verified = running.filter((p) => p.installScripts!.verified.provenance).length
  const blocked = scripted.length - running.length
  return [`install scripts: ${running.length} of ${scripted.length} ${scripted.length === 1 ? 'package' : 'packages'} with install scripts will run them (${verified} with verified provenance)${blocked > 0 ? `, ${blocked} will not` : ''}`]
}

function formatRegistries(report: Report): string[] {
  const lines = [`Registries (${report.registries!.length})`]
  for (const r of report.registries!) {
    const from = r.keysFrom ? ` (${r.keysFrom})` : ''
    lines.push(`  ${plainText(r.url)}  keys: ${r.keysSource}${plainText(from)}; ${r.verified} of ${r.packages} verified`)
  }
  return lines
}

function formatPackageBlock(p: PackageResult, severity: FindingSeverity, paint: (style: Style, text: string) => string): string[] {
  const lines = [`${paint(SEVERITY_STYLE[severity], MARK[severity])} ${paint('bold', plainText(formatPackageId(p)))}`]
  const row = (label: string, value: string) => lines.push(`    ${label.padEnd(13)} ${value}`)
  const why = formatFirstWhy(p)
  if (why) row('why', plainText(why))
  for (const [label, value] of describeObserved(p)) row(label, plainText(value))
  if (p.rule !== 'default') row('rule', plainText(p.rule))
  for (const f of p.findings) {
    lines.push(`    ${paint(SEVERITY_STYLE[f.severity], `${MARK[f.severity]} ${f.code}`)}  ${plainText(f.message)}`)
    lines.push(`      ${paint('dim', `fix: ${FINDINGS[f.code].fix}`)}`)
  }
  return lines
}

function formatSkipped(skipped: PackageResult[]): string[] {
  if (skipped.length <= DEFAULT_MAX_SKIPPED_LISTED) {
    return [`Skipped (${skipped.length})`, ...skipped.map((p) => `  - ${plainText(formatPackageId(p))}: ${plainText(p.skipReason ?? 'no reason given')}`)]
  }
  const byKind = new Map<string, number>()
  for (const p of skipped) {
    const kind = skipKind(p.skipReason)
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1)
  }
  const counts = [...byKind].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  return [`Skipped (${skipped.length}): ${counts.map(([kind, n]) => `${n} ${plainText(kind)}`).join(', ')}`]
}
