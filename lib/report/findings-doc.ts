/** Renders docs/findings.md from the finding registry, so the docs cannot drift from the code. */
import { FINDINGS, type FindingDefinition } from '../findings.js'

export function formatFindingsMarkdown(): string {
  const lines = [
    '# Finding codes',
    '',
    '<!-- Generated from lib/findings.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'A finding is data about one package. Its code is stable: it appears in JSON and SARIF reports and',
    'in policy exceptions. "Default" is the severity under the built-in default policy; cryptographic',
    'failures are always errors.',
    '',
    '| code | evidence | default | title |',
    '|---|---|---|---|',
  ]
  const entries = Object.entries(FINDINGS) as [string, FindingDefinition][]
  for (const [code, def] of entries) lines.push(`| [\`${code}\`](#${code.toLowerCase()}) | ${def.evidence} | ${def.defaultSeverity} | ${def.title} |`)
  for (const [code, def] of entries) {
    lines.push('', `## ${code}`, '', def.description, '', `**Fix:** ${def.fix}`)
  }
  return lines.join('\n') + '\n'
}
