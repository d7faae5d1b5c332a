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

/** The longest `why` reported in full; a longer one keeps its first WHY_HEAD_HOPS and its last hops. */
export const MAX_WHY_HOPS = 64
const WHY_HEAD_HOPS = 32

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

  // `why` without recursion and within bounds: a lockfile is attacker-controlled, and a chain of
  // 20,000 packages (a 2 MB pnpm-lock.yaml) would otherwise overflow the stack, and copying every
  // node's whole chain would take O(depth²) memory. A chain longer than MAX_WHY_HOPS keeps its first
  // and last hops around one `… N more …` hop.
  const hopMemo = new Map<ArboristNode, { hops: number; head: string[] }>()
  // A link and its target are one package: one hop (the link's).
  const sameHop = (node: ArboristNode, from: ArboristNode): boolean => from.isLink && from.target === node
  const label = (node: ArboristNode, from: ArboristNode | null): string => (from === null && node === root ? rootLabel : nodeLabel(node))
  const hopInfo = (node: ArboristNode): { hops: number; head: string[] } => {
    const pending: ArboristNode[] = []
    let base: { hops: number; head: string[] } | undefined
    for (let at: ArboristNode | null | undefined = node; at; at = via.get(at)) {
      base = hopMemo.get(at)
      if (base) break
      pending.push(at)
    }
    for (let i = pending.length - 1; i >= 0; i--) {
      const at = pending[i]!
      const from = via.get(at) ?? null
      let info: { hops: number; head: string[] }
      if (from === null) info = { hops: 1, head: [label(at, null)] }
      else {
        const parent = hopMemo.get(from)!
        if (sameHop(at, from)) info = parent
        else info = { hops: parent.hops + 1, head: parent.hops < WHY_HEAD_HOPS ? [...parent.head, nodeLabel(at)] : parent.head }
      }
      hopMemo.set(at, info)
    }
    return hopMemo.get(node)!
  }
  /** The last `count` hops of the chain to `node`, root side first. */
  const lastHops = (node: ArboristNode, count: number): string[] => {
    const hops: string[] = []
    for (let at: ArboristNode | null = node; at && hops.length < count; ) {
      const from: ArboristNode | null = via.get(at) ?? null
      if (from === null || !sameHop(at, from)) hops.push(label(at, from))
      at = from
    }
    return hops.reverse()
  }
  const why = (node: ArboristNode): string[] => {
    if (!via.has(node)) return []
    const { hops, head } = hopInfo(node)
    if (hops <= MAX_WHY_HOPS) return lastHops(node, hops)
    const tail = MAX_WHY_HOPS - WHY_HEAD_HOPS - 1
    return [...head, `… ${hops - WHY_HEAD_HOPS - tail} more …`, ...lastHops(node, tail)]
  }

  return {
    reached: (node) => via.has(node),
    why,
    workspace: (node) => workspaceOf.get(node),
    nodes: order,
  }
}
