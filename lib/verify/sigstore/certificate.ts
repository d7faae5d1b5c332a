/**
 * The signing certificate: what callers need to know about it, and the leaf profile checks that
 * `@sigstore/verify` leaves out (client spec "Certificate": the leaf is not a CA, may sign, and is
 * for code signing; Fulcio issues exactly that, https://github.com/sigstore/fulcio/blob/main/docs/certificate-specification.md).
 */
import type { X509Certificate } from '@sigstore/core'
import { parseDER } from './der.js'
import { SigstoreError } from './errors.js'
import { certificateDER } from './x509.js'

export interface CertificateInfo {
  der: Buffer
  pem: string
  /** Parsed, for callers that read more (e.g. the identity layer's Fulcio extension decoding). */
  x509: X509Certificate
  /** URI, email, or Fulcio username otherName (1.3.6.1.4.1.57264.1.7). */
  subjectAlternativeName?: string
  /** OIDC issuer: Fulcio extension .1.8 (DER UTF8String), else the deprecated .1.1 (raw string). */
  issuer?: string
  notBefore: Date
  notAfter: Date
  serialNumber: string
  /** Every extension's raw extnValue bytes by dotted OID. */
  extensions: Record<string, Buffer>
}

const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1'
const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8'
const OID_FULCIO_USERNAME = '1.3.6.1.4.1.57264.1.7'
const OID_EXTENDED_KEY_USAGE = '2.5.29.37'
const OID_CODE_SIGNING = '1.3.6.1.5.5.7.3.3'

export function describeCertificate(cert: X509Certificate): CertificateInfo {
  const der = certificateDER(cert)
  const extensions: Record<string, Buffer> = {}
  for (const ext of cert.extensions) {
    const oid = ext.subs[0]?.toOID()
    const value = ext.subs[ext.subs.length - 1]?.value
    if (oid && value) extensions[oid] = Buffer.from(value)
  }
  const info: CertificateInfo = {
    der,
    pem: toPEM(der),
    x509: cert,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serialNumber: cert.serialNumber.toString('hex'),
    extensions,
  }
  const san = cert.subjectAltName ?? safe(() => cert.extSubjectAltName?.otherName(OID_FULCIO_USERNAME))
  if (san !== undefined) info.subjectAlternativeName = san
  const issuer = readIssuer(extensions)
  if (issuer !== undefined) info.issuer = issuer
  return info
}

function readIssuer(extensions: Record<string, Buffer>): string | undefined {
  const v2 = extensions[OID_FULCIO_ISSUER_V2]
  if (v2) return safe(() => parseDER(v2).value.toString('utf8'))
  return extensions[OID_FULCIO_ISSUER_V1]?.toString('utf8')
}

/** Throws CERTIFICATE_ERROR unless the leaf may sign code (RFC 5280 §4.2.1.3, §4.2.1.9, §4.2.1.12). */
export function verifyLeafProfile(cert: X509Certificate): void {
  if (safe(() => cert.extBasicConstraints?.isCA)) {
    throw new SigstoreError('CERTIFICATE_ERROR', 'signing certificate is a CA certificate')
  }
  const keyUsage = safe(() => cert.extKeyUsage)
  if (keyUsage && !safe(() => keyUsage.digitalSignature)) {
    throw new SigstoreError('CERTIFICATE_ERROR', 'signing certificate key usage does not allow digital signatures')
  }
  const eku = cert.extension(OID_EXTENDED_KEY_USAGE)
  if (eku) {
    const purposes = safe(() => parseDER(eku.value).subs.map((s) => s.toOID())) ?? []
    if (!purposes.includes(OID_CODE_SIGNING)) {
      throw new SigstoreError('CERTIFICATE_ERROR', 'signing certificate extended key usage does not include code signing')
    }
  }
}

// Lines of 64 characters cut with slice: matching /.{1,64}/g for every leaf cost about a third of describeCertificate (issue 11).
function toPEM(der: Buffer): string {
  const base64 = der.toString('base64')
  let body = ''
  for (let i = 0; i < base64.length; i += 64) body += `${base64.slice(i, i + 64)}\n`
  return `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`
}

// Accessors in @sigstore/core parse lazily and throw on malformed DER inside an extension.
function safe<T>(read: () => T): T | undefined {
  try {
    return read()
  } catch {
    return undefined
  }
}
