/**
 * npm registry signing keys, parsed from either shape they are distributed in:
 *  - Sigstore TUF target `registry.npmjs.org/keys.json`:
 *    `{keys: [{keyId, keyUsage, publicKey: {rawBytes, keyDetails, validFor: {start, end?}}}]}`
 *  - the registry's `GET /-/npm/v1/keys`: `{keys: [{keyid, keytype, scheme, key, expires}]}`
 * Untrusted JSON: every field is validated, and a malformed document is an error naming its source.
 * A key file the user names (`--registry-keys`, an npmrc pin, the embedded copy) is read here too.
 */
import { createPublicKey, type KeyObject } from 'node:crypto'
import type { KeyValidity, RegistryKey } from '../../model/evidence.js'
import { inputError } from '../../errors.js'
import { readJSONFile } from '../../tree/files.js'

export class RegistryKeysError extends Error {
  readonly code = 'EREGISTRYKEYS'
  constructor(source: string, detail: string) {
    super(`${source}: invalid registry keys: ${detail}`)
    this.name = 'RegistryKeysError'
  }
}

export function parseRegistryKeys(doc: unknown, source: string): RegistryKey[] {
  const keys = (doc as { keys?: unknown } | null)?.keys
  if (typeof doc !== 'object' || doc === null || !Array.isArray(keys)) {
    throw new RegistryKeysError(source, 'expected an object with a "keys" array')
  }
  const byId = new Map<string, RegistryKey>()
  keys.forEach((raw: unknown, i) => {
    const key = parseOne(raw, `${source}: keys[${i}]`)
    if (!key) return
    const seen = byId.get(key.keyid)
    // The TUF document lists one entry per (key, usage); merge them into one key whose usages keep
    // their own validity windows.
    if (seen) {
      if (seen.spkiBase64 !== key.spkiBase64) {
        throw new RegistryKeysError(source, `key id ${key.keyid} is listed with two different public keys`)
      }
      byId.set(key.keyid, { ...seen, usages: { ...seen.usages, ...key.usages } })
    } else {
      byId.set(key.keyid, key)
    }
  })
  return [...byId.values()]
}

function parseOne(raw: unknown, where: string): RegistryKey | null {
  if (typeof raw !== 'object' || raw === null) throw new RegistryKeysError(where, 'not an object')
  const r = raw as Record<string, unknown>
  if (typeof r.keyId === 'string' && typeof r.publicKey === 'object' && r.publicKey !== null) {
    // TUF shape
    const pk = r.publicKey as Record<string, unknown>
    const validFor = (pk.validFor ?? {}) as Record<string, unknown>
    const usage = r.keyUsage
    if (typeof usage !== 'string') throw new RegistryKeysError(where, 'missing keyUsage')
    // A usage other than npm's two is for another consumer of the TUF target: not ours to use.
    if (usage !== 'npm:signatures' && usage !== 'npm:attestations') return null
    return {
      keyid: r.keyId,
      ...spki(pk.rawBytes, where),
      usages: {
        [usage]: {
          validFrom: optionalDate(validFor.start, `${where}.publicKey.validFor.start`),
          expires: optionalDate(validFor.end, `${where}.publicKey.validFor.end`),
        },
      },
    }
  }
  if (typeof r.keyid === 'string') {
    // /-/npm/v1/keys shape: the endpoint does not say what a key is for, so it serves both uses.
    if (r.keytype !== undefined && r.keytype !== 'ecdsa-sha2-nistp256') {
      throw new RegistryKeysError(where, `unsupported keytype ${JSON.stringify(r.keytype)}`)
    }
    const validity: KeyValidity = { expires: optionalDate(r.expires, `${where}.expires`) }
    return {
      keyid: r.keyid,
      ...spki(r.key, where),
      usages: { 'npm:signatures': validity, 'npm:attestations': validity },
    }
  }
  throw new RegistryKeysError(where, 'neither {keyId, keyUsage, publicKey} nor {keyid, key, expires}')
}

function spki(value: unknown, where: string): { publicKey: KeyObject; spkiBase64: string } {
  if (typeof value !== 'string' || value.length === 0) throw new RegistryKeysError(where, 'missing public key')
  try {
    const publicKey = createPublicKey({ key: Buffer.from(value, 'base64'), format: 'der', type: 'spki' })
    if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new RegistryKeysError(where, 'public key is not ECDSA P-256')
    }
    return { publicKey, spkiBase64: value }
  } catch (err) {
    if (err instanceof RegistryKeysError) throw err
    throw new RegistryKeysError(where, 'public key is not base64 SPKI DER')
  }
}

function optionalDate(value: unknown, where: string): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const date = typeof value === 'string' ? new Date(value) : undefined
  if (!date || Number.isNaN(date.getTime())) throw new RegistryKeysError(where, `not a date: ${JSON.stringify(value)}`)
  return date
}

/** Reads a registry keys file: unreadable or malformed, it is unusable input naming the file (exit 2). */
export function loadRegistryKeysFile(path: string): RegistryKey[] {
  const doc = readJSONFile(path, 'registry keys')
  try {
    return parseRegistryKeys(doc, path)
  } catch (err) {
    if (err instanceof RegistryKeysError) throw inputError('EREGISTRYKEYSFILE', err.message)
    throw err
  }
}
