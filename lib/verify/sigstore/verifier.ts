/**
 * Bundle verification as a fixed sequence of steps (client spec "Verification",
 * https://github.com/sigstore/architecture-docs/blob/main/client-spec.md), each failing with its
 * own code. `@sigstore/verify`'s Verifier does the certificate chain at every verified time, SCTs,
 * RFC 3161 timestamps, key validity and the signature; the steps around it add what it lacks
 * (see bundle.ts, tlog.ts, checkpoint.ts, tlog-body.ts, artifact.ts, certificate.ts).
 *
 * Pure: no I/O. The clock is read once per call (`now`), to reject times in the future.
 */
import type { TransparencyLogEntry } from '@sigstore/bundle'
import type { RFC3161Timestamp } from '@sigstore/core'
import { Verifier, type SignedEntity } from '@sigstore/verify'
import { toArtifact, verifyArtifactBinding, type ArtifactInput } from './artifact.js'
import { isSelfSigned, parseBundle, type ParsedBundle, type TLogEntry } from './bundle.js'
import { describeCertificate, verifyLeafProfile } from './certificate.js'
import { signatureContent } from './content.js'
import { SigstoreError, toSigstoreError, type VerifyErrorCode } from './errors.js'
import { verifyTLogEntries, type VerifiedTLogEntry } from './tlog.js'
import type { SignerMaterial } from './tlog-body.js'
import { resolvePublicKeys, toTrustMaterial, type ResolvedKey } from './trust-material.js'
import type { TrustedRoot } from './trusted-root.js'
import { certificateDER } from './x509.js'
import type { BundleVerification, BundleVerified, DigestSignatureVerifier, PublicKeyEntry, Signer, VerifiedTime, VerifyPolicy } from './types.js'

export interface BundleVerifierOptions {
  trustedRoot: TrustedRoot
  /** Keys by hint, for bundles signed with a key instead of a certificate. */
  publicKeys?: Record<string, PublicKeyEntry>
  /** The current time; defaults to the system clock. */
  now?: () => Date
  /** For artifacts given only as a digest (sigstore-conformance); without it such message signatures are UNSUPPORTED. */
  verifyDigestSignature?: DigestSignatureVerifier
}

export interface BundleVerifier {
  /** Never throws for bad input: every failure is `{ok: false, code}`. */
  verify(bundle: unknown, artifact?: ArtifactInput, policy?: VerifyPolicy): BundleVerification
}

// Log and TSA clocks are not ours; tolerate a little drift before calling a time "in the future".
const DEFAULT_CLOCK_SKEW_MS = 60_000

// RFC 3161 §2.4.2 PKIStatus: granted (0) or grantedWithMods (1) carry a usable token.
const TSA_STATUS_GRANTED = [0n, 1n]

export function createBundleVerifier(options: BundleVerifierOptions): BundleVerifier {
  const keys = resolvePublicKeys(options.publicKeys)
  const trustMaterial = toTrustMaterial(options.trustedRoot, keys)
  // The Verifier checks timestamps, signing key and signature; log entries are verified by tlog.ts,
  // so its own tlog threshold is 0 and the entity it sees carries none. One SCT is required for a
  // certificate, as sigstore-go and sigstore-python require by default.
  const verifier = new Verifier(trustMaterial, { tlogThreshold: 0, ctlogThreshold: 1, timestampThreshold: 1 })
  // A verified time matters because certificates and keys are valid only for a while. A key given
  // without a validity window is valid at any time, so its bundles need none (a Rekor v2 entry
  // signed by a managed key may carry no timestamp at all).
  const untimed = new Verifier(trustMaterial, { tlogThreshold: 0, ctlogThreshold: 1, timestampThreshold: 0 })
  const ctx: Context = {
    root: options.trustedRoot,
    keys,
    verifier,
    untimed,
    now: options.now ?? (() => new Date()),
    verifyDigestSignature: options.verifyDigestSignature,
  }
  return {
    verify(bundle, artifact, policy = {}) {
      try {
        return verifyBundle(ctx, bundle, artifact, policy)
      } catch (err) {
        const e = toSigstoreError(err, 'SIGNATURE_ERROR')
        return { ok: false, code: e.code as VerifyErrorCode, message: e.message, ...(e.detail ? { detail: e.detail } : {}) }
      }
    },
  }
}

interface Context {
  root: TrustedRoot
  keys: Map<string, ResolvedKey>
  verifier: Verifier
  untimed: Verifier
  now: () => Date
  verifyDigestSignature: DigestSignatureVerifier | undefined
}

function verifyBundle(ctx: Context, json: unknown, artifactInput: ArtifactInput | undefined, policy: VerifyPolicy): BundleVerified {
  const now = ctx.now()
  // 1. Shape: a well-formed bundle of a known version.
  const bundle = step('BUNDLE_MALFORMED', () => parseBundle(json, ctx.root.certificates))
  // 2. The signer: a certificate, or a key we were given (the caller's choice over the bundle's hint).
  const keyHint = policy.publicKeyHint ?? (bundle.material.kind === 'public-key' ? bundle.material.hint : undefined)
  const signerMaterial = step('PUBLIC_KEY_ERROR', () => resolveSigner(ctx, bundle, keyHint))
  step('CERTIFICATE_ERROR', () => checkBundledRoots(ctx.root, bundle))
  // 3. The artifact is the one the bundle is about.
  const artifact = step('ARTIFACT_MISMATCH', () => toArtifact(artifactInput))
  step('ARTIFACT_MISMATCH', () => verifyArtifactBinding(bundle.content, artifact))
  // 4. Time stamping authorities must have granted their timestamps, and no time may be in the future.
  step('TIMESTAMP_ERROR', () => checkTimes(bundle, now))
  // 5. Every log entry is from a trusted log, about this bundle, and proven included.
  const entries = step('TLOG_ERROR', () =>
    verifyTLogEntries(bundle.tlogEntries, {
      logs: ctx.root.tlogs,
      expected: { content: bundle.content, signer: signerMaterial, artifactDigest: (alg) => artifact?.digest(alg) },
      timestampTimes: bundle.timestamps.map((t) => t.signingTime),
      now,
    }),
  )
  // 6. Timestamps, certificate chain and SCT at every verified time (or key validity), signature.
  const unbounded = bundle.material.kind === 'public-key' && keyHint !== undefined && ctx.keys.get(keyHint)?.unbounded
  const verifier = unbounded ? ctx.untimed : ctx.verifier
  step('SIGNATURE_ERROR', () => verifier.verify(signedEntity(ctx, bundle, entries, artifact, keyHint)))
  // 7. The leaf may sign code.
  if (bundle.material.kind === 'certificate') {
    const leaf = bundle.material.leaf
    step('CERTIFICATE_ERROR', () => verifyLeafProfile(leaf))
  }
  // 8. Policy: the signer is who the caller expects.
  const signer = describeSigner(bundle, keyHint)
  checkPolicy(signer, policy)
  return result(bundle, signer, entries)
}

function step<T>(code: VerifyErrorCode, run: () => T): T {
  try {
    return run()
  } catch (err) {
    throw toSigstoreError(err, code)
  }
}

function resolveSigner(ctx: Context, bundle: ParsedBundle, keyHint: string | undefined): SignerMaterial {
  if (bundle.material.kind === 'certificate') return { kind: 'certificate', der: certificateDER(bundle.material.leaf) }
  const key = keyHint === undefined ? undefined : ctx.keys.get(keyHint)
  if (!key) throw new SigstoreError('PUBLIC_KEY_ERROR', `no public key for hint ${JSON.stringify(keyHint ?? '')}`)
  return { kind: 'public-key', spki: key.spki }
}

// A root inside the bundle is tolerated only as a redundant copy of an anchor we already trust
// (npm's older bundles); any other would be an attempt to bring its own anchor (client spec).
function checkBundledRoots(root: TrustedRoot, bundle: ParsedBundle): void {
  // A v0.3 bundle (npm's current ones) carries the leaf alone: nothing to look at.
  if (bundle.material.kind !== 'certificate' || bundle.material.chain.length === 0) return
  const anchors = root.certificateAuthorities.flatMap((ca) => ca.certChain)
  for (const cert of bundle.material.chain.filter(isSelfSigned)) {
    if (!anchors.some((a) => a.equals(cert))) {
      throw new SigstoreError('CERTIFICATE_ERROR', 'the bundle carries a root certificate that is not in the trusted root')
    }
  }
}

function checkTimes(bundle: ParsedBundle, now: Date): void {
  const latest = now.getTime() + DEFAULT_CLOCK_SKEW_MS
  for (const ts of bundle.timestamps) {
    if (!TSA_STATUS_GRANTED.includes(ts.status)) throw new SigstoreError('TIMESTAMP_ERROR', `RFC 3161 timestamp status is ${ts.status}, not granted`)
    if (ts.signingTime.getTime() > latest) throw new SigstoreError('TIMESTAMP_ERROR', 'RFC 3161 timestamp is in the future')
  }
  for (const entry of bundle.tlogEntries) {
    if (Number(entry.integratedTime) * 1000 > latest) throw new SigstoreError('TIMESTAMP_ERROR', 'log entry integrated time is in the future')
  }
}

function signedEntity(ctx: Context, bundle: ParsedBundle, entries: VerifiedTLogEntry[], artifact: ReturnType<typeof toArtifact>, keyHint: string | undefined): SignedEntity {
  const timestamps: SignedEntity['timestamps'] = bundle.timestamps.map((timestamp: RFC3161Timestamp) => ({
    $case: 'timestamp-authority' as const,
    timestamp,
  }))
  // Only integrated times a verified SET vouches for count as signed times.
  for (const v of entries) {
    if (v.integratedTime) timestamps.push({ $case: 'transparency-log', tlogEntry: toProtoEntry(v.entry) })
  }
  return {
    signature: signatureContent(bundle.content, artifact, ctx.verifyDigestSignature),
    key:
      bundle.material.kind === 'certificate'
        ? { $case: 'certificate', certificate: bundle.material.leaf }
        : { $case: 'public-key', hint: keyHint ?? '' },
    tlogEntries: [],
    timestamps,
  }
}

// The Verifier reads logId, integratedTime and the presence of inclusionPromise from a tlog timestamp.
function toProtoEntry(entry: TLogEntry): TransparencyLogEntry {
  return {
    logIndex: entry.logIndex.toString(),
    logId: { keyId: entry.logId },
    kindVersion: { kind: entry.kind, version: entry.version },
    integratedTime: entry.integratedTime.toString(),
    inclusionPromise: entry.signedEntryTimestamp ? { signedEntryTimestamp: entry.signedEntryTimestamp } : undefined,
    inclusionProof: undefined,
    canonicalizedBody: entry.canonicalizedBody,
  }
}

function describeSigner(bundle: ParsedBundle, keyHint: string | undefined): Signer {
  if (bundle.material.kind === 'certificate') return { kind: 'certificate', certificate: describeCertificate(bundle.material.leaf) }
  return { kind: 'public-key', keyHint: keyHint ?? '' }
}

function checkPolicy(signer: Signer, policy: VerifyPolicy): void {
  const mismatch = (message: string): never => {
    throw new SigstoreError('IDENTITY_MISMATCH', message)
  }
  if (policy.publicKeyHint !== undefined && signer.kind !== 'public-key') mismatch('expected a key-signed bundle, got a certificate')
  if (policy.certificateIdentity === undefined && policy.certificateIssuer === undefined) return
  if (signer.kind !== 'certificate') return mismatch('expected a certificate identity, the bundle is signed by a key')
  const cert = signer.certificate
  if (policy.certificateIdentity !== undefined && cert.subjectAlternativeName !== policy.certificateIdentity) {
    mismatch(`certificate identity is ${JSON.stringify(cert.subjectAlternativeName)}, expected ${JSON.stringify(policy.certificateIdentity)}`)
  }
  if (policy.certificateIssuer !== undefined && cert.issuer !== policy.certificateIssuer) {
    mismatch(`certificate issuer is ${JSON.stringify(cert.issuer)}, expected ${JSON.stringify(policy.certificateIssuer)}`)
  }
}

function result(bundle: ParsedBundle, signer: Signer, entries: VerifiedTLogEntry[]): BundleVerified {
  const timestamps: VerifiedTime[] = [
    ...entries.flatMap((v) => (v.integratedTime ? [{ source: 'transparency-log' as const, time: v.integratedTime }] : [])),
    ...bundle.timestamps.map((t) => ({ source: 'timestamp-authority' as const, time: t.signingTime })),
  ]
  const earliest = (times: Date[]): Date | undefined => times.reduce<Date | undefined>((a, t) => (!a || t < a ? t : a), undefined)
  const integratedTime = earliest(timestamps.filter((t) => t.source === 'transparency-log').map((t) => t.time))
  const verified: BundleVerified = {
    ok: true,
    bundleMediaType: bundle.mediaType,
    bundleVersion: bundle.version,
    signer,
    timestamps,
    tlogEntries: entries.map(({ entry, log, integratedTime: time }) => ({
      logIndex: entry.logIndex.toString(),
      logId: entry.logId.toString('base64'),
      baseUrl: log.baseUrl,
      kind: entry.kind,
      version: entry.version,
      ...(time ? { integratedTime: time } : {}),
      inclusionPromise: entry.signedEntryTimestamp !== undefined,
      inclusionProof: entry.inclusionProof !== undefined,
    })),
  }
  if (integratedTime) verified.integratedTime = integratedTime
  const signedAt = earliest(timestamps.map((t) => t.time))
  if (signedAt) verified.signedAt = signedAt
  const content = bundle.content
  if (content.kind === 'dsse') {
    verified.dsse = { payloadType: content.payloadType, payload: content.payload, ...(content.keyid ? { keyid: content.keyid } : {}) }
  } else if (content.messageDigest) {
    verified.messageDigest = content.messageDigest
  }
  return verified
}
