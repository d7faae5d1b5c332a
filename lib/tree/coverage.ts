/**
 * Whether the lockfile covers what the manifests ask for. Arborist builds the virtual tree's root
 * and workspace nodes from their package.json files and every other node from the lockfile, so an
 * edge from the root or a workspace that is `missing` (no node) or `invalid` (a node that does not
 * satisfy the spec) is a dependency package.json asks for that the lockfile does not deliver. The
 * same holds for an edge from any other node: a lockfile entry whose `dependencies` name a package
 * the lockfile does not place (attacker-controlled: a pull request edits the lockfile). npm would
 * not install that lockfile as it is (`npm ci` refuses it as out of sync; `npm install` — and
 * npm 12's preinstall hook runs before it — resolves the difference afresh from the registry,
 * unverified), so verifying the lockfile alone would vouch for a tree that is not the one installed.
 *
 * Left out: a package inside a bundling parent's tarball, and a dependency its parent bundles (the
 * tarball ships them, npm resolves nothing for them), and an extraneous entry (npm prunes it).
 *
 * An optional dependency without a node counts too, although arborist's Edge does not call it
 * `missing`: buildIdealTree (`#problemEdges`) resolves every edge without a node except a
 * peerOptional one, so `npm install` fetches and installs it (npm skips it only when it then fails,
 * e.g. on another platform) and `npm ci` refuses the lockfile ("Missing: … from lock file"); npm 11
 * and npm 12 both do, measured on the loopback registry (test/cli/hook.test.ts). Peer edges are left
 * out here: with `legacy-peer-deps` npm neither installs nor checks them, and whatever node a peer
 * edge does reach is in the lockfile, so it is verified anyway.
 */
import { join } from 'node:path'
import type { ArboristEdge, ArboristNode } from './arborist.js'
import { nodeLabel } from './source.js'

export interface UncoveredDependency {
  /** The package.json that asks for it (absolute). */
  manifest: string
  /** For a dependency of a package the lockfile places (not the root or a workspace): its lockfile key. */
  entry?: string
  name: string
  spec: string
  /** prod | dev | optional | workspace */
  type: string
  /** `missing`: no node; `invalid`: the node the lockfile has does not satisfy the spec. */
  problem: 'missing' | 'invalid'
  /** For `invalid`: what the lockfile has there, `name@version (location)`. */
  found?: string
}

const PEER_TYPES = new Set(['peer', 'peerOptional'])

/** Every dependency of the root, a workspace or any other node the tree does not satisfy: root and workspaces first. */
export function findUncoveredDependencies(tree: ArboristNode): UncoveredDependency[] {
  const manifests: ArboristNode[] = [tree]
  const others: ArboristNode[] = []
  for (const node of tree.inventory.values()) {
    if (node === tree || node.isLink || node.inBundle || node.extraneous) continue
    ;(node.isWorkspace ? manifests : others).push(node)
  }
  const uncovered: UncoveredDependency[] = []
  for (const node of [...manifests, ...others]) {
    const bundled = bundledNames(node)
    for (const edge of node.edgesOut.values()) {
      if (PEER_TYPES.has(edge.type) || bundled === true || bundled.has(edge.name)) continue
      const problem = edgeProblem(edge)
      if (!problem) continue
      const to = edge.to
      uncovered.push({
        manifest: join(node.path, 'package.json'),
        ...(!node.isWorkspace && node !== tree && { entry: node.location }),
        name: edge.name,
        spec: edge.spec,
        type: edge.type,
        problem,
        ...(problem === 'invalid' && to ? { found: `${nodeLabel(to.isLink ? (to.target ?? to) : to)} (${to.location})` } : {}),
      })
    }
  }
  return uncovered
}

/** `bundleDependencies: true` bundles every dependency. */
function bundledNames(node: ArboristNode): Set<string> | true {
  const list = node.package.bundleDependencies
  if (list === true) return true
  return new Set(Array.isArray(list) ? list.filter((name): name is string => typeof name === 'string') : [])
}

function edgeProblem(edge: ArboristEdge): UncoveredDependency['problem'] | undefined {
  if (edge.missing || !edge.to) return 'missing'
  if (edge.invalid) return 'invalid'
  return undefined
}

/** One line per dependency: `"a": "^2.0.0" in /p/package.json is missing from the lockfile`. */
export function describeUncovered(u: UncoveredDependency): string {
  const where = u.entry === undefined ? u.manifest : `the lockfile entry packages[${JSON.stringify(u.entry)}]`
  const what = `${JSON.stringify(u.name)}: ${JSON.stringify(u.spec)} (${u.type}) in ${where}`
  return u.problem === 'missing' ? `${what} is missing from the lockfile` : `${what} is not satisfied by ${u.found ?? 'the lockfile entry'}`
}
