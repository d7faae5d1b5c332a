/**
 * Public keys: parsing the encodings Sigstore material uses, and picking the signature digest a key
 * implies (the Sigstore algorithm registry,
 * https://github.com/sigstore/architecture-docs/blob/main/algorithm-registry.md).
 */
import { createPublicKey, type KeyObject } from 'node:crypto'

/** SPKI DER (Buffer), PEM, or base64 SPKI DER. */
export type PublicKeyInput = Buffer | Uint8Array | string

/** Parses a public key; throws on anything that is not one. */
export function parsePublicKey(input: PublicKeyInput, type: 'spki' | 'pkcs1' = 'spki'): KeyObject {
  if (typeof input === 'string') {
    if (input.trimStart().startsWith('-----BEGIN')) return createPublicKey(input)
    return createPublicKey({ key: Buffer.from(input, 'base64'), format: 'der', type })
  }
  return createPublicKey({ key: Buffer.from(input), format: 'der', type })
}

export function spkiDER(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' })
}

/**
 * The digest a signature made with `key` uses, as Node's `crypto.verify` wants it: ECDSA keys use
 * the hash matching their curve size, RSA SHA-256, and EdDSA signs the message itself (null).
 */
export function signatureDigest(key: KeyObject): string | null {
  // Reading asymmetricKeyDetails builds a new object each time; a key's digest never changes.
  let digest = DIGESTS.get(key)
  if (digest === undefined) {
    digest = keyDigest(key)
    DIGESTS.set(key, digest)
  }
  return digest
}

const DIGESTS = new WeakMap<KeyObject, string | null>()

function keyDigest(key: KeyObject): string | null {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
    case 'ed448':
      return null
    case 'ec':
      switch (key.asymmetricKeyDetails?.namedCurve) {
        case 'secp384r1':
          return 'sha384'
        case 'secp521r1':
          return 'sha512'
        default:
          return 'sha256'
      }
    default:
      return 'sha256'
  }
}
