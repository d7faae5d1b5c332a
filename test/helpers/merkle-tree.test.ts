// The transparency log's incremental Merkle tree must give the roots and audit paths of the plain
// RFC 6962 functions (checked against RFC 9162 in pki-parts.test.ts) at every size, asked between
// appends as the log asks, with its cached subtrees.
import t from 'tap'
import { MerkleTree, hashLeaf, inclusionProof, treeHash } from './pki/index.js'

t.test('equals treeHash and inclusionProof at every size while leaves are appended', async (t) => {
  const leaves = Array.from({ length: 70 }, (_, i) => hashLeaf(Buffer.from(`entry ${i}`)))
  const tree = new MerkleTree()
  let mismatches = 0
  for (let size = 1; size <= leaves.length; size++) {
    tree.append(leaves[size - 1]!)
    const prefix = leaves.slice(0, size)
    if (!tree.rootHash().equals(treeHash(prefix))) mismatches++
    for (let index = 0; index < size; index++) {
      const got = tree.inclusionProof(index)
      const want = inclusionProof(index, prefix)
      if (got.length !== want.length || got.some((h, i) => !h.equals(want[i]!))) mismatches++
    }
  }
  t.equal(mismatches, 0)
  t.equal(tree.size, 70)
})

t.test('an empty tree has the empty hash; an index outside the tree is refused', async (t) => {
  const tree = new MerkleTree()
  t.same(tree.rootHash(), treeHash([]))
  tree.append(hashLeaf(Buffer.from('only')))
  t.same(tree.inclusionProof(0), [])
  t.throws(() => tree.inclusionProof(1), RangeError)
})
