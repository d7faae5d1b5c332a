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

/**
 * An append-only list of leaf hashes with the same root and audit paths as treeHash and
 * inclusionProof, in O(log² n) per call: the hash of a perfect subtree (a power-of-two run of
 * leaves at an aligned start) never changes once its leaves are in, so each is computed once.
 * A log that proves every append (the transparency log) stays linear instead of quadratic.
 */
export class MerkleTree {
  readonly #leaves: Buffer[] = []
  readonly #perfect = new Map<string, Buffer>()

  get size(): number {
    return this.#leaves.length
  }

  append(leafHash: Buffer): void {
    this.#leaves.push(leafHash)
  }

  rootHash(): Buffer {
    return this.#hash(0, this.#leaves.length)
  }

  inclusionProof(index: number): Buffer[] {
    const n = this.#leaves.length
    if (index < 0 || index >= n) throw new RangeError(`inclusionProof: index ${index} not in tree of size ${n}`)
    return this.#path(index, 0, n)
  }

  #hash(start: number, end: number): Buffer {
    const n = end - start
    if (n === 0) return sha256()
    if (n === 1) return this.#leaves[start]!
    const perfect = (n & (n - 1)) === 0
    const key = `${start}/${n}`
    const cached = perfect ? this.#perfect.get(key) : undefined
    if (cached) return cached
    const k = largestPowerOfTwoBelow(n)
    const hash = hashChildren(this.#hash(start, start + k), this.#hash(start + k, end))
    if (perfect) this.#perfect.set(key, hash)
    return hash
  }

  #path(index: number, start: number, end: number): Buffer[] {
    const n = end - start
    if (n === 1) return []
    const k = largestPowerOfTwoBelow(n)
    return index < start + k
      ? [...this.#path(index, start, start + k), this.#hash(start + k, end)]
      : [...this.#path(index, start + k, end), this.#hash(start, start + k)]
  }
}

/** The largest power of two strictly less than n (n > 1). */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}
