/**
 * A stand-in for npm's registry signing key, which signs publish attestations (and, outside this
 * PKI, `dist.signatures`). Its id is npm's OpenSSH-style fingerprint, which bundles carry as
 * `verificationMaterial.publicKey.hint` and the DSSE `keyid`.
 */
import type { KeyObject } from 'node:crypto'
import { generateP256KeyPair, npmKeyId, publicKeyPEM } from './keys.js'

export interface RegistryKey {
  keyId: string
  privateKey: KeyObject
  publicKey: KeyObject
  /** SubjectPublicKeyInfo DER. */
  spki: Buffer
  publicKeyPEM: string
  /** protobuf-specs `PublicKey` JSON, as in the TUF `registry.npmjs.org/keys.json` target. */
  publicKeyJSON(validFor?: { start?: Date; end?: Date }): {
    rawBytes: string
    keyDetails: 'PKIX_ECDSA_P256_SHA_256'
    validFor: { start: string; end?: string }
  }
  /** One entry of `GET /-/npm/v1/keys`. */
  keysEndpointJSON(expires?: Date | null): {
    expires: string | null
    keyid: string
    keytype: 'ecdsa-sha2-nistp256'
    scheme: 'ecdsa-sha2-nistp256'
    key: string
  }
}

export function createRegistryKey(options: { keyId?: string } = {}): RegistryKey {
  const pair = generateP256KeyPair()
  const keyId = options.keyId ?? npmKeyId(pair.publicKey)
  const rawBytes = pair.spki.toString('base64')
  return {
    keyId,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    spki: pair.spki,
    publicKeyPEM: publicKeyPEM(pair.publicKey),
    publicKeyJSON(validFor = {}) {
      return {
        rawBytes,
        keyDetails: 'PKIX_ECDSA_P256_SHA_256',
        validFor: {
          start: (validFor.start ?? new Date('1999-01-01T00:00:00.000Z')).toISOString(),
          ...(validFor.end ? { end: validFor.end.toISOString() } : {}),
        },
      }
    },
    keysEndpointJSON(expires = null) {
      return {
        expires: expires ? expires.toISOString() : null,
        keyid: keyId,
        keytype: 'ecdsa-sha2-nistp256',
        scheme: 'ecdsa-sha2-nistp256',
        key: rawBytes,
      }
    },
  }
}
