// The lockfile integrity is what npm ci checks: the check is bound to it, through the library on the
// loopback registry. A weak (sha1) integrity fails unless --fetch-tarballs proves the bytes match it
// and the registry's signed sha512; unusable integrities are findings, never a crash.
import t from 'tap'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkScenario } from '../helpers/check.js'
import { createScenario, type Scenario } from '../helpers/scenario/index.js'

const sha1Of = (bytes: Buffer) => `sha1-${createHash('sha1').update(bytes).digest('base64')}`
const sha512Of = (bytes: Buffer) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`

function editLockfile(s: Scenario, edit: (packages: Record<string, Record<string, unknown>>) => void): void {
  const lockPath = join(s.projectDir, 'package-lock.json')
  const lock = JSON.parse(readFileSync(lockPath, 'utf8'))
  edit(lock.packages)
  writeFileSync(lockPath, JSON.stringify(lock, null, 2))
}

/** `--trusted-root FILE --no-cache`, and `--fetch-tarballs` when asked. */
function check(s: Scenario, fetchTarballs = false) {
  return checkScenario(s, { trustedRootFile: s.trustedRootFile, cacheDir: false, ...(fetchTarballs && { fetchTarballs }) })
}

t.test('reports INTEGRITY_WEAK for a sha1 lockfile integrity; --fetch-tarballs passes it when the bytes match both hashes', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'ok', version: '1.0.0' }, { name: 'weak', version: '1.0.0' }] })
  const served = s.version('weak@1.0.0').tarball
  editLockfile(s, (p) => (p['node_modules/weak']!.integrity = sha1Of(served)))

  const plain = await check(s)
  t.equal(plain.status, 1)
  t.same(plain.codes('weak'), ['INTEGRITY_WEAK'])
  t.equal(plain.pkg('weak').decision, 'fail')
  t.equal(plain.pkg('ok').decision, 'pass')

  s.registry.clearRequests()
  const fetched = await check(s, true)
  t.equal(fetched.status, 0)
  t.same(fetched.codes('weak'), [])
  t.equal(fetched.pkg('weak').decision, 'pass')
  t.equal(fetched.pkg('weak').evidence.integrity.tarball, 'verified')
  t.equal(fetched.pkg('weak').evidence.signature.status, 'verified', 'the signature is checked over the sha512 of the downloaded bytes')
  const tarballRequests = s.registry.requests.filter((r) => r.route === 'tarball')
  t.same(tarballRequests.map((r) => r.path), ['/weak/-/weak-1.0.0.tgz'], 'only the weak entry is downloaded, from its resolved URL')
})

t.test('--fetch-tarballs fails a weak entry whose tarball does not match the registry\'s signed sha512', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'swapped', version: '1.0.0', tarball: 'tampered' }] })
  // The attacker writes the sha1 of the bytes they serve: npm ci would accept them.
  const served = s.version('swapped@1.0.0').tarball
  t.not(sha512Of(served), s.published('swapped@1.0.0').integrity, 'the served bytes are not the signed ones')
  editLockfile(s, (p) => (p['node_modules/swapped']!.integrity = sha1Of(served)))
  const r = await check(s, true)
  t.equal(r.status, 1)
  t.same(r.codes('swapped'), ['TARBALL_INTEGRITY_MISMATCH'])
  t.equal(r.pkg('swapped').decision, 'fail')
})

t.test('--fetch-tarballs does not download a resolved URL outside the registry', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'elsewhere', version: '1.0.0' }] })
  const served = s.version('elsewhere@1.0.0').tarball
  editLockfile(s, (p) => {
    p['node_modules/elsewhere']!.integrity = sha1Of(served)
    p['node_modules/elsewhere']!.resolved = 'http://127.0.0.1:9/elsewhere-1.0.0.tgz'
  })
  const r = await check(s, true)
  t.equal(r.status, 1)
  // The lockfile binding reports the foreign origin too (RESOLVED_ORIGIN_MISMATCH); the integrity stays weak.
  t.same(r.codes('elsewhere'), ['RESOLVED_ORIGIN_MISMATCH', 'INTEGRITY_WEAK'])
  t.match(r.pkg('elsewhere').findings.find((f: { code: string }) => f.code === 'INTEGRITY_WEAK').message, /not on the registry/)
})

t.test('unparsable and ambiguous integrities, in the lockfile or the version document, are findings on their package, never a crash', async (t) => {
  const s = await createScenario(t, {
    packages: [
      { name: 'ok', version: '1.0.0' },
      { name: 'garbage', version: '1.0.0' },
      { name: 'upper', version: '1.0.0' },
      { name: 'two', version: '1.0.0' },
      { name: 'regbad', version: '1.0.0' },
    ],
  })
  // The registry's version document carries an integrity ssri cannot parse (the lockfile's is fine).
  s.version('regbad@1.0.0').integrity = 'SHA512-' + s.version('regbad@1.0.0').integrity.slice('sha512-'.length)
  const signed = s.published('two@1.0.0').integrity
  editLockfile(s, (p) => {
    p['node_modules/garbage']!.integrity = 'not-an-sri'
    p['node_modules/upper']!.integrity = (p['node_modules/upper']!.integrity as string).replace('sha512-', 'SHA512-')
    p['node_modules/two']!.integrity = `${signed} ${sha512Of(Buffer.from('other bytes'))}`
  })
  const r = await check(s)
  t.equal(r.status, 1)
  t.same(r.codes('garbage'), ['INTEGRITY_WEAK'])
  t.same(r.codes('upper'), ['INTEGRITY_WEAK'])
  t.same(r.codes('two'), ['INTEGRITY_AMBIGUOUS'])
  t.same(r.codes('regbad'), ['INTEGRITY_MISMATCH'])
  t.equal(r.pkg('ok').decision, 'pass', 'the other packages are still verified')
})
