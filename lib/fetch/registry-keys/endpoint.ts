/**
 * A registry's signing keys from its own `GET /-/npm/v1/keys` (the source after Sigstore TUF for
 * registries other than registry.npmjs.org). 404 or 400 means the registry publishes no keys;
 * anything else that is not a usable key document means the run cannot verify signatures.
 *
 * The request goes through getJSON like every evidence request: the same whole-attempt timeout
 * (`--fetch-timeout` / npm's `fetch-timeout`), retries with `Retry-After`, and the rule that
 * credentials never follow a redirect to another origin.
 */
import { VerifyDepsError } from '../../errors.js'
import { getJSON, type GetJSONOptions } from '../http.js'
import { parseRegistryKeys, RegistryKeysError } from './parse.js'
import type { RegistryKey } from '../../model/evidence.js'

/** Resolves to the registry's keys, or `null` when it publishes none. */
export async function fetchRegistryKeys(registry: string, options: GetJSONOptions): Promise<RegistryKey[] | null> {
  const url = new URL('-/npm/v1/keys', registry.endsWith('/') ? registry : `${registry}/`).toString()
  const result = await getJSON(url, { ...options, fetchOptions: { ...options.fetchOptions, registry, preferOnline: true } })
  if (!result.ok) {
    if (result.status === 404 || result.status === 400) return null
    throw new VerifyDepsError('EREGISTRYKEYS', options.redact(`${registry}: could not fetch the registry's signing keys (${result.reason})`))
  }
  try {
    return parseRegistryKeys(result.document, url)
  } catch (err) {
    if (err instanceof RegistryKeysError) throw new VerifyDepsError('EREGISTRYKEYS', err.message)
    throw err
  }
}
