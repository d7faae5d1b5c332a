/**
 * The generated world both tools are measured on: a flat tree of `total` packages on the loopback
 * registry (test/helpers/scenario), every one signed with SLSA provenance and a publish attestation
 * except a few on purpose — about one in five leaves has no provenance (so no attestations), one in
 * a hundred packages no registry signature — and a loopback TUF repository serving the test PKI's
 * trusted root and the registry's keys, for npm.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createScenario, type PackageSpec, type Scenario, type ScenarioOwner } from '../test/helpers/scenario/index.js'
import { formatTufKeys } from '../test/helpers/registry/index.js'
import { startTufRepo, type TufRepo } from '../test/helpers/tuf-repo.js'
import { writeFlatLockfile } from '../test/helpers/flat-lockfile.js'

/** Each top-level package depends on FANOUT - 1 leaves of its own. */
export const FANOUT = 10

export interface WorldPackage {
  name: string
  version: string
  signed: boolean
  provenance: boolean
}

/** Publish time of the locked versions; a history's earlier versions are published a day apart before it. */
const LOCKED_PUBLISH_TIME = Date.parse('2025-02-28T12:00:00.000Z')
const DAY_MS = 86_400_000

/**
 * The package declarations for a tree of exactly `total` packages, and what each should verify as.
 * `history` > 1: each package has `history - 1` earlier versions in its release line (`1.0.0` …,
 * the locked one `1.<history - 1>.0`), published a day apart with the same knobs as the locked one
 * and no dist-tag: what the check's trust-over-time step reads and verifies (docs/continuity.md).
 */
export function declareTree(total: number, history = 1): { specs: PackageSpec[]; expected: WorldPackage[] } {
  if (!Number.isSafeInteger(total) || total < 1) throw new Error(`--tree must be a positive integer, got ${String(total)}`)
  const specs: PackageSpec[] = []
  for (let i = 0; specs.length < total; i++) {
    const leaves: PackageSpec[] = []
    for (let j = 0; j < FANOUT - 1 && specs.length + 1 + leaves.length < total; j++) {
      leaves.push({
        name: `leaf-${i}-${j}`,
        version: '1.0.0',
        ...(j % 5 === 0 ? { provenance: 'missing' as const } : {}),
        ...(j === 3 && i % 10 === 0 ? { signature: 'missing' as const } : {}),
      })
    }
    const dependencies = Object.fromEntries(leaves.map((l) => [l.name, '^1.0.0']))
    specs.push({ name: `top-${i}`, version: '1.0.0', ...(leaves.length ? { dependencies } : {}) }, ...leaves)
  }
  if (history > 1) for (const spec of specs) spec.version = `1.${history - 1}.0`
  const expected = specs.map((s) => ({ name: s.name, version: s.version, signed: s.signature !== 'missing', provenance: s.provenance !== 'missing' }))
  const earlier = history > 1 ? specs.flatMap((s) => Array.from({ length: history - 1 }, (_unused, i): PackageSpec => {
    const { dependencies: _, ...knobs } = s
    return { ...knobs, version: `1.${i}.0`, tag: null, publishTime: new Date(LOCKED_PUBLISH_TIME - (history - 1 - i) * DAY_MS) }
  })) : []
  // Earlier versions first: the last version declared of a name is the one its dependents lock.
  return { specs: [...earlier, ...specs.map((s) => (history > 1 ? { ...s, publishTime: new Date(LOCKED_PUBLISH_TIME) } : s))], expected }
}

export interface World {
  scenario: Scenario
  tuf: TufRepo
  /** The TUF repository's 1.root.json, for npm's TUF client. */
  tufRootFile: string
  expected: WorldPackage[]
  /** How the lockfile was made and how long that took. */
  lockfile: { by: 'npm' | 'direct'; ms: number }
  setupMs: number
}

export async function createWorld(owner: ScenarioOwner, total: number, lockfileBy: 'npm' | 'direct', history = 1): Promise<World> {
  const started = performance.now()
  const { specs, expected } = declareTree(total, history)
  const scenario = await createScenario(owner, { packages: specs, lockfile: false })
  // As registry.npmjs.org serves its keys (npm's HTTP cache and verify-deps' keys memo reuse them for 5 minutes).
  scenario.registry.keysCacheControl = 'public, max-age=300'
  const lockStarted = performance.now()
  if (lockfileBy === 'npm') {
    const result = await scenario.npm(['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'])
    if (result.code !== 0) throw new Error(`npm install --package-lock-only exited ${String(result.code)}\n${result.stderr}`)
  } else {
    writeFlatLockfile(scenario)
  }
  const lockfile = { by: lockfileBy, ms: performance.now() - lockStarted }
  scenario.registry.clearRequests()

  // npm reads the registry keys from TUF first (target `<host>/keys.json`), as it does for registry.npmjs.org.
  const host = new URL(scenario.registry.url).host
  const tuf = await startTufRepo({
    'trusted_root.json': JSON.stringify(scenario.pki.trustedRoot),
    [`${host}/keys.json`]: JSON.stringify(formatTufKeys(scenario.trustedKeys)),
  })
  owner.teardown(() => tuf.close())
  const tufRootFile = join(scenario.dir, 'tuf-root.json')
  writeFileSync(tufRootFile, tuf.rootJSON)
  return { scenario, tuf, tufRootFile, expected, lockfile, setupMs: performance.now() - started }
}
