/**
 * The test PKI's building blocks, checked against independent references: node's own X.509
 * parser, RFC 6962 proof verification, npm's published key id, and known DER encodings.
 */
import t from 'tap'
import { X509Certificate as NodeX509Certificate, createPublicKey } from 'node:crypto'
import { readCorpusJSON } from './corpus.js'
import {
  canonicalJSON,
  createTestSigstore,
  der,
  hashChildren,
  hashLeaf,
  inclusionProof,
  npmKeyId,
  npmPurl,
  npmSubject,
  treeHash,
  githubActionsIdentity,
  dsseBody,
  intotoBody,
  type BundleJSON,
  type DsseEnvelope,
} from './pki/index.js'

t.test('DER primitives encode as X.690 specifies', async (t) => {
  const hex = (b: Buffer) => b.toString('hex')
  t.equal(hex(der.integer(0)), '020100')
  t.equal(hex(der.integer(127)), '02017f')
  t.equal(hex(der.integer(128)), '02020080', 'a leading zero keeps it positive')
  t.equal(hex(der.integer(256)), '02020100')
  t.equal(hex(der.integer(Buffer.from('0000ff', 'hex'))), '020200ff', 'redundant leading zeros are dropped')
  t.equal(hex(der.oid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302')
  t.equal(hex(der.oid('1.3.6.1.4.1.57264.1.22')), '060a2b0601040183bf300116')
  t.equal(hex(der.boolean(true)), '0101ff')
  t.equal(hex(der.namedBits([0])), '03020780', 'digitalSignature')
  t.equal(hex(der.namedBits([5, 6])), '03020106', 'keyCertSign + cRLSign')
  t.equal(hex(der.utcTime(new Date('2025-03-01T12:00:00Z'))), '170d3235303330313132303030305a')
  t.equal(hex(der.time(new Date('2050-01-01T00:00:00Z'))), '180f32303530303130313030303030305a', 'GeneralizedTime from 2050')
  t.equal(hex(der.octetString(Buffer.alloc(200))).slice(0, 6), '0481c8', 'long-form length')
  t.equal(hex(der.octetString(Buffer.alloc(300))).slice(0, 8), '0482012c')
  t.equal(hex(der.explicit(0, der.integer(2))), 'a003020102')
  t.equal(hex(der.implicit(6, Buffer.from('a'))), '860161')
  t.equal(hex(der.set(der.integer(2), der.integer(1))), '3106020101020102', 'SET OF is sorted')
})

t.test('certificates parse and chain with node’s X.509 implementation', async (t) => {
  const world = createTestSigstore({ now: new Date('2025-03-01T12:00:00Z') })
  const prov = world.signProvenance({ name: 'pkg', version: '1.0.0', sha512: 'ab'.repeat(64) })
  const root = new NodeX509Certificate(world.fulcio.root.der)
  const intermediate = new NodeX509Certificate(world.fulcio.intermediate.der)
  const leaf = new NodeX509Certificate(prov.certificate.der)

  t.ok(root.verify(root.publicKey), 'root is self-signed')
  t.ok(intermediate.verify(root.publicKey) && intermediate.checkIssued(root))
  t.ok(leaf.verify(intermediate.publicKey) && leaf.checkIssued(intermediate))
  t.ok(root.ca && intermediate.ca && !leaf.ca)
  t.equal(root.subject, 'O=sigstore.test\nCN=sigstore')
  t.notOk(leaf.subject, 'empty subject')
  t.equal(leaf.subjectAltName, `URI:https://github.com/octo-org/octo-pkg/.github/workflows/release.yml@refs/tags/v1.0.0`)
  t.same(leaf.keyUsage, ['1.3.6.1.5.5.7.3.3'], 'extended key usage: code signing')
  t.ok(leaf.publicKey.equals(createPublicKey(prov.signingKey.privateKey)), 'issued for the ephemeral key')
  t.equal(new Date(leaf.validFrom).toISOString(), '2025-03-01T11:59:58.000Z')
  t.equal(new Date(leaf.validTo).toISOString(), '2025-03-01T12:09:58.000Z')

  const trusted = world.trustedRoot.certificateAuthorities[0]!.certChain.certificates.map((c) => c.rawBytes)
  t.same(trusted, [world.fulcio.intermediate.der, world.fulcio.root.der].map((d) => d.toString('base64')), 'intermediate first')
})

t.test('inclusion proofs verify with the RFC 9162 algorithm for every index and size', async (t) => {
  // RFC 9162 §2.1.3.2, written independently of both merkle.ts and @sigstore/verify.
  function rootFromProof(index: number, size: number, leaf: Buffer, proof: Buffer[]): Buffer | undefined {
    let fn = index
    let sn = size - 1
    let r = leaf
    for (const p of proof) {
      if (sn === 0) return undefined
      if (fn % 2 === 1 || fn === sn) {
        r = hashChildren(p, r)
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) {
            fn >>= 1
            sn >>= 1
          }
        }
      } else {
        r = hashChildren(r, p)
      }
      fn >>= 1
      sn >>= 1
    }
    return sn === 0 ? r : undefined
  }
  const leaves = Array.from({ length: 33 }, (_, i) => hashLeaf(Buffer.from(`entry ${i}`)))
  let checked = 0
  for (let size = 1; size <= leaves.length; size++) {
    const tree = leaves.slice(0, size)
    const root = treeHash(tree)
    for (let index = 0; index < size; index++) {
      const got = rootFromProof(index, size, tree[index]!, inclusionProof(index, tree))
      if (!got || !got.equals(root)) t.fail(`proof for ${index} in ${size}`)
      checked++
    }
  }
  t.equal(checked, (33 * 34) / 2)
  t.equal(treeHash([]).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'empty tree')
  t.same(treeHash(leaves.slice(0, 2)), hashChildren(leaves[0]!, leaves[1]!))
})

t.test('npm key ids match the registry’s published fingerprint', async (t) => {
  const doc = readCorpusJSON('trust/npm-registry-keys.v1-keys-endpoint.json') as { keys: { keyid: string; key: string }[] }
  for (const { keyid, key } of doc.keys) {
    t.equal(npmKeyId(createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' })), keyid)
  }
})

t.test('npm subjects use purls with the scope percent-encoded', async (t) => {
  t.equal(npmPurl('@scope/name', '1.0.0'), 'pkg:npm/%40scope/name@1.0.0')
  t.equal(npmPurl('name', '1.0.0-rc.1'), 'pkg:npm/name@1.0.0-rc.1')
  t.equal(npmPurl('name', '1.0.0', 'https://npm.example.test'), 'pkg:npm/name@1.0.0?repository_url=https://npm.example.test')
  const viaIntegrity = npmSubject({ name: 'a', version: '1.0.0', integrity: `sha512-${Buffer.from('ab'.repeat(64), 'hex').toString('base64')}` })
  t.same(viaIntegrity.digest, { sha512: 'ab'.repeat(64) })
  t.throws(() => npmSubject({ name: 'a', version: '1.0.0' }), /needs a tarball/)
})

t.test('canonical JSON sorts keys by code unit and adds no whitespace', async (t) => {
  t.equal(canonicalJSON({ logIndex: 1, logID: 'x', body: 'b', integratedTime: 2 }), '{"body":"b","integratedTime":2,"logID":"x","logIndex":1}')
  t.equal(canonicalJSON({ b: [1, { d: null, c: true }], a: 'é' }), '{"a":"é","b":[1,{"c":true,"d":null}]}')
})

t.test('identity defaults follow the fields a test overrides', async (t) => {
  const id = githubActionsIdentity({ repository: 'someone/thing', sha: 'c'.repeat(40) })
  t.equal(id.repositoryOwner, 'someone')
  t.equal(id.workflowSha, 'c'.repeat(40))
  t.equal(id.jobWorkflowSha, 'c'.repeat(40))
  t.equal(id.jobWorkflowRef, 'someone/thing/.github/workflows/release.yml@refs/tags/v1.0.0')
  t.equal(githubActionsIdentity({ repositoryOwner: undefined }).repositoryOwner, 'octo-org', 'undefined means default')
})

t.test('the trusted root lists one CA, Rekor and CT log with their log ids', async (t) => {
  const world = createTestSigstore({ now: new Date('2025-03-01T12:00:00Z') })
  const root = world.trustedRoot
  t.equal(root.tlogs.length, 1)
  t.equal(root.ctlogs.length, 1)
  t.same(root.timestampAuthorities, [])
  t.equal(root.tlogs[0]!.logId.keyId, world.rekor.logId.toString('base64'))
  t.equal(root.ctlogs[0]!.logId.keyId, world.ctLog.logId.toString('base64'))
  t.equal(root.tlogs[0]!.publicKey.keyDetails, 'PKIX_ECDSA_P256_SHA_256')
  t.equal(root.certificateAuthorities[0]!.validFor.start, '2020-03-02T12:00:00.000Z', 'five years before now')
})

t.test('Rekor entry bodies reproduce real log entries byte for byte', async (t) => {
  function envelopeOf(bundle: BundleJSON): DsseEnvelope {
    const sig = bundle.dsseEnvelope.signatures[0]!
    return {
      payload: Buffer.from(bundle.dsseEnvelope.payload, 'base64'),
      payloadType: bundle.dsseEnvelope.payloadType,
      signature: Buffer.from(sig.sig, 'base64'),
      keyid: sig.keyid ?? '',
    }
  }
  const loggedBody = (bundle: BundleJSON) =>
    Buffer.from(bundle.verificationMaterial.tlogEntries[0]!.canonicalizedBody, 'base64')

  // A v0.3 bundle with a dsse entry from the sigstore-conformance suite.
  const v3 = readCorpusJSON('conformance/bundle-verify/happy-path-intoto-in-dsse-v3/bundle.sigstore.json') as BundleJSON
  const v3Verifier = JSON.parse(loggedBody(v3).toString()).spec.signatures[0].verifier
  t.equal(
    dsseBody(envelopeOf(v3), Buffer.from(v3Verifier, 'base64').toString()).canonical.toString(),
    loggedBody(v3).toString(),
    'dsse 0.0.1',
  )

  // npm's 2024 provenance and publish attestations, intoto entries.
  const doc = readCorpusJSON('attestations/slsa-verifier__gundam-visor-cli-v1-tag.json') as { attestations: { bundle: BundleJSON }[] }
  for (const { bundle } of doc.attestations) {
    const verifier = JSON.parse(loggedBody(bundle).toString()).spec.content.envelope.signatures[0].publicKey
    t.equal(
      intotoBody(envelopeOf(bundle), Buffer.from(verifier, 'base64').toString()).canonical.toString(),
      loggedBody(bundle).toString(),
      `intoto 0.0.2 (${bundle.verificationMaterial.publicKey ? 'publish' : 'provenance'})`,
    )
  }
})
