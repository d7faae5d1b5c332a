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

/** MTH(D[n]) over leaf hashes. */
export function treeHash(leafHashes: readonly Buffer[]): Buffer {
  const n = leafHashes.length
  if (n === 0) return sha256()
  if (n === 1) return leafHashes[0] as Buffer
  const k = largestPowerOfTwoBelow(n)
  return hashChildren(treeHash(leafHashes.slice(0, k)), treeHash(leafHashes.slice(k)))
}

/** PATH(m, D[n]): sibling hashes from the leaf up to the root (RFC 6962 §2.1.1). */
export function inclusionProof(index: number, leafHashes: readonly Buffer[]): Buffer[] {
  const n = leafHashes.length
  if (index < 0 || index >= n) throw new RangeError(`inclusionProof: index ${index} not in tree of size ${n}`)
  if (n === 1) return []
  const k = largestPowerOfTwoBelow(n)
  return index < k
    ? [...inclusionProof(index, leafHashes.slice(0, k)), treeHash(leafHashes.slice(k))]
    : [...inclusionProof(index - k, leafHashes.slice(k)), treeHash(leafHashes.slice(0, k))]
}

/** The largest power of two strictly less than n (n > 1). */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}
