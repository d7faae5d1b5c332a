/**
 * Rekor entry bodies for a DSSE envelope, exactly as Rekor v1 canonicalizes and stores them
 * (`canonicalizedBody` in a bundle). The verifier is the signer's PEM (certificate or public key),
 * base64-encoded, as Rekor's `CanonicalValue` returns it.
 */
import { canonicalJSON, type JSONValue } from './canonical-json.js'
import { envelopeJSON, type DsseEnvelope } from './dsse.js'
import { sha256 } from './keys.js'

export type RekorKind = 'dsse' | 'intoto'

export interface RekorBody {
  kind: RekorKind
  apiVersion: string
  /** Canonical JSON bytes: what the log hashes into its tree and what the SET covers. */
  canonical: Buffer
}

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64')
const hex256 = (data: string | Uint8Array) => sha256(Buffer.from(data)).toString('hex')

/**
 * `dsse` v0.0.1 (rekor pkg/types/dsse/v0.0.1): envelopeHash is SHA-256 of the envelope JSON as
 * uploaded (protobuf-specs JSON: payload, payloadType, signatures; no empty keyid), payloadHash
 * SHA-256 of the decoded payload; the envelope itself is not stored.
 */
export function dsseBody(env: DsseEnvelope, verifierPEM: string): RekorBody {
  const body: JSONValue = {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: hex256(JSON.stringify(envelopeJSON(env))) },
      payloadHash: { algorithm: 'sha256', value: hex256(env.payload) },
      signatures: [{ signature: env.signature.toString('base64'), verifier: b64(verifierPEM) }],
    },
  }
  return { kind: 'dsse', apiVersion: '0.0.1', canonical: Buffer.from(canonicalJSON(body)) }
}

/**
 * `intoto` v0.0.2 (rekor pkg/types/intoto/v0.0.2): the stored envelope keeps payloadType and the
 * signatures but drops the payload; signature and key are double-base64 (sigstore-js
 * `toProposedIntotoEntry`). `hash` is SHA-256 of the canonical single-encoded envelope with the
 * PEM key, computed the way sigstore-js computes it; an empty keyid is left out.
 */
export function intotoBody(env: DsseEnvelope, verifierPEM: string): RekorBody {
  const sigB64 = env.signature.toString('base64')
  const withKeyid = <T extends object>(o: T) => (env.keyid ? { keyid: env.keyid, ...o } : o)
  const envelopeHash = hex256(
    canonicalJSON({
      payloadType: env.payloadType,
      payload: env.payload.toString('base64'),
      signatures: [withKeyid({ sig: sigB64, publicKey: verifierPEM })],
    }),
  )
  const body: JSONValue = {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType: env.payloadType,
          signatures: [withKeyid({ sig: b64(sigB64), publicKey: b64(verifierPEM) })],
        },
        hash: { algorithm: 'sha256', value: envelopeHash },
        payloadHash: { algorithm: 'sha256', value: hex256(env.payload) },
      },
    },
  }
  return { kind: 'intoto', apiVersion: '0.0.2', canonical: Buffer.from(canonicalJSON(body)) }
}
