/**
 * Stable codes for everything that can go wrong verifying a Sigstore bundle.
 *
 * As in `@sigstore/verify`, cryptographic failures (the bundle is not what it claims) are kept apart
 * from policy failures (it is genuine, but not signed by whom the caller expects):
 * IDENTITY_MISMATCH is the only policy code. Callers and tests match on codes, never on messages.
 */
import { PolicyError, VerificationError } from '@sigstore/verify'

export const VERIFY_ERROR_CODES = [
  /** The bundle is not a well-formed Sigstore bundle (JSON shape, media type, base64, negative index…). */
  'BUNDLE_MALFORMED',
  /** A message-signature bundle was given no artifact to check the signature against. */
  'ARTIFACT_REQUIRED',
  /** The artifact does not match the bundle (message digest, in-toto subject). */
  'ARTIFACT_MISMATCH',
  /** The signing certificate does not chain to a trusted CA at the signed time, or its SCT fails. */
  'CERTIFICATE_ERROR',
  /** The signing key is unknown or was not valid at the signed time. */
  'PUBLIC_KEY_ERROR',
  /** A transparency-log entry is unknown, unproven (SET, checkpoint, Merkle proof) or about other content. */
  'TLOG_ERROR',
  /** No verified time, an RFC 3161 timestamp fails, or a time lies in the future. */
  'TIMESTAMP_ERROR',
  /** The signature over the artifact or DSSE envelope does not verify. */
  'SIGNATURE_ERROR',
  /** The bundle uses an algorithm or entry type this verifier does not support. */
  'UNSUPPORTED',
  /** Policy: the signer is not the expected identity, issuer or key. */
  'IDENTITY_MISMATCH',
] as const

export type VerifyErrorCode = (typeof VERIFY_ERROR_CODES)[number]

/** Codes of errors thrown while building trust material (bad configuration, not bad bundles). */
export type TrustErrorCode = 'TRUSTED_ROOT_INVALID' | 'PUBLIC_KEY_INVALID'

export class SigstoreError extends Error {
  readonly code: VerifyErrorCode | TrustErrorCode
  /** The upstream `@sigstore/verify` code, when the failure came from there. */
  readonly detail?: string
  constructor(code: VerifyErrorCode | TrustErrorCode, message: string, detail?: string) {
    super(message)
    this.name = 'SigstoreError'
    this.code = code
    if (detail !== undefined) this.detail = detail
  }
}

// @sigstore/verify 3.x codes → ours. TLOG_* are all "the log does not vouch for this bundle".
const UPSTREAM_CODES: Record<string, VerifyErrorCode> = {
  CERTIFICATE_ERROR: 'CERTIFICATE_ERROR',
  PUBLIC_KEY_ERROR: 'PUBLIC_KEY_ERROR',
  SIGNATURE_ERROR: 'SIGNATURE_ERROR',
  TIMESTAMP_ERROR: 'TIMESTAMP_ERROR',
  TLOG_ERROR: 'TLOG_ERROR',
  TLOG_BODY_ERROR: 'TLOG_ERROR',
  TLOG_INCLUSION_PROMISE_ERROR: 'TLOG_ERROR',
  TLOG_INCLUSION_PROOF_ERROR: 'TLOG_ERROR',
  TLOG_MISSING_INCLUSION_ERROR: 'TLOG_ERROR',
  UNTRUSTED_SIGNER_ERROR: 'IDENTITY_MISMATCH',
}

/** Maps anything thrown during verification to a SigstoreError; unknown throws are crypto failures. */
export function toSigstoreError(err: unknown, fallback: VerifyErrorCode): SigstoreError {
  if (err instanceof SigstoreError) return err
  if (err instanceof VerificationError || err instanceof PolicyError) {
    const code = UPSTREAM_CODES[err.code] ?? (err instanceof PolicyError ? 'IDENTITY_MISMATCH' : fallback)
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : ''
    return new SigstoreError(code, `${err.message}${cause}`, err.code)
  }
  // Parsers in @sigstore/core throw plain errors on malformed DER; never let them escape as crashes.
  return new SigstoreError(fallback, err instanceof Error ? err.message : String(err))
}
