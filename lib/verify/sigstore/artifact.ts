/**
 * Binding the bundle to the artifact the caller is asking about, given as bytes or as a digest.
 *
 * - Message signature: the bundle's `messageDigest`, when present, must be the artifact's digest
 *   (sigstore-conformance message-digest-mismatch_fail); the signature itself is checked later over
 *   the bytes, or over the digest when that is all there is.
 * - DSSE: the envelope signs an in-toto statement, which must name the artifact among its subjects
 *   (in-toto Statement v0.1/v1, https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md).
 *   With no artifact (npm attestations) this is left to the caller, which gets the payload.
 */
import { createHash } from 'node:crypto'
import type { BundleContent } from './bundle.js'
import { isRecord } from './encoding.js'
import { SigstoreError } from './errors.js'

export interface ArtifactInput {
  bytes?: Buffer
  digest?: { algorithm: 'sha256'; hex: string }
}

const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json'
const STATEMENT_TYPES = new Set(['https://in-toto.io/Statement/v0.1', 'https://in-toto.io/Statement/v1'])

/** The artifact's digest under a Node hash name, computed from the bytes or taken as given. */
export interface Artifact {
  bytes?: Buffer
  digest(algorithm: string): Buffer | undefined
}

export function toArtifact(input: ArtifactInput | undefined): Artifact | undefined {
  if (!input || (!input.bytes && !input.digest)) return undefined
  const { bytes, digest } = input
  if (digest && (digest.algorithm !== 'sha256' || !/^[0-9a-f]{64}$/i.test(digest.hex))) {
    throw new SigstoreError('ARTIFACT_MISMATCH', 'artifact digest must be sha256 with 64 hex digits')
  }
  const given = digest ? Buffer.from(digest.hex, 'hex') : undefined
  const cache = new Map<string, Buffer>()
  return {
    ...(bytes ? { bytes } : {}),
    digest(algorithm: string): Buffer | undefined {
      if (bytes) {
        const hit = cache.get(algorithm) ?? createHash(algorithm).update(bytes).digest()
        cache.set(algorithm, hit)
        // Both given: they must agree, or the caller's two descriptions are of different artifacts.
        if (algorithm === 'sha256' && given && !given.equals(hit)) {
          throw new SigstoreError('ARTIFACT_MISMATCH', 'artifact bytes do not match the given digest')
        }
        return hit
      }
      return algorithm === 'sha256' ? given : undefined
    },
  }
}

export function verifyArtifactBinding(content: BundleContent, artifact: Artifact | undefined): void {
  if (content.kind === 'message') {
    if (!artifact) throw new SigstoreError('ARTIFACT_REQUIRED', 'a message-signature bundle can only be verified against an artifact')
    const md = content.messageDigest
    if (!md) return
    const actual = artifact.digest(md.algorithm)
    if (!actual) throw new SigstoreError('UNSUPPORTED', `messageDigest uses ${md.algorithm}, which cannot be computed from a sha256 digest`)
    if (!actual.equals(md.digest)) throw new SigstoreError('ARTIFACT_MISMATCH', 'artifact digest differs from the bundle messageDigest')
    return
  }
  if (artifact) verifySubject(content.payloadType, content.payload, artifact)
}

function verifySubject(payloadType: string, payload: Buffer, artifact: Artifact): void {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new SigstoreError('ARTIFACT_MISMATCH', `DSSE payloadType ${payloadType} is not an in-toto statement`)
  }
  let statement: unknown
  try {
    statement = JSON.parse(payload.toString('utf8'))
  } catch {
    throw new SigstoreError('ARTIFACT_MISMATCH', 'DSSE payload is not JSON')
  }
  if (!isRecord(statement) || typeof statement._type !== 'string' || !STATEMENT_TYPES.has(statement._type)) {
    throw new SigstoreError('ARTIFACT_MISMATCH', 'DSSE payload is not an in-toto Statement (v0.1 or v1)')
  }
  const subjects = Array.isArray(statement.subject) ? statement.subject : []
  const matches = subjects.some((s) => {
    if (!isRecord(s) || !isRecord(s.digest)) return false
    return Object.entries(s.digest).some(([alg, hex]) => {
      if (typeof hex !== 'string' || !/^(sha256|sha384|sha512)$/.test(alg)) return false
      const actual = artifact.digest(alg)
      return actual !== undefined && actual.toString('hex') === hex.toLowerCase()
    })
  })
  if (!matches) throw new SigstoreError('ARTIFACT_MISMATCH', 'the artifact is not a subject of the in-toto statement')
}
