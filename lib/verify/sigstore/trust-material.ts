/**
 * `@sigstore/verify` TrustMaterial from a validated trusted root plus caller-supplied keys. Built
 * once per verifier: parsing keys and certificates is the expensive part of trust setup.
 */
import type { KeyObject } from 'node:crypto'
import type { TrustMaterial } from '@sigstore/verify'
import { SigstoreError } from './errors.js'
import { parsePublicKey, spkiDER } from './keys.js'
import type { CertificateAuthority, TransparencyLog, TrustedRoot } from './trusted-root.js'
import type { PublicKeyEntry } from './types.js'

// @sigstore/verify wants closed ranges with both ends; "no end" becomes the end of Date's range.
const END_OF_TIME = new Date(8_640_000_000_000_000)

export interface ResolvedKey {
  publicKey: KeyObject
  /** The key's SPKI DER, exported once (log entries record it). */
  spki: Buffer
  start: Date
  end: Date
  /** No validity window was given: the key vouches at any time, so no signed time is needed. */
  unbounded: boolean
}

export function resolvePublicKeys(keys: Record<string, PublicKeyEntry> | undefined): Map<string, ResolvedKey> {
  const resolved = new Map<string, ResolvedKey>()
  for (const [hint, entry] of Object.entries(keys ?? {})) {
    let publicKey: KeyObject
    try {
      publicKey = parsePublicKey(entry.publicKey)
    } catch {
      throw new SigstoreError('PUBLIC_KEY_INVALID', `public key ${JSON.stringify(hint)} is not an SPKI (DER, base64 or PEM) public key`)
    }
    const start = entry.validFor?.start ?? new Date(0)
    const end = entry.validFor?.end ?? END_OF_TIME
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end < start) {
      throw new SigstoreError('PUBLIC_KEY_INVALID', `public key ${JSON.stringify(hint)} has an invalid validity window`)
    }
    resolved.set(hint, { publicKey, spki: spkiDER(publicKey), start, end, unbounded: !entry.validFor?.start && !entry.validFor?.end })
  }
  return resolved
}

export function toTrustMaterial(root: TrustedRoot, keys: Map<string, ResolvedKey>): TrustMaterial {
  return {
    certificateAuthorities: root.certificateAuthorities.map(toCertAuthority),
    timestampAuthorities: root.timestampAuthorities.map(toCertAuthority),
    tlogs: root.tlogs.map(toLogAuthority),
    ctlogs: root.ctlogs.map(toLogAuthority),
    publicKey(hint: string) {
      const key = keys.get(hint)
      if (!key) throw new SigstoreError('PUBLIC_KEY_ERROR', `no public key for hint ${JSON.stringify(hint)}`)
      return { publicKey: key.publicKey, validFor: (date: Date) => key.start <= date && date <= key.end }
    },
  }
}

function toCertAuthority(ca: CertificateAuthority): TrustMaterial['certificateAuthorities'][number] {
  return { certChain: ca.certChain, validFor: { start: ca.validFor.start, end: ca.validFor.end ?? END_OF_TIME } }
}

function toLogAuthority(log: TransparencyLog): TrustMaterial['tlogs'][number] {
  return {
    logID: log.logId,
    baseURL: log.baseUrl,
    publicKey: log.publicKey,
    validFor: { start: log.validFor.start, end: log.validFor.end ?? END_OF_TIME },
  }
}
