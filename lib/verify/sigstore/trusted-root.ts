/**
 * The Sigstore trusted root (`dev.sigstore.trustroot.v1.TrustedRoot`,
 * https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_trustroot.proto), validated
 * field by field. It is the anchor of every verification, so a malformed one is an error naming its
 * source, never something "mostly usable": a key that does not parse, a certificate that does not
 * parse, bad base64, or a validity window without its required start all reject the whole root.
 */
import type { KeyObject } from 'node:crypto'
import type { X509Certificate } from '@sigstore/core'
import { decodeBase64, isRecord, parseTimestamp, requireArray, requireRecord, requireString } from './encoding.js'
import { SigstoreError } from './errors.js'
import { parsePublicKey } from './keys.js'
import { CertificateCache } from './x509.js'

const TRUSTED_ROOT_MEDIA_TYPES = [
  'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  'application/vnd.dev.sigstore.trustedroot.v0.1+json',
  'application/vnd.dev.sigstore.trustedroot.v0.2+json',
] as const

/** A closed interval (TimeRange in sigstore_common.proto: "includes both the start and end times"). */
export interface TimeRange {
  start: Date
  /** Absent: still valid. */
  end?: Date
}

export interface TransparencyLog {
  baseUrl: string
  logId: Buffer
  /** Rekor v2: the key id checkpoints are signed under, when it differs from logId. */
  checkpointKeyId?: Buffer
  publicKey: KeyObject
  keyDetails: string
  validFor: TimeRange
}

export interface CertificateAuthority {
  uri?: string
  /** Leaf-most first, root last (as in the trusted root). */
  certChain: X509Certificate[]
  validFor: TimeRange
}

export interface TrustedRoot {
  /** Where the root came from, for messages. */
  source: string
  mediaType: string
  tlogs: TransparencyLog[]
  ctlogs: TransparencyLog[]
  certificateAuthorities: CertificateAuthority[]
  timestampAuthorities: CertificateAuthority[]
  /** Per-run certificate caches (x509.ts): parsed certificates, issuer keys, verified signatures. */
  certificates: CertificateCache
}

const CODE = 'TRUSTED_ROOT_INVALID'
// An absent validFor leaves the key or CA unbounded, as @sigstore/verify and sigstore-go treat it;
// a present one must carry its start (sigstore-conformance trust-root-tlog-missing-validity-start_fail).
const BEGINNING_OF_TIME = new Date(0)

export function parseTrustedRoot(json: unknown, source: string): TrustedRoot {
  try {
    return parseRoot(json, source)
  } catch (err) {
    if (err instanceof SigstoreError) throw new SigstoreError(CODE, `${source}: invalid trusted root: ${err.message}`)
    throw new SigstoreError(CODE, `${source}: invalid trusted root: ${err instanceof Error ? err.message : String(err)}`)
  }
}

function parseRoot(json: unknown, source: string): TrustedRoot {
  if (!isRecord(json)) throw new SigstoreError(CODE, 'expected a JSON object')
  const mediaType = json.mediaType
  if (typeof mediaType !== 'string' || !(TRUSTED_ROOT_MEDIA_TYPES as readonly string[]).includes(mediaType)) {
    throw new SigstoreError(CODE, `unsupported mediaType ${JSON.stringify(mediaType)}`)
  }
  const certificates = new CertificateCache()
  return {
    source,
    mediaType,
    certificates,
    tlogs: optionalArray(json, 'tlogs').map((t, i) => parseLog(t, `tlogs[${i}]`)),
    ctlogs: optionalArray(json, 'ctlogs').map((t, i) => parseLog(t, `ctlogs[${i}]`)),
    certificateAuthorities: optionalArray(json, 'certificateAuthorities').map((c, i) =>
      parseAuthority(c, `certificateAuthorities[${i}]`, certificates),
    ),
    timestampAuthorities: optionalArray(json, 'timestampAuthorities').map((c, i) =>
      parseAuthority(c, `timestampAuthorities[${i}]`, certificates),
    ),
  }
}

function optionalArray(json: Record<string, unknown>, key: string): unknown[] {
  return json[key] === undefined ? [] : requireArray(json, key, '', CODE)
}

function parseLog(raw: unknown, where: string): TransparencyLog {
  if (!isRecord(raw)) throw new SigstoreError(CODE, `${where}: expected an object`)
  const pk = requireRecord(raw, 'publicKey', where, CODE)
  const keyDetails = requireString(pk, 'keyDetails', `${where}.publicKey`, CODE)
  const rawBytes = decodeBase64(pk.rawBytes, `${where}.publicKey.rawBytes`, CODE)
  const publicKey = parseLogKey(rawBytes, keyDetails, `${where}.publicKey`)
  const logId = decodeBase64(requireRecord(raw, 'logId', where, CODE).keyId, `${where}.logId.keyId`, CODE)
  if (logId.length === 0) throw new SigstoreError(CODE, `${where}.logId.keyId: empty`)
  const log: TransparencyLog = {
    baseUrl: requireString(raw, 'baseUrl', where, CODE),
    logId,
    publicKey,
    keyDetails,
    validFor: parseValidFor(pk.validFor, `${where}.publicKey.validFor`),
  }
  if (raw.checkpointKeyId !== undefined && raw.checkpointKeyId !== null) {
    const ckid = requireRecord(raw, 'checkpointKeyId', where, CODE)
    log.checkpointKeyId = decodeBase64(ckid.keyId, `${where}.checkpointKeyId.keyId`, CODE)
  }
  return log
}

// keyDetails names both the encoding and the algorithm; a key that is not what it claims to be is a
// malformed root, not something to guess about.
function parseLogKey(rawBytes: Buffer, keyDetails: string, where: string): KeyObject {
  const pkcs1 = keyDetails.startsWith('PKCS1_')
  let key: KeyObject
  try {
    key = parsePublicKey(rawBytes, pkcs1 ? 'pkcs1' : 'spki')
  } catch {
    throw new SigstoreError(CODE, `${where}.rawBytes: not a ${pkcs1 ? 'PKCS#1' : 'SPKI'} public key`)
  }
  const expected = expectedKey(keyDetails)
  if (!expected) throw new SigstoreError(CODE, `${where}.keyDetails: unsupported ${keyDetails}`)
  const curve = key.asymmetricKeyDetails?.namedCurve
  if (key.asymmetricKeyType !== expected.type || (expected.curve && curve !== expected.curve)) {
    throw new SigstoreError(CODE, `${where}: key is ${key.asymmetricKeyType} ${curve ?? ''}, keyDetails says ${keyDetails}`)
  }
  return key
}

function expectedKey(keyDetails: string): { type: string; curve?: string } | undefined {
  if (keyDetails.startsWith('PKIX_ECDSA_P256')) return { type: 'ec', curve: 'prime256v1' }
  if (keyDetails.startsWith('PKIX_ECDSA_P384')) return { type: 'ec', curve: 'secp384r1' }
  if (keyDetails.startsWith('PKIX_ECDSA_P521')) return { type: 'ec', curve: 'secp521r1' }
  if (keyDetails === 'PKIX_ED25519' || keyDetails === 'PKIX_ED25519_PH') return { type: 'ed25519' }
  if (/^(PKCS1|PKIX)_RSA_/.test(keyDetails)) return { type: 'rsa' }
  return undefined
}

function parseAuthority(raw: unknown, where: string, certificates: CertificateCache): CertificateAuthority {
  if (!isRecord(raw)) throw new SigstoreError(CODE, `${where}: expected an object`)
  const chain = requireArray(requireRecord(raw, 'certChain', where, CODE), 'certificates', `${where}.certChain`, CODE)
  if (chain.length === 0) throw new SigstoreError(CODE, `${where}.certChain.certificates: empty`)
  const certChain = chain.map((c, i) => {
    const at = `${where}.certChain.certificates[${i}]`
    const der = decodeBase64(isRecord(c) ? c.rawBytes : undefined, `${at}.rawBytes`, CODE)
    try {
      return certificates.parse(der)
    } catch {
      throw new SigstoreError(CODE, `${at}: not a DER X.509 certificate`)
    }
  })
  const authority: CertificateAuthority = { certChain, validFor: parseValidFor(raw.validFor, `${where}.validFor`) }
  if (typeof raw.uri === 'string') authority.uri = raw.uri
  return authority
}

function parseValidFor(raw: unknown, where: string): TimeRange {
  if (raw === undefined || raw === null) return { start: BEGINNING_OF_TIME }
  if (!isRecord(raw)) throw new SigstoreError(CODE, `${where}: expected an object`)
  if (raw.start === undefined || raw.start === null) throw new SigstoreError(CODE, `${where}.start: missing`)
  const range: TimeRange = { start: parseTimestamp(raw.start, `${where}.start`, CODE) }
  if (raw.end !== undefined && raw.end !== null) {
    range.end = parseTimestamp(raw.end, `${where}.end`, CODE)
    if (range.end < range.start) throw new SigstoreError(CODE, `${where}: end is before start`)
  }
  return range
}

/** Whether `time` lies in the closed interval. */
export function withinRange(range: TimeRange, time: Date): boolean {
  return range.start <= time && (range.end === undefined || time <= range.end)
}
