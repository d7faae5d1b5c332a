/**
 * DSSE envelopes (secure-systems-lab/dsse, protocol.md): the signature covers the
 * Pre-Authentication Encoding of payloadType and payload, never the payload alone.
 */
import type { KeyObject } from 'node:crypto'
import { signP256 } from './keys.js'

export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json'

/** A signed envelope with raw bytes; `envelopeJSON` gives the bundle's base64 form. */
export interface DsseEnvelope {
  payload: Buffer
  payloadType: string
  signature: Buffer
  /** Unsigned hint; npm leaves it empty for keyless signatures and puts the key id otherwise. */
  keyid: string
}

export interface DsseEnvelopeJSON {
  payload: string
  payloadType: string
  signatures: { sig: string; keyid?: string }[]
}

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8')
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'ascii'),
    type,
    Buffer.from(` ${payload.length} `, 'ascii'),
    payload,
  ])
}

export function signEnvelope(payload: Uint8Array, payloadType: string, key: KeyObject, keyid = ''): DsseEnvelope {
  const body = Buffer.from(payload)
  return { payload: body, payloadType, signature: signP256(key, preAuthEncoding(payloadType, body)), keyid }
}

/**
 * The envelope as a Sigstore bundle (and sigstore-js's Rekor upload) serializes it. Current
 * clients go through protobuf-specs JSON, which drops an empty keyid; npm's 2023–2024 bundles
 * wrote `"keyid": ""` instead (`keepEmptyKeyid`).
 */
export function envelopeJSON(env: DsseEnvelope, options: { keepEmptyKeyid?: boolean } = {}): DsseEnvelopeJSON {
  const keyid = env.keyid || options.keepEmptyKeyid ? { keyid: env.keyid } : {}
  return {
    payload: env.payload.toString('base64'),
    payloadType: env.payloadType,
    signatures: [{ sig: env.signature.toString('base64'), ...keyid }],
  }
}
