/**
 * Sigstore bundle verification: the compatibility layer over `@sigstore/verify` 3.x. Pure (no I/O).
 * Build trust once (`parseTrustedRoot`, `createBundleVerifier`), then verify any number of bundles;
 * bad bundles give `{ok: false, code}`, never a throw.
 *
 * `@sigstore/verify`'s Verifier checks the certificate chain and SCT at every verified time, RFC 3161
 * timestamps, key validity and the signature; the modules here add what it lacks (strict parsing,
 * transparency-log checks, artifact binding, leaf profile, stable codes). README.md lists each
 * module, what it adds and what upstream release would make it removable (none is, in 4.x).
 */
export { parseTrustedRoot } from './trusted-root.js'
export type { CertificateAuthority, TimeRange, TransparencyLog, TrustedRoot } from './trusted-root.js'
export { createBundleVerifier } from './verifier.js'
export type { BundleVerifier, BundleVerifierOptions } from './verifier.js'
export type { ArtifactInput } from './artifact.js'
export type { BundleVersion } from './bundle.js'
export type { CertificateInfo } from './certificate.js'
export { parseDER } from './der.js'
export { SigstoreError, VERIFY_ERROR_CODES } from './errors.js'
export type { TrustErrorCode, VerifyErrorCode } from './errors.js'
export type { PublicKeyInput } from './keys.js'
export type {
  BundleRejected,
  BundleVerification,
  BundleVerified,
  DigestSignatureVerifier,
  PublicKeyEntry,
  Signer,
  TLogEntrySummary,
  VerifiedTime,
  VerifyPolicy,
} from './types.js'
