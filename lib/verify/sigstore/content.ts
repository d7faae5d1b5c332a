/**
 * The signed content, in the shape `@sigstore/verify`'s Verifier checks signatures through. Its own
 * hashes with the bundle's digest algorithm even for Ed25519 keys (which take none) and knows RSA
 * PKCS#1 v1.5 only; this one also verifies RSA-PSS. Signatures are verified over the bytes that were
 * signed, by Node's crypto. A message signature given only the artifact's digest is UNSUPPORTED
 * unless the caller supplies a `DigestSignatureVerifier`: verify-deps always has the bytes, only the
 * sigstore-conformance client (test/conformance/) passes a bare digest and brings its own.
 */
import { constants, verify, type KeyObject } from 'node:crypto'
import { dsse } from '@sigstore/core'
import type { SignedEntity } from '@sigstore/verify'
import type { Artifact } from './artifact.js'
import type { BundleContent } from './bundle.js'
import { SigstoreError } from './errors.js'
import { signatureDigest } from './keys.js'
import type { DigestSignatureVerifier } from './types.js'

type SignatureContent = SignedEntity['signature']

export function signatureContent(
  content: BundleContent,
  artifact: Artifact | undefined,
  verifyDigestSignature: DigestSignatureVerifier | undefined,
): SignatureContent {
  const signature = content.signature
  const base = {
    signature,
    // Only used by @sigstore/verify's own log-entry checks, which tlog.ts replaces.
    compareSignature: (other: Buffer) => other.equals(signature),
    compareDigest: () => false,
  }
  if (content.kind === 'dsse') {
    const pae = dsse.preAuthEncoding(content.payloadType, content.payload)
    return { ...base, verifySignature: (key: KeyObject) => verifyMessage(key, null, pae, signature) }
  }
  return {
    ...base,
    verifySignature(key: KeyObject): boolean {
      const algorithm = content.messageDigest?.algorithm ?? signatureDigest(key)
      if (artifact?.bytes) return verifyMessage(key, algorithm, artifact.bytes, signature)
      const digest = algorithm ? artifact?.digest(algorithm) : undefined
      const result = digest && algorithm && verifyDigestSignature ? verifyDigestSignature(key, algorithm, digest, signature) : 'unsupported'
      if (result === 'unsupported') {
        throw new SigstoreError('UNSUPPORTED', `a ${key.asymmetricKeyType} signature cannot be verified from the artifact digest alone`)
      }
      return result === 'valid'
    },
  }
}

/** Verifies over the message itself; `algorithm` null means the key's own (EdDSA takes none). */
function verifyMessage(key: KeyObject, algorithm: string | null, data: Buffer, signature: Buffer): boolean {
  const digest = key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448' ? null : (algorithm ?? signatureDigest(key))
  const attempt = (options: { padding?: number; saltLength?: number }): boolean => {
    try {
      return verify(digest, data, { key, ...options }, signature)
    } catch {
      return false
    }
  }
  if (attempt({})) return true
  // RSA keys may sign with PSS (PKIX_RSA_PSS_* in the algorithm registry); the SPKI does not say which.
  return key.asymmetricKeyType === 'rsa' && attempt({ padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO })
}
