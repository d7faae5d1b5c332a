/**
 * A scenario's project is a real npm project: the lockfile comes from the npm CLI against the
 * loopback registry, names every declared version with loopback URLs and the integrities the
 * registry serves, and installs. What each knob serves is checked in scenario-knobs.test.ts.
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { npmPurl } from './pki/index.js'
import { createScenario } from './scenario/index.js'

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(url, { headers })
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) }
}

async function getJSON(url: string): Promise<any> {
  const res = await get(url)
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`)
  return JSON.parse(res.body.toString('utf8'))
}

function sri(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`
}

// a → @acme/b, opt (optional); c (install script) → d (peer). Roots by default: a and c.
const s = await createScenario(t, {
  packages: [
    { name: 'a', version: '1.0.0', dependencies: { '@acme/b': '^1.0.0' }, optionalDependencies: { opt: '^1.0.0' } },
    { name: '@acme/b', version: '1.2.0' },
    { name: 'opt', version: '1.0.0' },
    { name: 'c', version: '2.0.0', scripts: { postinstall: 'node -e "process.exit(1)"' }, peerDependencies: { d: '^1.0.0' } },
    { name: 'd', version: '1.0.0' },
  ],
})

t.test('setup leaves an empty request log and a project that depends on the root packages', async (t) => {
  t.same(s.registry.requests, [], 'the lockfile run is not in the log')
  const pkg = JSON.parse(readFileSync(join(s.projectDir, 'package.json'), 'utf8'))
  t.same(pkg.dependencies, { a: '1.0.0', c: '2.0.0' })
  t.equal(readFileSync(join(s.projectDir, '.npmrc'), 'utf8'), `registry=${s.registry.url}\n`)
})

t.test('real npm locks every declared version with loopback URLs and the integrity the registry serves', async (t) => {
  const lock = s.readLockfile()
  t.equal(lock.lockfileVersion, 3)
  for (const [id, v] of s.versions) {
    const entry = lock.packages[`node_modules/${v.spec.name}`]
    if (!entry) {
      t.fail(`${id} is not locked`)
      continue
    }
    t.equal(entry.version, v.spec.version, `${id} version`)
    t.equal(entry.resolved, s.registry.tarballUrl(v.spec.name, v.spec.version), `${id} resolved`)
    t.equal(entry.integrity, v.record.integrity, `${id} integrity`)
    const served = await get(entry.resolved!)
    t.equal(sri(served.body), entry.integrity, `${id}: the served tarball has the locked integrity`)
  }
  t.equal(lock.packages['node_modules/opt']?.optional, true)
  t.equal(lock.packages['node_modules/d']?.peer, true)
  t.equal(lock.packages['node_modules/c']?.hasInstallScript, true)
})

t.test('a scoped package round-trips through the registry, the lockfile and its provenance', async (t) => {
  const b = s.published('@acme/b')
  t.equal(s.readLockfile().packages['node_modules/@acme/b']?.resolved, `${s.registry.origin}/@acme/b/-/b-1.2.0.tgz`)
  const packument = await getJSON(`${s.registry.origin}/@acme%2fb`)
  const dist = packument.versions['1.2.0'].dist
  t.equal(dist.integrity, b.integrity)
  t.equal(dist.attestations.url, `${s.registry.origin}/-/npm/v1/attestations/@acme%2fb@1.2.0`)
  const served = await getJSON(dist.attestations.url)
  const statement = JSON.parse(Buffer.from(served.attestations[0].bundle.dsseEnvelope.payload, 'base64').toString('utf8'))
  t.same(statement.subject, [{ name: 'pkg:npm/%40acme/b@1.2.0', digest: { sha512: createHash('sha512').update(b.tarball).digest('hex') } }])
  t.equal(statement.subject[0].name, npmPurl('@acme/b', '1.2.0'))
})

t.test('trust files hold the PKI trusted root and the served registry keys', async (t) => {
  t.same(JSON.parse(readFileSync(s.trustedRootFile, 'utf8')), s.pki.trustedRoot)
  t.same(JSON.parse(readFileSync(s.registryKeysFile, 'utf8')), await getJSON(`${s.registry.origin}/-/npm/v1/keys`))
})

t.test('versions are looked up by name@version, or by name alone when it has one version', async (t) => {
  t.equal(s.version('a').version, '1.0.0')
  t.equal(s.version('@acme/b@1.2.0').name, '@acme/b')
  t.throws(() => s.version('nope'), /no declared version nope/)
})

t.test('npm ci installs the locked tree (scripts stay off)', async (t) => {
  const result = await s.npm(['ci'])
  t.equal(result.code, 0, result.stderr)
  t.equal(readFileSync(join(s.projectDir, 'node_modules/@acme/b/index.js'), 'utf8'), 'module.exports = "@acme/b@1.2.0"\n')
  t.ok(existsSync(join(s.projectDir, 'node_modules/d/package.json')), 'peer installed')
})

t.test('a token-protected registry: the project .npmrc carries the token', async (t) => {
  const locked = await createScenario(t, { registry: { token: 'sekret' }, packages: [{ name: 'x', version: '1.0.0' }] })
  t.equal(
    readFileSync(join(locked.projectDir, '.npmrc'), 'utf8'),
    `registry=${locked.registry.url}\n//127.0.0.1:${locked.registry.port}/:_authToken=sekret\n`,
  )
  t.equal(locked.readLockfile().packages['node_modules/x']?.integrity, locked.version('x').integrity, 'npm locked through the token')
  t.equal((await get(`${locked.registry.origin}/x`)).status, 401)
  t.equal((await get(`${locked.registry.origin}/x`, { authorization: 'Bearer sekret' })).status, 200)
})

t.test('workspaces, dev dependencies and extra project files', async (t) => {
  const ws = await createScenario(t, {
    packages: [
      { name: 'x', version: '1.0.0' },
      { name: 'y', version: '3.1.0' },
    ],
    project: {
      devDependencies: { y: '^3.0.0' },
      workspaces: { 'packages/w': { dependencies: { x: '^1.0.0' } } },
      files: { 'policy.json': '{}\n', '.npmrc': ({ url }) => `registry=${url}\nsave-exact=true\n` },
    },
  })
  const lock = ws.readLockfile()
  t.same(lock.packages['']?.workspaces, ['packages/w'])
  t.same(lock.packages['node_modules/w'], { resolved: 'packages/w', link: true })
  t.equal(lock.packages['node_modules/x']?.resolved, ws.registry.tarballUrl('x', '1.0.0'))
  t.equal(lock.packages['node_modules/y']?.dev, true)
  t.equal(readFileSync(join(ws.projectDir, 'policy.json'), 'utf8'), '{}\n')
  t.match(readFileSync(join(ws.projectDir, '.npmrc'), 'utf8'), /save-exact=true/)
})

t.test('a tampered tarball locks (npm trusts the packument) but fails npm ci with EINTEGRITY', async (t) => {
  const bad = await createScenario(t, { packages: [{ name: 'x', version: '1.0.0', tarball: 'tampered' }] })
  t.equal(bad.readLockfile().packages['node_modules/x']?.integrity, bad.published('x').integrity)
  const result = await bad.npm(['ci'])
  t.not(result.code, 0)
  t.match(result.stderr, /EINTEGRITY/)
})
