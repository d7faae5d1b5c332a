import t from 'tap'
import { generateKeyPairSync, sign } from 'node:crypto'
import { readCorpusJSON } from '../helpers/corpus.js'
import { parseRegistryKeys, RegistryKeysError } from '../../lib/fetch/registry-keys/parse.js'
import { keyValidAt } from '../../lib/verify/key-validity.js'
import type { RegistryKey } from '../../lib/model/evidence.js'
import { verifyRegistrySignature, type SignatureInput } from '../../lib/verify/registry-signature.js'

const tufKeys = parseRegistryKeys(readCorpusJSON('trust/npm-registry-keys.tuf-keys.json'), 'tuf keys.json')
const endpointKeys = parseRegistryKeys(readCorpusJSON('trust/npm-registry-keys.v1-keys-endpoint.json'), '/-/npm/v1/keys')

interface SignatureCase {
  name: string
  version: string
  integrity: string
  signatures: unknown
  expect: string
  from: string
}
const { cases } = readCorpusJSON('registry-signatures/cases.json') as { cases: SignatureCase[] }
// The recorded cases carry no publish time; all were published while npm's first key was valid.
const BEFORE_ROTATION = new Date('2022-06-01T00:00:00Z')

t.test('both key document shapes parse to the same two keys', async (t) => {
  for (const keys of [tufKeys, endpointKeys]) {
    t.same(keys.map((k) => k.keyid).sort(), [
      'SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U',
      'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA',
    ])
  }
  const old = tufKeys.find((k) => k.keyid.startsWith('SHA256:jl3b'))!
  // The TUF document gives each use its own window: signatures from 1999, attestations from 2022-12.
  t.equal(keyValidAt(old, 'npm:signatures', new Date('2022-06-01T00:00:00Z')), true)
  t.equal(keyValidAt(old, 'npm:attestations', new Date('2022-06-01T00:00:00Z')), false)
  t.equal(keyValidAt(old, 'npm:signatures', new Date('2025-01-29T00:00:00Z')), false)
})

for (const [shape, keys] of [['TUF', tufKeys], ['keys endpoint', endpointKeys]] as const) {
  t.test(`every recorded registry-signature case gives its expected outcome (${shape} keys)`, async (t) => {
    t.ok(cases.length >= 5)
    for (const c of cases) {
      const facts = verifyRegistrySignature({ ...c, publishTime: BEFORE_ROTATION, keys })
      const expected = c.expect.startsWith('VERIFY') ? 'verified' : 'invalid'
      t.equal(facts.status, expected, `${c.name}@${c.version} (${c.from})`)
      if (expected === 'invalid') t.same(facts.findings.map((f) => f.code), ['SIGNATURE_INVALID'])
    }
  })
}

t.test('every signature in the real packuments verifies at its publish time', async (t) => {
  for (const file of ['packuments/abbrev.json', 'packuments/has-package-exports.json']) {
    const doc = readCorpusJSON(file) as {
      time: Record<string, string>
      versions: Record<string, { name: string; version: string; dist: { integrity?: string; signatures?: unknown } }>
    }
    let checked = 0
    for (const v of Object.values(doc.versions)) {
      if (!v.dist.signatures || !v.dist.integrity) continue
      const input = { ...v, integrity: v.dist.integrity, signatures: v.dist.signatures, publishTime: new Date(doc.time[v.version]!) }
      t.equal(verifyRegistrySignature({ ...input, keys: tufKeys }).status, 'verified', `${file} ${v.version}`)
      checked++
    }
    t.ok(checked > 0, `${file}: checked ${checked} signed versions`)
  }
})

t.test('key validity follows the publish time (pacote key-rotation semantics)', async (t) => {
  const c = cases.find((c) => c.name === '@isaacs/namespace-test')!
  const published = new Date('2019-06-28T18:46:27.981Z')
  const old = endpointKeys.find((k) => k.keyid === (c.signatures as { keyid: string }[])[0]!.keyid)!
  const expiredBefore: RegistryKey = { ...old, usages: { 'npm:signatures': { expires: new Date('2010-01-01T00:00:00Z') } } }
  t.equal(verifyRegistrySignature({ ...c, publishTime: published, keys: [old] }).status, 'verified')
  const facts = verifyRegistrySignature({ ...c, publishTime: published, keys: [expiredBefore] })
  t.equal(facts.status, 'key-expired')
  t.same(facts.findings.map((f) => f.code), ['SIGNATURE_KEY_EXPIRED'])
  // No publish time and a key that expires: cannot establish validity, so fail closed.
  t.equal(verifyRegistrySignature({ ...c, keys: [old] }).status, 'key-expired')
})

t.test('finding codes for each way a signature can be wrong', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const key: RegistryKey = {
    keyid: 'SHA256:test',
    publicKey,
    spkiBase64: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    usages: { 'npm:signatures': {} },
  }
  const base = { name: '@scope/pkg', version: '1.0.0', integrity: 'sha512-AAAA', publishTime: new Date() }
  const sig = sign('sha256', Buffer.from('@scope/pkg@1.0.0:sha512-AAAA'), privateKey).toString('base64')
  const run = (over: Partial<SignatureInput>) => verifyRegistrySignature({ ...base, signatures: [{ keyid: key.keyid, sig }], keys: [key], ...over })

  t.equal(run({}).status, 'verified')
  t.equal(run({}).keyid, 'SHA256:test')
  t.same(run({ integrity: 'sha512-BBBB' }).findings.map((f) => f.code), ['SIGNATURE_INVALID'], 'another integrity')
  t.same(run({ version: '1.0.1' }).findings.map((f) => f.code), ['SIGNATURE_INVALID'], 'another version')
  t.same(run({ signatures: [] }).findings.map((f) => f.code), ['SIGNATURE_MISSING'])
  t.same(run({ signatures: undefined }).findings.map((f) => f.code), ['SIGNATURE_MISSING'])
  t.same(run({ signatures: 'nope' }).findings.map((f) => f.code), ['SIGNATURE_INVALID'], 'malformed signatures')
  t.same(run({ signatures: [{ keyid: 'SHA256:other', sig }] }).findings.map((f) => f.code), ['SIGNATURE_KEY_UNKNOWN'])
  t.same(run({ keys: null }).findings.map((f) => f.code), ['SIGNATURE_UNSUPPORTED_BY_REGISTRY'])
  t.same(run({ signatures: [{ keyid: key.keyid, sig: 'bogus' }] }).findings.map((f) => f.code), ['SIGNATURE_INVALID'])
  // A second, valid signature does not excuse an invalid one by a trusted key.
  const bad = { keyid: key.keyid, sig: sign('sha256', Buffer.from('other'), privateKey).toString('base64') }
  t.equal(run({ signatures: [{ keyid: key.keyid, sig }, bad] }).status, 'invalid')
  // An extra signature by a key we do not know is ignored when a trusted one verifies.
  t.equal(run({ signatures: [{ keyid: 'SHA256:other', sig }, { keyid: key.keyid, sig }] }).status, 'verified')
  // A key only for attestations cannot vouch for a registry signature.
  t.equal(run({ keys: [{ ...key, usages: { 'npm:attestations': {} } }] }).status, 'key-unknown')
})

t.test('malformed key documents are errors naming the source', async (t) => {
  const bad: unknown[] = [
    null,
    {},
    { keys: 'x' },
    { keys: [{ keyid: 'k', key: 'not base64 spki' }] },
    { keys: [{ keyid: 'k', key: tufKeys[0]!.spkiBase64, expires: 'someday' }] },
    { keys: [{ keyid: 'k', key: tufKeys[0]!.spkiBase64, keytype: 'ssh-rsa' }] },
    { keys: [{ keyId: 'k', publicKey: { rawBytes: tufKeys[0]!.spkiBase64 } }] },
    { keys: [{ something: 'else' }] },
  ]
  for (const doc of bad) {
    t.throws(() => parseRegistryKeys(doc, 'keys.json'), RegistryKeysError, JSON.stringify(doc))
    t.throws(() => parseRegistryKeys(doc, 'keys.json'), /^keys\.json/)
  }
  // A usage meant for another consumer of the TUF target is skipped, not an error.
  t.same(parseRegistryKeys({ keys: [{ keyId: 'k', keyUsage: 'other:use', publicKey: { rawBytes: tufKeys[0]!.spkiBase64 } }] }, 'x'), [])
})
