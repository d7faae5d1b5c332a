/**
 * A Fulcio-like certificate authority: a self-signed root, an intermediate, and short-lived code
 * signing leaves for ephemeral keys carrying a GitHub Actions identity.
 *
 * The profile copies Fulcio's: leaf subject empty, SAN URI critical, KeyUsage digitalSignature
 * critical, ExtKeyUsage codeSigning, SKI/AKI, the 1.3.6.1.4.1.57264.1.* identity extensions, and an
 * embedded SCT from the CT log. Validity is 10 minutes from issuance.
 */
import * as der from './der.js'
import { sctListExtension, type CTLog, type SCTFault } from './ct-log.js'
import { fulcioExtensionValues, githubWorkflowURIs, type GithubActionsIdentity } from './identity.js'
import { generateP256KeyPair, type KeyPair } from './keys.js'
import {
  KEY_USAGE,
  OID,
  authorityKeyIdentifier,
  basicConstraintsCA,
  extKeyUsage,
  keyUsage,
  randomSerialNumber,
  signCertificate,
  subjectAltNameURI,
  subjectKeyIdentifier,
  tbsCertificate,
  toPEM,
  type DistinguishedName,
  type Extension,
} from './x509.js'

export const LEAF_VALIDITY_MS = 10 * 60 * 1000

export const DEFAULT_ROOT_NAME: DistinguishedName = { organization: 'sigstore.test', commonName: 'sigstore' }
export const DEFAULT_INTERMEDIATE_NAME: DistinguishedName = {
  organization: 'sigstore.test',
  commonName: 'sigstore-intermediate',
}

export interface IssuedCertificate {
  der: Buffer
  pem: string
  notBefore: Date
  notAfter: Date
}

export interface FulcioCAOptions {
  validFrom: Date
  validTo: Date
  rootName?: DistinguishedName
  intermediateName?: DistinguishedName
}

export interface LeafRequest {
  /** The ephemeral signing key, SPKI DER. */
  spki: Buffer
  identity: GithubActionsIdentity
  /** Certificate notBefore; truncated to whole seconds, as X.509 times have no fraction. */
  issuedAt: Date
  /** Embed an SCT from this log; without one the leaf has no SCT extension. */
  ctLog?: CTLog
  sctFault?: SCTFault
}

export class FulcioCA {
  readonly root: IssuedCertificate & { keyPair: KeyPair; name: DistinguishedName }
  readonly intermediate: IssuedCertificate & { keyPair: KeyPair; name: DistinguishedName }

  constructor(options: FulcioCAOptions) {
    const rootName = options.rootName ?? DEFAULT_ROOT_NAME
    const intermediateName = options.intermediateName ?? DEFAULT_INTERMEDIATE_NAME
    const notBefore = wholeSeconds(options.validFrom)
    const notAfter = wholeSeconds(options.validTo)

    const rootKeys = generateP256KeyPair()
    const rootDER = signCertificate(
      tbsCertificate({
        issuer: rootName,
        subject: rootName,
        notBefore,
        notAfter,
        spki: rootKeys.spki,
        extensions: [
          keyUsage([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign]),
          basicConstraintsCA(1),
          subjectKeyIdentifier(rootKeys.spki),
        ],
      }),
      rootKeys.privateKey,
    )
    this.root = { der: rootDER, pem: toPEM(rootDER), notBefore, notAfter, keyPair: rootKeys, name: rootName }

    const intermediateKeys = generateP256KeyPair()
    const intermediateDER = signCertificate(
      tbsCertificate({
        issuer: rootName,
        subject: intermediateName,
        notBefore,
        notAfter,
        spki: intermediateKeys.spki,
        extensions: [
          keyUsage([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign]),
          extKeyUsage(OID.codeSigning),
          basicConstraintsCA(0),
          subjectKeyIdentifier(intermediateKeys.spki),
          authorityKeyIdentifier(rootKeys.spki),
        ],
      }),
      rootKeys.privateKey,
    )
    this.intermediate = {
      der: intermediateDER,
      pem: toPEM(intermediateDER),
      notBefore,
      notAfter,
      keyPair: intermediateKeys,
      name: intermediateName,
    }
  }

  /** Chain as the trusted root lists it: intermediate first, root last. */
  get chainDER(): Buffer[] {
    return [this.intermediate.der, this.root.der]
  }

  issueLeaf(request: LeafRequest): IssuedCertificate {
    const notBefore = wholeSeconds(request.issuedAt)
    const notAfter = new Date(notBefore.getTime() + LEAF_VALIDITY_MS)
    const issuerSpki = this.intermediate.keyPair.spki
    const uris = githubWorkflowURIs(request.identity)

    const extensions: Extension[] = [
      keyUsage([KEY_USAGE.digitalSignature]),
      extKeyUsage(OID.codeSigning),
      subjectKeyIdentifier(request.spki),
      authorityKeyIdentifier(issuerSpki),
      // Critical because the subject is empty (RFC 5280 §4.2.1.6).
      subjectAltNameURI(uris.buildSignerURI, true),
      ...fulcioExtensionValues(request.identity).map(
        (e): Extension => ({
          oid: e.oid,
          value: e.encoding === 'raw' ? Buffer.from(e.value, 'utf8') : der.utf8String(e.value),
        }),
      ),
    ]
    const fields = {
      // One serial for both TBS versions: the CT log signs the final certificate minus its SCTs.
      serialNumber: randomSerialNumber(),
      issuer: this.intermediate.name,
      subject: {},
      notBefore,
      notAfter,
      spki: request.spki,
    }
    let tbs = tbsCertificate({ ...fields, extensions })
    if (request.ctLog && request.sctFault !== 'omit') {
      const sct = request.ctLog.signPrecertificate(tbs, issuerSpki, notBefore, request.sctFault)
      tbs = tbsCertificate({ ...fields, extensions: [...extensions, sctListExtension([sct])] })
    }
    const certificate = signCertificate(tbs, this.intermediate.keyPair.privateKey)
    return { der: certificate, pem: toPEM(certificate), notBefore, notAfter }
  }
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000)
}
