/**
 * verify-deps' own runtime dependencies, served by the loopback registry with no network: the
 * production closure recorded in package-lock.json (every `packages` entry that is not `dev`), each
 * packed on the fly from its installed copy in node_modules with npm's `tar`, as `npm pack` would
 * (entries under `package/`, the package's own nested node_modules left out); the registry computes
 * integrity from those bytes. An `npm install` of the verify-deps tarball against that registry then
 * resolves the same versions the lockfile pins, since they are the only ones served.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import semver from 'semver'
import { create } from 'tar'
import type { RegistryStore } from './registry/index.js'

interface LockEntry {
  name?: string
  version?: string
  dev?: boolean
  optional?: boolean
  link?: boolean
}

export interface ServedPackage {
  name: string
  version: string
}

/**
 * Adds every production dependency of the project at `root` (its package-lock.json, its
 * node_modules) to `store`, highest version last so `latest` is the highest. Throws naming the
 * package when the installed copy is missing or is another version than the lockfile says.
 */
export function serveProductionClosure(store: RegistryStore, root: string): ServedPackage[] {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages?: Record<string, LockEntry> }
  const found = new Map<string, { name: string; version: string; dir: string }>()
  for (const [location, entry] of Object.entries(lock.packages ?? {})) {
    if (location === '' || entry.dev === true || entry.link === true) continue
    if (entry.version === undefined) throw new Error(`${location}: no version in package-lock.json`)
    const name = entry.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length)
    const dir = join(root, location)
    if (!existsSync(join(dir, 'package.json'))) {
      // An optional dependency for another platform is in the lockfile but not installed.
      if (entry.optional === true) continue
      throw new Error(`${location} (${name}@${entry.version}) is in package-lock.json but not installed: run npm ci`)
    }
    const installed = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }
    if (installed.version !== entry.version) {
      throw new Error(`${location}: package-lock.json says ${name}@${entry.version}, node_modules holds ${installed.version}: run npm ci`)
    }
    found.set(`${name}@${entry.version}`, { name, version: entry.version, dir })
  }
  const work = mkdtempSync(join(tmpdir(), 'verify-deps-closure-'))
  try {
    const packages = [...found.values()].sort((a, b) => a.name.localeCompare(b.name) || semver.compare(a.version, b.version))
    for (const { name, version, dir } of packages) {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>
      store.addVersion({ name, version, manifest, tarball: packInstalled(dir, join(work, 'package.tgz')) })
    }
    return packages.map(({ name, version }) => ({ name, version }))
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** An installed package folder as a package tarball (without its own node_modules). */
function packInstalled(dir: string, file: string): Buffer {
  const entries = readdirSync(dir).filter((entry) => entry !== 'node_modules').sort()
  create({ file, gzip: true, cwd: dir, prefix: 'package', portable: true, sync: true }, entries)
  return readFileSync(file)
}
