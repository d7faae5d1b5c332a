/**
 * A Certificate Transparency log that only does what Fulcio needs of one: sign a precertificate
 * entry and hand back an SCT to embed (RFC 6962 §3.2–3.3).
 */
import type { KeyObject } from 'node:crypto'
import * as der from './der.js'
import { generateP256KeyPair, logIdOf, sha256, signP256, type KeyPair } from './keys.js'
import { OID, type Extension } from './x509.js'

/** TLS `HashAlgorithm.sha256` and `SignatureAlgorithm.ecdsa` (RFC 5246 §7.4.1.4.1). */
const TLS_HASH_SHA256 = 4
const TLS_SIGNATURE_ECDSA = 3
const SCT_VERSION_V1 = 0
const SIGNATURE_TYPE_CERTIFICATE_TIMESTAMP = 0
const LOG_ENTRY_TYPE_PRECERT = 1

export type SCTFault = 'omit' | 'bad-signature'

export class CTLog {
  readonly keyPair: KeyPair
  /** RFC 6962 LogID: SHA-256 of the log's SPKI DER. */
  readonly logId: Buffer

  constructor(readonly baseUrl: string) {
    this.keyPair = generateP256KeyPair()
    this.logId = logIdOf(this.keyPair.spki)
  }

  /**
   * One serialized SignedCertificateTimestamp for a precertificate. The signature covers
   * `digitally-signed struct { version, signature_type, timestamp, entry_type = precert_entry,
   * PreCert { issuer_key_hash, TBSCertificate }, extensions }`, where the TBSCertificate is the
   * final certificate's minus the SCT extension.
   */
  signPrecertificate(tbs: Buffer, issuerSpki: Buffer, timestamp: Date, fault?: SCTFault): Buffer {
    const timestampBytes = Buffer.alloc(8)
    timestampBytes.writeBigUInt64BE(BigInt(timestamp.getTime()))
    const extensions = Buffer.alloc(0)
    const signed = Buffer.concat([
      Buffer.from([SCT_VERSION_V1, SIGNATURE_TYPE_CERTIFICATE_TIMESTAMP]),
      timestampBytes,
      uint16(LOG_ENTRY_TYPE_PRECERT),
      sha256(issuerSpki),
      uint24(tbs.length),
      tbs,
      uint16(extensions.length),
      extensions,
    ])
    const signature = signP256(this.keyPair.privateKey, signed)
    if (fault === 'bad-signature') flipLastByte(signature)
    return Buffer.concat([
      Buffer.from([SCT_VERSION_V1]),
      this.logId,
      timestampBytes,
      uint16(extensions.length),
      extensions,
      Buffer.from([TLS_HASH_SHA256, TLS_SIGNATURE_ECDSA]),
      uint16(signature.length),
      signature,
    ])
  }

  get publicKey(): KeyObject {
    return this.keyPair.publicKey
  }
}

/**
 * The embedded-SCT extension: extnValue holds an OCTET STRING whose content is the TLS-encoded
 * `SignedCertificateTimestampList` (a uint16-length-prefixed list of uint16-prefixed SCTs).
 */
export function sctListExtension(scts: Buffer[]): Extension {
  const list = Buffer.concat(scts.map((sct) => Buffer.concat([uint16(sct.length), sct])))
  return { oid: OID.sctList, value: der.octetString(Buffer.concat([uint16(list.length), list])) }
}

function uint16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n)
  return b
}

function uint24(n: number): Buffer {
  const b = Buffer.alloc(3)
  b.writeUIntBE(n, 0, 3)
  return b
}

/** Corrupts an ECDSA DER signature while keeping it parseable. */
function flipLastByte(signature: Buffer): void {
  const last = signature.length - 1
  signature[last] = (signature[last] as number) ^ 0x01
}
