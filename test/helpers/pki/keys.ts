/**
 * ECDSA P-256 keys and the identifiers Sigstore and npm derive from them.
 *
 * Every party in the test PKI (CAs, CT log, transparency log, signers) uses P-256 with SHA-256,
 * like Sigstore's public-good instance. The npm registry key (and npm's key id) live in the
 * registry helper (../registry/keys.ts), so one key object signs both `dist.signatures` and
 * publish attestations.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'

export interface KeyPair {
  privateKey: KeyObject
  publicKey: KeyObject
  /** SubjectPublicKeyInfo, DER. */
  spki: Buffer
}

export function generateP256KeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { privateKey, publicKey, spki: spkiDER(publicKey) }
}

export function spkiDER(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' })
}

export function publicKeyPEM(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString()
}

/** ECDSA over SHA-256; node returns the DER `Ecdsa-Sig-Value` that X.509, SCTs, Rekor and DSSE use. */
export function signP256(privateKey: KeyObject, data: Uint8Array): Buffer {
  return sign('sha256', data, privateKey)
}

export function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return hash.digest()
}

/**
 * A log's ID: SHA-256 of its public key's SPKI DER. RFC 6962 §3.2 defines it so for CT logs, and
 * Rekor (and the trusted root's `logId.keyId`) use the same construction.
 */
export function logIdOf(spki: Uint8Array): Buffer {
  return sha256(spki)
}

