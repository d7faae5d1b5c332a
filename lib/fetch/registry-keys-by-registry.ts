/**
 * The signing keys of every registry a project's packages come from, looked up once per registry
 * before any package is fetched (they decide whether a package needs its publish time, and they
 * are part of the verification cache's trust digest):
 *  - the registry the resolved trust material is for (registry.npmjs.org by default): its keys
 *    from resolveTrust (Sigstore TUF, the embedded copy, or --registry-keys);
 *  - any other registry: its Sigstore TUF `keys.json` target when TUF is in use, else its own
 *    `GET /-/npm/v1/keys` (404/400: it publishes none → `null`).
 * A registry whose keys cannot be obtained is `failed`: its packages cannot be verified.
 */
import procLog from 'proc-log'
import type { NpmConfig } from './npm-config.js'
import { fetchRegistryKeys } from './registry-keys.js'
import { fetchTUFTargets, registryKeysTarget, type TUFFetchOptions } from './tuf.js'
import { DEFAULT_REGISTRY } from './npm-config.js'
import { requestPolicy } from './http.js'
import { parseRegistryKeys, type RegistryKey } from '../verify/registry-keys.js'

const { log } = procLog

export type RegistryKeysResult =
  | { state: 'fetched'; keys: RegistryKey[] | null; source: string }
  | { state: 'failed'; reason: string }

export interface KeysForRegistriesOptions {
  /** From resolveTrust: the keys of `trustRegistry`, and where they came from (`none` when it found none). */
  trust: { registryKeys: RegistryKey[]; registryKeysSource: string }
  /** The registry `trust` holds keys for; default registry.npmjs.org. */
  trustRegistry?: string
  config: NpmConfig
  /** Sigstore TUF for other registries' `keys.json`; omit to skip TUF (offline). */
  tuf?: TUFFetchOptions
  fetchTargets?: typeof fetchTUFTargets
  timeoutMs?: number
  retries?: number
}

/** Keyed by registry URL with a trailing slash. Never throws: a failure is a `failed` entry. */
export async function fetchKeysForRegistries(registries: Iterable<string>, options: KeysForRegistriesOptions): Promise<Map<string, RegistryKeysResult>> {
  const trustRegistry = normalizeRegistry(options.trustRegistry ?? DEFAULT_REGISTRY)
  const unique = [...new Set([...registries].map(normalizeRegistry))]
  const results = await Promise.all(unique.map(async (registry) => [registry, await keysFor(registry, trustRegistry, options)] as const))
  return new Map(results)
}

async function keysFor(registry: string, trustRegistry: string, options: KeysForRegistriesOptions): Promise<RegistryKeysResult> {
  const { config } = options
  if (registry === trustRegistry && options.trust.registryKeysSource !== 'none') {
    return { state: 'fetched', keys: options.trust.registryKeys, source: options.trust.registryKeysSource }
  }
  if (options.tuf) {
    try {
      const targets = await (options.fetchTargets ?? fetchTUFTargets)(registry, options.tuf)
      if (targets.registryKeys !== undefined) {
        const source = `Sigstore TUF target ${registryKeysTarget(registry)}`
        return { state: 'fetched', keys: parseRegistryKeys(targets.registryKeys, source), source }
      }
    } catch (err) {
      // TUF unreachable or malformed: the registry's own endpoint is the next source, as in resolveTrust.
      log.verbose('registry keys', config.redact(`${registry}: Sigstore TUF: ${(err as Error).message}`))
    }
  }
  try {
    // The same timeout and retries as every evidence request (--fetch-timeout, npm's fetch-* settings).
    const policy = requestPolicy(config.fetchSettings(), { timeoutMs: options.timeoutMs, retries: options.retries })
    const keys = await fetchRegistryKeys(registry, { ...policy, fetchOptions: config.fetchOptions(registry), redact: (text) => config.redact(text) })
    return { state: 'fetched', keys, source: `${registry}-/npm/v1/keys` }
  } catch (err) {
    return { state: 'failed', reason: config.redact((err as Error).message) }
  }
}

export function normalizeRegistry(registry: string): string {
  return registry.endsWith('/') ? registry : `${registry}/`
}
