/**
 * Plain-text rendering of a PackageExplanation for `verify-deps explain <name>`: which rule decided
 * and why, each requirement with what was observed and what is allowed, exceptions, and the
 * resulting findings. Pure; the CLI writes it (and may colour it).
 */
import type { PackageExplanation } from './evaluate.js'
import type { RequirementCheck } from './requirements.js'

const MARK: Record<RequirementCheck['status'], string> = {
  met: 'ok',
  violated: 'NO',
  'not-required': '-',
  'not-checked': 'off',
  unknown: '?',
}

export function formatExplanation(e: PackageExplanation): string {
  const r = e.result
  const lines: string[] = [`${e.package}: ${r.decision}${r.skipReason ? ` (${r.skipReason})` : ''}`]
  lines.push(`  policy      ${e.policy}`)
  lines.push(`  rule        ${e.rule.id}: ${e.rule.pattern ? `${JSON.stringify(e.rule.pattern)}, ` : ''}${e.rule.why}`)
  for (const o of e.rule.outranked) lines.push(`              also matches, less specific: ${o.id}: ${JSON.stringify(o.pattern)}, ${o.why}`)
  if (e.matchedAs) lines.push(`  alias       installed as ${e.matchedAs}: decided by the rules for that name, the stricter`)
  for (const a of e.alternatives ?? []) {
    lines.push(`  also as     ${a.matchedAs ?? a.package}: ${a.rule.id} -> ${a.result.decision} (less strict, not used)`)
  }
  lines.push(`  mode        ${e.mode}`)
  if (e.denied) lines.push(`  denied      ${e.denied.id}: ${e.denied.reason}`)

  if (e.checks.length > 0) {
    lines.push('  checks')
    const width = Math.max(...e.checks.map((c) => c.requirement.length))
    for (const c of e.checks) {
      const code = c.code && c.status === 'violated' ? ` -> ${c.code}` : ''
      lines.push(`    ${MARK[c.status].padEnd(3)} ${c.requirement.padEnd(width)}  observed: ${c.observed}; allowed: ${c.allowed}${code}`)
      for (const b of c.builds ?? []) {
        lines.push(`          builds[${b.entry}] ${b.matched ? 'matches' : 'does not match'}`)
        for (const f of b.fields) {
          const observed = f.observed === undefined ? '(not stated)' : JSON.stringify(f.observed)
          lines.push(`            ${(f.matched ? 'ok' : 'NO').padEnd(3)}${f.field}${f.implicit ? ' (implicit)' : ''}: ${observed}, allowed ${f.implicit ? f.allowed : JSON.stringify(f.allowed)}`)
        }
      }
    }
  }

  if (e.exceptions.length > 0) {
    lines.push('  exceptions')
    for (const x of e.exceptions) {
      const what = x.status === 'applied' ? `waived ${x.waived.join(', ')}` : x.status === 'expired' ? `expired on ${x.expires}` : 'matched, nothing to waive'
      lines.push(`    ${x.id}: ${what} (${x.reason})`)
    }
  }

  lines.push('  findings')
  if (r.findings.length === 0) lines.push('    none')
  for (const f of r.findings) lines.push(`    ${f.severity.padEnd(7)} ${f.code}: ${f.message}`)
  return lines.join('\n') + '\n'
}
