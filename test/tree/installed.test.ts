// `installed` mode reads node_modules (package.json on disk) and reports where it differs from
// the lockfile. node_modules is written by hand here, as `npm ci` would lay out fixtures/tree/workspaces.
import t from 'tap'
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { TreeError, loadPackages } from '../../lib/tree/index.js'
import { copyFixture, names, ref, registryFor, type LockDocument } from './fixtures.js'

const INSTALLED: Record<string, Record<string, unknown>> = {
  'node_modules/lib-a': { name: 'lib-a', version: '1.0.0', dependencies: { shared: '^1.0.0' } },
  'node_modules/lib-b': { name: 'lib-b', version: '1.0.0', dependencies: { shared: '^1.0.0' } },
  'node_modules/lib-b-dev': { name: 'lib-b-dev', version: '1.0.0' },
  'node_modules/root-dep': { name: 'root-dep', version: '1.0.0' },
  'node_modules/shared': { name: 'shared', version: '1.0.0' },
}

/** The workspaces fixture with node_modules as npm ci leaves it, then `changes` applied (null removes). */
function installed(t: Parameters<typeof copyFixture>[0], changes: Record<string, Record<string, unknown> | null> = {}): string {
  const dir = copyFixture(t, 'workspaces')
  for (const [location, pkg] of Object.entries({ ...INSTALLED, ...changes })) {
    if (!pkg) continue
    mkdirSync(join(dir, location), { recursive: true })
    writeFileSync(join(dir, location, 'package.json'), JSON.stringify(pkg))
  }
  symlinkSync('../packages/a', join(dir, 'node_modules/ws-a'), 'dir')
  symlinkSync('../packages/b', join(dir, 'node_modules/ws-b'), 'dir')
  return dir
}

t.test('node_modules as the lockfile says: the same packages, integrity from the lockfile, no mismatches', async (t) => {
  const dir = installed(t)
  const fromDisk = await loadPackages({ projectDir: dir, registryFor, mode: 'installed' })
  const fromLock = await loadPackages({ projectDir: dir, registryFor })
  t.same(fromDisk.mismatches, [])
  t.same(fromDisk.packages, fromLock.packages)
  t.equal(fromDisk.lockfile, join(dir, 'package-lock.json'))
})

t.test('reports a package whose installed version differs from the lockfile', async (t) => {
  const dir = installed(t, { 'node_modules/shared': { name: 'shared', version: '1.0.1' } })
  const result = await loadPackages({ projectDir: dir, registryFor, mode: 'installed' })
  t.same(result.mismatches, [{ path: 'node_modules/shared', lockfile: { name: 'shared', version: '1.0.0' }, installed: { name: 'shared', version: '1.0.1' } }])
  const shared = ref(result, 'shared')
  t.equal(shared.version, '1.0.1', 'the package is what is on disk')
  t.equal(shared.integrity, undefined, 'the lockfile integrity is for another version: not borrowed')
  t.same(shared.locations[0]!.why, ['ws-root', 'ws-a@1.0.0', 'lib-a@1.0.0', 'shared@1.0.1'])
})

t.test('reports a folder holding a different package than the lockfile names', async (t) => {
  const dir = installed(t, { 'node_modules/root-dep': { name: 'evil', version: '1.0.0' } })
  const result = await loadPackages({ projectDir: dir, registryFor, mode: 'installed' })
  t.same(result.mismatches, [{ path: 'node_modules/root-dep', lockfile: { name: 'root-dep', version: '1.0.0' }, installed: { name: 'evil', version: '1.0.0' } }])
  t.same(ref(result, 'evil').locations[0]!.alias, 'root-dep')
})

t.test('reports folders the lockfile does not know, and lockfile packages that are not installed', async (t) => {
  const dir = installed(t, {
    'node_modules/extra': { name: 'extra', version: '9.9.9' },
    'node_modules/lib-b': null,
  })
  const result = await loadPackages({ projectDir: dir, registryFor, mode: 'installed' })
  t.same(result.mismatches, [
    { path: 'node_modules/extra', lockfile: null, installed: { name: 'extra', version: '9.9.9' } },
    { path: 'node_modules/lib-b', lockfile: { name: 'lib-b', version: '1.0.0' }, installed: null },
  ])
  t.same(ref(result, 'extra').locations[0], { ...ref(result, 'extra').locations[0], why: [], extraneous: true }, 'still reported')
  t.notOk(names(result).includes('lib-b'))
})

t.test('packages left out as npm ci --omit does are not missing', async (t) => {
  const dir = installed(t, { 'node_modules/lib-b-dev': null })
  const omitted = await loadPackages({ projectDir: dir, registryFor, mode: 'installed', omit: ['dev'] })
  t.same(omitted.mismatches, [])
  const all = await loadPackages({ projectDir: dir, registryFor, mode: 'installed' })
  t.same(all.mismatches.map((m) => m.path), ['node_modules/lib-b-dev'])
})

t.test('ENONODEMODULES when nothing is installed', async (t) => {
  const dir = copyFixture(t, 'workspaces')
  const err = await loadPackages({ projectDir: dir, registryFor, mode: 'installed' }).catch((e: unknown) => e)
  t.type(err, TreeError)
  t.match(err, { code: 'ENONODEMODULES', file: join(dir, 'node_modules') })
  t.match((err as Error).message, dir)
})

t.test('ENOLOCK in installed mode too: there is nothing to compare with', async (t) => {
  const dir = installed(t)
  rmSync(join(dir, 'package-lock.json'))
  const err = await loadPackages({ projectDir: dir, registryFor, mode: 'installed' }).catch((e: unknown) => e)
  t.match(err, { code: 'ENOLOCK' })
})

t.test('a faithful install of every kind of dependency reads the same as the lockfile', async (t) => {
  // Lay out node_modules from the lockfile itself: each entry's package.json, links as symlinks.
  const dir = copyFixture(t, 'app')
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as LockDocument
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (!location.includes('node_modules/')) continue
    if (entry.link) {
      mkdirSync(dirname(join(dir, location)), { recursive: true })
      symlinkSync(relative(dirname(join(dir, location)), join(dir, String(entry.resolved))), join(dir, location), 'dir')
      continue
    }
    const { name, version, dependencies, optionalDependencies, peerDependencies, bundleDependencies } = entry
    const pkg = { name: name ?? location.replace(/^.*node_modules\//, ''), version, dependencies, optionalDependencies, peerDependencies, bundleDependencies }
    mkdirSync(join(dir, location), { recursive: true })
    writeFileSync(join(dir, location, 'package.json'), JSON.stringify(pkg))
  }
  const fromDisk = await loadPackages({ projectDir: dir, registryFor, mode: 'installed' })
  const fromLock = await loadPackages({ projectDir: dir, registryFor })
  t.same(fromDisk.mismatches, [])
  t.same(fromDisk.packages, fromLock.packages)
})
