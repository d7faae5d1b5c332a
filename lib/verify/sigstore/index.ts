/**
 * Sigstore bundle verification: pure, over `@sigstore/verify`, with the checks it lacks for the
 * sigstore-conformance suite. Build trust once (`parseTrustedRoot`, `createBundleVerifier`), then
 * verify any number of bundles; bad bundles give `{ok: false, code}`, never a throw.
 */
export { parseTrustedRoot, TRUSTED_ROOT_MEDIA_TYPES } from './trusted-root.js'
export type { CertificateAuthority, TimeRange, TransparencyLog, TrustedRoot } from './trusted-root.js'
export { createBundleVerifier, DEFAULT_CLOCK_SKEW_MS } from './verifier.js'
export type { BundleVerifier, BundleVerifierOptions } from './verifier.js'
export { IN_TOTO_PAYLOAD_TYPE } from './artifact.js'
export type { ArtifactInput } from './artifact.js'
export type { BundleVersion } from './bundle.js'
export type { CertificateInfo } from './certificate.js'
export { SigstoreError, VERIFY_ERROR_CODES } from './errors.js'
export type { TrustErrorCode, VerifyErrorCode } from './errors.js'
export type { PublicKeyInput } from './keys.js'
export type {
  BundleRejected,
  BundleVerification,
  BundleVerified,
  PublicKeyEntry,
  Signer,
  TLogEntrySummary,
  VerifiedTime,
  VerifyPolicy,
} from './types.js'
