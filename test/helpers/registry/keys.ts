/**
 * Registry signing keys for the loopback registry, and npm registry signatures made with them.
 *
 * npm names a registry key by its OpenSSH-style fingerprint: `SHA256:` + unpadded base64 of the
 * SHA-256 of the key's SSH wire encoding (RFC 5656 §3.1: string "ecdsa-sha2-nistp256",
 * string "nistp256", string Q, each a uint32 length and bytes; Q is the uncompressed point
 * 0x04||X||Y). It is not a hash of the SPKI bytes.
 * A registry signature is ECDSA P-256 / SHA-256 over the UTF-8 string `${name}@${version}:${integrity}`,
 * DER-encoded and base64'd (https://docs.npmjs.com/about-registry-signatures).
 *
 * Deliberately independent of lib/verify: the tests that use these keys check that code.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'

export const NPM_KEY_TYPE = 'ecdsa-sha2-nistp256'
/** `validFor.start` of a key in the TUF shape when the key does not say (npm's own old key says 1999). */
export const DEFAULT_KEY_VALID_FROM = '1999-01-01T00:00:00.000Z'

export interface RegistryKeyPair {
  /** npm key id; normally the fingerprint of `publicKey`, but a caller may set any id (e.g. to mismatch). */
  keyid: string
  privateKey: KeyObject
  publicKey: KeyObject
  /** SPKI DER, base64: the `key` / `publicKey.rawBytes` field of both key document shapes. */
  spkiBase64: string
  /** ISO time after which the key may no longer vouch for a publish; null = never expires. */
  expires: string | null
  /** ISO start of validity, only in the TUF shape. */
  validFrom: string
}

/** A key as a keys document describes it: no private half (e.g. read back from `/-/npm/v1/keys`). */
export type RegistryPublicKey = Pick<RegistryKeyPair, 'keyid' | 'spkiBase64' | 'expires' | 'validFrom'>

export interface RegistryKeyOptions {
  expires?: string | Date | null
  validFrom?: string | Date
  keyid?: string
}

export interface RegistrySignature {
  keyid: string
  sig: string
}

export interface SignedPackage {
  name: string
  version: string
  integrity: string
}

export function createRegistryKey(options: RegistryKeyOptions = {}): RegistryKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  return {
    keyid: options.keyid ?? npmKeyId(publicKey),
    privateKey,
    publicKey,
    spkiBase64: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    expires: toIso(options.expires ?? null),
    validFrom: toIso(options.validFrom ?? DEFAULT_KEY_VALID_FROM) ?? DEFAULT_KEY_VALID_FROM,
  }
}

/** The npm key id of an ECDSA P-256 public key (a KeyObject or base64 SPKI DER). */
export function npmKeyId(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? publicKeyFromSpki(publicKey) : publicKey
  const jwk = key.export({ format: 'jwk' })
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new Error('not an ECDSA P-256 public key')
  const point = Buffer.concat([Buffer.of(0x04), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')])
  const wire = Buffer.concat([sshString(NPM_KEY_TYPE), sshString('nistp256'), sshString(point)])
  return `SHA256:${createHash('sha256').update(wire).digest('base64').replace(/=+$/, '')}`
}

export function publicKeyFromSpki(spkiBase64: string): KeyObject {
  return createPublicKey({ key: Buffer.from(spkiBase64, 'base64'), format: 'der', type: 'spki' })
}

export function registrySignedMessage({ name, version, integrity }: SignedPackage): string {
  return `${name}@${version}:${integrity}`
}

export function signRegistrySignature(key: RegistryKeyPair, pkg: SignedPackage): RegistrySignature {
  const sig = sign('sha256', Buffer.from(registrySignedMessage(pkg), 'utf8'), key.privateKey)
  return { keyid: key.keyid, sig: sig.toString('base64') }
}

/** Whether `sig` (base64 DER) is a valid registry signature of `pkg` by `publicKey`; malformed → false. */
export function verifyRegistrySignatureWithKey(publicKey: KeyObject, sig: string, pkg: SignedPackage): boolean {
  try {
    return verify('sha256', Buffer.from(registrySignedMessage(pkg), 'utf8'), publicKey, Buffer.from(sig, 'base64'))
  } catch {
    return false
  }
}

/** `GET /-/npm/v1/keys` document. */
export interface KeysEndpointDocument {
  keys: Array<{ expires: string | null; keyid: string; keytype: string; scheme: string; key: string }>
}

export function formatKeysEndpoint(keys: readonly RegistryPublicKey[]): KeysEndpointDocument {
  return {
    keys: keys.map((k) => ({ expires: k.expires, keyid: k.keyid, keytype: NPM_KEY_TYPE, scheme: NPM_KEY_TYPE, key: k.spkiBase64 })),
  }
}

/** Sigstore TUF target `registry.npmjs.org/keys.json`: one entry per key and usage. */
export interface TufKeysDocument {
  keys: Array<{
    keyId: string
    keyUsage: 'npm:signatures' | 'npm:attestations'
    publicKey: { rawBytes: string; keyDetails: string; validFor: { start: string; end?: string } }
  }>
}

export function formatTufKeys(keys: readonly RegistryPublicKey[]): TufKeysDocument {
  return {
    keys: keys.flatMap((k) =>
      (['npm:signatures', 'npm:attestations'] as const).map((keyUsage) => ({
        keyId: k.keyid,
        keyUsage,
        publicKey: {
          rawBytes: k.spkiBase64,
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: k.validFrom, ...(k.expires ? { end: k.expires } : {}) },
        },
      })),
    ),
  }
}

function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
  const length = Buffer.alloc(4)
  length.writeUInt32BE(bytes.length)
  return Buffer.concat([length, bytes])
}

function toIso(value: string | Date | null): string | null {
  if (value === null) return null
  const date = typeof value === 'string' ? new Date(value) : value
  if (Number.isNaN(date.getTime())) throw new Error(`not a date: ${String(value)}`)
  return date.toISOString()
}
