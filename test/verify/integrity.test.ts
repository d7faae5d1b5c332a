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

t.test('reports INTEGRITY_MISSING without a sha512 anywhere', async (t) => {
  const sha1 = ssri.fromData(bytes, { algorithms: ['sha1'] }).toString()
  t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0', lockfileIntegrity: sha1 })), ['INTEGRITY_MISSING'])
  t.same(codes(verifyIntegrity({ name: 'a', version: '1.0.0' })), ['INTEGRITY_MISSING'])
  t.equal(verifyIntegrity({ name: 'a', version: '1.0.0', registryIntegrity: integrity }).integrity, integrity, 'falls back to the registry')
})

t.test('publisher metadata is read and marked unsigned', async (t) => {
  const p = readPublisher({ name: 'GitHub Actions', email: 'npm-oidc-no-reply@github.com', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:1' }, approver: { name: 'alice' } })
  t.same(p, { source: 'registry-metadata', name: 'GitHub Actions', email: 'npm-oidc-no-reply@github.com', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:1' }, approver: { name: 'alice' } })
  t.same(readPublisher('garbage'), { source: 'registry-metadata' })
  t.same(readPublisher({ trustedPublisher: { oidcConfigId: 'x' } }), { source: 'registry-metadata' }, 'a trusted publisher needs an id')
})
