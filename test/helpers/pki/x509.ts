/**
 * X.509 v3 certificate assembly (RFC 5280 §4.1) on top of the DER writer, signed ECDSA-with-SHA256.
 *
 * Only what Fulcio-style certificates need: distinguished names of O/CN, a fixed extension list,
 * and a two-step build (`tbsCertificate`, then `signCertificate`) so the CT log can sign the
 * TBSCertificate before the SCT extension is added, as in RFC 6962 §3.1.
 */
import { createHash, randomBytes, type KeyObject } from 'node:crypto'
import * as der from './der.js'
import { signP256 } from './keys.js'

export const OID = {
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  /** RFC 6962 §3.3: embedded SignedCertificateTimestampList. */
  sctList: '1.3.6.1.4.1.11129.2.4.2',
} as const

/** KeyUsage bit numbers (RFC 5280 §4.2.1.3). */
export const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const

export interface DistinguishedName {
  organization?: string
  commonName?: string
}

export interface Extension {
  oid: string
  critical?: boolean
  /** The DER that goes inside extnValue's OCTET STRING. */
  value: Buffer
}

export interface CertificateFields {
  serialNumber?: Buffer
  issuer: DistinguishedName
  subject: DistinguishedName
  notBefore: Date
  notAfter: Date
  /** Subject public key, SPKI DER. */
  spki: Buffer
  extensions: Extension[]
}

const SIGNATURE_ALGORITHM = der.sequence(der.oid(OID.ecdsaWithSHA256))

/** An empty name encodes as an empty SEQUENCE, which is what Fulcio leaves have as subject. */
export function encodeName(name: DistinguishedName): Buffer {
  const rdns: Buffer[] = []
  if (name.organization !== undefined) {
    rdns.push(der.set(der.sequence(der.oid(OID.organizationName), der.printableString(name.organization))))
  }
  if (name.commonName !== undefined) {
    rdns.push(der.set(der.sequence(der.oid(OID.commonName), der.printableString(name.commonName))))
  }
  return der.sequence(...rdns)
}

export function encodeExtension(ext: Extension): Buffer {
  return der.sequence(
    der.oid(ext.oid),
    // DEFAULT FALSE must be omitted in DER.
    ...(ext.critical ? [der.boolean(true)] : []),
    der.octetString(ext.value),
  )
}

/** A positive 20-octet serial number, like Fulcio's (RFC 5280 allows at most 20). */
export function randomSerialNumber(): Buffer {
  const serial = randomBytes(20)
  serial[0] = ((serial[0] as number) & 0x7f) | 0x01
  return serial
}

export function tbsCertificate(fields: CertificateFields): Buffer {
  return der.sequence(
    der.explicit(0, der.integer(2)), // v3
    der.integer(fields.serialNumber ?? randomSerialNumber()),
    SIGNATURE_ALGORITHM,
    encodeName(fields.issuer),
    der.sequence(der.time(fields.notBefore), der.time(fields.notAfter)),
    encodeName(fields.subject),
    fields.spki,
    der.explicit(3, der.sequence(...fields.extensions.map(encodeExtension))),
  )
}

export function signCertificate(tbs: Buffer, issuerKey: KeyObject): Buffer {
  return der.sequence(tbs, SIGNATURE_ALGORITHM, der.bitString(signP256(issuerKey, tbs)))
}

export function toPEM(certificateDER: Uint8Array): string {
  const b64 = Buffer.from(certificateDER).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`
}

/**
 * Key identifier, method 1 of RFC 5280 §4.2.1.2: SHA-1 of the subjectPublicKey BIT STRING value
 * (the EC point). For an uncompressed P-256 SPKI that is the last 65 bytes.
 */
export function keyIdentifier(spki: Buffer): Buffer {
  const point = spki.subarray(spki.length - 65)
  return createHash('sha1').update(point).digest()
}

// Extension values (the DER inside extnValue).

export function basicConstraintsCA(pathLen: number): Extension {
  return {
    oid: OID.basicConstraints,
    critical: true,
    value: der.sequence(der.boolean(true), der.integer(pathLen)),
  }
}

export function keyUsage(bits: number[]): Extension {
  return { oid: OID.keyUsage, critical: true, value: der.namedBits(bits) }
}

export function extKeyUsage(...purposes: string[]): Extension {
  return { oid: OID.extKeyUsage, value: der.sequence(...purposes.map(der.oid)) }
}

export function subjectKeyIdentifier(spki: Buffer): Extension {
  return { oid: OID.subjectKeyIdentifier, value: der.octetString(keyIdentifier(spki)) }
}

export function authorityKeyIdentifier(issuerSpki: Buffer): Extension {
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING, ... }
  return { oid: OID.authorityKeyIdentifier, value: der.sequence(der.implicit(0, keyIdentifier(issuerSpki))) }
}

/** SAN with one URI (GeneralName uniformResourceIdentifier is [6] IMPLICIT IA5String). */
export function subjectAltNameURI(uri: string, critical: boolean): Extension {
  return { oid: OID.subjectAltName, critical, value: der.sequence(der.implicit(6, Buffer.from(uri, 'ascii'))) }
}
