import t from 'tap'
import { readCorpusJSON } from './corpus.js'
import {
  createRegistryKey,
  formatKeysEndpoint,
  formatTufKeys,
  npmKeyId,
  publicKeyFromSpki,
  signRegistrySignature,
  startRegistry,
  verifyRegistrySignatureWithKey,
  type KeysEndpointDocument,
  type TufKeysDocument,
} from './registry/index.js'

const endpointKeys = readCorpusJSON('trust/npm-registry-keys.v1-keys-endpoint.json') as KeysEndpointDocument
const tufKeys = readCorpusJSON('trust/npm-registry-keys.tuf-keys.json') as TufKeysDocument

interface SignatureCase {
  name: string
  version: string
  integrity: string
  signatures: Array<{ keyid: string; sig: string }>
  expect: string
  from: string
}
const { cases } = readCorpusJSON('registry-signatures/cases.json') as { cases: SignatureCase[] }

t.test("recomputes the key ids of npm's real registry keys from their public keys", async (t) => {
  t.equal(endpointKeys.keys.length, 2)
  for (const k of endpointKeys.keys) t.equal(npmKeyId(k.key), k.keyid)
  for (const k of tufKeys.keys) t.equal(npmKeyId(publicKeyFromSpki(k.publicKey.rawBytes)), k.keyId)
})

t.test('real registry-signature cases verify or fail as recorded', async (t) => {
  const byId = new Map(endpointKeys.keys.map((k) => [k.keyid, publicKeyFromSpki(k.key)]))
  t.ok(cases.length >= 5)
  for (const c of cases) {
    const expected = c.expect.startsWith('VERIFY')
    // A case passes when every signature verifies with the key it names.
    const verified = c.signatures.every((s) => {
      const key = byId.get(s.keyid)
      return key !== undefined && verifyRegistrySignatureWithKey(key, s.sig, c)
    })
    t.equal(verified, expected, `${c.name}@${c.version}: ${c.expect}`)
  }
})

t.test('a signature made with a created key verifies, and not over other data', async (t) => {
  const key = createRegistryKey()
  t.equal(key.keyid, npmKeyId(key.spkiBase64))
  t.match(key.keyid, /^SHA256:[A-Za-z0-9+/]{43}$/)
  const pkg = { name: '@acme/lib', version: '1.2.3', integrity: 'sha512-AAAA' }
  const signature = signRegistrySignature(key, pkg)
  t.equal(signature.keyid, key.keyid)
  t.equal(verifyRegistrySignatureWithKey(key.publicKey, signature.sig, pkg), true)
  t.equal(verifyRegistrySignatureWithKey(key.publicKey, signature.sig, { ...pkg, version: '1.2.4' }), false)
  t.equal(verifyRegistrySignatureWithKey(createRegistryKey().publicKey, signature.sig, pkg), false)
  t.equal(verifyRegistrySignatureWithKey(key.publicKey, 'bogus', pkg), false)
})

t.test('keys documents have the real shapes, expiry included', async (t) => {
  const current = createRegistryKey()
  const old = createRegistryKey({ expires: '2025-01-29T00:00:00Z', validFrom: '2022-12-01T00:00:00Z' })
  const endpoint = formatKeysEndpoint([old, current])
  t.same(Object.keys(endpoint.keys[0]!).sort(), Object.keys(endpointKeys.keys[0]!).sort())
  t.same(endpoint.keys.map((k) => k.expires), ['2025-01-29T00:00:00.000Z', null])
  t.same(endpoint.keys[1], { expires: null, keyid: current.keyid, keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256', key: current.spkiBase64 })

  const tuf = formatTufKeys([old, current])
  t.same(tuf.keys.map((k) => [k.keyId, k.keyUsage]), [
    [old.keyid, 'npm:signatures'], [old.keyid, 'npm:attestations'],
    [current.keyid, 'npm:signatures'], [current.keyid, 'npm:attestations'],
  ])
  t.same(tuf.keys[0]!.publicKey, { rawBytes: old.spkiBase64, keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2022-12-01T00:00:00.000Z', end: '2025-01-29T00:00:00.000Z' } })
  t.notOk('end' in tuf.keys[2]!.publicKey.validFor, 'a key that never expires has no validFor.end')
})

t.test('a signature made by the registry verifies with the key it serves', async (t) => {
  const key = createRegistryKey()
  const registry = await startRegistry({ keys: [key] })
  t.teardown(() => registry.close())
  const version = registry.addVersion({ name: 'signed', version: '1.0.0' })
  version.sign(key)

  const keys = (await (await fetch(`${registry.origin}/-/npm/v1/keys`)).json()) as KeysEndpointDocument
  const manifest = (await (await fetch(`${registry.origin}/signed/1.0.0`)).json()) as {
    dist: { integrity: string; signatures: Array<{ keyid: string; sig: string }> }
  }
  t.equal(manifest.dist.signatures.length, 1)
  const [signature] = manifest.dist.signatures
  const served = keys.keys.find((k) => k.keyid === signature!.keyid)
  t.ok(served, 'the signature names a served key')
  t.equal(npmKeyId(served!.key), served!.keyid)
  const pkg = { name: 'signed', version: '1.0.0', integrity: manifest.dist.integrity }
  t.equal(verifyRegistrySignatureWithKey(publicKeyFromSpki(served!.key), signature!.sig, pkg), true)
})

t.test('signing again with the same key replaces its signature; other keys add theirs', async (t) => {
  const registry = await startRegistry()
  t.teardown(() => registry.close())
  const [a, b] = [createRegistryKey(), createRegistryKey()]
  const version = registry.addVersion({ name: 'twice', version: '1.0.0' })
  version.sign(a)
  version.integrity = 'sha512-changed'
  version.sign(a)
  version.sign(b)
  t.same(version.signatures!.map((s) => s.keyid), [a.keyid, b.keyid])
  t.equal(verifyRegistrySignatureWithKey(a.publicKey, version.signatures![0]!.sig, version), true)
})
