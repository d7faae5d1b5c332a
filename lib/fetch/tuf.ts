/**
 * Online trust material through Sigstore TUF (@sigstore/tuf): the public-good trusted_root.json and a
 * registry's keys.json target (`<host><path>/keys.json`, e.g. `registry.npmjs.org/keys.json`).
 * Short timeouts and no retries: an unreachable TUF mirror must not stall a CI run for minutes; the
 * caller falls back to the embedded material and says so.
 */
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

export async function fetchTUFTargets(registry: string, options: TUFFetchOptions): Promise<TUFTargets> {
  const tuf = await initTUF({
    cachePath: options.cachePath,
    mirrorURL: options.mirrorURL ?? DEFAULT_TUF_MIRROR,
    timeout: options.timeoutMs ?? DEFAULT_TUF_TIMEOUT_MS,
    retry: false,
  })
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
