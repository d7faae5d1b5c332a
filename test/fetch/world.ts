/**
 * Shared set-up for the fetch/ tests: PackageRefs from a scenario's real lockfile, an npm
 * configuration isolated from the machine's, and the scenario's registry keys as the keys step
 * would give them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { PackageRef } from '../../lib/model.js'
import { loadNpmConfig, type NpmConfig } from '../../lib/fetch/npm-config.js'
import { fetchKeysForRegistries, type RegistryKeysResult } from '../../lib/fetch/registry-keys/by-registry.js'
import { loadRegistryKeysFile } from '../../lib/fetch/registry-keys/parse.js'
import { createScenario, type PackageSpec, type Scenario } from '../helpers/scenario/index.js'

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

/** a → @acme/b (both with provenance); c without attestations: the world most fetch tests use. */
export const SMALL_WORLD: PackageSpec[] = [
  { name: 'a', version: '1.0.0', dependencies: { '@acme/b': '^1.0.0' } },
  { name: '@acme/b', version: '1.2.0' },
  { name: 'c', version: '2.0.0', provenance: 'missing' },
]

/** A scenario of `packages`, its lockfile's refs, an isolated npm config, its registry keys (endpoint shape) and its trusted root. */
export async function createFetchWorld(t: Test, packages: PackageSpec[] = SMALL_WORLD) {
  const s = await createScenario(t, { packages })
  const refs = refsFromLockfile(s)
  const { config } = await isolatedConfig(t, s.projectDir)
  const keys = await scenarioKeys(s, config)
  const trustedRoot = JSON.parse(readFileSync(s.trustedRootFile, 'utf8')) as unknown
  return { s, refs, config, keys, trustedRoot }
}
