/**
 * `installed` mode: what is in node_modules against what the lockfile says should be there.
 * The verifier vouches for the lockfile's packages; a folder whose package.json disagrees (an
 * edited or hand-copied node_modules, a stale install) means the code that runs is not the code
 * that was verified, so each disagreement is reported.
 */
import type { ArboristNode } from './arborist.js'
import type { Lockfile, LockEntry } from './lockfile.js'

export interface PackageIdentity {
  name: string
  version: string
}

export interface InstalledMismatch {
  /** Location, as package-lock.json keys it: `node_modules/a/node_modules/b`. */
  path: string
  /** What the lockfile records there; null when it has no entry (a folder npm did not put there). */
  lockfile: PackageIdentity | null
  /** What package.json on disk says; null when the lockfile's package is not installed. */
  installed: PackageIdentity | null
}

/**
 * Compares each installed folder under a node_modules with the lockfile entry at that location,
 * and lists lockfile entries missing from disk, except optional ones (npm skips those on other
 * platforms) and those `omit` leaves out (as `npm ci --omit=…` does). A missing package's
 * nested dependencies are not listed again.
 */
export function compareInstalled(tree: ArboristNode, lockfile: Lockfile, omit: ReadonlySet<string>): InstalledMismatch[] {
  const mismatches: InstalledMismatch[] = []
  for (const node of tree.inventory.values()) {
    if (!isInNodeModules(node.location)) continue
    const target = node.isLink ? (node.target ?? node) : node
    const installed = { name: target.packageName ?? node.name, version: target.version }
    const expected = expectedAt(lockfile, node.location)
    if (!expected || expected.name !== installed.name || expected.version !== installed.version) {
      mismatches.push({ path: node.location, lockfile: expected, installed })
    }
  }

  for (const [location, entry] of lockfile.packages) {
    if (!isInNodeModules(location) || tree.inventory.get(location) !== undefined) continue
    if (entry.optional || isOmitted(entry, omit)) continue
    const parent = parentLocation(location)
    if (parent !== null && lockfile.packages.has(parent) && tree.inventory.get(parent) === undefined) continue
    mismatches.push({ path: location, lockfile: expectedAt(lockfile, location), installed: null })
  }
  return mismatches.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** The name and version the lockfile puts at a location (for a link, those of its target). */
function expectedAt(lockfile: Lockfile, location: string): PackageIdentity | null {
  const entry = lockfile.packages.get(location)
  if (!entry) return null
  if (entry.link && entry.resolved !== undefined) {
    const target = lockfile.packages.get(entry.resolved)
    return { name: target?.name ?? nameFromLocation(entry.resolved), version: target?.version ?? '' }
  }
  return { name: entry.name ?? nameFromLocation(location), version: entry.version ?? '' }
}

/** npm's --omit rule (arborist Node#shouldOmit) applied to a lockfile entry's flags. */
function isOmitted(entry: LockEntry, omit: ReadonlySet<string>): boolean {
  return (
    (!!entry.peer && omit.has('peer')) ||
    (!!entry.dev && omit.has('dev')) ||
    (!!entry.optional && omit.has('optional')) ||
    (!!entry.devOptional && omit.has('dev') && omit.has('optional'))
  )
}

function isInNodeModules(location: string): boolean {
  return /(^|\/)node_modules\//.test(location)
}

/** `node_modules/a/node_modules/@s/b` → `node_modules/a`; null at the top of a node_modules. */
function parentLocation(location: string): string | null {
  const parent = location.replace(/\/?node_modules\/(@[^/]+\/)?[^/]+$/, '')
  return isInNodeModules(parent) ? parent : null
}

/** The folder name a location installs under: `node_modules/@s/b` → `@s/b`, `local/lib` → `lib`. */
export function nameFromLocation(location: string): string {
  const match = /(?:^|\/)((?:@[^/]+\/)?[^/]+)$/.exec(location.replace(/^.*node_modules\//, ''))
  return match?.[1] ?? location
}
