/**
 * npm's lockfile (lockfileVersion 2 or 3) read straight into the tree shape the later steps take
 * (arborist.ts's ArboristNode), without arborist's Node graph: at 10,000 packages arborist's
 * `loadVirtual` holds ~150k Maps and Sets and a normalized package object per node (150–190 MB of
 * RSS); this holds one small object, one edge map and one edge set per node.
 *
 * It reproduces what `loadVirtual` builds, step for step (node_modules/@npmcli/arborist/lib/arborist/
 * load-virtual.js, node.js, edge.js, calc-dep-flags.js):
 *  - the root from package.json, every other node from its `packages` entry, in the file's order;
 *  - each node's edges in arborist's order (peer, peerOptional, prod, optional, and dev for the
 *    root), a later type replacing an earlier one of the same name;
 *  - each edge resolved by npm's node_modules lookup (the node's children, then its parent's, up to
 *    the root) and judged by arborist's own `dep-valid.js` (missing, PEER LOCAL, invalid);
 *  - the dev / optional / devOptional / peer / extraneous flags as the lockfile gives them, unless
 *    the root's dependencies differ from the lockfile's root entry: then recomputed with arborist's
 *    rule (`flagsSuspect`; lock-graph.ts's calcDepFlags).
 *
 * Only for the lockfiles where that is all arborist does. Anything else — links, workspaces,
 * bundles, overrides, shrinkwraps, a spec that is not a registry range, tag or alias, a name that is
 * not lower case (arborist's maps are case-insensitive), an entry field arborist would read and this
 * does not — returns null and the caller loads the tree with arborist: never a guess.
 * test/tree/npm-lock-tree.test.ts compares the two readers node by node and package by package.
 */
import { createRequire } from 'node:module'
import { basename, dirname, join, resolve } from 'node:path'
import type { ArboristEdge, ArboristNode } from './arborist.js'
import { LOCKFILE_NAMES } from './lockfile.js'
import type { Manifest } from './manifest.js'
import { readLockfileText } from './manifest.js'
import { expectedName } from './binding.js'
import { calcDepFlags, shouldOmit } from './lock-graph.js'
import { classifyNode, specKind } from './source.js'

type Spec = { type: string; fetchSpec?: string | null; subSpec?: Spec }
interface ArboristParts {
  npa: { resolve(name: string, spec: string, where: string): Spec }
  /** validate-npm-package-name, as npm-package-arg's Result#setName asks it. */
  validateName(name: string): { validForOldPackages: boolean }
  depValid(child: ArboristNode, requested: Spec, accept: undefined, requestor: { errors: unknown[] }): boolean
  consistentResolve(resolved: unknown, fromPath: string, toPath: string): string | null
}

let parts: ArboristParts | undefined

/** arborist's own spec parser, edge-validity rule and `resolved` normalizer, so that the answers are arborist's. */
function arboristParts(): ArboristParts {
  if (parts) return parts
  const require = createRequire(import.meta.url)
  const fromArborist = createRequire(require.resolve('@npmcli/arborist'))
  const fromNpa = createRequire(fromArborist.resolve('npm-package-arg'))
  parts = { npa: fromArborist('npm-package-arg'), validateName: fromNpa('validate-npm-package-name'), depValid: fromArborist('./dep-valid.js'), consistentResolve: fromArborist('./consistent-resolve.js') }
  return parts
}

/** The entry fields arborist's loadVirtual reads for a node_modules package, or ignores; any other field sends the lockfile to arborist. */
const ENTRY_FIELDS = new Set([
  'name', 'version', 'resolved', 'integrity', 'license', 'dev', 'optional', 'devOptional', 'peer', 'extraneous', 'hasInstallScript',
  'dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'devDependencies',
  'engines', 'os', 'cpu', 'libc', 'bin', 'funding', 'deprecated',
])
/**
 * package.json fields that make arborist do more than this reader does. `bin` and `directories`:
 * @npmcli/package-json's normalize can throw on odd values of them, and then loadVirtual takes the
 * lockfile's root entry as the root's package.json.
 */
const ROOT_FIELDS_FALLBACK = ['workspaces', 'overrides', 'bundleDependencies', 'bundledDependencies', 'acceptDependencies', 'peerDependenciesMeta', 'bin', 'directories']
const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'] as const
/** Arborist options loadVirtual does not read here (registry, cache): any other sends the lockfile to arborist. */
const NEUTRAL_OPTIONS = new Set(['registry', 'cache', 'path'])

// A lower-case package name (arborist's children and edge maps are case-insensitive: mixed case goes to arborist).
const NAME = '(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*'
const NAME_RE = new RegExp(`^${NAME}$`)
const LOCATION_RE = new RegExp(`^(?:(.+)/)?node_modules/(${NAME})$`)

const EMPTY_PACKAGE: ArboristNode['package'] = Object.freeze({})

class Ineligible extends Error {}

/**
 * The tree `loadVirtual` would build for `lockfilePath` in `projectDir`, whose package.json is
 * `manifest`; null when the lockfile needs more than this reader does (load it with arborist).
 * `document`: the lockfile's JSON as already parsed (lockfile.ts's readLockfile), read as it is
 * instead of parsing the file again; never changed here.
 */
export async function readNpmLockTree(projectDir: string, lockfilePath: string, manifest: Manifest | undefined, arboristOptions: Record<string, unknown> = {}, document?: unknown): Promise<ArboristNode | null> {
  if (!manifest || Object.keys(arboristOptions).some((key) => !NEUTRAL_OPTIONS.has(key))) return null
  if (!LOCKFILE_NAMES.some((name) => join(projectDir, name) === lockfilePath)) return null
  let doc: unknown = document
  if (doc === undefined) {
    try {
      doc = JSON.parse((await readLockfileText(lockfilePath)).replace(/^\uFEFF/, ''))
    } catch {
      return null
    }
  }
  try {
    return buildTree(projectDir, doc, manifest)
  } catch (err) {
    if (err instanceof Ineligible) return null
    throw err
  } finally {
    parsedSpecs = new Map()
    checkedNames = new Set()
  }
}

function buildTree(projectDir: string, doc: unknown, manifest: Manifest): ArboristNode {
  const { consistentResolve } = arboristParts()
  if (!isObject(doc) || (doc.lockfileVersion !== 2 && doc.lockfileVersion !== 3) || !isObject(doc.packages)) throw new Ineligible()
  const packages = doc.packages
  const lockRoot = packages['']
  if (!isObject(lockRoot) || lockRoot.workspaces !== undefined) throw new Ineligible()
  if (ROOT_FIELDS_FALLBACK.some((field) => manifest[field] !== undefined)) throw new Ineligible()
  // arborist keeps a non-string name or version as it is; this reader only strings.
  if (!['name', 'version'].every((field) => manifest[field] === undefined || typeof manifest[field] === 'string')) throw new Ineligible()
  assertDependencyLists(manifest, true)
  assertDependencyLists(lockRoot, true)

  // The root, as loadVirtual's #loadNode('', package.json): its name defaults to its folder's.
  const root = makeNode({
    name: folderName(projectDir),
    packageName: stringOr(manifest.name, folderName(projectDir)),
    version: stringOr(manifest.version, ''),
    location: '',
    path: projectDir,
    parent: null,
  })
  root.isRoot = true
  root.isProjectRoot = true
  root.inventory = new Map([['', root]])
  const manifests = new Map<ArboristNode, Record<string, unknown>>([[root, manifest]])

  for (const [location, entry] of Object.entries(packages)) {
    if (location === '') continue
    const match = LOCATION_RE.exec(location)
    if (!match || !isObject(entry) || Object.keys(entry).some((field) => !ENTRY_FIELDS.has(field))) throw new Ineligible()
    const parent = root.inventory.get(match[1] ?? '')
    // npm writes a parent before its nested packages; arborist re-parents otherwise.
    if (!parent || parent.children.has(match[2]!)) throw new Ineligible()
    assertDependencyLists(entry, false)
    const path = resolve(projectDir, location)
    const node = makeNode({ name: match[2]!, packageName: stringOr(entry.name, match[2]!), version: stringOr(entry.version, ''), location, path, parent })
    node.resolved = consistentResolve(entry.resolved, projectDir, path)
    node.integrity = typeof entry.integrity === 'string' && entry.integrity ? entry.integrity : null
    node.hasInstallScript = Boolean(entry.hasInstallScript)
    // arborist's Node constructor casts the lockfile's flags to booleans (undefined when false).
    node.extraneous = Boolean(entry.extraneous)
    node.dev = Boolean(entry.dev)
    node.optional = Boolean(entry.optional)
    node.devOptional = Boolean(entry.devOptional || entry.dev || entry.optional)
    node.peer = Boolean(entry.peer)
    if (parent.children === EMPTY_CHILDREN) parent.children = new Map()
    parent.children.set(node.name, node)
    root.inventory.set(location, node)
    manifests.set(node, entry)
  }

  for (const [node, pkg] of manifests) loadEdges(node, pkg)
  manifests.clear()
  assertOrderFree(root, projectDir)
  if (rootEdgesDiffer(root, lockRoot)) {
    for (const node of root.inventory.values()) {
      if (node !== root) node.dev = node.optional = node.devOptional = node.peer = node.extraneous = true
    }
    calcDepFlags(root)
  }
  return root
}

/** Node#loadDeps: peer and peerOptional, then prod, then optional, then (for the root) dev; a later edge of a name replaces the earlier one. */
function loadEdges(node: ArboristNode, pkg: Record<string, unknown>): void {
  const add = (deps: unknown, type: string): void => {
    for (const [name, spec] of Object.entries((deps ?? {}) as Record<string, string>)) {
      // Edge#detach: the replaced edge leaves its node's edgesIn too.
      const replaced = node.edgesOut.get(name)
      replaced?.to?.edgesIn.delete(replaced)
      node.edgesOut.delete(name)
      node.edgesOut.set(name, makeEdge(node, name, spec, type))
    }
  }
  const peers = pkg.peerDependencies as Record<string, string> | undefined
  if (peers) {
    const meta = (pkg.peerDependenciesMeta ?? {}) as Record<string, { optional?: unknown } | null>
    const peer: Record<string, string> = {}
    const peerOptional: Record<string, string> = {}
    for (const [name, spec] of Object.entries(peers)) (meta[name]?.optional ? peerOptional : peer)[name] = spec
    add(peer, 'peer')
    add(peerOptional, 'peerOptional')
  }
  add(pkg.dependencies, 'prod')
  add(pkg.optionalDependencies, 'optional')
  if (node.isRoot) add(pkg.devDependencies, 'dev')
}

/** An edge as arborist's Edge judges it: resolved by the node_modules lookup, then MISSING, PEER LOCAL, INVALID or fine. */
function makeEdge(from: ArboristNode, name: string, spec: string, type: string): ArboristEdge {
  const to = resolveName(from, name)
  const optional = type === 'optional' || type === 'peerOptional'
  const peer = type === 'peer' || type === 'peerOptional'
  let missing = false
  let invalid = false
  if (!to) missing = !optional
  else if (!(peer && from === to.parent && from.parent !== null)) {
    const { depValid } = arboristParts()
    invalid = !depValid(to, parsedSpec(name, spec), undefined, { errors: [] })
  }
  const edge: ArboristEdge = { type, name, spec, from, to, missing, invalid }
  to?.edgesIn.add(edge)
  return edge
}

/** Node#resolve: the node's own node_modules, then each parent's. */
function resolveName(from: ArboristNode, name: string): ArboristNode | null {
  for (let at: ArboristNode | null = from; at; at = at.parent) {
    const child = at.children.get(name)
    if (child) return child
  }
  return null
}

// The specs parsed in the build under way, by spec, and the names found valid. npm-package-arg is
// the costliest step (it asks hosted-git-info, whose failed URL parse of a range is an exception
// it does not cache: ~100 ms at 1,000 packages), and a flat tree asks for few specs under many names.
// Of the name it reads only whether it is valid (Result#setName: validate-npm-package-name's
// validForOldPackages, which arborist's Edge asks too); the spec's type, fetchSpec and subSpec —
// all dep-valid.js reads of a range, version, tag or alias — come from the spec alone.
let parsedSpecs = new Map<string, Spec>()
let checkedNames = new Set<string>()

/** The spec as npm-package-arg parses it for `name`; only a registry range, version, tag or alias of one is read here. */
function parsedSpec(name: string, spec: string): Spec {
  if (!checkedNames.has(name)) {
    if (!arboristParts().validateName(name).validForOldPackages) throw new Ineligible()
    checkedNames.add(name)
  }
  let parsed = parsedSpecs.get(spec)
  if (!parsed) {
    parsed = arboristParts().npa.resolve(name, spec || '*', '/')
    parsedSpecs.set(spec, parsed)
  }
  const plain = (s: Spec | undefined): boolean => s !== undefined && (s.type === 'range' || s.type === 'version' || s.type === 'tag')
  if (!(plain(parsed) || (parsed.type === 'alias' && plain(parsed.subSpec)))) throw new Ineligible()
  return parsed
}

/** Dependency lists of names and specs this reader handles (parsing each spec now, so that an unusual one falls back before any edge is made). */
function assertDependencyLists(pkg: Record<string, unknown>, isRoot: boolean): void {
  for (const field of DEPENDENCY_FIELDS) {
    const deps = pkg[field]
    if (deps === undefined) continue
    if (!isObject(deps)) throw new Ineligible()
    // devDependencies of a node_modules package are never loaded.
    if (field === 'devDependencies' && !isRoot) continue
    for (const [name, spec] of Object.entries(deps)) {
      if (!NAME_RE.test(name) || typeof spec !== 'string' || specKind(spec) !== 'registry') throw new Ineligible()
      try {
        parsedSpec(name, spec)
      } catch {
        throw new Ineligible()
      }
    }
  }
  const meta = pkg.peerDependenciesMeta
  if (meta !== undefined && (!isObject(meta) || !Object.values(meta).every(isObject))) throw new Ineligible()
}

/**
 * arborist fills a node's edgesIn in the order its edges were re-resolved while nodes arrived; this
 * reader in the order edges are made. Only the first edge in is ever read alone (binding.ts names
 * it in NAME_MISMATCH and SOURCE_MISMATCH), so a lockfile where that choice could differ goes to
 * arborist: a node with several dependents and either a source other than the registry or a
 * dependent whose alias asks for another name.
 */
function assertOrderFree(root: ArboristNode, projectDir: string): void {
  for (const node of root.inventory.values()) {
    if (node.edgesIn.size < 2) continue
    const name = node.packageName ?? node.name
    for (const edge of node.edgesIn) if (expectedName(edge) !== name) throw new Ineligible()
    if (classifyNode(node, projectDir).source !== 'registry') throw new Ineligible()
  }
}

/** load-virtual.js #checkRootEdges: whether the lockfile's root entry asks for other dependencies than package.json (then the flags are recomputed). */
function rootEdgesDiffer(root: ArboristNode, lock: Record<string, unknown>): boolean {
  const prod = { ...(lock.dependencies as Record<string, string> | undefined) }
  const dev = { ...(lock.devDependencies as Record<string, string> | undefined) }
  const optional = { ...(lock.optionalDependencies as Record<string, string> | undefined) }
  const peer = { ...(lock.peerDependencies as Record<string, string> | undefined) }
  const peerOptional: Record<string, string> = {}
  for (const [name, meta] of Object.entries((lock.peerDependenciesMeta ?? {}) as Record<string, { optional?: unknown }>)) {
    if (meta.optional && peer[name] !== undefined) {
      peerOptional[name] = peer[name]
      delete peer[name]
    }
  }
  for (const name of Object.keys(optional)) delete prod[name]
  const rootNames = new Set(root.edgesOut.keys())
  const byType: Record<string, Record<string, string>> = { dev, optional, peer, peerOptional, prod }
  for (const [type, deps] of Object.entries(byType)) {
    for (const [name, spec] of Object.entries(deps)) {
      const edge = root.edgesOut.get(name)
      if (!edge || edge.type !== type || edge.spec !== spec) return true
      rootNames.delete(name)
    }
  }
  return rootNames.size > 0
}

// Shared, never written: a node without children or links has these (the root gets its own inventory).
const EMPTY_CHILDREN: Map<string, ArboristNode> = new Map()
const NO_LINKS: Set<ArboristNode> = new Set()
const NO_INVENTORY: Map<string, ArboristNode> = new Map()

interface NodeInit {
  name: string
  packageName: string
  version: string
  location: string
  path: string
  parent: ArboristNode | null
}

/** One node: a class, so that 10,000 of them share one shape and their methods. */
class LockNode implements ArboristNode {
  name: string
  packageName: string
  version: string
  location: string
  path: string
  realpath: string
  resolved: string | null = null
  integrity: string | null = null
  dev = false
  optional = false
  devOptional = false
  peer = false
  extraneous = false
  isLink = false
  isRoot = false
  isProjectRoot = false
  isWorkspace = false
  hasInstallScript = false
  inBundle = false
  package = EMPTY_PACKAGE
  target: ArboristNode
  parent: ArboristNode | null
  children = EMPTY_CHILDREN
  edgesOut = new Map<string, ArboristEdge>()
  edgesIn = new Set<ArboristEdge>()
  linksIn = NO_LINKS
  workspaces = null
  inventory = NO_INVENTORY

  constructor(init: NodeInit) {
    this.name = init.name
    this.packageName = init.packageName
    this.version = init.version
    this.location = init.location
    this.path = init.path
    this.realpath = init.path
    this.parent = init.parent
    this.target = this
  }

  getBundler(): null {
    return null
  }

  shouldOmit(omit: Set<string>): boolean {
    return shouldOmit(this, omit)
  }
}

function makeNode(init: NodeInit): ArboristNode {
  return new LockNode(init)
}

/** @npmcli/name-from-folder: the folder's name, with its scope's folder for a scoped package. */
function folderName(path: string): string {
  const scope = basename(dirname(path))
  return scope.startsWith('@') ? `${scope}/${basename(path)}` : basename(path)
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value ? value : fallback
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
