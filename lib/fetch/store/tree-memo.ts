/**
 * The tree memo: the tree stage's result for an unchanged project, sealed in the pack, so a warm run
 * skips arborist (whose loadVirtual costs ~110 ms at 1,000 packages and grows quadratically on flat
 * trees). Lockfile mode only: `installed` reads node_modules, which is not hashed, and `ideal` asks
 * the registry.
 *
 * Keyed by digests of every file the lockfile-mode tree stage reads, and every option that shapes it:
 *  - npm-shrinkwrap.json and package-lock.json (each, or its absence) and the root package.json;
 *  - the package.json of every link target the lockfile names (workspaces, `file:` folders): arborist
 *    reads those from disk (loadVirtual). They are known from the lockfile, so the entry lists them
 *    with their digests, and a hit requires each to be unchanged;
 *  - every option of LoadPackagesOptions (mode, workspaces, include-workspace-root, omit, registry,
 *    replace-registry-host, npm's allow-scripts setting, arborist's options…) as data. A function
 *    among them other than `registryFor` is not covered: no memo. `registryFor` (npm's `@scope:registry`
 *    settings) is covered by recording each answer it gave and asking it again on a hit;
 *  - the tool version and the cache format.
 * Anything the key does not cover is a miss: the tree is loaded as without a memo.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { CACHE_FORMAT, canonicalJSON } from '../cache.js'
import type { LoadPackagesOptions, TreeResult } from '../../tree/index.js'
import { sha256 } from './facts-memo.js'
import type { SealedPack } from './pack.js'

/** Bumped when what a tree entry holds changes. */
export const TREE_MEMO_FORMAT = 1
const LOCKFILES = ['npm-shrinkwrap.json', 'package-lock.json'] as const

interface TreeEntry {
  tree: TreeResult
  /** Link target package.json path → digest (null: absent). */
  linkManifests: Record<string, string | null>
  /** Package name → what registryFor answered. */
  registries: Record<string, string>
}

export type LoadTree = (options: LoadPackagesOptions) => Promise<TreeResult>

/** The tree for `options`: from the memo when everything it depends on is unchanged, else loaded (and memoized). */
export async function loadTreeMemoized(pack: SealedPack, toolVersion: string, options: LoadPackagesOptions, load: LoadTree): Promise<TreeResult> {
  const key = treeKey(options, toolVersion)
  if (!key) return load(options)
  const entry = pack.get('tree', key.id)
  const hit = entry && readHit(entry.data, options)
  if (hit) return hit

  const registries: Record<string, string> = {}
  const registryFor = (name: string): string => (registries[name] = options.registryFor(name))
  const tree = await load({ ...options, registryFor })
  const lockfileText = tree.lockfile && key.texts.get(tree.lockfile)
  const links = lockfileText ? linkManifestPaths(lockfileText, key.projectDir) : undefined
  if (links) {
    const stored: TreeEntry = { tree, linkManifests: Object.fromEntries(links.map((path) => [path, fileDigest(path)])), registries }
    pack.put('tree', key.id, JSON.stringify(stored))
  }
  return tree
}

/** The key of everything read before arborist runs, or undefined when the options hold something not covered. */
function treeKey(options: LoadPackagesOptions, toolVersion: string): { id: string; projectDir: string; texts: Map<string, Buffer> } | undefined {
  if ((options.mode ?? 'lockfile') !== 'lockfile') return undefined
  const { registryFor: _registryFor, ...rest } = options
  if (containsFunction(rest)) return undefined
  const projectDir = resolve(options.projectDir)
  const texts = new Map<string, Buffer>()
  const files: Record<string, string | null> = {}
  for (const name of [...LOCKFILES, 'package.json']) {
    const path = join(projectDir, name)
    const bytes = readIfFile(path)
    if (bytes === undefined) return undefined
    files[name] = bytes && sha256(bytes)
    if (bytes) texts.set(path, bytes)
  }
  const id = sha256(canonicalJSON({ kind: 'tree', format: TREE_MEMO_FORMAT, cacheFormat: CACHE_FORMAT, tool: toolVersion, projectDir, options: rest, files }))
  return { id, projectDir, texts }
}

/** A sealed tree entry, when every link manifest and every registry answer is still what it was. */
function readHit(data: string, options: LoadPackagesOptions): TreeResult | undefined {
  let entry: TreeEntry
  try {
    entry = JSON.parse(data) as TreeEntry
  } catch {
    return undefined
  }
  if (typeof entry?.tree !== 'object' || !Array.isArray(entry.tree?.packages)) return undefined
  for (const [path, digest] of Object.entries(entry.linkManifests ?? {})) {
    if (fileDigest(path) !== digest) return undefined
  }
  for (const [name, registry] of Object.entries(entry.registries ?? {})) {
    if (options.registryFor(name) !== registry) return undefined
  }
  return entry.tree
}

/**
 * The package.json of every link target in a lockfile's `packages` (what loadVirtual reads from disk),
 * or undefined for a lockfile without that section (not memoized).
 */
function linkManifestPaths(lockfile: Buffer, projectDir: string): string[] | undefined {
  let doc: unknown
  try {
    doc = JSON.parse(lockfile.toString('utf8').replace(/^\uFEFF/, ''))
  } catch {
    return undefined
  }
  const packages = (doc as { packages?: unknown } | null)?.packages
  if (typeof packages !== 'object' || packages === null || Array.isArray(packages)) return undefined
  const paths = new Set<string>()
  for (const entry of Object.values(packages as Record<string, unknown>)) {
    const { link, resolved } = (entry ?? {}) as { link?: unknown; resolved?: unknown }
    if (link === true && typeof resolved === 'string') paths.add(join(resolve(projectDir, resolved), 'package.json'))
  }
  return [...paths].sort()
}

/** The file's bytes, null when there is none, undefined when it cannot be read (not memoized). */
function readIfFile(path: string): Buffer | null | undefined {
  try {
    return readFileSync(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : undefined
  }
}

function fileDigest(path: string): string | null {
  const bytes = readIfFile(path)
  return bytes === undefined ? 'unreadable' : bytes && sha256(bytes)
}

function containsFunction(value: unknown): boolean {
  if (typeof value === 'function') return true
  if (typeof value !== 'object' || value === null) return false
  return Object.values(value).some(containsFunction)
}
