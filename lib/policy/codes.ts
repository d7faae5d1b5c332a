/**
 * How the policy treats each finding code. Validity failures (a broken signature, an attestation
 * about another artifact, bytes that do not match) and evidence that could not be fetched are
 * errors in every mode and cannot be waived: a broken signature is never only a warning. The other
 * codes say a requirement was not met; the rule decides whether that is required and how much it
 * matters (mode), and an exception may waive them.
 */
import type { FindingCode } from '../findings.js'

/** Always `error`, in every mode; never waivable. */
export const VALIDITY_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'INTEGRITY_MISMATCH',
  'INTEGRITY_MISSING',
  'TARBALL_INTEGRITY_MISMATCH',
  'INTEGRITY_WEAK',
  'INTEGRITY_AMBIGUOUS',
  'INSTALLED_MISMATCH',
  'SIGNATURE_INVALID',
  'SIGNATURE_KEY_UNKNOWN',
  'SIGNATURE_KEY_EXPIRED',
  'ATTESTATION_INVALID',
  'ATTESTATION_SUBJECT_MISMATCH',
  'ATTESTATION_MISSING',
  'FETCH_FAILED',
  // The lockfile binds the package to other bytes, another source or another name than verified.
  'SOURCE_MISMATCH',
  'NAME_MISMATCH',
  'RESOLVED_ORIGIN_MISMATCH',
])

/** The codes an exception may list in `allow`. */
export const WAIVABLE_CODES = [
  'SIGNATURE_MISSING',
  'SIGNATURE_UNSUPPORTED_BY_REGISTRY',
  'PROVENANCE_MISSING',
  'PROVENANCE_IDENTITY_MISMATCH',
  'PUBLISHER_NOT_ALLOWED',
  'TRUSTED_PUBLISHER_MISSING',
  'APPROVER_MISSING',
  'UNVERIFIABLE_SOURCE',
] as const satisfies readonly FindingCode[]

export type WaivableCode = (typeof WAIVABLE_CODES)[number]

export function isWaivable(code: string): code is WaivableCode {
  return (WAIVABLE_CODES as readonly string[]).includes(code)
}

/** Why a known code cannot be waived, for the schema's error message. */
export function whyNotWaivable(code: FindingCode): string {
  if (code === 'SOURCE_MISMATCH' || code === 'NAME_MISMATCH' || code === 'RESOLVED_ORIGIN_MISMATCH') {
    return `${code} cannot be waived: the lockfile binds the package to another source, name or tarball origin than was verified; fix the lockfile instead`
  }
  if (VALIDITY_CODES.has(code)) return `${code} cannot be waived: validity failures and unfetchable evidence always fail`
  if (code === 'DENIED') return 'DENIED cannot be waived: remove the deny entry instead'
  if (code === 'EXCEPTION_EXPIRED') return 'EXCEPTION_EXPIRED cannot be waived: renew the expired exception instead'
  return `${code} cannot be waived`
}
