/**
 * Breadth-first walk of the dependency graph from the project root (or the chosen workspaces),
 * recording for every node reached the node it was first reached from. BFS gives the shortest
 * dependency chain, which is what `npm explain` shows first. One pass, O(nodes + edges).
 *
 * Omitted nodes (npm's --omit rule) are neither reported nor walked through: arborist's dev /
 * optional / peer flags are cleared only along chains of non-flagged nodes, so every kept node is
 * still reached through kept nodes, and its chain never passes an omitted package.
 */
import type { ArboristNode } from './arborist.js'
import { nodeLabel } from './source.js'

export interface WalkSeed {
  node: ArboristNode
  /** The node it hangs off in `why` (the project root for a workspace seed), or null for the root itself. */
  via: ArboristNode | null
}

export interface Walk {
  /** Whether the node was reached from the seeds (the root always counts as reached). */
  reached(node: ArboristNode): boolean
  /** root → … → node as `name@version` hops; [] for a node not reached. */
  why(node: ArboristNode): string[]
  /** The workspace (package name) the node is first reached through, if any. */
  workspace(node: ArboristNode): string | undefined
  /** Every node reached, in BFS order. */
  nodes: ArboristNode[]
}

/** `rootLabel` names the root in `why`: its package name, or `(root)` when it has none. */
export function walkTree(root: ArboristNode, rootLabel: string, seeds: WalkSeed[], omit: ReadonlySet<string>): Walk {
  const via = new Map<ArboristNode, ArboristNode | null>()
  const workspaceOf = new Map<ArboristNode, string | undefined>()
  const order: ArboristNode[] = []
  const omitSet = new Set(omit)

  // A workspace seed hangs off the root in `why`, but the root's own dependencies are not walked.
  via.set(root, null)
  const visit = (node: ArboristNode, from: ArboristNode | null): void => {
    order.push(node)
    via.set(node, from)
    workspaceOf.set(node, node.isWorkspace ? (node.packageName ?? node.name) : from ? workspaceOf.get(from) : undefined)
  }
  for (const seed of seeds) {
    if (seed.node === root || !via.has(seed.node)) visit(seed.node, seed.via)
  }

  for (let i = 0; i < order.length; i++) {
    const node = order[i]!
    const next: Array<ArboristNode | null> = node.isLink ? [node.target] : [...node.edgesOut.values()].map((edge) => edge.to)
    for (const to of next) {
      if (!to || via.has(to) || to.shouldOmit(omitSet)) continue
      visit(to, node)
    }
  }

  const whyMemo = new Map<ArboristNode, string[]>()
  const why = (node: ArboristNode): string[] => {
    const known = whyMemo.get(node)
    if (known) return known
    const from = via.get(node)
    let chain: string[]
    if (from === undefined) chain = []
    else if (from === null) chain = [node === root ? rootLabel : nodeLabel(node)]
    // A link and its target are one package: one hop.
    else if (from.isLink && from.target === node) chain = why(from)
    else chain = [...why(from), nodeLabel(node)]
    whyMemo.set(node, chain)
    return chain
  }

  return {
    reached: (node) => via.has(node),
    why,
    workspace: (node) => workspaceOf.get(node),
    nodes: order,
  }
}
