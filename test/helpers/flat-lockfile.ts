/**
 * A package-lock.json (v3) written directly, in the shape npm writes it, for scenario worlds whose
 * packages each have one version (or earlier ones no dist-tag points at, which are left out) and only plain `dependencies`: every package then sits flat at
 * `node_modules/<name>`. Benchmarks use it where `npm install --package-lock-only` takes too long
 * (tens of thousands of packages); a test checks it against npm's own lockfile for the same world.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Lockfile, LockfileEntry, Scenario } from './scenario/index.js'

const UNSUPPORTED_FIELDS = ['optionalDependencies', 'peerDependencies', 'scripts', 'bin', 'os', 'cpu', 'engines', 'license'] as const

/** Writes `<projectDir>/package-lock.json` for the scenario; throws for a world it cannot lay out flat. */
export function writeFlatLockfile(scenario: Pick<Scenario, 'projectDir' | 'versions' | 'registry'>): Lockfile {
  const lockfile = flatLockfile(scenario)
  writeFileSync(join(scenario.projectDir, 'package-lock.json'), JSON.stringify(lockfile, null, 2) + '\n')
  return lockfile
}

export function flatLockfile(scenario: Pick<Scenario, 'projectDir' | 'versions' | 'registry'>): Lockfile {
  const project = JSON.parse(readFileSync(join(scenario.projectDir, 'package.json'), 'utf8')) as Record<string, unknown>
  const byName = new Map<string, LockfileEntry & { dependencies?: Record<string, string> }>()
  for (const { spec, record } of scenario.versions.values()) {
    // An earlier version of a history (bench/world.ts `history`): published, never installed.
    if (spec.tag === null) continue
    if (byName.has(spec.name)) throw new Error(`flat lockfile: ${spec.name} has more than one version`)
    const unsupported = UNSUPPORTED_FIELDS.filter((f) => record.manifest[f] !== undefined)
    if (unsupported.length) throw new Error(`flat lockfile: ${spec.name}@${spec.version} has ${unsupported.join(', ')}`)
    const dependencies = record.manifest.dependencies as Record<string, string> | undefined
    byName.set(spec.name, {
      version: record.version,
      resolved: scenario.registry.tarballUrl(record.name, record.version),
      integrity: record.integrity,
      ...(dependencies ? { dependencies: sortedByName(dependencies) } : {}),
    })
  }
  for (const field of ['devDependencies', 'optionalDependencies', 'peerDependencies', 'workspaces'] as const) {
    if (project[field] !== undefined) throw new Error(`flat lockfile: the project has ${field}`)
  }
  const rootDependencies = (project.dependencies ?? {}) as Record<string, string>

  // Only what the project reaches is locked, as npm does.
  const reached = new Set<string>()
  const queue = Object.keys(rootDependencies)
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    if (reached.has(name)) continue
    const entry = byName.get(name)
    if (!entry) throw new Error(`flat lockfile: nothing declares ${name}`)
    reached.add(name)
    queue.push(...Object.keys(entry.dependencies ?? {}))
  }
  const packages: Record<string, LockfileEntry> = {
    '': { name: project.name as string, version: project.version as string, ...(project.dependencies ? { dependencies: sortedByName(rootDependencies) } : {}) },
  }
  // npm sorts package paths and dependency names with localeCompare in the 'en' locale.
  for (const name of [...reached].sort(byLocale)) packages[`node_modules/${name}`] = byName.get(name)!
  return { name: project.name as string, version: project.version as string, lockfileVersion: 3, requires: true, packages } as Lockfile
}

const byLocale = (a: string, b: string): number => a.localeCompare(b, 'en')

function sortedByName(deps: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(deps).sort(([a], [b]) => byLocale(a, b)))
}
