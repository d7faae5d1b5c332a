// Lockfile mode (the default) over fixtures/tree/app: an npm-generated lockfile with every kind of
// dependency (see generate-fixtures.ts), read without node_modules.
import t from 'tap'
import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadPackages } from '../../lib/tree/index.js'
import { ACME_REGISTRY, DEFAULT_REGISTRY, copyFixture, editLockfile, fixture, names, ref, refs, registryFor } from './fixtures.js'

const APP = fixture('app')

t.test('reads the lockfile alone, with no node_modules', async (t) => {
  t.notOk(existsSync(join(APP, 'node_modules')))
  const result = await loadPackages({ projectDir: APP, registryFor })
  t.same(result.root, { name: 'app', version: '1.0.0', path: APP })
  t.equal(result.lockfile, join(APP, 'package-lock.json'))
  t.same(result.mismatches, [])
  t.same(names(result), [
    '@acme/util', 'a', 'bundler', 'c', 'deep', 'devonly', 'devopt', 'devtool', 'gitdep', 'inner',
    'local-lib', 'node-fetch', 'opt', 'peerdep', 'remote-pkg', 'tiny', 'vendored', 'withpeer', 'x', 'y',
  ])
})

t.test('one PackageRef per name@version+integrity, with every location it is installed at', async (t) => {
  const result = await loadPackages({ projectDir: APP, registryFor })
  const [c1, c2] = refs(result, 'c')
  t.equal(refs(result, 'c').length, 2, 'c@1 and c@2 stay apart')
  t.equal(c1!.version, '1.0.0')
  t.same(c1!.locations.map((l) => l.path), ['node_modules/c'])
  t.equal(c2!.version, '2.0.0')
  t.same(c2!.locations.map((l) => l.path), ['node_modules/x/node_modules/c', 'node_modules/y/node_modules/c'])
  t.match(c2!.integrity, /^sha512-/)
  t.equal(c2!.resolved, 'https://registry.test/c/-/c-2.0.0.tgz')
})

t.test('the same name@version with a different integrity is a different package', async (t) => {
  const dir = copyFixture(t, 'app')
  editLockfile(dir, (lock) => {
    lock.packages['node_modules/y/node_modules/c']!.integrity = 'sha512-' + 'A'.repeat(86) + '=='
  })
  const result = await loadPackages({ projectDir: dir, registryFor })
  const c2 = refs(result, 'c').filter((r) => r.version === '2.0.0')
  t.equal(c2.length, 2)
  t.same(c2.map((r) => r.locations.map((l) => l.path)).sort(), [['node_modules/x/node_modules/c'], ['node_modules/y/node_modules/c']])
})

t.test('why is the shortest chain root → … → package, as name@version hops', async (t) => {
  const result = await loadPackages({ projectDir: APP, registryFor })
  t.same(ref(result, 'a').locations[0]!.why, ['app', 'a@1.0.0'])
  t.same(refs(result, 'c')[1]!.locations.map((l) => l.why), [
    ['app', 'x@1.0.0', 'c@2.0.0'],
    ['app', 'y@1.0.0', 'c@2.0.0'],
  ])
  // c@1 is also needed by a, @acme/util and devtool: the direct edge from the root is shortest.
  t.same(refs(result, 'c')[0]!.locations[0]!.why, ['app', 'c@1.0.0'])
  t.same(ref(result, 'deep').locations[0]!.why, ['app', 'bundler@1.0.0', 'inner@1.0.0', 'deep@1.0.0'])
  t.same(ref(result, 'peerdep').locations[0]!.why, ['app', 'withpeer@1.0.0', 'peerdep@1.0.0'])
  t.same(ref(result, 'tiny').locations[0]!.why, ['app', 'local-lib@0.1.0', 'tiny@1.0.0'], 'a link and its target are one hop')
})

t.test('the root is "(root)" in why when package.json has no name', async (t) => {
  const dir = copyFixture(t, 'workspaces')
  editLockfile(dir, (lock) => {
    delete lock.packages['']!.name
  })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, workspaces: ['packages/*'], dependencies: { 'root-dep': '^1.0.0' } }))
  const result = await loadPackages({ projectDir: dir, registryFor })
  t.same(ref(result, 'root-dep').locations[0]!.why, ['(root)', 'root-dep@1.0.0'])
})

t.test('dev / optional / peer flags are per location, as npm computes them', async (t) => {
  const result = await loadPackages({ projectDir: APP, registryFor })
  const flags = (name: string) => {
    const { dev, optional, peer } = ref(result, name).locations[0]!
    return { dev, optional, peer }
  }
  t.same(flags('devtool'), { dev: true, optional: false, peer: false })
  t.same(flags('devopt'), { dev: true, optional: true, peer: false })
  t.same(flags('opt'), { dev: false, optional: true, peer: false })
  t.same(flags('peerdep'), { dev: false, optional: false, peer: true })
  t.same(refs(result, 'c')[0]!.locations[0]!.dev, false, 'a dev dependency\'s dependency that prod also needs is prod')
})

t.test('an npm: alias is the real package, installed under the alias', async (t) => {
  const result = await loadPackages({ projectDir: APP, registryFor })
  t.same(refs(result, 'get'), [], 'never reported under the alias')
  const fetch = ref(result, 'node-fetch')
  t.equal(fetch.version, '1.7.3')
  t.equal(fetch.source, 'registry')
  t.equal(fetch.resolved, 'https://registry.test/node-fetch/-/node-fetch-1.7.3.tgz')
  t.same(fetch.locations, [{ path: 'node_modules/get', why: ['app', 'node-fetch@1.7.3'], dev: false, optional: false, peer: false, alias: 'get' }])
})

t.test('the source of each package, and why the non-registry ones cannot be verified', async (t) => {
  const result = await loadPackages({ projectDir: APP, registryFor })
  const sources = Object.fromEntries(result.packages.map((p) => [p.name, p.source]))
  t.same(sources, {
    '@acme/util': 'registry', a: 'registry', bundler: 'registry', c: 'registry', deep: 'bundled', devonly: 'registry',
    devopt: 'registry', devtool: 'registry', gitdep: 'git', inner: 'bundled', 'local-lib': 'link', 'node-fetch': 'registry',
    opt: 'registry', peerdep: 'registry', 'remote-pkg': 'remote', tiny: 'registry', vendored: 'file', withpeer: 'registry',
    x: 'registry', y: 'registry',
  })

  const git = ref(result, 'gitdep')
  t.equal(git.resolved, 'git+ssh://git@git.test/acme/gitdep.git#87445d68048624fcebc8b29ed4ab2cbd5101cf32')
  t.equal(git.integrity, undefined)
  t.ok(git.sourceDetail)

  const vendored = ref(result, 'vendored')
  t.equal(vendored.resolved, 'file:vendor/vendored-1.0.0.tgz', 'relative to the project, as in the lockfile')
  t.match(vendored.integrity, /^sha512-/)

  const link = ref(result, 'local-lib')
  t.equal(link.version, '0.1.0')
  t.equal(link.resolved, 'file:local/local-lib')
  t.match(link.sourceDetail, 'local/local-lib')
  t.same(link.locations.map((l) => l.path), ['node_modules/local-lib'], 'reported once, at the link')

  // npm recorded the tarball URL exactly as a registry would serve it; the dependency spec says it
  // is a URL dependency, so no registry metadata (signatures, attestations) was ever involved.
  const remote = ref(result, 'remote-pkg')
  t.equal(remote.resolved, 'https://registry.test/remote-pkg/-/remote-pkg-1.0.0.tgz')
  t.ok(remote.sourceDetail)

  for (const name of ['inner', 'deep']) {
    const bundled = ref(result, name)
    t.match(bundled.sourceDetail, 'bundler@1.0.0', `${name} names its bundling parent`)
    t.equal(bundled.integrity, undefined)
  }
})

t.test('registry comes from registryFor (scoped registries too), only for registry packages', async (t) => {
  const asked: string[] = []
  const result = await loadPackages({
    projectDir: APP,
    registryFor: (name) => {
      asked.push(name)
      return registryFor(name)
    },
  })
  t.equal(ref(result, '@acme/util').registry, `${ACME_REGISTRY}/`, 'with a trailing slash')
  t.equal(ref(result, 'a').registry, DEFAULT_REGISTRY)
  t.equal(ref(result, 'node-fetch').registry, DEFAULT_REGISTRY)
  t.ok(asked.includes('node-fetch') && !asked.includes('get'), 'asked for the real name of an alias')
  for (const p of result.packages) {
    if (p.source === 'registry') t.ok(p.registry, `${p.name} has a registry`)
    else t.equal(p.registry, undefined, `${p.name} (${p.source}) has none`)
  }
  for (const name of ['gitdep', 'vendored', 'local-lib', 'remote-pkg', 'inner', 'deep']) t.notOk(asked.includes(name))
})

t.test('npm-shrinkwrap.json alone, or the same bytes as package-lock.json, is read', async (t) => {
  const dir = copyFixture(t, 'app')
  copyFileSync(join(dir, 'package-lock.json'), join(dir, 'npm-shrinkwrap.json'))
  t.equal((await loadPackages({ projectDir: dir, registryFor })).lockfile, join(dir, 'npm-shrinkwrap.json'), 'the same bytes: either is what npm installs')
  rmSync(join(dir, 'package-lock.json'))
  const integrity = 'sha512-' + 'B'.repeat(86) + '=='
  editLockfile(dir, (lock) => (lock.packages['node_modules/a']!.integrity = integrity), 'npm-shrinkwrap.json')
  const result = await loadPackages({ projectDir: dir, registryFor })
  t.equal(result.lockfile, join(dir, 'npm-shrinkwrap.json'))
  t.equal(ref(result, 'a').integrity, integrity)
})

t.test('npm-shrinkwrap.json and a different package-lock.json: ELOCKFILEAMBIGUOUS (npm 11 installs one, npm 12 the other)', async (t) => {
  const dir = copyFixture(t, 'app')
  copyFileSync(join(dir, 'package-lock.json'), join(dir, 'npm-shrinkwrap.json'))
  editLockfile(dir, (lock) => (lock.packages['node_modules/a']!.integrity = 'sha512-' + 'B'.repeat(86) + '=='), 'npm-shrinkwrap.json')
  await t.rejects(loadPackages({ projectDir: dir, registryFor }), { code: 'ELOCKFILEAMBIGUOUS', message: /both npm-shrinkwrap\.json and package-lock\.json/ })
})

t.test('an extraneous lockfile entry is still reported, marked extraneous', async (t) => {
  const dir = copyFixture(t, 'app')
  editLockfile(dir, (lock) => {
    lock.packages['node_modules/stray'] = { version: '3.0.0', resolved: 'https://registry.test/stray/-/stray-3.0.0.tgz', integrity: 'sha512-' + 'C'.repeat(86) + '==', extraneous: true }
  })
  const stray = ref(await loadPackages({ projectDir: dir, registryFor }), 'stray')
  t.equal(stray.source, 'registry')
  t.same(stray.locations[0], { ...stray.locations[0], path: 'node_modules/stray', why: [], extraneous: true })
})

t.test('a registry entry without "resolved" (omit-lockfile-registry-resolved) is still a registry package', async (t) => {
  const dir = copyFixture(t, 'app')
  editLockfile(dir, (lock) => {
    delete lock.packages['node_modules/a']!.resolved
  })
  const a = ref(await loadPackages({ projectDir: dir, registryFor }), 'a')
  t.equal(a.source, 'registry')
  t.equal(a.resolved, undefined)
  t.match(a.integrity, /^sha512-/)
})

t.test('packages come out sorted, locations too', async (t) => {
  const result = await loadPackages({ projectDir: APP, registryFor })
  const keys = result.packages.map((p) => `${p.name}@${p.version}`)
  t.same(keys, [...keys].sort())
})

t.test('without package.json the lockfile alone is enough', async (t) => {
  const dir = copyFixture(t, 'workspaces')
  rmSync(join(dir, 'package.json'))
  const result = await loadPackages({ projectDir: dir, registryFor })
  t.equal(result.root.name, 'ws-root', 'named by the lockfile root entry')
  t.ok(names(result).includes('root-dep'))
})
