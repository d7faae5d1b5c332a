/**
 * Whether the lockfile covers what the manifests ask for. Arborist builds the virtual tree's root
 * and workspace nodes from their package.json files and every other node from the lockfile, so an
 * edge from the root or a workspace that is `missing` (no node) or `invalid` (a node that does not
 * satisfy the spec) is a dependency package.json asks for that the lockfile does not deliver. npm
 * would not install that lockfile as it is (`npm ci` refuses it as out of sync; `npm install`
 * resolves the difference afresh from the registry, unverified), so verifying the lockfile alone
 * would vouch for a tree that is not the one installed.
 *
 * Arborist's Edge semantics (workspaces/arborist/lib/edge.js): an optional or peerOptional edge
 * without a node is never `missing` (npm skips optional dependencies that fail, e.g. on another
 * platform). Peer edges are left out here: with `legacy-peer-deps` npm neither installs nor checks
 * them, and whatever node a peer edge does reach is in the lockfile, so it is verified anyway.
 */
import { join } from 'node:path'
import type { ArboristEdge, ArboristNode } from './arborist.js'
import { nodeLabel } from './source.js'

export interface UncoveredDependency {
  /** The package.json that asks for it (absolute). */
  manifest: string
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

/** Every root and workspace dependency the tree does not satisfy, in manifest order. */
export function findUncoveredDependencies(tree: ArboristNode): UncoveredDependency[] {
  const manifests: ArboristNode[] = [tree]
  for (const node of tree.inventory.values()) if (node.isWorkspace && !node.isLink && node !== tree) manifests.push(node)
  const uncovered: UncoveredDependency[] = []
  for (const node of manifests) {
    for (const edge of node.edgesOut.values()) {
      if (PEER_TYPES.has(edge.type)) continue
      const problem = edgeProblem(edge)
      if (!problem) continue
      const to = edge.to
      uncovered.push({
        manifest: join(node.path, 'package.json'),
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

function edgeProblem(edge: ArboristEdge): UncoveredDependency['problem'] | undefined {
  if (edge.missing) return 'missing'
  if (edge.invalid) return 'invalid'
  return undefined
}

/** One line per dependency: `"a": "^2.0.0" in /p/package.json is missing from the lockfile`. */
export function describeUncovered(u: UncoveredDependency): string {
  const what = `${JSON.stringify(u.name)}: ${JSON.stringify(u.spec)} (${u.type}) in ${u.manifest}`
  return u.problem === 'missing' ? `${what} is missing from the lockfile` : `${what} is not satisfied by ${u.found ?? 'the lockfile entry'}`
}
