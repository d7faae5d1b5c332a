/**
 * `trusted_root.json` in the shape Sigstore's TUF repository ships (protobuf-specs
 * dev.sigstore.trustroot.v1.TrustedRoot, JSON form), listing the test CA, Rekor and CT log.
 */
import type { CTLog } from './ct-log.js'
import type { FulcioCA } from './fulcio.js'
import type { TransparencyLog } from './rekor.js'
import type { DistinguishedName } from './x509.js'

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1'

export interface TimeRangeJSON {
  start: string
  end?: string
}

export interface TransparencyLogInstanceJSON {
  baseUrl: string
  hashAlgorithm: 'SHA2_256'
  publicKey: { rawBytes: string; keyDetails: 'PKIX_ECDSA_P256_SHA_256'; validFor: TimeRangeJSON }
  logId: { keyId: string }
}

export interface CertificateAuthorityJSON {
  subject: { organization: string; commonName: string }
  uri: string
  certChain: { certificates: { rawBytes: string }[] }
  validFor: TimeRangeJSON
}

export interface TrustedRootJSON {
  mediaType: typeof TRUSTED_ROOT_MEDIA_TYPE
  tlogs: TransparencyLogInstanceJSON[]
  certificateAuthorities: CertificateAuthorityJSON[]
  ctlogs: TransparencyLogInstanceJSON[]
  timestampAuthorities: CertificateAuthorityJSON[]
}

export interface TrustedRootInput {
  ca: FulcioCA
  caURI: string
  rekor: TransparencyLog
  ctLog: CTLog
  /** Start of every validity window in the root; Sigstore's are years before any signature. */
  validFrom: Date
}

export function buildTrustedRoot(input: TrustedRootInput): TrustedRootJSON {
  const validFor = { start: input.validFrom.toISOString() }
  const logInstance = (baseUrl: string, spki: Buffer, logId: Buffer): TransparencyLogInstanceJSON => ({
    baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: spki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor },
    logId: { keyId: logId.toString('base64') },
  })
  return {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: [logInstance(input.rekor.baseUrl, input.rekor.keyPair.spki, input.rekor.logId)],
    certificateAuthorities: [
      {
        subject: subjectJSON(input.ca.root.name),
        uri: input.caURI,
        certChain: { certificates: input.ca.chainDER.map((der) => ({ rawBytes: der.toString('base64') })) },
        validFor,
      },
    ],
    ctlogs: [logInstance(input.ctLog.baseUrl, input.ctLog.keyPair.spki, input.ctLog.logId)],
    timestampAuthorities: [],
  }
}

function subjectJSON(name: DistinguishedName): { organization: string; commonName: string } {
  return { organization: name.organization ?? '', commonName: name.commonName ?? '' }
}
