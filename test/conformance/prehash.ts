/**
 * Test-only: signature verification when only the message digest is known, for the
 * sigstore-conformance protocol, which may pass `sha256:<hex>` instead of the file (a hashedrekord
 * signature is over the artifact's digest). verify-deps itself always has the bytes and never
 * needs this; it is handed to `createBundleVerifier({ verifyDigestSignature })` by client.ts and
 * the conformance tests only.
 *
 * ECDSA: ecdsa.ts. RSA PKCS#1 v1.5 and PSS (RFC 8017 §8.2.2, §9.1.2): the public-key operation is
 * done by Node, the encoding is checked here. EdDSA signs the message itself, so a digest is not
 * enough: that is reported as unsupported rather than as a bad signature.
 */
import { constants, createHash, publicDecrypt, type KeyObject } from 'node:crypto'
import type { DigestSignatureVerifier } from '../../lib/verify/sigstore/index.js'
import { verifyEcdsaDigest } from './ecdsa.js'

// DER DigestInfo prefixes (RFC 8017 §9.2 note 1).
const DIGEST_INFO: Record<string, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
}

export const verifyDigestSignature: DigestSignatureVerifier = (key, algorithm, digest, signature) => {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return verifyEcdsaDigest(key, digest, signature) ? 'valid' : 'invalid'
    case 'rsa':
    case 'rsa-pss':
      return verifyRsaPkcs1(key, algorithm, digest, signature) || verifyRsaPss(key, algorithm, digest, signature)
        ? 'valid'
        : 'invalid'
    default:
      return 'unsupported'
  }
}

function verifyRsaPkcs1(key: KeyObject, algorithm: string, digest: Buffer, signature: Buffer): boolean {
  const prefix = DIGEST_INFO[algorithm]
  if (!prefix || key.asymmetricKeyType !== 'rsa') return false
  try {
    const decoded = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature)
    return decoded.equals(Buffer.concat([Buffer.from(prefix, 'hex'), digest]))
  } catch {
    return false
  }
}

function verifyRsaPss(key: KeyObject, algorithm: string, mHash: Buffer, signature: Buffer): boolean {
  const modulusBits = key.asymmetricKeyDetails?.modulusLength
  if (!DIGEST_INFO[algorithm] || !modulusBits) return false
  let em: Buffer
  try {
    em = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature)
  } catch {
    return false
  }
  const emBits = modulusBits - 1
  const emLen = Math.ceil(emBits / 8)
  if (em.length > emLen) {
    if (em.subarray(0, em.length - emLen).some((b) => b !== 0)) return false
    em = em.subarray(em.length - emLen)
  }
  const hLen = mHash.length
  if (emLen < hLen + 2 || em[emLen - 1] !== 0xbc) return false
  const maskedDB = em.subarray(0, emLen - hLen - 1)
  const h = em.subarray(emLen - hLen - 1, emLen - 1)
  const topBits = 8 * emLen - emBits
  const topMask = 0xff >> topBits
  if (((maskedDB[0] as number) & ~topMask) !== 0) return false
  const dbMask = mgf1(algorithm, h, maskedDB.length)
  const db = Buffer.from(maskedDB.map((b, i) => b ^ (dbMask[i] as number)))
  db[0] = (db[0] as number) & topMask
  const one = db.findIndex((b) => b !== 0)
  if (one < 0 || db[one] !== 0x01) return false
  const salt = db.subarray(one + 1)
  const hPrime = createHash(algorithm).update(Buffer.alloc(8)).update(mHash).update(salt).digest()
  return hPrime.equals(h)
}

function mgf1(algorithm: string, seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = []
  for (let counter = 0; blocks.length * seed.length < length; counter++) {
    const c = Buffer.alloc(4)
    c.writeUInt32BE(counter)
    blocks.push(createHash(algorithm).update(seed).update(c).digest())
  }
  return Buffer.concat(blocks).subarray(0, length)
}
