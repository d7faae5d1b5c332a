// The test PKI's Merkle tree: a subtree memo (an append-only log's) gives the same roots and audit
// paths as hashing afresh, for every size and index.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { hashLeaf, inclusionProof, treeHash, type SubtreeMemo } from './pki/merkle.js'

t.test('memoised root hashes and inclusion proofs equal the plain ones as the log grows', async (t) => {
  const leaves: Buffer[] = []
  const memo: SubtreeMemo = new Map()
  let checked = 0
  for (let size = 1; size <= 70; size++) {
    leaves.push(hashLeaf(randomBytes(8)))
    if (!treeHash(leaves, memo).equals(treeHash(leaves))) t.fail(`root at size ${size}`)
    for (let i = 0; i < size; i++) {
      const memoised = inclusionProof(i, leaves, memo)
      const plain = inclusionProof(i, leaves)
      if (memoised.length !== plain.length || memoised.some((h, j) => !h.equals(plain[j]!))) t.fail(`proof of ${i} at size ${size}`)
      checked++
    }
  }
  t.equal(checked, (70 * 71) / 2)
  t.ok([...memo.keys()].every((key) => Number.isInteger(Math.log2(Number(key.split(':')[1])))), 'only complete subtrees are kept')
  t.throws(() => inclusionProof(70, leaves, memo), RangeError)
})
