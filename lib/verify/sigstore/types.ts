/** The result model of Sigstore bundle verification: plain data, safe to hand to later stages. */
import type { KeyObject } from 'node:crypto'
import type { BundleVersion } from './bundle.js'
import type { CertificateInfo } from './certificate.js'
import type { VerifyErrorCode } from './errors.js'
import type { PublicKeyInput } from './keys.js'

/**
 * Verifies `signature` over a message known only by its `digest` (under Node hash `algorithm`).
 * Not used by verify-deps, which always has the signed bytes: the sigstore-conformance client gives
 * one for inputs passed as `sha256:<hex>` (test/conformance/prehash.ts).
 */
export type DigestSignatureVerifier = (key: KeyObject, algorithm: string, digest: Buffer, signature: Buffer) => 'valid' | 'invalid' | 'unsupported'

/** A verification key the trusted root does not carry (npm registry attestation keys). */
export interface PublicKeyEntry {
  publicKey: PublicKeyInput
  /** When the key may have signed (closed interval); open-ended when absent. */
  validFor?: { start?: Date; end?: Date }
}

/** Who must have signed. Identity and issuer are compared exactly (not as patterns). */
export interface VerifyPolicy {
  /** Expected certificate SAN (URI, email or Fulcio username). */
  certificateIdentity?: string
  /** Expected OIDC issuer (Fulcio extension 1.3.6.1.4.1.57264.1.8 / .1.1). */
  certificateIssuer?: string
  /**
   * The bundle must be signed by this entry of `publicKeys`. It overrides the bundle's own unsigned
   * `publicKey.hint`, which otherwise selects the key.
   */
  publicKeyHint?: string
}

export type Signer =
  | { kind: 'certificate'; certificate: CertificateInfo }
  | { kind: 'public-key'; keyHint: string }

export interface VerifiedTime {
  source: 'transparency-log' | 'timestamp-authority'
  time: Date
}

export interface TLogEntrySummary {
  logIndex: string
  /** base64, as in the bundle and trusted root. */
  logId: string
  baseUrl: string
  kind: string
  version: string
  /** Present when a verified inclusion promise (SET) covers it. */
  integratedTime?: Date
  inclusionPromise: boolean
  inclusionProof: boolean
}

export interface BundleVerified {
  ok: true
  bundleMediaType: string
  bundleVersion: BundleVersion
  signer: Signer
  /** Every verified time: SET-backed integrated times and RFC 3161 timestamps. */
  timestamps: VerifiedTime[]
  /** Earliest SET-backed integrated time (npm: the time a registry key must have been valid at). */
  integratedTime?: Date
  /** Earliest verified time of any kind; absent only for a key given without a validity window. */
  signedAt?: Date
  tlogEntries: TLogEntrySummary[]
  /** The signed DSSE payload, for the in-toto layer. Its content is not interpreted here. */
  dsse?: { payloadType: string; payload: Buffer; keyid?: string }
  messageDigest?: { algorithm: string; digest: Buffer }
}

export interface BundleRejected {
  ok: false
  code: VerifyErrorCode
  message: string
  /** The `@sigstore/verify` error code behind `code`, when there is one. */
  detail?: string
}

export type BundleVerification = BundleVerified | BundleRejected
