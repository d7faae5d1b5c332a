/**
 * The neutral lockfile graph that the pnpm and yarn parsers produce (importers → dependencies →
 * packages), and the one place that turns it into the node shape the npm path's later steps take
 * (arborist.ts's ArboristNode): so walk.ts (why-paths, workspaces, --omit), collect.ts (distinct
 * packages, locations), binding.ts (SOURCE_MISMATCH, NAME_MISMATCH, RESOLVED_ORIGIN_MISMATCH) and
 * coverage.ts (ELOCKSYNC) run unchanged on pnpm and yarn projects, and decide as they do for npm.
 *
 * The shape follows arborist's: the project root; each workspace a folder node reached through a
 * link at `node_modules/<name>` (the root has a `workspace` edge to each); each `link:` dependency
 * a link to a folder node; every lockfile package a node under the root. The dev / optional /
 * peer flags are computed from the graph with arborist's own rule (calc-dep-flags.js), never read
 * from the lockfile (attacker-controlled, and pnpm 9 no longer writes `dev`).
 */
import { join } from 'node:path'
import semver from 'semver'
import type { LockfileFormat } from '../model.js'
import type { ArboristEdge, ArboristNode } from './arborist.js'
import { specKind } from './source.js'

export type { LockfileFormat }
export type DependencyType = 'prod' | 'dev' | 'optional' | 'peer' | 'peerOptional'

/** What a dependency resolves to: a lockfile package by id, or a folder (a workspace or a `link:`) by path from the project. */
export type GraphTarget = { package: string } | { folder: string }

export interface GraphDependency {
  /** The name it is installed under (an alias for `npm:`). */
  name: string
  /** What the dependent asks for: the manifest's spec for an importer, else the lockfile's own reference. */
  spec: string
  type: DependencyType
  /** null: the lockfile has nothing for it (coverage.ts reports it as missing). */
  target: GraphTarget | null
  /** The lockfile records a different spec for it than the manifest asks for (`npm ci`'s and pnpm's frozen-lockfile check). */
  invalid?: boolean
  /** An override (pnpm `overrides`, yarn `resolutions`) may replace the version: its range is not checked. */
  overridden?: boolean
}

export interface GraphPackage {
  /** The lockfile's key for it: the location reports show. */
  id: string
  name: string
  version: string
  integrity?: string
  /** Where the installer fetches it (a tarball URL, `git+…#commit`, or `file:` + absolute path). */
  resolved?: string
  dependencies: GraphDependency[]
}

export interface GraphImporter {
  /** Path from the project root, `/`-separated; `''` is the root. */
  path: string
  name?: string
  version?: string
  dependencies: GraphDependency[]
}

export interface LockGraph {
  format: Exclude<LockfileFormat, 'npm'>
  /** Absolute path of the lockfile. */
  path: string
  /** The root first, then the workspaces. */
  importers: GraphImporter[]
  packages: Map<string, GraphPackage>
}

/** The graph as an arborist-shaped tree rooted at the project (see the module comment). */
export function graphToTree(graph: LockGraph, projectDir: string): ArboristNode {
  const [rootImporter, ...workspaces] = graph.importers
  const root = makeNode({ name: rootImporter?.name ?? '', packageName: rootImporter?.name ?? null, version: rootImporter?.version ?? '', location: '', path: projectDir, parent: null })
  root.isProjectRoot = true
  root.isRoot = true
  root.inventory.set('', root)

  const folders = new Map<string, ArboristNode>()
  const workspaceLinks = new Map<string, ArboristNode>()
  const folderNode = (path: string): ArboristNode => {
    let node = folders.get(path)
    if (!node) {
      node = makeNode({ name: path, packageName: null, version: '', location: path, path: join(projectDir, path), parent: null })
      folders.set(path, node)
      root.inventory.set(path, node)
    }
    return node
  }
  const linkTo = (target: ArboristNode, location: string, name: string, parent: ArboristNode): ArboristNode => {
    const link = makeNode({ name, packageName: target.packageName, version: target.version, location, path: join(projectDir, location), parent })
    link.isLink = true
    link.target = target
    link.realpath = target.path
    target.linksIn.add(link)
    root.inventory.set(location, link)
    return link
  }

  if (workspaces.length) root.workspaces = new Map()
  for (const importer of workspaces) {
    const node = folderNode(importer.path)
    node.isWorkspace = true
    const name = importer.name ?? importer.path
    node.name = name
    node.packageName = importer.name ?? null
    node.version = importer.version ?? ''
    root.workspaces!.set(name, node.path)
    const link = linkTo(node, `node_modules/${name}`, name, root)
    link.isWorkspace = true
    workspaceLinks.set(importer.path, link)
    addEdge(root, { name, spec: `file:${importer.path}`, type: 'workspace', target: link })
  }

  // One node per package and name it is installed under: an `npm:` alias is a node of its own, as in
  // arborist, so that its location carries the alias.
  const packages = new Map<string, ArboristNode>()
  // Nodes whose edges are still to be added (a dependency may create an alias node).
  const pending: Array<[ArboristNode, GraphPackage]> = []
  const packageNode = (pkg: GraphPackage, installedAs: string): ArboristNode => {
    const key = installedAs === pkg.name ? pkg.id : `${pkg.id}\0${installedAs}`
    let node = packages.get(key)
    if (!node) {
      node = makeNode({ name: installedAs, packageName: pkg.name, version: pkg.version, location: pkg.id, path: join(projectDir, 'node_modules', installedAs), parent: root })
      node.resolved = pkg.resolved ?? null
      node.integrity = pkg.integrity ?? null
      packages.set(key, node)
      root.inventory.set(key, node)
      root.children.set(key, node)
      pending.push([node, pkg])
    }
    return node
  }

  const resolveTarget = (from: GraphImporter | null, dep: GraphDependency): ArboristNode | null => {
    if (!dep.target) return null
    if ('package' in dep.target) {
      const pkg = graph.packages.get(dep.target.package)
      return pkg ? packageNode(pkg, dep.name) : null
    }
    const workspaceLink = workspaceLinks.get(dep.target.folder)
    if (workspaceLink) return workspaceLink
    const base = from?.path ? `${from.path}/` : ''
    return linkTo(folderNode(dep.target.folder), `${base}node_modules/${dep.name}`, dep.name, from?.path ? folderNode(from.path) : root)
  }
  for (const importer of graph.importers) {
    const node = importer.path === '' ? root : folderNode(importer.path)
    for (const dep of importer.dependencies) addEdge(node, { ...dep, target: resolveTarget(importer, dep) })
  }
  const addPackageEdges = (): void => {
    for (let next = pending.shift(); next; next = pending.shift()) {
      const [node, pkg] = next
      for (const dep of pkg.dependencies) addEdge(node, { ...dep, target: resolveTarget(null, dep) })
    }
  }
  addPackageEdges()
  // What nothing depends on is still reported (extraneous), as npm reports a lockfile entry nothing needs.
  const reached = new Set([...packages.values()].map((node) => node.location))
  for (const pkg of graph.packages.values()) if (!reached.has(pkg.id)) packageNode(pkg, pkg.name)
  addPackageEdges()
  calcDepFlags(root)
  return root
}

interface NodeInit {
  name: string
  packageName: string | null
  version: string
  location: string
  path: string
  parent: ArboristNode | null
}

function makeNode(init: NodeInit): ArboristNode {
  const node: ArboristNode = {
    ...init,
    realpath: init.path,
    resolved: null,
    integrity: null,
    // Every flag starts set; calcDepFlags clears them along the paths from the root.
    dev: true,
    optional: true,
    devOptional: true,
    peer: true,
    extraneous: true,
    isLink: false,
    isRoot: false,
    isProjectRoot: false,
    isWorkspace: false,
    // Install scripts are decided by pnpm's and yarn's own rules, not npm's allowScripts (docs/check.md).
    hasInstallScript: false,
    inBundle: false,
    package: {},
    target: null,
    children: new Map(),
    edgesOut: new Map(),
    edgesIn: new Set(),
    linksIn: new Set(),
    workspaces: null,
    inventory: new Map(),
    getBundler: () => null,
    shouldOmit: (omit) => shouldOmit(node, omit),
  }
  node.target = node
  return node
}

function addEdge(from: ArboristNode, dep: { name: string; spec: string; type: string; target: ArboristNode | null; invalid?: boolean; overridden?: boolean }): void {
  const to = dep.target
  // As arborist's edge validity (dep-valid.js): a registry range the version does not satisfy is invalid.
  const range = to && !to.isLink && !dep.overridden ? registryRange(dep.spec) : undefined
  const unsatisfied = range !== undefined && !semver.satisfies(to!.version, range, { includePrerelease: true })
  // A `workspace:`, `link:` or `file:` spec asks for the project's own files. A lockfile (attacker-
  // controlled) that resolves it to a registry package would have pnpm install whatever that name is
  // on the registry (dependency confusion): invalid, as arborist's dep-valid finds a `file:` spec
  // met by a registry node.
  const notLocal = to !== null && /^(workspace|link|file):/i.test(dep.spec) && !to.isLink && !/^file:/i.test(to.resolved ?? '')
  const edge: ArboristEdge = { type: dep.type, name: dep.name, spec: dep.spec, from, to, missing: to === null, invalid: to !== null && (dep.invalid === true || unsatisfied || notLocal) }
  from.edgesOut.set(dep.name, edge)
  dep.target?.edgesIn.add(edge)
}

/** The semver range of a registry spec (`^1.2.0`, `npm:real@^1`), or undefined for a tag or another kind of spec. */
function registryRange(spec: string): string | undefined {
  const alias = /^npm:(?:@[^/@]+\/)?[^/@]+(?:@(.*))?$/i.exec(spec)
  const range = alias ? (alias[1] ?? '*') : spec
  return specKind(range) === 'registry' && semver.validRange(range) !== null ? range : undefined
}

/** npm's --omit rule (arborist Node#shouldOmit) for a node of a tree whose every node hangs off the project root. */
export function shouldOmit(node: ArboristNode, omit: ReadonlySet<string>): boolean {
  if (omit.size === 0) return false
  return (node.peer && omit.has('peer')) || (node.dev && omit.has('dev')) || (node.optional && omit.has('optional')) || (node.devOptional && omit.has('optional') && omit.has('dev'))
}

type DepFlag = 'dev' | 'optional' | 'devOptional' | 'peer' | 'extraneous'
const DEP_FLAGS: readonly DepFlag[] = ['dev', 'optional', 'devOptional', 'peer', 'extraneous']

/**
 * arborist's calc-dep-flags.js (9.x): flags start set (every node but the root) and are cleared along
 * the edges out of the root until nothing changes; a flag left set means every path to the node
 * passes such an edge. A node reached that is not extraneous makes its extraneous parents not
 * extraneous either. Also the npm lockfile reader's (npm-lock-tree.ts), when the lockfile's flags
 * cannot be kept.
 */
export function calcDepFlags(root: ArboristNode): void {
  root.dev = root.optional = root.devOptional = root.peer = root.extraneous = false
  const seen = new Set<ArboristNode>()
  const queue: ArboristNode[] = [root]
  for (let node = queue.pop(); node; node = queue.pop()) {
    seen.add(node)
    if (!node.extraneous) {
      for (let n = node.parent; n?.extraneous; n = n.parent) n.extraneous = false
    }
    if (node.isLink) {
      const target = node.target!
      let changed = false
      for (const flag of DEP_FLAGS) {
        if (target[flag] && !node[flag]) {
          target[flag] = false
          changed = true
        }
      }
      if (changed || !seen.has(target)) queue.push(target)
      continue
    }
    for (const edge of node.edgesOut.values()) {
      const to = edge.to
      if (!to) continue
      const peer = edge.type === 'peer' || edge.type === 'peerOptional'
      const optional = edge.type === 'optional' || edge.type === 'peerOptional'
      const dev = edge.type === 'dev'
      const clear: DepFlag[] = []
      if (to.extraneous && !node.extraneous && !(peer && optional)) clear.push('extraneous')
      if (to.dev && !node.dev && !dev) clear.push('dev')
      if (to.optional && !node.optional && !optional) clear.push('optional')
      // devOptional is the overlap of the dev and optional trees: cleared only by a prod path.
      if (to.devOptional && !node.devOptional && !node.dev && !node.optional && !dev && !optional) clear.push('devOptional')
      if (to.peer && !node.peer && !peer) clear.push('peer')
      for (const flag of clear) to[flag] = false
      if (clear.length) queue.push(to)
    }
  }
  seen.delete(root)
  for (const node of seen) {
    if (node.devOptional && (node.dev || node.optional)) node.devOptional = false
  }
}
