/**
 * RFC 6962 §2.1 Merkle tree hashing and audit paths over a list of leaf hashes.
 * Leaf hash = SHA-256(0x00 || entry), interior node = SHA-256(0x01 || left || right).
 */
import { sha256 } from './keys.js'

const LEAF_PREFIX = Buffer.from([0x00])
const NODE_PREFIX = Buffer.from([0x01])

export function hashLeaf(entry: Uint8Array): Buffer {
  return sha256(LEAF_PREFIX, entry)
}

export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(NODE_PREFIX, left, right)
}

/**
 * Hashes of complete subtrees (power-of-two size) by `start:size`, for an append-only list of leaves
 * (a log): they never change as leaves are added, so a log of n entries costs O(n log n) to prove,
 * not O(n²). Never share one between lists.
 */
export type SubtreeMemo = Map<string, Buffer>

/** MTH(D[n]) over leaf hashes. */
export function treeHash(leafHashes: readonly Buffer[], memo?: SubtreeMemo): Buffer {
  return rangeHash(leafHashes, 0, leafHashes.length, memo)
}

function rangeHash(leaves: readonly Buffer[], start: number, end: number, memo: SubtreeMemo | undefined): Buffer {
  const n = end - start
  if (n === 0) return sha256()
  if (n === 1) return leaves[start] as Buffer
  const complete = memo !== undefined && (n & (n - 1)) === 0
  const key = `${start}:${n}`
  const known = complete ? memo.get(key) : undefined
  if (known) return known
  const k = largestPowerOfTwoBelow(n)
  const hash = hashChildren(rangeHash(leaves, start, start + k, memo), rangeHash(leaves, start + k, end, memo))
  if (complete) memo.set(key, hash)
  return hash
}

/** PATH(m, D[n]): sibling hashes from the leaf up to the root (RFC 6962 §2.1.1). */
export function inclusionProof(index: number, leafHashes: readonly Buffer[], memo?: SubtreeMemo): Buffer[] {
  const n = leafHashes.length
  if (index < 0 || index >= n) throw new RangeError(`inclusionProof: index ${index} not in tree of size ${n}`)
  return rangeProof(index, leafHashes, 0, n, memo)
}

function rangeProof(index: number, leaves: readonly Buffer[], start: number, end: number, memo: SubtreeMemo | undefined): Buffer[] {
  const n = end - start
  if (n === 1) return []
  const k = largestPowerOfTwoBelow(n)
  return index < k
    ? [...rangeProof(index, leaves, start, start + k, memo), rangeHash(leaves, start + k, end, memo)]
    : [...rangeProof(index - k, leaves, start + k, end, memo), rangeHash(leaves, start, start + k, memo)]
}

/** The largest power of two strictly less than n (n > 1). */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}
