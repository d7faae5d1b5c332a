/**
 * Renders docs/report.schema.json and docs/report.md from lib/report/report-schema.ts, so the
 * published schema and reference page cannot drift from the code.
 */
import {
  ALLOW_SCRIPTS_VERDICTS,
  ATTESTATION_STATUSES,
  DECISIONS,
  EVIDENCE_ROLES,
  IDENTITY_SOURCES,
  INTEGRITY_STATUSES,
  NPM_SCRIPT_RULES,
  PACKAGE_SOURCES,
  REGISTRY_DIAGNOSES,
  REGISTRY_KEYS_SOURCES,
  REPORT_JSON_SCHEMA,
  SEVERITIES,
  SIGNATURE_STATUSES,
} from './report-schema.js'

type Schema = Record<string, unknown>

/** Enumerations longer than this are not spelled out in the type column. */
const MAX_INLINE_ENUM = 8

export function formatReportSchemaJson(): string {
  return JSON.stringify(REPORT_JSON_SCHEMA, null, 2) + '\n'
}

export function formatReportReferenceMarkdown(): string {
  const lines = [
    '# JSON report reference',
    '',
    '<!-- Generated from lib/report/report-schema.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    '`verify-deps --format json` prints one JSON document, described by [report.schema.json](report.schema.json)',
    '(JSON Schema draft 2020-12); `verify-deps verify <file.tgz> --format json` prints the same document for one',
    'package ([verify.md](verify.md)). It is a public contract: `schemaVersion` changes only when a field is renamed,',
    'removed or changes meaning; fields may be added within a version, so ignore fields you do not know.',
    'Every field is always present unless marked (optional); a value that is not known is `null`.',
    '',
    'Finding codes are listed in [findings.md](findings.md); exit codes in [exit-codes.md](exit-codes.md).',
    '',
    'The same report renders as text (the default: [check.md](check.md#the-text-report)), SARIF, GitHub annotations',
    'and one self-contained HTML page ([html-report.md](html-report.md)). Which lockfile was read, and whose format:',
    '`project.lockfile`, `project.lockfileFormat` (npm, pnpm or yarn 1: [check.md](check.md#pnpm-and-yarn-projects)).',
    'Behind a registry mirror: each package\'s `evidence.origin` and each registry\'s `upstream` and `diagnosis`',
    '([mirrors.md](mirrors.md)).',
    '',
    '## Report',
    '',
    ...fieldTable(REPORT_JSON_SCHEMA),
  ]
  const defs = REPORT_JSON_SCHEMA.$defs as Record<string, Schema>
  for (const [name, def] of Object.entries(defs)) {
    lines.push('', `## ${name}`, '', String(def.description), '', ...fieldTable(def))
  }
  const statusTables: Array<[string, string, Record<string, string>]> = [
    ['Decisions', 'decision', DECISIONS],
    ['Finding severities', 'severity', SEVERITIES],
    ['Package sources', 'source', PACKAGE_SOURCES],
    ['Integrity statuses', 'status', INTEGRITY_STATUSES],
    ['Signature statuses', 'status', SIGNATURE_STATUSES],
    ['Attestation statuses', 'status', ATTESTATION_STATUSES],
    ['Registry key sources', 'keysSource', REGISTRY_KEYS_SOURCES],
    ['Registry diagnoses', 'kind', REGISTRY_DIAGNOSES],
    ['Evidence roles', 'role', EVIDENCE_ROLES],
    ['Identity sources', 'source', IDENTITY_SOURCES],
    ['allowScripts verdicts', 'allowScripts', ALLOW_SCRIPTS_VERDICTS],
    ['npm script rules', 'rules', NPM_SCRIPT_RULES],
  ]
  for (const [title, column, values] of statusTables) {
    lines.push('', `## ${title}`, '', `| ${column} | meaning |`, '|---|---|')
    for (const [value, meaning] of Object.entries(values)) lines.push(`| \`${value}\` | ${meaning} |`)
  }
  return lines.join('\n') + '\n'
}

function fieldTable(schema: Schema): string[] {
  const rows = ['| field | type | description |', '|---|---|---|']
  const walk = (node: Schema, prefix: string) => {
    const properties = (node.properties ?? {}) as Record<string, Schema>
    const required = (node.required ?? []) as string[]
    for (const [name, prop] of Object.entries(properties)) {
      const field = `${prefix}${name}`
      const optional = required.includes(name) ? '' : ' (optional)'
      rows.push(`| \`${field}\` | ${typeOf(prop)}${optional} | ${String(prop.description ?? '')} |`)
      if (prop.type === 'object' && prop.properties) walk(prop, `${field}.`)
    }
  }
  walk(schema, '')
  return rows
}

function typeOf(node: Schema): string {
  if (typeof node.$ref === 'string') {
    const name = node.$ref.replace('#/$defs/', '')
    return `[${name}](#${name.toLowerCase()})`
  }
  if ('const' in node) return literal(node.const)
  if (Array.isArray(node.oneOf)) return (node.oneOf as Schema[]).map(typeOf).join(' \\| ')
  if (Array.isArray(node.enum)) {
    const values = node.enum as unknown[]
    if (values.length > MAX_INLINE_ENUM) return `string (${values.length} values)`
    return values.map(literal).join(' \\| ')
  }
  if (node.type === 'array') return `array of ${typeOf(node.items as Schema)}`
  if (node.type === 'object' && typeof node.additionalProperties === 'object') return `object of ${typeOf(node.additionalProperties as Schema)}`
  if (Array.isArray(node.type)) return node.type.join(' \\| ')
  return String(node.type)
}

function literal(value: unknown): string {
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``
}
