/**
 * Sigstore bundle assembly (protobuf-specs dev.sigstore.bundle.v1.Bundle, JSON form) for a DSSE
 * envelope, in the three shapes npm has served:
 * - v0.1 (2023): full certificate chain, `intoto` entry, SET only;
 * - v0.2 (2024): leaf-only chain, `intoto` entry, SET + inclusion proof;
 * - v0.3 (now): single `certificate`, `dsse` entry, SET + inclusion proof.
 */
import type { DsseEnvelope, DsseEnvelopeJSON } from './dsse.js'
import { envelopeJSON } from './dsse.js'
import type { RekorKind } from './rekor-entries.js'
import type { TLogEntryJSON } from './rekor.js'

export type BundleVersion = '0.1' | '0.2' | '0.3'

export const BUNDLE_MEDIA_TYPE: Record<BundleVersion, string> = {
  '0.1': 'application/vnd.dev.sigstore.bundle+json;version=0.1',
  '0.2': 'application/vnd.dev.sigstore.bundle+json;version=0.2',
  '0.3': 'application/vnd.dev.sigstore.bundle.v0.3+json',
}

/** The Rekor entry kind npm's signer used with each bundle version. */
export const DEFAULT_TLOG_KIND: Record<BundleVersion, RekorKind> = { '0.1': 'intoto', '0.2': 'intoto', '0.3': 'dsse' }

export interface BundleJSON {
  mediaType: string
  verificationMaterial: {
    certificate?: { rawBytes: string }
    x509CertificateChain?: { certificates: { rawBytes: string }[] }
    publicKey?: { hint: string }
    tlogEntries: TLogEntryJSON[]
    timestampVerificationData?: { rfc3161Timestamps: { signedTimestamp: string }[] }
  }
  dsseEnvelope: DsseEnvelopeJSON
}

export type SignerMaterial =
  | { kind: 'certificate'; leaf: Buffer; chain: Buffer[] }
  | { kind: 'publicKey'; hint: string }

export function assembleBundle(options: {
  version: BundleVersion
  envelope: DsseEnvelope
  signer: SignerMaterial
  tlogEntry: TLogEntryJSON
}): BundleJSON {
  const { version, signer } = options
  const rawBytes = (der: Buffer) => ({ rawBytes: der.toString('base64') })
  let material: Omit<BundleJSON['verificationMaterial'], 'tlogEntries'>
  if (signer.kind === 'publicKey') {
    material = { publicKey: { hint: signer.hint } }
  } else if (version === '0.3') {
    material = { certificate: rawBytes(signer.leaf) }
  } else if (version === '0.2') {
    material = { x509CertificateChain: { certificates: [rawBytes(signer.leaf)] } }
  } else {
    material = { x509CertificateChain: { certificates: [signer.leaf, ...signer.chain].map(rawBytes) } }
  }
  return {
    mediaType: BUNDLE_MEDIA_TYPE[version],
    verificationMaterial: {
      ...material,
      tlogEntries: [options.tlogEntry],
      ...(version === '0.1' ? {} : { timestampVerificationData: { rfc3161Timestamps: [] } }),
    },
    dsseEnvelope: envelopeJSON(options.envelope, { keepEmptyKeyid: version !== '0.3' }),
  }
}
