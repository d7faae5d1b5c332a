// `ideal` mode asks arborist to resolve the tree (buildIdealTree): against the loopback registry
// here, never the network.
import t from 'tap'
import { join } from 'node:path'
import { TreeError, loadPackages } from '../../lib/tree/index.js'
import { startRegistry } from '../helpers/registry/index.js'
import { copyFixture, names, ref } from './fixtures.js'

t.test('resolves a project without a lockfile from the registries, per scope', async (t) => {
  const registry = await startRegistry()
  const acme = await startRegistry()
  t.teardown(async () => {
    await registry.close()
    await acme.close()
  })
  const tiny = registry.addVersion({ name: 'tiny', version: '2.0.1' })
  const lib = registry.addVersion({ name: 'lib', version: '1.1.0', manifest: { dependencies: { tiny: '^2.0.0' } } })
  const util = acme.addVersion({ name: '@acme/util', version: '1.0.0' })
  const dir = t.testdir({
    'package.json': JSON.stringify({ name: 'fresh', version: '1.0.0', dependencies: { lib: '^1.0.0', '@acme/util': '^1.0.0' } }),
    cache: {},
  })
  const registryFor = (name: string) => (name.startsWith('@acme/') ? acme.url : registry.url)

  const result = await loadPackages({
    projectDir: dir,
    mode: 'ideal',
    registryFor,
    arboristOptions: { registry: registry.url, '@acme:registry': acme.url, cache: join(dir, 'cache') },
  })
  t.equal(result.lockfile, null)
  t.same(names(result), ['@acme/util', 'lib', 'tiny'])
  for (const [name, version, server] of [['lib', lib, registry], ['tiny', tiny, registry], ['@acme/util', util, acme]] as const) {
    const p = ref(result, name)
    t.same(
      { version: p.version, integrity: p.integrity, resolved: p.resolved, registry: p.registry, source: p.source },
      { version: version.version, integrity: version.integrity, resolved: server.tarballUrl(name, version.version), registry: server.url, source: 'registry' },
      name,
    )
  }
  t.same(ref(result, 'tiny').locations[0]!.why, ['fresh', 'lib@1.1.0', 'tiny@2.0.1'])
})

t.test('with a complete lockfile the ideal tree is the lockfile: no registry requests', async (t) => {
  const registry = await startRegistry()
  t.teardown(() => registry.close())
  const dir = copyFixture(t, 'workspaces')
  const registryFor = () => 'https://registry.test/'
  const ideal = await loadPackages({ projectDir: dir, mode: 'ideal', registryFor, arboristOptions: { registry: registry.url, cache: join(dir, '.cache') } })
  const locked = await loadPackages({ projectDir: dir, registryFor })
  t.same(ideal.packages, locked.packages)
  t.equal(ideal.lockfile, join(dir, 'package-lock.json'))
  t.same(registry.requests, [])
})

t.test('EIDEALTREE (could-not-verify) when the registry cannot resolve it', async (t) => {
  const registry = await startRegistry()
  t.teardown(() => registry.close())
  const dir = t.testdir({ 'package.json': JSON.stringify({ name: 'fresh', version: '1.0.0', dependencies: { missing: '^1.0.0' } }), cache: {} })
  const err = await loadPackages({
    projectDir: dir,
    mode: 'ideal',
    registryFor: () => registry.url,
    arboristOptions: { registry: registry.url, cache: join(dir, 'cache'), fetchRetries: 0 },
  }).catch((e: unknown) => e)
  t.type(err, TreeError)
  t.match(err, { code: 'EIDEALTREE', kind: 'could-not-verify', cause: { code: 'E404' } })
  t.match((err as Error).message, dir)
})
