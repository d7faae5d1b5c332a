/**
 * The slice of @npmcli/arborist 9 the tree stage uses, typed (arborist ships no types).
 * Loaded lazily with require() so commands that never read a tree do not pay for it.
 * Node/Edge semantics: https://github.com/npm/cli/tree/latest/workspaces/arborist
 */
import { createRequire } from 'node:module'

export interface ArboristEdge {
  /** prod | dev | optional | peer | peerOptional | workspace */
  type: string
  name: string
  /** The spec as written by the dependent: `^1.0.0`, `npm:real@^1`, `file:…`, a git or tarball URL. */
  spec: string
  from: ArboristNode | null
  to: ArboristNode | null
  /** No node satisfies it (never for optional / peerOptional edges: npm may skip those). */
  missing: boolean
  /** A node is there but does not satisfy the spec. */
  invalid: boolean
}

export interface ArboristNode {
  /** The folder name it is installed under (for an alias, the alias). */
  name: string
  /** `package.json` name: the real package name (null when the package has none). */
  packageName: string | null
  version: string
  /** Path from the root, `/`-separated, as package-lock.json keys it. */
  location: string
  path: string
  realpath: string
  resolved: string | null
  integrity: string | null
  dev: boolean
  optional: boolean
  devOptional: boolean
  peer: boolean
  extraneous: boolean
  isLink: boolean
  isRoot: boolean
  isProjectRoot: boolean
  isWorkspace: boolean
  /** The lockfile's `hasInstallScript`, or a preinstall/install/postinstall in the package.json on disk. */
  hasInstallScript: boolean
  /** Inside a bundling parent's tarball. */
  inBundle: boolean
  /** The package.json (or lockfile entry) fields; only bundleDependencies is read here. */
  package: { bundleDependencies?: unknown }
  /** For a Link, the node it points at; for any other node, itself. */
  target: ArboristNode | null
  parent: ArboristNode | null
  /** The nodes whose parent this is (its node_modules), by folder name. */
  children: Map<string, ArboristNode>
  edgesOut: Map<string, ArboristEdge>
  edgesIn: Set<ArboristEdge>
  linksIn: Set<ArboristNode>
  /** Workspace name → absolute path (root only; null without workspaces). */
  workspaces: Map<string, string> | null
  /** Every node of the tree by location (root only). */
  inventory: Map<string, ArboristNode>
  /**
   * The ancestor whose tarball ships this node, or null. Recursive over parents and edgesIn with
   * an array as the visited set: slow on large trees, see bundler.ts.
   */
  getBundler(path?: ArboristNode[]): ArboristNode | null
  /** npm's `--omit` rule for this node (dev/optional/peer flags, only for the root's and workspaces' trees). */
  shouldOmit(omit: Set<string>): boolean
}

export interface Arborist {
  loadVirtual(options?: Record<string, unknown>): Promise<ArboristNode>
  loadActual(options?: Record<string, unknown>): Promise<ArboristNode>
  buildIdealTree(options?: Record<string, unknown>): Promise<ArboristNode>
}

type ArboristConstructor = new (options: Record<string, unknown>) => Arborist

let constructor: ArboristConstructor | undefined

export function createArborist(options: Record<string, unknown>): Arborist {
  constructor ??= createRequire(import.meta.url)('@npmcli/arborist') as ArboristConstructor
  return new constructor(options)
}
