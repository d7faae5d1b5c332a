/**
 * Online trust material through Sigstore TUF (@sigstore/tuf): the public-good trusted_root.json and a
 * registry's keys.json target (`<host><path>/keys.json`, e.g. `registry.npmjs.org/keys.json`).
 * Short timeouts and no retries: an unreachable TUF mirror must not stall a CI run for minutes; the
 * caller falls back to the embedded material and says so.
 *
 * The TUF trust anchor is always the Sigstore root embedded in @sigstore/tuf (its seeds.json), for
 * any mirror: the cached `root.json` is overwritten with it on every run (`forceInit`), and tuf-js
 * then accepts only newer roots that chain from it (each signed by the previous one's keys). A root
 * found in the cache is never trusted because it is there: the cache folder may be set by a project
 * `.npmrc` (`cache=`) or restored from a poisoned CI cache.
 *
 * A run makes one TUF attempt (createTUFSession): one client, refreshed once, possibly started while
 * the tree loads, whose outcome (targets or failure) every consumer shares. @sigstore/tuf is loaded
 * only when a client is made: an offline or fully pinned run never loads it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const DEFAULT_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev'
export const DEFAULT_TUF_TIMEOUT_MS = 5000

export interface TUFFetchOptions {
  cachePath: string
  mirrorURL?: string
  timeoutMs?: number
}

export interface TUFTargets {
  trustedRoot: unknown
  /** The registry's keys.json target, or undefined when TUF has none for it. */
  registryKeys?: unknown
}

/** The TUF target name for a registry's keys: host plus path, e.g. `registry.npmjs.org/keys.json`. */
export function registryKeysTarget(registry: string): string {
  const url = new URL(registry)
  const path = url.pathname.replace(/\/+$/, '')
  return `${url.host}${path}/keys.json`
}

/** The Sigstore public-good TUF root.json that @sigstore/tuf ships (its seed for the default mirror). */
export function embeddedTUFRoot(): Buffer {
  const seeds = createRequire(import.meta.url)('@sigstore/tuf/seeds.json') as Record<string, { 'root.json': string }>
  const seed = seeds[DEFAULT_TUF_MIRROR]
  if (!seed) throw new Error(`@sigstore/tuf has no embedded root for ${DEFAULT_TUF_MIRROR}`)
  return Buffer.from(seed['root.json'], 'base64')
}

type TUFClient = Awaited<ReturnType<(typeof import('@sigstore/tuf'))['initTUF']>>

/** The targets a TUF session serves: the same contract as fetchTUFTargets, on the session's one client. */
export type FetchTUFTargets = (registry: string, options: TUFFetchOptions) => Promise<TUFTargets>

export interface TUFSession {
  /** Starts the one refresh now (e.g. while the tree loads); a failure is kept for fetchTargets, never thrown here. */
  start(): void
  /**
   * The trusted root and `registry`'s keys.json from the session's client, refreshed at most once
   * per session: a failed refresh fails every call, with no second attempt. The options argument is
   * ignored (the session's own options apply); it is there so the session can stand in for
   * fetchTUFTargets.
   */
  fetchTargets: FetchTUFTargets
}

/** One Sigstore TUF client for a run, created and refreshed on first use (or start()), then shared. */
export function createTUFSession(options: TUFFetchOptions): TUFSession {
  let client: Promise<TUFClient> | undefined
  const targets = new Map<string, Promise<string>>()
  const open = (): Promise<TUFClient> => (client ??= openTUFClient(options))
  // One download per target per run, however many registries or stages ask for it.
  const target = async (name: string): Promise<string> => {
    const tuf = await open()
    let text = targets.get(name)
    if (!text) targets.set(name, (text = tuf.getTarget(name)))
    return text
  }
  return {
    start: () => void open().catch(() => undefined),
    fetchTargets: (registry) => readTUFTargets(target, registry),
  }
}

/** One-shot: a fresh client (one refresh) for the trusted root and `registry`'s keys.json. */
export async function fetchTUFTargets(registry: string, options: TUFFetchOptions): Promise<TUFTargets> {
  return createTUFSession(options).fetchTargets(registry, options)
}

async function readTUFTargets(target: (name: string) => Promise<string>, registry: string): Promise<TUFTargets> {
  const trustedRoot: unknown = JSON.parse(await target('trusted_root.json'))
  let registryKeys: unknown
  try {
    registryKeys = JSON.parse(await target(registryKeysTarget(registry)))
  } catch {
    // Not every registry's keys are distributed through TUF; the caller asks the registry instead.
    registryKeys = undefined
  }
  return { trustedRoot, registryKeys }
}

async function openTUFClient(options: TUFFetchOptions): Promise<TUFClient> {
  const { initTUF } = await import('@sigstore/tuf')
  // @sigstore/tuf copies `rootPath` over the cached root.json; a private folder, not the (possibly
  // attacker-chosen) cache, holds the copy.
  const rootDir = mkdtempSync(join(tmpdir(), 'verify-deps-tuf-root-'))
  try {
    const rootPath = join(rootDir, 'root.json')
    writeFileSync(rootPath, embeddedTUFRoot(), { mode: 0o600 })
    return await initTUF({
      cachePath: options.cachePath,
      mirrorURL: options.mirrorURL ?? DEFAULT_TUF_MIRROR,
      rootPath,
      forceInit: true,
      timeout: options.timeoutMs ?? DEFAULT_TUF_TIMEOUT_MS,
      retry: false,
    })
  } finally {
    rmSync(rootDir, { recursive: true, force: true })
  }
}
