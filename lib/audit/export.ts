/**
 * `verify-deps audit export`: the stored records, one per line — JSON Lines (each line an
 * AuditRecord as model/audit.ts defines it) or CSV (RFC 4180, a header of the record's fields;
 * `findings` space-separated). Pure.
 */
import type { AuditRecord } from '../model/audit.js'
import { csvRecord } from '../report/audit-csv.js'

/** The CSV columns: every AuditRecord field, in the order docs/audit.md lists them. */
export const EXPORT_COLUMNS = [
  'name', 'version', 'publishedAt', 'signedAt', 'signature', 'provenance', 'predicateType', 'publishAttestation', 'trustedPublisher', 'approver',
  'issuer', 'repository', 'repositoryId', 'workflow', 'ref', 'refKind', 'trigger', 'runner', 'visibility', 'repositoryMatchesPackageJson', 'findings', 'fetchFailed',
] as const satisfies ReadonlyArray<keyof AuditRecord>

export function formatRecordsJsonl(records: readonly AuditRecord[]): string {
  return records.map((r) => JSON.stringify(r) + '\n').join('')
}

export function formatRecordsCsv(records: readonly AuditRecord[]): string {
  return CSV_HEADER + formatCsvRows(records)
}

/** The CSV header line (CRLF-terminated, as every row). */
export const CSV_HEADER = csvRecord(EXPORT_COLUMNS)

/**
 * CSV rows without the header: the export writes them a page at a time. Values are registry metadata
 * and certificate fields (attacker-controlled): report/audit-csv.ts's csvRecord quotes them and
 * neutralises any that starts like a formula, as the metrics CSV does.
 */
export function formatCsvRows(records: readonly AuditRecord[]): string {
  return records.map((r) => csvRecord(EXPORT_COLUMNS.map((c) => (c === 'findings' ? r.findings.join(' ') : (r[c] ?? ''))))).join('')
}
