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
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initTUF } from '@sigstore/tuf'

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

export async function fetchTUFTargets(registry: string, options: TUFFetchOptions): Promise<TUFTargets> {
  // @sigstore/tuf copies `rootPath` over the cached root.json; a private folder, not the (possibly
  // attacker-chosen) cache, holds the copy.
  const rootDir = mkdtempSync(join(tmpdir(), 'verify-deps-tuf-root-'))
  let tuf: Awaited<ReturnType<typeof initTUF>>
  try {
    const rootPath = join(rootDir, 'root.json')
    writeFileSync(rootPath, embeddedTUFRoot(), { mode: 0o600 })
    tuf = await initTUF({
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
  const trustedRoot: unknown = JSON.parse(await tuf.getTarget('trusted_root.json'))
  let registryKeys: unknown
  try {
    registryKeys = JSON.parse(await tuf.getTarget(registryKeysTarget(registry)))
  } catch {
    // Not every registry's keys are distributed through TUF; the caller asks the registry instead.
    registryKeys = undefined
  }
  return { trustedRoot, registryKeys }
}
