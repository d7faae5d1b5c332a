/**
 * The signing keys of every registry a project's packages come from, looked up once per registry
 * before any package is fetched (they decide whether a package needs its publish time, and they
 * are part of the verification cache's trust digest). Trust comes from the user first:
 *  1. a pin — `--registry-keys <registry-url>=<file>` (plain `--registry-keys FILE` pins
 *     registry.npmjs.org), else the npm config key `//host/path/:verify-deps-registry-keys=<file>`.
 *     A pinned registry's keys come from that file only: never from the registry itself;
 *  2. the registry the resolved trust material is for (registry.npmjs.org by default): its keys
 *     from resolveTrust (Sigstore TUF or the embedded copy);
 *  3. any other registry: its Sigstore TUF `keys.json` target when TUF is in use, else its own
 *     `GET /-/npm/v1/keys` (404/400: it publishes none → `null`). Keys a registry serves about
 *     itself are vouched for by nobody but that registry: `kind: 'registry'`, which the report
 *     names. Offline (`--offline`, npm's `offline`), nothing is requested: an unpinned registry
 *     other than the trust registry has no keys to use.
 * A registry whose keys cannot be obtained is `failed`: its packages cannot be verified.
 */
import { log } from '../log.js'
import { REGISTRY_KEYS_CONFIG_KEY, registryNerfDart, type NpmConfig } from '../npm-config.js'
import { fetchRegistryKeysFresh } from './endpoint.js'
import { fetchTUFTargets, registryKeysTarget, type TUFFetchOptions } from '../tuf.js'
import { DEFAULT_REGISTRY } from '../npm-config.js'
import { requestPolicy } from '../http.js'
import { inputError } from '../../errors.js'
import { loadRegistryKeysFile, parseRegistryKeys } from './parse.js'
import type { RegistryKey } from '../../model/evidence.js'
import type { RegistryKeysSource } from '../../model.js'
import type { RegistryKeysMemo } from '../store/keys-memo.js'


/** Where a registry's keys came from: the user (`pinned`), Sigstore TUF, the copy shipped with verify-deps, or the registry itself. */
export type RegistryKeysKind = 'pinned' | 'sigstore-tuf' | 'embedded' | 'registry'

export type RegistryKeysResult =
  /** `kind` absent: treated as `registry` (vouched for by nobody else). */
  | { state: 'fetched'; keys: RegistryKey[] | null; source: string; kind?: RegistryKeysKind }
  | { state: 'failed'; reason: string }

/** A registry's keys named by the user: the file, and where it was named (`--registry-keys`, an npmrc file). */
export interface RegistryKeysPin {
  file: string
  from: string
}

/** The npm config key that pins a registry's keys, nerf-darted as npm scopes per-registry settings. */
export { REGISTRY_KEYS_CONFIG_KEY }

export interface KeysForRegistriesOptions {
  /** From resolveTrust: the keys of `trustRegistry`, and where they came from (`none` when it found none). */
  trust: { registryKeys: RegistryKey[]; registryKeysSource: string; registryKeysKind?: RegistryKeysKind | 'none' }
  /** The registry `trust` holds keys for; default registry.npmjs.org. */
  trustRegistry?: string
  config: NpmConfig
  /** Pins from the command line, by registry URL; they win over npm config pins. */
  pins?: ReadonlyMap<string, RegistryKeysPin>
  /** No request at all (not to TUF, not to the registry). */
  offline?: boolean
  /** Sigstore TUF for other registries' `keys.json`; omit to skip TUF (offline). */
  tuf?: TUFFetchOptions
  fetchTargets?: typeof fetchTUFTargets
  timeoutMs?: number
  retries?: number
  /**
   * A registry's own keys from an earlier run, while its Cache-Control lets them be reused (the sealed
   * store, store/keys-memo.ts): asked before TUF and the registry; told what the registry serves.
   */
  memo?: RegistryKeysMemo
  /**
   * Registries asked without credentials: upstreams no package comes from directly (docs/mirrors.md).
   * A project .npmrc can name an upstream, so no registry's token may reach it, not even one whose
   * host and path would match.
   */
  anonymous?: ReadonlySet<string>
}

/** Keyed by registry URL with a trailing slash. Never throws for a registry's answer (a failure is a `failed` entry); an unusable pinned file is a usage error. */
export async function fetchKeysForRegistries(registries: Iterable<string>, options: KeysForRegistriesOptions): Promise<Map<string, RegistryKeysResult>> {
  const trustRegistry = normalizeRegistry(options.trustRegistry ?? DEFAULT_REGISTRY)
  const unique = [...new Set([...registries].map(normalizeRegistry))]
  const results = await Promise.all(unique.map(async (registry) => [registry, await keysFor(registry, trustRegistry, options)] as const))
  return new Map(results)
}

/** The pin for `registry`, if the user named one: the command line first, then npm config. */
export function registryKeysPin(registry: string, pins: ReadonlyMap<string, RegistryKeysPin> | undefined, config: NpmConfig): RegistryKeysPin | undefined {
  const dart = registryNerfDart(registry)
  for (const [url, pin] of pins ?? []) if (registryNerfDart(url) === dart) return pin
  return config.registryKeysPin(registry)
}

/** Parses `--registry-keys` values: `<registry-url>=<file>` pins that registry; a plain `FILE` pins registry.npmjs.org. */
export function parseRegistryKeysArgs(values: readonly string[], resolveFile: (file: string) => string): Map<string, RegistryKeysPin> {
  const pins = new Map<string, RegistryKeysPin>()
  for (const value of values) {
    const match = /^(https?:\/\/[^=]+)=(.+)$/i.exec(value)
    const registry = normalizeRegistry(match ? match[1]! : DEFAULT_REGISTRY)
    const file = match ? match[2]! : value
    if ([...pins.keys()].some((r) => registryNerfDart(r) === registryNerfDart(registry))) {
      throw inputError('EUSAGE', `--registry-keys: two key files for ${registry}`, 'Give one --registry-keys per registry: <registry-url>=<file>, or a plain FILE for registry.npmjs.org.')
    }
    pins.set(registry, { file: resolveFile(file), from: '--registry-keys' })
  }
  return pins
}

async function keysFor(registry: string, trustRegistry: string, options: KeysForRegistriesOptions): Promise<RegistryKeysResult> {
  const { config } = options
  const pin = registryKeysPin(registry, options.pins, config)
  // 1. The user's pin: never the registry's word about itself, whatever happens.
  if (pin) return { state: 'fetched', keys: loadRegistryKeysFile(pin.file), source: `${pin.file} (${pin.from})`, kind: 'pinned' }
  if (registry === trustRegistry && options.trust.registryKeysSource !== 'none') {
    const kind = options.trust.registryKeysKind
    return { state: 'fetched', keys: options.trust.registryKeys, source: options.trust.registryKeysSource, kind: kind && kind !== 'none' ? kind : 'pinned' }
  }
  if (options.offline) {
    return {
      state: 'failed',
      reason: `offline: no keys for ${config.redact(registry)} without a request; pin them with --registry-keys ${config.redact(registry)}=FILE or ${registryNerfDart(registry)}:${REGISTRY_KEYS_CONFIG_KEY}=FILE in .npmrc`,
    }
  }
  // 3. A fresh memoized answer of the registry's own (never a pin's, TUF's or the embedded keys).
  const remembered = options.memo?.recall(registry)
  if (remembered) return remembered
  if (options.tuf) {
    try {
      const targets = await (options.fetchTargets ?? fetchTUFTargets)(registry, options.tuf)
      if (targets.registryKeys !== undefined) {
        const source = `Sigstore TUF target ${registryKeysTarget(registry)}`
        return { state: 'fetched', keys: parseRegistryKeys(targets.registryKeys, source), source, kind: 'sigstore-tuf' }
      }
    } catch (err) {
      // TUF unreachable or malformed: the registry's own endpoint is the next source, as in resolveTrust.
      log.verbose('registry keys', config.redact(`${registry}: Sigstore TUF: ${(err as Error).message}`))
    }
  }
  return fetchSelfServedKeys(registry, options)
}

/** The registry's own `GET /-/npm/v1/keys`; exported so a contradiction (signatures but no keys) can ask again. */
export async function fetchSelfServedKeys(registry: string, options: Pick<KeysForRegistriesOptions, 'config' | 'timeoutMs' | 'retries' | 'memo' | 'anonymous'>): Promise<RegistryKeysResult> {
  const { config } = options
  try {
    // The same timeout and retries as every evidence request (--fetch-timeout, npm's fetch-* settings).
    const policy = requestPolicy(config.fetchSettings(), { timeoutMs: options.timeoutMs, retries: options.retries })
    const credentials = !options.anonymous?.has(normalizeRegistry(registry))
    const fetched = await fetchRegistryKeysFresh(registry, { ...policy, fetchOptions: config.fetchOptions(registry, { credentials }), redact: (text) => config.redact(text) })
    const source = `${config.redact(registry)}-/npm/v1/keys`
    if (fetched.keys && options.memo) options.memo.remember(registry, { document: fetched.document, source, freshForMs: fetched.freshForMs })
    return { state: 'fetched', keys: fetched.keys, source, kind: 'registry' }
  } catch (err) {
    return { state: 'failed', reason: config.redact((err as Error).message) }
  }
}

/**
 * An upstream vouches for a mirror's packages only with keys trusted independently of it: pinned,
 * from Sigstore TUF, or the embedded copy. Keys it serves about itself would let whoever names it —
 * a pull request can set `verify-deps-upstream` in the project .npmrc — sign any name@version with the
 * integrity of any tarball the mirror serves (docs/mirrors.md): they are no keys.
 */
export function upstreamKeys(registry: string, keys: RegistryKeysResult, config: NpmConfig): RegistryKeysResult {
  if (keys.state !== 'fetched' || keys.keys === null || (keys.kind ?? 'registry') !== 'registry') return keys
  const url = config.redact(registry)
  return {
    state: 'failed',
    reason: `the upstream ${url} serves its own signing keys, which vouch only for itself: an upstream's keys must be pinned (--registry-keys ${url}=FILE or ${registryNerfDart(registry)}:${REGISTRY_KEYS_CONFIG_KEY}=FILE in .npmrc) or come from Sigstore TUF`,
  }
}

/** The report's view of a registry's keys: their source, and the file, target or URL they came from. */
export function keysInfo(keys: RegistryKeysResult): { keysSource: RegistryKeysSource; keysFrom: string | null } {
  if (keys.state === 'failed') return { keysSource: 'unavailable', keysFrom: null }
  return { keysSource: keys.keys === null ? 'none' : (keys.kind ?? 'registry'), keysFrom: keys.source }
}

/** The notice for keys only the registry itself vouches for. */
export function selfServedKeysNotice(registry: string): string {
  return `the signing keys of ${registry} came from that registry itself (-/npm/v1/keys): nobody else vouches for them; pin them with --registry-keys ${registry}=FILE or ${registryNerfDart(registry)}:${REGISTRY_KEYS_CONFIG_KEY}=FILE in .npmrc`
}

export function normalizeRegistry(registry: string): string {
  return registry.endsWith('/') ? registry : `${registry}/`
}
