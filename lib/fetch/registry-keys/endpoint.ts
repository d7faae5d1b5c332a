/**
 * A registry's signing keys from its own `GET /-/npm/v1/keys` (the source after Sigstore TUF for
 * registries other than registry.npmjs.org). 404 or 400 means the registry publishes no keys;
 * anything else that is not a usable key document means the run cannot verify signatures.
 *
 * The request goes through getJSON like every evidence request: the same whole-attempt timeout
 * (`--fetch-timeout` / npm's `fetch-timeout`), retries with `Retry-After`, and the rule that
 * credentials never follow a redirect to another origin. Not through npm's HTTP cache: see below.
 */
import { VerifyDepsError } from '../../errors.js'
import { getJSON, type GetJSONOptions } from '../http.js'
import { parseRegistryKeys, RegistryKeysError } from './parse.js'
import type { RegistryKey } from '../../model/evidence.js'

/** The registry's answer, with how long a cache may reuse it. */
export interface FetchedRegistryKeys {
  /** The keys, or `null` when the registry publishes none. */
  keys: RegistryKey[] | null
  /** The key document as served (absent when there are no keys): what a memo of the keys holds. */
  document?: unknown
  /** For how long the registry lets a cache reuse the keys without asking (cacheLifetimeMs). */
  freshForMs: number
}

/** Resolves to the registry's keys, or `null` when it publishes none. */
export async function fetchRegistryKeys(registry: string, options: GetJSONOptions): Promise<RegistryKey[] | null> {
  return (await fetchRegistryKeysFresh(registry, options)).keys
}

/** fetchRegistryKeys, with the document and how long the registry lets a cache reuse it. */
export async function fetchRegistryKeysFresh(registry: string, options: GetJSONOptions): Promise<FetchedRegistryKeys> {
  const url = new URL('-/npm/v1/keys', registry.endsWith('/') ? registry : `${registry}/`).toString()
  // Not through npm's HTTP cache: the keys must come from the registry now (npm's `prefer-online`),
  // and make-fetch-happen would answer a failed request with a stale cached copy. Without a cache the
  // request takes getJSON's light path, and npm-registry-fetch is not loaded at all (issue 11).
  const { cache: _cache, ...fetchOptions } = options.fetchOptions
  const result = await getJSON(url, { ...options, fetchOptions: { ...fetchOptions, registry } })
  if (!result.ok) {
    if (result.status === 404 || result.status === 400) return { keys: null, freshForMs: 0 }
    throw new VerifyDepsError('EREGISTRYKEYS', options.redact(`${registry}: could not fetch the registry's signing keys (${result.reason})`))
  }
  try {
    return { keys: parseRegistryKeys(result.document, url), document: result.document, freshForMs: cacheLifetimeMs(result.cacheControl, result.age) }
  } catch (err) {
    if (err instanceof RegistryKeysError) throw new VerifyDepsError('EREGISTRYKEYS', err.message)
    throw err
  }
}

/**
 * How long a private cache may reuse a response without asking again, by RFC 9111 (as npm's own HTTP
 * cache, make-fetch-happen, decides): Cache-Control `max-age` less the `Age` the response already
 * has; 0 (ask every time) for `no-cache`, `no-store`, no max-age, or anything unparsable.
 */
export function cacheLifetimeMs(cacheControl: string | undefined, age: string | undefined): number {
  if (!cacheControl) return 0
  const directives = new Map<string, string | undefined>()
  for (const part of cacheControl.split(',')) {
    const [name, value] = part.trim().split('=', 2)
    if (name) directives.set(name.toLowerCase(), value?.replace(/^"|"$/g, ''))
  }
  if (directives.has('no-cache') || directives.has('no-store')) return 0
  const maxAge = directives.get('max-age')
  if (maxAge === undefined || !/^\d+$/.test(maxAge)) return 0
  const ageSeconds = age !== undefined && /^\d+$/.test(age.trim()) ? Number(age.trim()) : 0
  return Math.max(0, Number(maxAge) - ageSeconds) * 1000
}
