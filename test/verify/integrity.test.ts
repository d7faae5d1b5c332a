import t from 'tap'
import ssri from 'ssri'
import { verifyIntegrity } from '../../lib/verify/integrity.js'
import { readPublisher } from '../../lib/verify/publisher.js'

const bytes = Buffer.from('package bytes')
const integrity = ssri.fromData(bytes, { algorithms: ['sha512'] }).toString()
const other = ssri.fromData(Buffer.from('other'), { algorithms: ['sha512'] }).toString()
const codes = (r: { findings: { code: string }[] }) => r.findings.map((f) => f.code)

t.test('the lockfile integrity is what everything is bound to', async (t) => {
  const r = verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: integrity, registryIntegrity: integrity, tarball: bytes })
  t.equal(r.status, 'verified')
  t.equal(r.integrity, integrity)
  t.equal(r.tarball, 'verified')
})

t.test('reports INTEGRITY_MISMATCH when the lockfile and registry disagree', async (t) => {
  const r = verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: other, registryIntegrity: integrity })
  t.equal(r.status, 'mismatch')
  t.equal(r.integrity, other, 'still bound to the lockfile, not the registry')
  t.same(codes(r), ['INTEGRITY_MISMATCH'])
})

t.test('reports TARBALL_INTEGRITY_MISMATCH for altered bytes', async (t) => {
  const r = verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: integrity, tarball: Buffer.from('package bytez') })
  t.same(codes(r), ['TARBALL_INTEGRITY_MISMATCH'])
})

t.test('reports INTEGRITY_MISSING for an absent lockfile integrity, never falling back to the registry\'s', async (t) => {
  t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0' })), ['INTEGRITY_MISSING'])
  const r = verifyIntegrity({ name: 'a', version: '1.0.0', registryIntegrity: integrity })
  t.same(codes(r), ['INTEGRITY_MISSING'])
  t.equal(r.status, 'missing')
  t.equal(r.integrity, undefined, 'nothing is bound: the registry\'s word is not what npm ci checks')
  t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', registryIntegrity: integrity, tarball: bytes })), ['INTEGRITY_MISSING'], 'a download cannot pin what npm fetches later')
})

t.test('reports INTEGRITY_WEAK for a lockfile integrity without sha512, even when the registry\'s sha512 is known', async (t) => {
  for (const algorithm of ['sha1', 'sha256', 'sha384']) {
    const weak = ssri.fromData(bytes, { algorithms: [algorithm] }).toString()
    const r = verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: weak, registryIntegrity: integrity })
    t.same(codes(r), ['INTEGRITY_WEAK'], algorithm)
    t.equal(r.status, 'missing', algorithm)
    t.equal(r.integrity, undefined, `${algorithm}: nothing is bound`)
  }
})

t.test('a weak lockfile integrity is bound by tarball bytes that hash to it and to the registry\'s sha512', async (t) => {
  const sha1 = ssri.fromData(bytes, { algorithms: ['sha1'] }).toString()
  const r = verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: sha1, registryIntegrity: integrity, tarball: bytes })
  t.same(codes(r), [])
  t.equal(r.status, 'verified')
  t.equal(r.integrity, integrity, 'bound to the sha512 of the bytes, as the registry signed it')
  t.equal(r.tarball, 'verified')

  const otherSha1 = ssri.fromData(Buffer.from('other'), { algorithms: ['sha1'] }).toString()
  t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: otherSha1, registryIntegrity: integrity, tarball: bytes })), ['TARBALL_INTEGRITY_MISMATCH'], 'bytes are not what the lockfile pins')
  t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: sha1, registryIntegrity: other, tarball: bytes })), ['TARBALL_INTEGRITY_MISMATCH'], 'bytes are not what the registry signed')
  t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: sha1, tarball: bytes })), ['INTEGRITY_WEAK'], 'no registry sha512 to bind to')
  t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: sha1, registryIntegrity: `${integrity} ${other}`, tarball: bytes })), ['INTEGRITY_WEAK'], 'an ambiguous registry sha512')
  const md5 = ssri.fromData(bytes, { algorithms: ['md5'] }).toString()
  t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: md5, registryIntegrity: integrity, tarball: bytes })), ['INTEGRITY_WEAK'], 'md5 binds nothing')
  t.match(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: sha1, registryIntegrity: integrity, tarballSkipped: 'resolved is elsewhere' }).findings[0]?.message, /resolved is elsewhere/)
})

t.test('reports INTEGRITY_AMBIGUOUS when the lockfile lists several sha512 digests', async (t) => {
  for (const lockfileIntegrity of [`${integrity} ${other}`, `${other} ${integrity}`]) {
    const r = verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity, registryIntegrity: integrity, tarball: Buffer.from('other') })
    t.same(codes(r), ['INTEGRITY_AMBIGUOUS'])
    t.equal(r.integrity, undefined)
  }
  t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: `${integrity} ${integrity}`, registryIntegrity: integrity })), [], 'the same digest twice is one digest')
  const sha1 = ssri.fromData(bytes, { algorithms: ['sha1'] }).toString()
  t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: `${sha1} ${integrity}`, registryIntegrity: integrity })), [], 'npm checks the sha512 and ignores the weaker hash')
})

t.test('an integrity ssri cannot parse is a finding, never a crash', async (t) => {
  const unparsable = ['SHA512-' + integrity.slice(7), 'not-an-sri', 'sha512-', 'sha512-abc', 'sha512-' + '!'.repeat(88), 'sha1-abc']
  for (const bad of unparsable) {
    t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: bad, registryIntegrity: integrity })), ['INTEGRITY_WEAK'], `lockfile ${JSON.stringify(bad)}`)
    t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: integrity, registryIntegrity: bad })), ['INTEGRITY_MISMATCH'], `registry ${JSON.stringify(bad)}`)
  }
  for (const blank of ['', ' ', '\t\n']) {
    t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: blank, registryIntegrity: integrity })), ['INTEGRITY_MISSING'], `lockfile ${JSON.stringify(blank)}`)
    // A version document that states a blank integrity is not "no registry data": it cannot agree.
    t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: integrity, registryIntegrity: blank })), ['INTEGRITY_MISMATCH'], `registry ${JSON.stringify(blank)}: not an integrity`)
  }
  for (const wrongType of [42, {}, ['x'], true]) {
    t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: wrongType, registryIntegrity: integrity })), ['INTEGRITY_WEAK'], `lockfile ${JSON.stringify(wrongType)}`)
    t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: integrity, registryIntegrity: wrongType })), ['INTEGRITY_MISMATCH'], `registry ${JSON.stringify(wrongType)}`)
  }
})

t.test('publisher metadata is read and marked unsigned', async (t) => {
  const p = readPublisher({ name: 'GitHub Actions', email: 'npm-oidc-no-reply@github.com', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:1' }, approver: { name: 'alice' } })
  t.same(p, { source: 'registry-metadata', name: 'GitHub Actions', email: 'npm-oidc-no-reply@github.com', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:1' }, approver: { name: 'alice' } })
  t.same(readPublisher('garbage'), { source: 'registry-metadata' })
  t.same(readPublisher({ trustedPublisher: { oidcConfigId: 'x' } }), { source: 'registry-metadata' }, 'a trusted publisher needs an id')
})

t.test('a weaker hash listed beside the one sha512 is ignored, as npm ignores it: bound to the sha512 alone', async (t) => {
  const sha1 = ssri.fromData(bytes, { algorithms: ['sha1'] }).toString()
  const r = verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: `${integrity} ${sha1}`, registryIntegrity: integrity })
  t.same(codes(r), [])
  t.equal(r.integrity, integrity, 'the registry signs `sha512-<digest>`')
})
