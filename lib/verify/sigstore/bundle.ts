/**
 * Structural validation of a Sigstore bundle (`dev.sigstore.bundle.v1.Bundle`,
 * https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_bundle.proto) into a typed
 * model with every bytes field decoded. The bundle is attacker-controlled: nothing here is trusted
 * yet, this only guarantees later steps see well-formed data. All failures are BUNDLE_MALFORMED.
 *
 * Beyond what `@sigstore/bundle`'s assertBundle* checks, this rejects (client spec and
 * sigstore-conformance): unknown media types, invalid base64, negative or non-integer indices and
 * times, an empty or out-of-order certificate chain, and per version a missing inclusion promise
 * (v0.1) or inclusion proof / checkpoint (v0.2+).
 */
import { RFC3161Timestamp, type X509Certificate } from '@sigstore/core'
import { decodeBase64, isRecord, parseUint64, requireArray, requireRecord, requireString } from './encoding.js'
import { SigstoreError } from './errors.js'
import type { CertificateCache } from './x509.js'

export type BundleVersion = '0.1' | '0.2' | '0.3'

const MEDIA_TYPES: Record<string, BundleVersion> = {
  'application/vnd.dev.sigstore.bundle+json;version=0.1': '0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2': '0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3': '0.3',
  'application/vnd.dev.sigstore.bundle.v0.3+json': '0.3',
}

// sigstore_common.proto HashAlgorithm → Node digest names.
const HASH_ALGORITHMS: Record<string, string> = {
  SHA2_256: 'sha256',
  SHA2_384: 'sha384',
  SHA2_512: 'sha512',
  SHA3_256: 'sha3-256',
  SHA3_384: 'sha3-384',
}

export type BundleContent =
  | { kind: 'message'; signature: Buffer; messageDigest?: { algorithm: string; digest: Buffer } }
  | { kind: 'dsse'; payloadType: string; payload: Buffer; signature: Buffer; keyid?: string }

type BundleMaterial =
  | { kind: 'certificate'; leaf: X509Certificate; /** Certificates after the leaf (v0.1/v0.2 chains). */ chain: X509Certificate[] }
  | { kind: 'public-key'; hint: string }

interface InclusionProof {
  logIndex: bigint
  treeSize: bigint
  rootHash: Buffer
  hashes: Buffer[]
  checkpoint: string
}

export interface TLogEntry {
  logIndex: bigint
  logId: Buffer
  kind: string
  version: string
  /** Seconds since the epoch; 0 when absent (Rekor v2 entries carry none). */
  integratedTime: bigint
  signedEntryTimestamp?: Buffer
  inclusionProof?: InclusionProof
  canonicalizedBody: Buffer
}

export interface ParsedBundle {
  mediaType: string
  version: BundleVersion
  content: BundleContent
  material: BundleMaterial
  tlogEntries: TLogEntry[]
  /** RFC 3161 timestamps over the signature, parsed but not yet verified. */
  timestamps: RFC3161Timestamp[]
}

const CODE = 'BUNDLE_MALFORMED'

/** `certificates` parses the bundle's certificates (one cache per run: x509.ts). */
export function parseBundle(json: unknown, certificates: CertificateCache): ParsedBundle {
  if (!isRecord(json)) throw new SigstoreError(CODE, 'bundle: expected a JSON object')
  const mediaType = json.mediaType
  const version = typeof mediaType === 'string' ? MEDIA_TYPES[mediaType] : undefined
  if (!version || typeof mediaType !== 'string') {
    throw new SigstoreError(CODE, `bundle: unsupported mediaType ${JSON.stringify(mediaType)}`)
  }
  const vm = requireRecord(json, 'verificationMaterial', 'bundle', CODE)
  const material = parseMaterial(vm, version, certificates)
  const tlogEntries = requireArray(vm, 'tlogEntries', 'verificationMaterial', CODE).map((e, i) =>
    parseTLogEntry(e, `verificationMaterial.tlogEntries[${i}]`, version),
  )
  return {
    mediaType,
    version,
    content: parseContent(json),
    material,
    tlogEntries,
    timestamps: parseTimestamps(vm.timestampVerificationData),
  }
}

function parseContent(json: Record<string, unknown>): BundleContent {
  const hasMessage = json.messageSignature !== undefined
  const hasDsse = json.dsseEnvelope !== undefined
  if (hasMessage === hasDsse) throw new SigstoreError(CODE, 'bundle: needs exactly one of messageSignature, dsseEnvelope')
  if (hasMessage) {
    const ms = requireRecord(json, 'messageSignature', 'bundle', CODE)
    const content: BundleContent = { kind: 'message', signature: nonEmpty(ms.signature, 'messageSignature.signature') }
    // messageDigest only identifies the artifact (the spec forbids verifying with it), but when
    // present it must agree with the artifact (checked later).
    if (ms.messageDigest !== undefined) {
      const md = requireRecord(ms, 'messageDigest', 'messageSignature', CODE)
      const algorithm = HASH_ALGORITHMS[String(md.algorithm)]
      if (!algorithm) throw new SigstoreError(CODE, `messageSignature.messageDigest.algorithm: unsupported ${JSON.stringify(md.algorithm)}`)
      content.messageDigest = { algorithm, digest: nonEmpty(md.digest, 'messageSignature.messageDigest.digest') }
    }
    return content
  }
  const env = requireRecord(json, 'dsseEnvelope', 'bundle', CODE)
  const payloadType = requireString(env, 'payloadType', 'dsseEnvelope', CODE)
  const payload = nonEmpty(env.payload, 'dsseEnvelope.payload')
  // Sigstore bundles carry exactly one DSSE signature: the one the log entry records.
  const signatures = requireArray(env, 'signatures', 'dsseEnvelope', CODE)
  if (signatures.length !== 1 || !isRecord(signatures[0])) {
    throw new SigstoreError(CODE, `dsseEnvelope.signatures: expected exactly one signature, got ${signatures.length}`)
  }
  const sig = signatures[0]
  const content: BundleContent = { kind: 'dsse', payloadType, payload, signature: nonEmpty(sig.sig, 'dsseEnvelope.signatures[0].sig') }
  if (typeof sig.keyid === 'string' && sig.keyid !== '') content.keyid = sig.keyid
  return content
}

function parseMaterial(vm: Record<string, unknown>, version: BundleVersion, certificates: CertificateCache): BundleMaterial {
  const present = ['certificate', 'x509CertificateChain', 'publicKey'].filter((k) => vm[k] !== undefined && vm[k] !== null)
  if (present.length !== 1) {
    throw new SigstoreError(CODE, 'verificationMaterial: needs exactly one of certificate, x509CertificateChain, publicKey')
  }
  if (vm.publicKey !== undefined && vm.publicKey !== null) {
    const pk = requireRecord(vm, 'publicKey', 'verificationMaterial', CODE)
    if (pk.hint !== undefined && typeof pk.hint !== 'string') throw new SigstoreError(CODE, 'verificationMaterial.publicKey.hint: expected a string')
    return { kind: 'public-key', hint: pk.hint ?? '' }
  }
  if (vm.certificate !== undefined && vm.certificate !== null) {
    const cert = requireRecord(vm, 'certificate', 'verificationMaterial', CODE)
    return { kind: 'certificate', leaf: parseCertificate(certificates, cert.rawBytes, 'verificationMaterial.certificate'), chain: [] }
  }
  // v0.3 replaced the chain with the leaf alone (bundle spec; @sigstore/bundle assertBundleLatest).
  if (version === '0.3') throw new SigstoreError(CODE, 'verificationMaterial: x509CertificateChain is not allowed in a v0.3 bundle')
  const chain = requireArray(requireRecord(vm, 'x509CertificateChain', 'verificationMaterial', CODE), 'certificates', 'x509CertificateChain', CODE)
  if (chain.length === 0) throw new SigstoreError(CODE, 'verificationMaterial.x509CertificateChain.certificates: empty')
  const certs = chain.map((c, i) =>
    parseCertificate(certificates, isRecord(c) ? c.rawBytes : undefined, `verificationMaterial.x509CertificateChain.certificates[${i}]`),
  )
  const [leaf, ...rest] = certs as [X509Certificate, ...X509Certificate[]]
  // Extra certificates must form the chain above the leaf, each issuing the one before it. Signers
  // MUST NOT include the root (bundle spec), yet npm's v0.1/v0.2 bundles carry [leaf, intermediate,
  // root]: verifier.ts accepts a root only when it is one the trusted root already anchors, and
  // anything out of order, such as the conformance suite's root spliced in after the leaf
  // (bundle-with-root-cert_fail, from sigstore-conformance's has_root_in_chain), is rejected here.
  certs.slice(1).forEach((issuer, i) => {
    if (!issues(issuer, certs[i] as X509Certificate)) {
      throw new SigstoreError(CODE, `verificationMaterial.x509CertificateChain.certificates[${i + 1}] did not issue the certificate before it`)
    }
  })
  return { kind: 'certificate', leaf, chain: rest }
}

function issues(issuer: X509Certificate, cert: X509Certificate): boolean {
  if (!cert.issuer.equals(issuer.subject)) return false
  try {
    return cert.verify(issuer)
  } catch {
    return false
  }
}

/** A self-signed certificate: a root CA. */
export function isSelfSigned(cert: X509Certificate): boolean {
  return issues(cert, cert)
}

function parseCertificate(certificates: CertificateCache, rawBytes: unknown, where: string): X509Certificate {
  const der = nonEmpty(rawBytes, `${where}.rawBytes`)
  try {
    return certificates.parse(der)
  } catch {
    throw new SigstoreError(CODE, `${where}: not a DER X.509 certificate`)
  }
}

function parseTLogEntry(raw: unknown, where: string, version: BundleVersion): TLogEntry {
  if (!isRecord(raw)) throw new SigstoreError(CODE, `${where}: expected an object`)
  const kv = requireRecord(raw, 'kindVersion', where, CODE)
  const entry: TLogEntry = {
    logIndex: parseUint64(raw.logIndex, `${where}.logIndex`, CODE),
    logId: nonEmpty(requireRecord(raw, 'logId', where, CODE).keyId, `${where}.logId.keyId`),
    kind: requireString(kv, 'kind', `${where}.kindVersion`, CODE),
    version: requireString(kv, 'version', `${where}.kindVersion`, CODE),
    integratedTime: parseUint64(raw.integratedTime, `${where}.integratedTime`, CODE),
    canonicalizedBody: nonEmpty(raw.canonicalizedBody, `${where}.canonicalizedBody`),
  }
  if (raw.inclusionPromise !== undefined && raw.inclusionPromise !== null) {
    const promise = requireRecord(raw, 'inclusionPromise', where, CODE)
    entry.signedEntryTimestamp = nonEmpty(promise.signedEntryTimestamp, `${where}.inclusionPromise.signedEntryTimestamp`)
  }
  if (raw.inclusionProof !== undefined && raw.inclusionProof !== null) {
    entry.inclusionProof = parseInclusionProof(requireRecord(raw, 'inclusionProof', where, CODE), `${where}.inclusionProof`)
  }
  // v0.1 bundles predate inclusion proofs and rely on the SET; from v0.2 on the proof (with its
  // checkpoint) is mandatory, the SET optional (bundle spec, client spec "Transparency log").
  if (version === '0.1' && !entry.signedEntryTimestamp) throw new SigstoreError(CODE, `${where}: a v0.1 bundle needs an inclusionPromise`)
  if (version !== '0.1' && !entry.inclusionProof) throw new SigstoreError(CODE, `${where}: a v${version} bundle needs an inclusionProof`)
  return entry
}

function parseInclusionProof(proof: Record<string, unknown>, where: string): InclusionProof {
  const checkpoint = proof.checkpoint
  if (!isRecord(checkpoint) || typeof checkpoint.envelope !== 'string' || checkpoint.envelope === '') {
    throw new SigstoreError(CODE, `${where}.checkpoint: missing`)
  }
  return {
    logIndex: parseUint64(proof.logIndex, `${where}.logIndex`, CODE),
    treeSize: parseUint64(proof.treeSize, `${where}.treeSize`, CODE),
    rootHash: nonEmpty(proof.rootHash, `${where}.rootHash`),
    hashes: (proof.hashes === undefined ? [] : requireArray(proof, 'hashes', where, CODE)).map((h, i) =>
      decodeBase64(h, `${where}.hashes[${i}]`, CODE),
    ),
    checkpoint: checkpoint.envelope,
  }
}

function parseTimestamps(raw: unknown): RFC3161Timestamp[] {
  if (raw === undefined || raw === null) return []
  if (!isRecord(raw)) throw new SigstoreError(CODE, 'verificationMaterial.timestampVerificationData: expected an object')
  if (raw.rfc3161Timestamps === undefined) return []
  return requireArray(raw, 'rfc3161Timestamps', 'timestampVerificationData', CODE).map((t, i) => {
    const where = `timestampVerificationData.rfc3161Timestamps[${i}]`
    const der = nonEmpty(isRecord(t) ? t.signedTimestamp : undefined, `${where}.signedTimestamp`)
    try {
      const ts = RFC3161Timestamp.parse(der)
      void ts.signingTime // force the TSTInfo parse now, so garbage fails here and not mid-verification
      return ts
    } catch {
      throw new SigstoreError(CODE, `${where}: not a DER RFC 3161 timestamp response`)
    }
  })
}

function nonEmpty(value: unknown, where: string): Buffer<ArrayBuffer> {
  const bytes = decodeBase64(value, where, CODE)
  if (bytes.length === 0) throw new SigstoreError(CODE, `${where}: empty`)
  return bytes
}
