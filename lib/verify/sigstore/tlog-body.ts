/**
 * Does the log entry describe *this* bundle? The canonicalized body is what the log signed; the
 * bundle's signature, digest and signing key must be exactly what it records, or a valid entry for
 * some other signing could vouch for this one (CVE-2022-36056). `@sigstore/verify` compares the
 * signature and digest but not the key, and cannot check a DSSE envelope logged as a hashedrekord
 * (client spec, "Bundle content vs. Rekor entry kind": the digest is then SHA-256 of the DSSE PAE).
 *
 * Rekor v1 entry types: https://github.com/sigstore/rekor/tree/main/pkg/types (hashedrekord 0.0.1,
 * dsse 0.0.1, intoto 0.0.2). Rekor v2: `rekor.v2.Entry` in protobuf-specs (hashedrekord 0.0.2,
 * dsse 0.0.2).
 */
import { createHash } from 'node:crypto'
import { dsse } from '@sigstore/core'
import type { BundleContent, TLogEntry } from './bundle.js'
import { decodeBase64, isRecord } from './encoding.js'
import { SigstoreError } from './errors.js'

/** What the entry must record about the signer. */
export type SignerMaterial = { kind: 'certificate'; der: Buffer } | { kind: 'public-key'; spki: Buffer }

export interface BodyExpectations {
  content: BundleContent
  signer: SignerMaterial
  /** Digest of the artifact (message signatures) under a Node hash name, when it can be known. */
  artifactDigest(algorithm: string): Buffer | undefined
}

const CODE = 'TLOG_ERROR'

function fail(message: string): never {
  throw new SigstoreError(CODE, `tlog entry body: ${message}`)
}

export function verifyTLogBody(entry: TLogEntry, expected: BodyExpectations): void {
  let body: unknown
  try {
    body = JSON.parse(entry.canonicalizedBody.toString('utf8'))
  } catch {
    fail('not JSON')
  }
  if (!isRecord(body) || !isRecord(body.spec)) fail('no spec')
  if (body.kind !== entry.kind || body.apiVersion !== entry.version) {
    fail(`is ${String(body.kind)}/${String(body.apiVersion)}, kindVersion says ${entry.kind}/${entry.version}`)
  }
  const spec = body.spec
  switch (`${entry.kind}/${entry.version}`) {
    case 'hashedrekord/0.0.1':
      return hashedrekordV001(spec, expected)
    case 'dsse/0.0.1':
      return dsseV001(spec, expected)
    case 'intoto/0.0.2':
      return intotoV002(spec, expected)
    case 'hashedrekord/0.0.2':
      return hashedrekordV002(field(spec, 'hashedRekordV002'), expected)
    case 'dsse/0.0.2':
      return dsseV002(field(spec, 'dsseV002'), expected)
    default:
      throw new SigstoreError('UNSUPPORTED', `tlog entry kind ${entry.kind}/${entry.version} is not supported`)
  }
}

function hashedrekordV001(spec: Record<string, unknown>, expected: BodyExpectations): void {
  const signature = field(spec, 'signature')
  const hash = field(field(spec, 'data'), 'hash')
  const algorithm = String(hash.algorithm)
  if (!['sha256', 'sha384', 'sha512'].includes(algorithm)) fail(`unsupported hash algorithm ${algorithm}`)
  checkSignature(b64(signature.content, 'signature.content'), expected.content)
  checkDigest(Buffer.from(hexString(hash.value), 'hex'), algorithm, expected)
  checkPemVerifier(b64(field(signature, 'publicKey').content, 'signature.publicKey.content'), expected.signer)
}

function dsseV001(spec: Record<string, unknown>, expected: BodyExpectations): void {
  const content = requireDsse(expected.content)
  const payloadHash = field(spec, 'payloadHash')
  if (payloadHash.algorithm !== 'sha256') fail('payloadHash is not sha256')
  checkEqual(Buffer.from(hexString(payloadHash.value), 'hex'), sha256(content.payload), 'payload hash')
  const sig = onlySignature(spec.signatures)
  checkSignature(b64(sig.signature, 'signatures[0].signature'), content)
  checkPemVerifier(b64(sig.verifier, 'signatures[0].verifier'), expected.signer)
}

function intotoV002(spec: Record<string, unknown>, expected: BodyExpectations): void {
  const content = requireDsse(expected.content)
  const inner = field(spec, 'content')
  const envelope = field(inner, 'envelope')
  const payloadHash = field(inner, 'payloadHash')
  if (payloadHash.algorithm !== 'sha256') fail('payloadHash is not sha256')
  checkEqual(Buffer.from(hexString(payloadHash.value), 'hex'), sha256(content.payload), 'payload hash')
  if (envelope.payloadType !== undefined && envelope.payloadType !== content.payloadType) fail('payloadType differs')
  // intoto 0.0.2 stores the envelope's base64 strings base64-encoded once more.
  if (envelope.payload !== undefined) {
    checkEqual(b64(b64(envelope.payload, 'envelope.payload').toString('utf8'), 'envelope.payload'), content.payload, 'payload')
  }
  const sig = onlySignature(envelope.signatures)
  checkSignature(b64(b64(sig.sig, 'envelope.signatures[0].sig').toString('utf8'), 'envelope.signatures[0].sig'), content)
  checkPemVerifier(b64(sig.publicKey, 'envelope.signatures[0].publicKey'), expected.signer)
}

function hashedrekordV002(spec: Record<string, unknown>, expected: BodyExpectations): void {
  const data = field(spec, 'data')
  const algorithm = protoHash(data.algorithm)
  const signature = field(spec, 'signature')
  checkSignature(b64(signature.content, 'signature.content'), expected.content)
  checkDigest(b64(data.digest, 'data.digest'), algorithm, expected)
  checkProtoVerifier(field(signature, 'verifier'), expected.signer)
}

function dsseV002(spec: Record<string, unknown>, expected: BodyExpectations): void {
  const content = requireDsse(expected.content)
  const payloadHash = field(spec, 'payloadHash')
  if (protoHash(payloadHash.algorithm) !== 'sha256') fail('payloadHash is not SHA2_256')
  checkEqual(b64(payloadHash.digest, 'payloadHash.digest'), sha256(content.payload), 'payload hash')
  const sig = onlySignature(spec.signatures)
  checkSignature(b64(sig.content, 'signatures[0].content'), content)
  checkProtoVerifier(field(sig, 'verifier'), expected.signer)
}

// A hashedrekord records the digest of what was signed: the artifact for a message signature, the
// DSSE pre-authentication encoding for an envelope.
function checkDigest(digest: Buffer, algorithm: string, expected: BodyExpectations): void {
  const content = expected.content
  const actual =
    content.kind === 'dsse'
      ? createHash(algorithm).update(dsse.preAuthEncoding(content.payloadType, content.payload)).digest()
      : expected.artifactDigest(algorithm)
  if (!actual) throw new SigstoreError('UNSUPPORTED', `tlog entry uses ${algorithm}, which cannot be computed from the given artifact digest`)
  checkEqual(digest, actual, 'digest')
}

function checkSignature(logged: Buffer, content: BundleContent): void {
  checkEqual(logged, content.signature, 'signature')
}

function checkPemVerifier(pemBytes: Buffer, signer: SignerMaterial): void {
  const m = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(pemBytes.toString('utf8'))
  if (!m) fail('verifier is not PEM')
  const der = b64((m[2] as string).replace(/\s+/g, ''), 'verifier')
  if (m[1] === 'CERTIFICATE') return checkVerifier({ kind: 'certificate', der }, signer)
  if (m[1] === 'PUBLIC KEY') return checkVerifier({ kind: 'public-key', spki: der }, signer)
  fail(`verifier is a PEM ${m[1]}`)
}

function checkProtoVerifier(verifier: Record<string, unknown>, signer: SignerMaterial): void {
  if (isRecord(verifier.x509Certificate)) {
    return checkVerifier({ kind: 'certificate', der: b64(verifier.x509Certificate.rawBytes, 'verifier') }, signer)
  }
  if (isRecord(verifier.publicKey)) {
    return checkVerifier({ kind: 'public-key', spki: b64(verifier.publicKey.rawBytes, 'verifier') }, signer)
  }
  fail('verifier has neither x509Certificate nor publicKey')
}

function checkVerifier(logged: SignerMaterial, signer: SignerMaterial): void {
  if (logged.kind !== signer.kind) fail(`records a ${logged.kind}, the bundle is signed by a ${signer.kind}`)
  const a = logged.kind === 'certificate' ? logged.der : logged.spki
  const b = signer.kind === 'certificate' ? signer.der : signer.spki
  checkEqual(a, b, `verifying ${logged.kind}`)
}

function requireDsse(content: BundleContent): Extract<BundleContent, { kind: 'dsse' }> {
  if (content.kind !== 'dsse') fail('is a DSSE entry, the bundle holds a message signature')
  return content
}

function onlySignature(value: unknown): Record<string, unknown> {
  if (!Array.isArray(value) || value.length !== 1 || !isRecord(value[0])) fail('expected exactly one signature')
  return value[0]
}

function field(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = obj[key]
  if (!isRecord(value)) fail(`missing ${key}`)
  return value
}

function protoHash(value: unknown): string {
  const map: Record<string, string> = { SHA2_256: 'sha256', SHA2_384: 'sha384', SHA2_512: 'sha512' }
  const algorithm = map[String(value)]
  if (!algorithm) fail(`unsupported hash algorithm ${String(value)}`)
  return algorithm
}

function hexString(value: unknown): string {
  if (typeof value !== 'string' || !/^([0-9a-f]{2})+$/i.test(value)) fail('digest is not hex')
  return value
}

function b64(value: unknown, where: string): Buffer {
  return decodeBase64(value, `tlog entry body ${where}`, CODE)
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest()
}

function checkEqual(logged: Buffer, actual: Buffer, what: string): void {
  if (!logged.equals(actual)) fail(`${what} differs from the bundle's`)
}
