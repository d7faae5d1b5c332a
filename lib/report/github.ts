/**
 * GitHub Actions: one workflow command per finding (`::error` / `::warning` / `::notice`,
 * annotating the lockfile), a closing summary line, and a Markdown job summary for
 * `$GITHUB_STEP_SUMMARY`. Pure: the CLI prints `main` and decides where the summary goes.
 *
 * Untrusted text (package names, messages) cannot start a new workflow command: escaping turns
 * its line breaks into `%0A`, as GitHub's own toolkit does
 * (https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts).
 */
import { FINDINGS, type FindingCode, type FindingSeverity } from '../findings.js'
import type { PackageResult, Report } from '../model.js'
import { formatFirstWhy, formatPackageId, formatSummaryCounts, packagesWith, plainText, skipKind } from './describe.js'
import { indexLockfileLines, lockfilePathFor, packageLine } from './lockfile-lines.js'
import { registryDiagnoses } from './registries.js'
import type { FormatOptions, FormattedOutput } from './types.js'

/** Rows per table in the job summary (it is capped at 1 MiB); the rest are counted. */
export const DEFAULT_MAX_SUMMARY_ROWS = 200

export const GITHUB_COMMANDS: Record<FindingSeverity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice' }

/** Escapes a workflow command's message. */
export function escapeCommandData(text: string): string {
  // Other control characters (ESC of an ANSI sequence, which the log viewer renders) become visible escapes.
  return plainText(text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'))
}

/** Escapes a workflow command property value: as data, plus the `:` and `,` that delimit properties. */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

export function formatReportGithub(report: Report, options: FormatOptions = {}): FormattedOutput {
  const file = lockfilePathFor(report, options)
  const lines = options.lockfileText !== undefined ? indexLockfileLines(options.lockfileText) : undefined
  const out: string[] = []
  // Failures first: GitHub shows only the first few annotations of each kind per step.
  const ordered = [...packagesWith(report, 'fail'), ...report.packages.filter((p) => p.decision !== 'fail')]
  for (const p of ordered) {
    const line = packageLine(lines, p)
    for (const f of p.findings) {
      const properties = [`file=${escapeCommandProperty(file)}`, ...(line !== undefined ? [`line=${line}`] : []), `title=${escapeCommandProperty(`${f.code} ${formatPackageId(p)}`)}`]
      out.push(`::${GITHUB_COMMANDS[f.severity]} ${properties.join(',')}::${escapeCommandData(`${f.message}\nFix: ${FINDINGS[f.code].fix}`)}`)
    }
  }
  // A registry's banner (docs/mirrors.md): once per registry, like the text report's.
  for (const d of registryDiagnoses(report)) out.push(`::warning title=verify-deps registry::${escapeCommandData([d.message, ...d.fixes.map((fix) => `Fix: ${fix}`)].join('\n'))}`)
  for (const notice of report.notices) out.push(`::notice title=verify-deps::${escapeCommandData(notice)}`)
  out.push(`verify-deps: ${formatSummaryCounts(report)}`)
  return { main: out.join('\n') + '\n', githubStepSummary: formatStepSummary(report) }
}

function formatStepSummary(report: Report): string {
  const s = report.summary
  const md = [
    '## verify-deps',
    '',
    markdownText(formatSummaryCounts(report)),
    '',
    '| result | packages |',
    '|---|---:|',
    `| ❌ fail | ${s.fail} |`,
    `| ⚠️ warn | ${s.warn} |`,
    `| ✅ pass | ${s.pass} |`,
    `| ⏭️ skipped | ${s.skipped} |`,
    `| **total** | **${s.total}** |`,
  ]
  if (report.couldNotVerify) {
    md.push('', '> [!WARNING]', '> Some evidence could not be obtained (registry, network or trust material): not every package could be verified.')
  }
  for (const d of registryDiagnoses(report)) {
    md.push('', '> [!WARNING]', `> ${markdownText(d.message)}`, ...d.fixes.map((fix) => `> - ${markdownText(fix)}`))
  }
  const codes = new Set<FindingCode>()
  for (const [title, decision] of [['❌ Failed', 'fail'], ['⚠️ Warnings', 'warn']] as const) {
    const packages = packagesWith(report, decision)
    if (packages.length === 0) continue
    md.push('', `### ${title} (${packages.length})`, '', '| package | finding | message | why |', '|---|---|---|---|')
    const rows = packages.flatMap((p) => findingRows(p, codes))
    md.push(...rows.slice(0, DEFAULT_MAX_SUMMARY_ROWS))
    if (rows.length > DEFAULT_MAX_SUMMARY_ROWS) md.push('', `…and ${rows.length - DEFAULT_MAX_SUMMARY_ROWS} more findings: see the step log or the JSON report.`)
  }
  if (codes.size > 0) {
    md.push('', '### How to fix', '')
    for (const code of Object.keys(FINDINGS) as FindingCode[]) {
      if (codes.has(code)) md.push(`- \`${code}\` (${FINDINGS[code].title}): ${FINDINGS[code].fix}`)
    }
  }
  const skipped = packagesWith(report, 'skipped')
  if (skipped.length > 0) {
    const byKind = new Map<string, number>()
    for (const p of skipped) byKind.set(skipKind(p.skipReason), (byKind.get(skipKind(p.skipReason)) ?? 0) + 1)
    md.push('', `### ⏭️ Skipped (${skipped.length})`, '', [...byKind].map(([kind, n]) => `${n} ${markdownText(kind)}`).join(', '))
  }
  if (report.notices.length > 0) {
    md.push('', '### Notices', '')
    for (const notice of report.notices) md.push(`- ${markdownText(notice)}`)
  }
  return md.join('\n') + '\n'
}

function findingRows(p: PackageResult, codes: Set<FindingCode>): string[] {
  const why = formatFirstWhy(p)
  return p.findings.map((f) => {
    codes.add(f.code)
    return `| ${codeSpan(formatPackageId(p))} | \`${f.code}\` | ${markdownText(f.message)} | ${why ? markdownText(why) : ''} |`
  })
}

/**
 * Untrusted text as inert Markdown in a table cell: no links, HTML, emphasis, @-mentions (scoped
 * package names start with `@`) or cell breaks. GitHub sanitises the summary's HTML; this also
 * keeps the table intact.
 */
export function markdownText(text: string): string {
  return plainText(text.replace(/\s+/g, ' '))
    .replace(/[\\`*_[\]()<>|#!~@]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/\s+/g, ' ')
    .trim()
}

function codeSpan(text: string): string {
  return `\`${plainText(text.replace(/\s+/g, ' ')).replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\s+/g, ' ')}\``
}
