// The loopback registry is only useful if the real npm CLI treats it as a registry: these tests run
// `npm install` against it and check node_modules and package-lock.json.
import t, { type Test } from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runNpm, startRegistry, type RegistryServer, type VersionRecord } from './registry/index.js'

interface Lockfile {
  packages: Record<string, { version?: string; resolved?: string; integrity?: string }>
}

const INSTALL = ['install', '--no-audit', '--no-fund', '--ignore-scripts']

/** app → lib@^1 (→ tiny@^2) and @acme/util@^1; lib has an older 1.0.0 the range must skip. */
function publishTree(registry: RegistryServer): Record<string, VersionRecord> {
  registry.addVersion({ name: 'lib', version: '1.0.0', manifest: { dependencies: { tiny: '^2.0.0' } }, files: { 'index.js': 'old\n' } })
  return {
    lib: registry.addVersion({
      name: 'lib',
      version: '1.1.0',
      manifest: { main: 'index.js', dependencies: { tiny: '^2.0.0' } },
      files: { 'index.js': "module.exports = require('tiny')\n" },
    }),
    tiny: registry.addVersion({ name: 'tiny', version: '2.0.1', files: { 'index.js': 'module.exports = 1\n' } }),
    util: registry.addVersion({ name: '@acme/util', version: '1.0.0', files: { 'index.js': 'module.exports = 2\n' } }),
  }
}

const APP = JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { lib: '^1.0.0', '@acme/util': '^1.0.0' } })

/**
 * One test dir (t.testdir() reuses a single path per test) holding a project per .npmrc given
 * (`project0`, `project1`, …; undefined = no .npmrc) and a scratch dir (npm cache, empty npmrcs) each.
 */
function projects(t: Test, ...npmrcs: Array<string | undefined>): Array<{ dir: string; scratch: string }> {
  const root = t.testdir(
    Object.fromEntries(
      npmrcs.flatMap((npmrc, i) => [
        [`project${i}`, { 'package.json': APP, ...(npmrc !== undefined ? { '.npmrc': npmrc } : {}) }],
        [`scratch${i}`, {}],
      ]),
    ),
  )
  return npmrcs.map((_, i) => ({ dir: join(root, `project${i}`), scratch: join(root, `scratch${i}`) }))
}

function readLock(dir: string): Lockfile {
  return JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as Lockfile
}

function assertLockRecords(t: Test, lock: Lockfile, registries: Record<string, RegistryServer>, versions: Record<string, VersionRecord>): void {
  for (const [key, name] of [['lib', 'lib'], ['tiny', 'tiny'], ['util', '@acme/util']] as const) {
    const entry = lock.packages[`node_modules/${name}`]
    const v = versions[key]!
    t.same(entry, { ...entry, version: v.version, resolved: registries[key]!.tarballUrl(name, v.version), integrity: v.integrity }, `lock entry for ${name}`)
  }
}

t.test('npm install resolves a tree from the loopback registry into node_modules and the lockfile', async (t) => {
  const registry = await startRegistry()
  t.teardown(() => registry.close())
  const versions = publishTree(registry)
  const [{ dir, scratch }] = projects(t, undefined) as [{ dir: string; scratch: string }]

  const result = await runNpm(INSTALL, { cwd: dir, scratchDir: scratch, registry: registry.url })
  t.equal(result.code, 0, result.stderr)
  t.equal(JSON.parse(readFileSync(join(dir, 'node_modules/lib/package.json'), 'utf8')).version, '1.1.0')
  t.equal(readFileSync(join(dir, 'node_modules/lib/index.js'), 'utf8'), "module.exports = require('tiny')\n")
  t.ok(existsSync(join(dir, 'node_modules/tiny/index.js')), 'transitive dependency installed')
  t.ok(existsSync(join(dir, 'node_modules/@acme/util/index.js')), 'scoped dependency installed')
  assertLockRecords(t, readLock(dir), { lib: registry, tiny: registry, util: registry }, versions)

  // What npm asks for: packuments (scoped name as @acme%2futil), then tarballs at dist.tarball.
  // npm 11's arborist builds the ideal tree from FULL packuments (`Accept: application/json`,
  // fullMetadata: true); corgis (vnd.npm.install-v1+json) only when inflating an old lockfile.
  const packuments = registry.requests.filter((r) => r.route === 'packument')
  t.same(packuments.map((r) => r.url).sort(), ['/@acme%2futil', '/lib', '/tiny'])
  for (const r of packuments) t.match(r.headers.accept, /^application\/json$|application\/vnd\.npm\.install-v1\+json/)
  const tarballs = registry.requests.filter((r) => r.route === 'tarball').map((r) => r.url).sort()
  t.same(tarballs, ['/@acme/util/-/util-1.0.0.tgz', '/lib/-/lib-1.1.0.tgz', '/tiny/-/tiny-2.0.1.tgz'])
  t.ok(registry.requests.every((r) => r.status === 200), 'every request answered 200')
})

t.test('npm install --package-lock-only writes the lockfile from packuments alone', async (t) => {
  const registry = await startRegistry()
  t.teardown(() => registry.close())
  const versions = publishTree(registry)
  const [{ dir, scratch }] = projects(t, undefined) as [{ dir: string; scratch: string }]

  const result = await runNpm([...INSTALL, '--package-lock-only'], { cwd: dir, scratchDir: scratch, registry: registry.url })
  t.equal(result.code, 0, result.stderr)
  t.notOk(existsSync(join(dir, 'node_modules')), 'nothing installed')
  assertLockRecords(t, readLock(dir), { lib: registry, tiny: registry, util: registry }, versions)
  t.same(registry.requests.filter((r) => r.route === 'tarball'), [], 'no tarball fetched')
})

t.test('a scope served by another registry (@scope:registry in the project .npmrc)', async (t) => {
  const main = await startRegistry()
  const scoped = await startRegistry()
  t.teardown(() => Promise.all([main.close(), scoped.close()]))
  const versions = publishTree(main)
  main.store.packages.delete('@acme/util')
  versions.util = scoped.addVersion({ name: '@acme/util', version: '1.0.0', files: { 'index.js': 'from the scope registry\n' } })
  const [{ dir, scratch }] = projects(t, `@acme:registry=${scoped.url}\n`) as [{ dir: string; scratch: string }]

  const result = await runNpm(INSTALL, { cwd: dir, scratchDir: scratch, registry: main.url })
  t.equal(result.code, 0, result.stderr)
  t.equal(readFileSync(join(dir, 'node_modules/@acme/util/index.js'), 'utf8'), 'from the scope registry\n')
  assertLockRecords(t, readLock(dir), { lib: main, tiny: main, util: scoped }, versions)
  t.notOk(main.requests.some((r) => r.path.startsWith('/@acme/')), 'the default registry is never asked for the scope')
  t.same(scoped.requests.map((r) => r.route).sort(), ['packument', 'tarball'])
})

t.test('npm sends the registry token from .npmrc; without it the install fails with E401', async (t) => {
  const registry = await startRegistry({ token: 'loopback-token' })
  t.teardown(() => registry.close())
  const versions = publishTree(registry)

  const [denied, allowed] = projects(t, undefined, `//127.0.0.1:${registry.port}/:_authToken=loopback-token\n`) as Array<{ dir: string; scratch: string }>
  const failed = await runNpm(INSTALL, { cwd: denied!.dir, scratchDir: denied!.scratch, registry: registry.url })
  t.not(failed.code, 0)
  t.match(failed.stderr, /E401/)
  t.ok(registry.requests.length > 0 && registry.requests.every((r) => r.status === 401 && !r.hasAuthorization))
  registry.clearRequests()

  const result = await runNpm(INSTALL, { cwd: allowed!.dir, scratchDir: allowed!.scratch, registry: registry.url })
  t.equal(result.code, 0, result.stderr)
  assertLockRecords(t, readLock(allowed!.dir), { lib: registry, tiny: registry, util: registry }, versions)
  t.ok(registry.requests.length >= 6)
  t.ok(registry.requests.every((r) => r.tokenMatched && r.status === 200), 'every request (tarballs too) carried the token')
  t.ok(registry.requests.every((r) => r.headers.authorization === '<redacted>'), 'the log never holds the token')
})
