/**
 * `verify-deps audit report --format csv`: the audit's metrics document (model/audit-metrics.ts,
 * docs/audit.md) as `metric,value` rows, one per number or string of the JSON document, in its order.
 * Pure and deterministic.
 *
 * A metric is the field's path in the JSON document: fixed field names joined by `.`, and keys that
 * come from data — an issuer, a runner, a month, a downgrade's index — in brackets, so a key with a
 * dot in it (an issuer URL) stays one key: `versions.signature.verified`,
 * `issuers[https://token.actions.githubusercontent.com]`, `monthly[2026-05].provenance`,
 * `continuity.downgrades[0].package`.
 *
 * Fields are quoted as RFC 4180 says (https://www.rfc-editor.org/rfc/rfc4180): a field holding a
 * comma, a quote, CR or LF is enclosed in double quotes with its quotes doubled; records end with
 * CRLF. Issuers, runners and package names are attacker-controlled; a spreadsheet would run a text
 * field that starts with `=`, `+`, `-`, `@`, tab or CR as a formula (CSV injection,
 * https://owasp.org/www-community/attacks/CSV_Injection), so such a field gets a leading `'` — but for
 * a scoped package name (`@scope/name`, npm's own grammar: no parenthesis, `|` or `!`, so no function
 * call or DDE), which is kept as it is: the data stays exact where it cannot be a formula.
 */
import { AUDIT_STATUSES } from '../model/audit.js'
import type { AuditMetrics, StatusCounts, VersionCounts } from '../model/audit-metrics.js'

/** The header row's fields. */
export const AUDIT_CSV_HEADER = ['metric', 'value'] as const

/** Characters that make a spreadsheet read a cell as a formula when they start it. */
const FORMULA_START = /^[=+\-@\t\r]/

/** A scoped npm package name (validate-npm-package-name's characters, lower case): starts with `@`, yet no formula. */
const SCOPED_NAME = /^@[a-z0-9~-][a-z0-9._~-]*\/[a-z0-9~-][a-z0-9._~-]*$/

/**
 * One CSV field: a number as JavaScript writes it, a string neutralised against formulas (a leading
 * `'`) and quoted when it must be. The audit's export uses it too (`audit export --format csv`).
 */
export function csvField(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value)
  const text = FORMULA_START.test(value) && !SCOPED_NAME.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** A CSV record: fields joined by commas, ended by CRLF. */
export function csvRecord(fields: ReadonlyArray<string | number | boolean>): string {
  return `${fields.map(csvField).join(',')}\r\n`
}

/** The metrics as `metric,value` rows under a header row; `downloads` only when the document has it. */
export function formatAuditMetricsCsv(metrics: AuditMetrics): string {
  const rows: Array<[string, string | number]> = [
    ['schemaVersion', metrics.schemaVersion],
    ['generatedAt', metrics.generatedAt],
    ['registry', metrics.registry],
    ['population.packages', metrics.population.packages],
    ['population.versions', metrics.population.versions],
    ['population.fetchFailed', metrics.population.fetchFailed],
    ...versionCountRows('versions', metrics.versions),
    ...versionCountRows('latest', metrics.latest),
    ['ever.provenance', metrics.ever.provenance],
    ['ever.trustedPublisher', metrics.ever.trustedPublisher],
    ...Object.entries(metrics.issuers).map(([issuer, n]): [string, number] => [`issuers[${issuer}]`, n]),
    ...Object.entries(metrics.runners).map(([runner, n]): [string, number] => [`runners[${runner}]`, n]),
    ...metrics.monthly.flatMap((m): Array<[string, number]> => [
      [`monthly[${m.month}].versions`, m.versions],
      [`monthly[${m.month}].provenance`, m.provenance],
      [`monthly[${m.month}].trustedPublisher`, m.trustedPublisher],
    ]),
    ['continuity.afterFirstProvenance.versions', metrics.continuity.afterFirstProvenance.versions],
    ['continuity.afterFirstProvenance.provenance', metrics.continuity.afterFirstProvenance.provenance],
    ...metrics.continuity.downgrades.flatMap((d, i): Array<[string, string]> => [
      [`continuity.downgrades[${i}].package`, d.package],
      [`continuity.downgrades[${i}].version`, d.version],
      [`continuity.downgrades[${i}].from`, d.from],
      [`continuity.downgrades[${i}].to`, d.to],
    ]),
  ]
  if (metrics.downloads) {
    rows.push(['downloads.total', metrics.downloads.total], ['downloads.unknown', metrics.downloads.unknown], ...versionCountRows('downloads.latest', metrics.downloads.latest))
  }
  return csvRecord(AUDIT_CSV_HEADER) + rows.map((r) => csvRecord(r)).join('')
}

function versionCountRows(prefix: string, counts: VersionCounts): Array<[string, number]> {
  const statuses = (kind: 'signature' | 'provenance' | 'publishAttestation', c: StatusCounts): Array<[string, number]> =>
    AUDIT_STATUSES.map((s) => [`${prefix}.${kind}.${s}`, c[s]])
  return [
    ...statuses('signature', counts.signature),
    ...statuses('provenance', counts.provenance),
    ...statuses('publishAttestation', counts.publishAttestation),
    [`${prefix}.trustedPublisher`, counts.trustedPublisher],
    [`${prefix}.approver`, counts.approver],
  ]
}
