/**
 * RFC 6962 Merkle inclusion proofs (https://www.rfc-editor.org/rfc/rfc6962#section-2.1.1), with the
 * proof decomposition of RFC 9162 §2.1.3.2: the number of hashes must be exactly what the index and
 * tree size imply, so a truncated or padded proof fails instead of being partially used.
 */
import { createHash } from 'node:crypto'

export function hashLeaf(leaf: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([0x00])).update(leaf).digest()
}

function hashChildren(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([0x01])).update(left).update(right).digest()
}

/** Whether `hashes` prove `leafHash` is at `index` in the tree of `size` with root `rootHash`. */
export function verifyInclusion(leafHash: Buffer, index: bigint, size: bigint, hashes: Buffer[], rootHash: Buffer): boolean {
  if (index < 0n || index >= size) return false
  if (hashes.some((h) => h.length !== leafHash.length)) return false
  const inner = bitLength(index ^ (size - 1n))
  const border = popCount(index >> BigInt(inner))
  if (hashes.length !== inner + border) return false
  let node = leafHash
  hashes.forEach((h, i) => {
    if (i < inner) node = (index >> BigInt(i)) & 1n ? hashChildren(h, node) : hashChildren(node, h)
    else node = hashChildren(h, node)
  })
  return node.equals(rootHash)
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length
}

function popCount(n: bigint): number {
  return [...n.toString(2)].filter((c) => c === '1').length
}
