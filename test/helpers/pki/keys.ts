/**
 * ECDSA P-256 keys and the identifiers Sigstore and npm derive from them.
 *
 * Every party in the test PKI (CAs, CT log, transparency log, signers, the registry) uses P-256
 * with SHA-256, like Sigstore's public-good instance and npm's registry key.
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

/**
 * npm's key id: `SHA256:` + unpadded base64 of SHA-256 over the SSH wire encoding of the key
 * (RFC 5656 §3.1: string "ecdsa-sha2-nistp256", string "nistp256", string Q), i.e. the OpenSSH
 * fingerprint, which is how `registry.npmjs.org/-/npm/v1/keys` names its keys.
 */
export function npmKeyId(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' })
  if (jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new Error('npmKeyId: not a P-256 key')
  const point = Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')])
  const sshString = (b: Buffer) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(b.length)
    return Buffer.concat([len, b])
  }
  const wire = Buffer.concat([
    sshString(Buffer.from('ecdsa-sha2-nistp256')),
    sshString(Buffer.from('nistp256')),
    sshString(point),
  ])
  return `SHA256:${sha256(wire).toString('base64').replace(/=+$/, '')}`
}
