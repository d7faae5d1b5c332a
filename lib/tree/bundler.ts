/**
 * Makes arborist's bundle question cheap where its answer is known, without changing any answer.
 *
 * arborist's `node.getBundler(path = [])` (and the `inBundle` / `inDepBundle` getters built on it,
 * which arborist itself asks in `edge.satisfiedBy` and `isScriptAllowed`, and we ask in coverage
 * and allow-scripts) recurses into the parent and into every `edgesIn[].from`, with an array as
 * its visited set. On a flat tree that walks every dependent of every dependent, for every node:
 * quadratic or worse (46 s of the tree stage for a 1,000-package flat lockfile).
 *
 * Its answer is always null or a proper ancestor (parent chain) whose package.json has a non-empty
 * `bundleDependencies` array: each non-null return is the parent's own answer, or the parent when
 * its list names the node, or an `edgesIn` answer that equals the parent. So a node with no such
 * ancestor ("cannot be bundled") always answers null, whatever `path` holds. Its recursion also
 * pushes every node it visits onto `path`, which can change a later answer of a node that *can* be
 * bundled; so the shortcut is given only to nodes whose recursion can never reach such a node (its
 * closure under parent and edgesIn[].from holds none). For them, returning null at once changes no
 * answer and no visited set that matters. In a tree without bundles that is every node.
 *
 * node_modules is not touched: the shortcut is an own property of the loaded tree's node objects.
 */
import type { ArboristNode } from './arborist.js'

/** Whether some ancestor of `node` (the root included) has a non-empty bundleDependencies list. */
export function mayBeBundled(node: ArboristNode): boolean {
  for (let ancestor = node.parent; ancestor; ancestor = ancestor.parent) {
    const bundled = ancestor.package.bundleDependencies
    if (Array.isArray(bundled) && bundled.length > 0) return true
  }
  return false
}

const notBundled = (): null => null

/**
 * Gives every node of `tree` whose getBundler recursion cannot reach a node that may be bundled a
 * constant-time getBundler returning null. Linear in nodes + edges.
 */
export function shortcutBundlerQueries(tree: ArboristNode): void {
  // The nodes whose recursion can reach a bundlable node: from each bundlable node, follow the
  // recursion's steps backwards (a node's children, and the targets of its edges out).
  const reaches = new Set<ArboristNode>()
  const queue: ArboristNode[] = []
  for (const node of tree.inventory.values()) {
    if (mayBeBundled(node)) {
      reaches.add(node)
      queue.push(node)
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!
    const next = [...node.children.values(), ...[...node.edgesOut.values()].map((edge) => edge.to)]
    for (const n of next) {
      if (n && !reaches.has(n)) {
        reaches.add(n)
        queue.push(n)
      }
    }
  }
  for (const node of tree.inventory.values()) {
    if (!reaches.has(node)) Object.defineProperty(node, 'getBundler', { value: notBundled, configurable: true, writable: true })
  }
}
