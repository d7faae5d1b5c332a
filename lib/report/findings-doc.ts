/** Renders docs/findings.md from the finding registry, so the docs cannot drift from the code. */
import { FINDINGS, type FindingDefinition, type RequiredBy } from '../findings.js'

const REQUIRED_BY: Record<RequiredBy, string> = {
  always: 'the same severity in every mode, whatever the rule requires',
  signature: 'counts under a rule with `require.signature` (the default)',
  provenance: 'counts under a rule with `require.provenance` (or `builds`)',
  anything: 'counts under a rule that requires anything',
  rule: "raised only by a rule's own requirement",
  installScripts: "raised only by the policy's `installScripts` section, whose `mode` decides its severity",
  continuity: "raised only by the rule's `continuity` section ([continuity.md](continuity.md)), whose mode for it (`downgrade`, `identity`) decides its severity",
}

export function formatFindingsMarkdown(): string {
  const lines = [
    '# Finding codes',
    '',
    '<!-- Generated from lib/findings.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'A finding is data about one package. Its code is stable: it appears in JSON and SARIF reports and',
    'in policy exceptions. "Default" is the severity under the [built-in default policy](default-policy.md);',
    '`enforce`, `warn` and `off` are its severity under a policy rule of that mode that requires what it is',
    'about (a rule that does not require it reports it as info; [policy.md](policy.md)). Cryptographic',
    'failures are errors in every mode. "Waivable": whether a policy exception may list it in `allow`.',
    '',
    '| code | evidence | default | `enforce` | `warn` | `off` | waivable | title |',
    '|---|---|---|---|---|---|---|---|',
  ]
  const entries = Object.entries(FINDINGS) as [string, FindingDefinition][]
  for (const [code, def] of entries) {
    const { severity, waivable } = def.policy
    lines.push(`| [\`${code}\`](#${code.toLowerCase()}) | ${def.evidence} | ${def.defaultSeverity} | ${severity.enforce} | ${severity.warn} | ${severity.off} | ${waivable ? 'yes' : 'no'} | ${def.title} |`)
  }
  for (const [code, def] of entries) {
    const { requiredBy, waivable, notWaivable } = def.policy
    const counts = REQUIRED_BY[requiredBy]
    lines.push('', `## ${code}`, '', def.description, '', `**Policy:** ${counts}; ${waivable ? 'an exception may waive it' : `cannot be waived: ${notWaivable ?? 'it is not a requirement'}`}.`, '', `**Fix:** ${def.fix}`)
  }
  return lines.join('\n') + '\n'
}
