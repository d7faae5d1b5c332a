/**
 * Registry signatures (npm's `dist.signatures`): ECDSA P-256 / SHA-256 over the UTF-8 string
 * `${name}@${version}:${integrity}`, DER-encoded and base64'd, naming the key by id.
 * See https://docs.npmjs.com/about-registry-signatures.
 *
 * The integrity signed over is the one the project will install (from its lockfile), not the
 * registry's word, so a swapped lockfile entry cannot pass on the registry's signature.
 */
import { verify as cryptoVerify } from 'node:crypto'
import { finding, type Finding } from '../findings.js'
import { keyValidAt } from './key-validity.js'
import type { RegistryKey } from '../model/evidence.js'
import type { SignatureFacts } from '../model/facts.js'

export interface RegistrySignature {
  keyid: string
  sig: string
}

export interface SignatureInput {
  name: string
  version: string
  integrity: string
  /** `dist.signatures` as received: untrusted. */
  signatures: unknown
  /** When the version was published (`time[version]`), if known. */
  publishTime?: Date
  /** The registry's keys; `null` when the registry publishes none. */
  keys: readonly RegistryKey[] | null
}

/**
 * Verifies a version's registry signatures. One signature by a key valid at publish time that
 * verifies is enough (the registry may sign with an old and a new key during rotation), but a
 * signature by a valid key that does not verify is a failure whatever else is present: only the
 * registry can make one, so a bad one means the signed data was altered.
 */
export function verifyRegistrySignature(input: SignatureInput): SignatureFacts {
  const { name, version, integrity, keys } = input
  const id = `${name}@${version}`
  if (keys === null) {
    return {
      status: 'unsupported',
      findings: [finding('SIGNATURE_UNSUPPORTED_BY_REGISTRY', `${id}: the registry publishes no signing keys`)],
    }
  }
  const signatures = parseSignatures(input.signatures)
  if (signatures === 'malformed') {
    return { status: 'invalid', findings: [finding('SIGNATURE_INVALID', `${id}: dist.signatures is malformed`)] }
  }
  if (signatures.length === 0) {
    return { status: 'missing', findings: [finding('SIGNATURE_MISSING', `${id}: the registry publishes keys but the version has no signature`)] }
  }

  const message = Buffer.from(`${name}@${version}:${integrity}`, 'utf8')
  let verifiedBy: string | undefined
  const expired: string[] = []
  const unknown: string[] = []
  for (const { keyid, sig } of signatures) {
    const key = keys.find((k) => k.keyid === keyid && k.usages['npm:signatures'])
    if (!key) {
      unknown.push(keyid)
      continue
    }
    // Without a publish time only a key with no validity bounds can be used: fail closed.
    const usable = input.publishTime
      ? keyValidAt(key, 'npm:signatures', input.publishTime)
      : !key.usages['npm:signatures']?.expires && !key.usages['npm:signatures']?.validFrom
    if (!usable) {
      expired.push(keyid)
      continue
    }
    if (!cryptoVerify('sha256', message, key.publicKey, Buffer.from(sig, 'base64'))) {
      return {
        status: 'invalid',
        keyid,
        findings: [finding('SIGNATURE_INVALID', `${id}: signature by ${keyid} does not verify over integrity ${integrity}`)],
      }
    }
    verifiedBy ??= keyid
  }
  if (verifiedBy) return { status: 'verified', keyid: verifiedBy, findings: [] }
  if (expired.length > 0) {
    const keyid = expired[0]!
    const when = input.publishTime ? `published ${input.publishTime.toISOString()}` : 'publish time unknown'
    return {
      status: 'key-expired',
      keyid,
      findings: [finding('SIGNATURE_KEY_EXPIRED', `${id}: signed by ${keyid}, which was not valid (${when})`)],
    }
  }
  return {
    status: 'key-unknown',
    keyid: unknown[0],
    findings: [finding('SIGNATURE_KEY_UNKNOWN', `${id}: signed by unknown key ${unknown.join(', ')}`)],
  }
}

function parseSignatures(value: unknown): RegistrySignature[] | 'malformed' {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) return 'malformed'
  const out: RegistrySignature[] = []
  for (const item of value) {
    const s = item as Partial<RegistrySignature> | null
    if (typeof s?.keyid !== 'string' || typeof s.sig !== 'string' || s.sig.length === 0) return 'malformed'
    out.push({ keyid: s.keyid, sig: s.sig })
  }
  return out
}
