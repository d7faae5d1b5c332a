/**
 * A registry's signing keys from its own `GET /-/npm/v1/keys` (the source after Sigstore TUF for
 * registries other than registry.npmjs.org). 404 or 400 means the registry publishes no keys;
 * anything else that is not a usable key document means the run cannot verify signatures.
 */
import fetch, { type FetchOptions } from 'npm-registry-fetch'
import { RunError } from './errors.js'
import { parseRegistryKeys, RegistryKeysError, type RegistryKey } from '../verify/registry-keys.js'

/** Resolves to the registry's keys, or `null` when it publishes none. */
export async function fetchRegistryKeys(registry: string, options: FetchOptions = {}): Promise<RegistryKey[] | null> {
  const url = new URL('-/npm/v1/keys', registry.endsWith('/') ? registry : `${registry}/`).toString()
  let doc: unknown
  try {
    doc = await fetch.json(url, { ...options, registry, preferOnline: true })
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode
    if (status === 404 || status === 400) return null
    throw new RunError('EREGISTRYKEYS', `${registry}: could not fetch the registry's signing keys (${describe(err)})`, 'could-not-verify')
  }
  try {
    return parseRegistryKeys(doc, url)
  } catch (err) {
    if (err instanceof RegistryKeysError) throw new RunError('EREGISTRYKEYS', err.message, 'could-not-verify')
    throw err
  }
}

function describe(err: unknown): string {
  const e = err as { statusCode?: number; code?: string; message?: string }
  if (e.statusCode) return `HTTP ${e.statusCode}`
  return e.code ?? e.message ?? String(err)
}
