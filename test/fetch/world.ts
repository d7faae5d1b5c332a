/**
 * Shared set-up for the fetch/ tests: PackageRefs from a scenario's real lockfile, an npm
 * configuration isolated from the machine's, and the scenario's registry keys as the keys step
 * would give them.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { PackageRef } from '../../lib/model.js'
import { loadNpmConfig, type NpmConfig } from '../../lib/fetch/npm-config.js'
import { fetchKeysForRegistries, type RegistryKeysResult } from '../../lib/fetch/registry-keys/by-registry.js'
import { loadRegistryKeysFile } from '../../lib/fetch/registry-keys/parse.js'
import type { Scenario } from '../helpers/scenario/index.js'

/** Fast retries for the loopback registry: the policy is under test, not the internet's backoff. */
export const FAST = { timeoutMs: 5000, retries: 2, retry: { minDelayMs: 5, maxDelayMs: 20 } } as const

/** The lockfile's registry packages as the tree stage gives them (one location each is enough here). */
export function refsFromLockfile(s: Scenario): PackageRef[] {
  const lock = s.readLockfile()
  return Object.entries(lock.packages)
    .filter(([path]) => path !== '')
    .map(([path, entry]) => ({
      name: entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length),
      version: entry.version!,
      ...(entry.integrity !== undefined && { integrity: entry.integrity }),
      ...(entry.resolved !== undefined && { resolved: entry.resolved }),
      registry: s.registry.url,
      source: 'registry' as const,
      locations: [{ path, why: [], dev: false, optional: false, peer: false }],
    }))
}

/** npm configuration for `projectDir` with a fresh HOME (so a fresh npm cache) and no global file. */
export async function isolatedConfig(t: Test, projectDir: string, env: Record<string, string> = {}): Promise<{ config: NpmConfig; home: string }> {
  const home = mkdtempSync(join(tmpdir(), 'verify-deps-home-'))
  t.teardown(() => rmSync(home, { recursive: true, force: true }))
  const config = await loadNpmConfig({ cwd: projectDir, projectDir, env: { HOME: home, PREFIX: join(home, 'prefix'), ...env } })
  return { config, home }
}

/** The scenario registry's keys, from a keys file of the given shape, as fetchKeysForRegistries gives them. */
export async function scenarioKeys(s: Scenario, config: NpmConfig, shape: 'endpoint' | 'tuf' = 'endpoint'): Promise<Map<string, RegistryKeysResult>> {
  const file = shape === 'endpoint' ? s.registryKeysFile : s.writeRegistryKeysFile(s.trustedKeys, 'tuf')
  return fetchKeysForRegistries([s.registry.url], {
    trust: { registryKeys: loadRegistryKeysFile(file), registryKeysSource: file },
    trustRegistry: s.registry.url,
    config,
  })
}
