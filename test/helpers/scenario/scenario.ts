/**
 * `createScenario`: from a declaration to a running world — registry keys, a private Sigstore, the
 * loopback registry serving every declared version as its knobs say, trust files on disk, and a
 * project locked by the real npm CLI. Everything is torn down with the owning test.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestSigstore, type TestSigstore } from '../pki/index.js'
import { runNpm, startRegistry, type NpmResult, type RegistryKeyPair, type RegistryServer, type VersionRecord } from '../registry/index.js'
import { createScenarioKeys } from './keys.js'
import { DEFAULT_SCENARIO_NOW, resolveKnobs, type ScenarioOptions } from './options.js'
import { LOOPBACK_NPM_CONFIG, generateLockfile, writeProject } from './project.js'
import { publishVersion, type PublishedVersion } from './publish.js'
import { writeRegistryKeysFile, writeTrustFiles, type KeysFileShape } from './trust-files.js'

/** What createScenario needs from a tap Test: a place to register cleanup. */
export interface ScenarioOwner {
  teardown(fn: () => unknown): void
}

/** The parts of package-lock.json (v2/v3) tests usually look at. */
export interface Lockfile {
  lockfileVersion: number
  packages: Record<string, LockfileEntry>
}

export interface LockfileEntry {
  name?: string
  version?: string
  resolved?: string
  integrity?: string
  dev?: boolean
  optional?: boolean
  peer?: boolean
  link?: boolean
  hasInstallScript?: boolean
  dependencies?: Record<string, string>
  [field: string]: unknown
}

export interface ScenarioParts {
  registry: RegistryServer
  pki: TestSigstore
  key: RegistryKeyPair
  unknownKey: RegistryKeyPair
  expiredKey: RegistryKeyPair | null
  trustedKeys: RegistryKeyPair[]
  dir: string
  projectDir: string
  trustDir: string
  scratchDir: string
  trustedRootFile: string
  registryKeysFile: string
  versions: Map<string, PublishedVersion>
}

export class Scenario {
  readonly registry: RegistryServer
  readonly pki: TestSigstore
  /** The served registry key: signs valid `dist.signatures` and publish attestations. */
  readonly key: RegistryKeyPair
  /** Signs `unknown-key` signatures and publish attestations; never served. */
  readonly unknownKey: RegistryKeyPair
  /** Served but expired before the publish times it signs; null unless a version uses `expired-key`. */
  readonly expiredKey: RegistryKeyPair | null
  /** The keys in `registryKeysFile` (and served, unless `keys: 'none'`). */
  readonly trustedKeys: readonly RegistryKeyPair[]
  /** Root of the scenario's files: `project/`, `trust/`, `npm/` (npm cache and empty npmrcs). */
  readonly dir: string
  readonly projectDir: string
  readonly trustDir: string
  readonly scratchDir: string
  readonly trustedRootFile: string
  readonly registryKeysFile: string
  /** Every declared version by `name@version`, in declaration order. */
  readonly versions: ReadonlyMap<string, PublishedVersion>

  constructor(parts: ScenarioParts) {
    this.registry = parts.registry
    this.pki = parts.pki
    this.key = parts.key
    this.unknownKey = parts.unknownKey
    this.expiredKey = parts.expiredKey
    this.trustedKeys = parts.trustedKeys
    this.dir = parts.dir
    this.projectDir = parts.projectDir
    this.trustDir = parts.trustDir
    this.scratchDir = parts.scratchDir
    this.trustedRootFile = parts.trustedRootFile
    this.registryKeysFile = parts.registryKeysFile
    this.versions = parts.versions
  }

  /** The registry's record of `name@version` (or of `name`, when only one version is declared), for mutation. */
  version(spec: string): VersionRecord {
    return this.published(spec).record
  }

  /** Everything known about a declared version: record, signed tarball, provenance as signed. */
  published(spec: string): PublishedVersion {
    const exact = this.versions.get(spec)
    if (exact) return exact
    const byName = [...this.versions.values()].filter((v) => v.spec.name === spec)
    if (byName.length === 1) return byName[0]!
    throw new Error(`scenario: ${byName.length ? `${spec} is ambiguous, say name@version` : `no declared version ${spec}`}`)
  }

  /**
   * Runs the real npm CLI in the project (its `.npmrc` applies), e.g. `['ci']`. `config` adds
   * `npm_config_*` settings over the defaults: scripts off, short retry backoff (LOOPBACK_NPM_CONFIG).
   */
  npm(args: readonly string[], config: Record<string, string> = {}): Promise<NpmResult> {
    return runNpm(args, { cwd: this.projectDir, scratchDir: this.scratchDir, config: { ...LOOPBACK_NPM_CONFIG, ...config } })
  }

  readLockfile(): Lockfile {
    return JSON.parse(readFileSync(join(this.projectDir, 'package-lock.json'), 'utf8')) as Lockfile
  }

  /** Writes another registry keys file into `trustDir` (e.g. after a test changes the served keys). */
  writeRegistryKeysFile(keys: readonly RegistryKeyPair[], shape: KeysFileShape = 'endpoint'): string {
    return writeRegistryKeysFile(this.trustDir, keys, shape)
  }
}

export async function createScenario(t: ScenarioOwner, options: ScenarioOptions): Promise<Scenario> {
  const now = options.now ?? DEFAULT_SCENARIO_NOW
  const declared = options.packages.map((spec) => ({ spec, knobs: resolveKnobs(spec, options.defaults ?? {}, now) }))
  assertUnique(declared.map(({ spec }) => `${spec.name}@${spec.version}`))

  const expiredTimes = declared.filter(({ knobs }) => knobs.signature === 'expired-key').map(({ knobs }) => knobs.publishTime.getTime())
  const keys = createScenarioKeys(expiredTimes.length ? new Date(Math.min(...expiredTimes)) : null)
  const pki = createTestSigstore({ now })
  const registryOptions = options.registry ?? {}
  const registry = await startRegistry({
    keys: registryOptions.keys === 'none' ? null : keys.trusted,
    token: registryOptions.token ?? null,
  })
  t.teardown(() => registry.close())
  if (registryOptions.history) registry.store.history = registryOptions.history

  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'verify-deps-scenario-'))
  if (!options.dir) t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const [projectDir, trustDir, scratchDir] = [join(dir, 'project'), join(dir, 'trust'), join(dir, 'npm')]

  const versions = new Map<string, PublishedVersion>()
  for (const { spec, knobs } of declared) {
    versions.set(`${spec.name}@${spec.version}`, publishVersion({ registry, pki, keys }, spec, knobs))
  }

  const trustFiles = writeTrustFiles(trustDir, pki.trustedRoot, keys.trusted, registryOptions.keysFile ?? 'endpoint')
  writeProject(projectDir, options.project ?? {}, options.packages, { url: registry.url, token: registry.token })
  if (options.lockfile !== false) await generateLockfile(projectDir, scratchDir)
  // Tests look at what the code under test requests, not at the setup's npm run.
  registry.clearRequests()

  return new Scenario({
    registry,
    pki,
    key: keys.key,
    unknownKey: keys.unknownKey,
    expiredKey: keys.expiredKey,
    trustedKeys: keys.trusted,
    dir,
    projectDir,
    trustDir,
    scratchDir,
    ...trustFiles,
    versions,
  })
}

function assertUnique(ids: readonly string[]): void {
  const seen = new Set<string>()
  for (const id of ids) {
    if (seen.has(id)) throw new Error(`scenario: ${id} is declared twice`)
    seen.add(id)
  }
}
