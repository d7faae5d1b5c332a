// A project whose tree cannot be read is an error with a code and the file named, never a stack
// trace and never an empty (silently passing) package list.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { TreeError, loadPackages } from '../../lib/tree/index.js'
import { copyFixture, editLockfile, fixture, registryFor } from './fixtures.js'

async function loadError(projectDir: string): Promise<TreeError> {
  const err = await loadPackages({ projectDir, registryFor }).catch((e: unknown) => e)
  if (!(err instanceof TreeError)) throw new Error(`expected a TreeError, got ${String(err)}`)
  return err
}

t.test('ENOLOCK without a lockfile: names the directory and how to make one', async (t) => {
  const dir = fixture('no-lockfile-fail')
  const err = await loadError(dir)
  t.equal(err.code, 'ENOLOCK')
  t.equal(err.kind, 'usage')
  t.match(err.message, dir)
  t.match(err.hint, 'npm install --package-lock-only')
})

t.test('EJSONPARSE for a lockfile that is not JSON', async (t) => {
  const dir = fixture('malformed-lockfile-fail')
  const err = await loadError(dir)
  t.equal(err.code, 'EJSONPARSE')
  t.equal(err.file, join(dir, 'package-lock.json'))
  t.match(err.message, join(dir, 'package-lock.json'))
  t.notMatch(err.message, /\n\s+at /, 'no stack trace in the message')
})

t.test('EJSONPARSE for unresolved merge conflict markers', async (t) => {
  const dir = copyFixture(t, 'workspaces')
  writeFileSync(
    join(dir, 'package-lock.json'),
    '{\n  "lockfileVersion": 3,\n<<<<<<< HEAD\n  "packages": {}\n=======\n  "packages": {"": {}}\n>>>>>>> theirs\n}\n',
  )
  const err = await loadError(dir)
  t.equal(err.code, 'EJSONPARSE')
  t.match(err.message, /merge conflict/)
})

t.test('ELOCKFILE for JSON that is not a lockfile', async (t) => {
  const cases: Array<[string, (lock: Record<string, unknown> & { packages: Record<string, Record<string, unknown>> }) => unknown]> = [
    ['not an object', () => [1, 2]],
    ['no lockfileVersion', (lock) => void delete lock.lockfileVersion],
    ['lockfileVersion is a string', (lock) => void (lock.lockfileVersion = '3')],
    ['packages is an array', (lock) => void (lock.packages = [] as never)],
    ['no packages at all (v3)', (lock) => void delete (lock as { packages?: unknown }).packages],
    ['an entry is not an object', (lock) => void (lock.packages['node_modules/lib-a'] = 'lib-a@1.0.0' as never)],
    ['a version is not a string', (lock) => void (lock.packages['node_modules/lib-a']!.version = 1)],
    ['integrity is not a string', (lock) => void (lock.packages['node_modules/lib-a']!.integrity = ['sha512-x'])],
    ['a flag is not a boolean', (lock) => void (lock.packages['node_modules/lib-a']!.dev = 'yes')],
    ['dependencies is not a map of strings', (lock) => void (lock.packages['node_modules/lib-a']!.dependencies = { shared: 1 })],
    ['a link has no target', (lock) => void delete lock.packages['node_modules/ws-a']!.resolved],
    ['an absolute location', (lock) => void (lock.packages['/etc/node_modules/x'] = { version: '1.0.0' })],
    ['a registry package without a version', (lock) => void delete lock.packages['node_modules/lib-a']!.version],
  ]
  for (const [name, mutate] of cases) {
    const dir = copyFixture(t, 'workspaces')
    const path = join(dir, 'package-lock.json')
    const lock = JSON.parse(readFileSync(path, 'utf8')) as Parameters<typeof mutate>[0]
    writeFileSync(path, JSON.stringify(mutate(lock) ?? lock))
    const err = await loadError(dir)
    t.equal(err.code, 'ELOCKFILE', name)
    t.match(err.message, path, `${name}: names the file`)
  }
})

t.test('ELOCKFILEVERSION for a v1 lockfile (no packages) and for an unknown future version', async (t) => {
  const dir = copyFixture(t, 'workspaces')
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'ws-root', version: '1.0.0', lockfileVersion: 1, requires: true, dependencies: { 'root-dep': { version: '1.0.0' } } }),
  )
  const v1 = await loadError(dir)
  t.equal(v1.code, 'ELOCKFILEVERSION')
  t.match(v1.message, join(dir, 'package-lock.json'))
  t.match(v1.hint, 'npm install --package-lock-only')

  // npm never writes "packages" at version 1, and would read such a file as an old lockfile: its
  // install scripts come from each package.json on disk, not from the entries' hasInstallScript.
  const withPackages = copyFixture(t, 'workspaces')
  editLockfile(withPackages, (lock) => {
    lock.lockfileVersion = 1
    lock.requires = true
  })
  const v1packages = await loadError(withPackages)
  t.equal(v1packages.code, 'ELOCKFILEVERSION', 'version 1 with a packages section')
  t.match(v1packages.message, /lockfileVersion 1 with a "packages" section/)

  editLockfile(dir, (lock) => {
    lock.lockfileVersion = 4
    lock.packages = {}
  })
  t.equal((await loadError(dir)).code, 'ELOCKFILEVERSION')
})

t.test('ELOADTREE when arborist cannot build the tree: names the lockfile', async (t) => {
  // The link points at a location with no entry (arborist: EMISSINGTARGET).
  const dir = copyFixture(t, 'workspaces')
  editLockfile(dir, (lock) => {
    lock.packages['node_modules/ws-a']!.resolved = 'packages/gone'
  })
  const err = await loadError(dir)
  t.equal(err.code, 'ELOADTREE')
  t.match(err.message, join(dir, 'package-lock.json'))
  t.match(err.cause, { code: 'EMISSINGTARGET' }, 'the arborist error is kept as the cause')
})

t.test('ENOPROJECT when the project directory does not exist', async (t) => {
  const missing = join(t.testdir(), 'nope')
  const err = await loadError(missing)
  t.equal(err.code, 'ENOPROJECT')
  t.match(err.message, missing)
})

t.test('EJSONPARSE for a package.json that is not JSON (npm would refuse it too)', async (t) => {
  const dir = copyFixture(t, 'workspaces')
  writeFileSync(join(dir, 'package.json'), '{ "name": "ws-root", ')
  const err = await loadError(dir)
  t.equal(err.code, 'EJSONPARSE')
  t.equal(err.file, join(dir, 'package.json'))
})

t.test('ELOCKSYNC when the lockfile does not cover package.json: names the dependency and the manifest', async (t) => {
  const missing = copyFixture(t, 'workspaces')
  editLockfile(missing, (lock) => void delete lock.packages['node_modules/root-dep'])
  let err = await loadError(missing)
  t.equal(err.code, 'ELOCKSYNC', 'a root dependency with no lockfile entry')
  t.equal(err.kind, 'usage')
  t.match(err.message, '"root-dep": "^1.0.0" (prod)')
  t.match(err.message, join(missing, 'package.json'))
  t.match(err.message, 'missing from the lockfile')
  t.match(err.hint, 'npm install')

  const invalid = copyFixture(t, 'workspaces')
  const pkgPath = join(invalid, 'package.json')
  writeFileSync(pkgPath, JSON.stringify({ ...JSON.parse(readFileSync(pkgPath, 'utf8')), dependencies: { 'root-dep': '^2.0.0' } }))
  err = await loadError(invalid)
  t.equal(err.code, 'ELOCKSYNC', 'package.json asks for another version than the lockfile has')
  t.match(err.message, '"root-dep": "^2.0.0"')
  t.match(err.message, 'not satisfied by root-dep@1.0.0 (node_modules/root-dep)')

  const workspace = copyFixture(t, 'workspaces')
  editLockfile(workspace, (lock) => void delete lock.packages['node_modules/lib-b-dev'])
  err = await loadError(workspace)
  t.equal(err.code, 'ELOCKSYNC', 'a workspace dev dependency with no lockfile entry')
  t.match(err.message, '"lib-b-dev": "^1.0.0" (dev)')
  t.match(err.message, join(workspace, 'packages', 'b', 'package.json'))
})

t.test('ELOCKSYNC when a lockfile entry names a dependency the lockfile does not place or satisfy (npm install would resolve it unchecked)', async (t) => {
  const missing = copyFixture(t, 'app')
  editLockfile(missing, (lock) => void (lock.packages['node_modules/a']!.dependencies = { c: '^1.0.0', 'is-number': '7.0.0' }))
  let err = await loadError(missing)
  t.equal(err.code, 'ELOCKSYNC', 'a transitive dependency with no lockfile entry')
  t.match(err.message, '"is-number": "7.0.0" (prod) in the lockfile entry packages["node_modules/a"] is missing from the lockfile')

  const invalid = copyFixture(t, 'app')
  editLockfile(invalid, (lock) => void (lock.packages['node_modules/x']!.dependencies = { c: '^3.0.0' }))
  err = await loadError(invalid)
  t.equal(err.code, 'ELOCKSYNC', 'a transitive dependency the placed version does not satisfy')
  t.match(err.message, 'not satisfied by c@2.0.0 (node_modules/x/node_modules/c)')

  // npm install fetches a missing optional dependency too (it skips it only if it then fails to install).
  const optional = copyFixture(t, 'app')
  editLockfile(optional, (lock) => void (lock.packages['node_modules/a']!.optionalDependencies = { 'not-placed': '^1.0.0' }))
  err = await loadError(optional)
  t.equal(err.code, 'ELOCKSYNC', 'a transitive optional dependency with no lockfile entry')
  t.match(err.message, '"not-placed": "^1.0.0" (optional) in the lockfile entry packages["node_modules/a"] is missing')

  const peer = copyFixture(t, 'app')
  editLockfile(peer, (lock) => void (lock.packages['node_modules/withpeer']!.peerDependencies = { peerdep: '^1.0.0', 'peer-not-placed': '^1.0.0' }))
  const result = await loadPackages({ projectDir: peer, registryFor })
  t.ok(result.packages.some((p) => p.name === 'withpeer'), 'a peer dependency npm did not place still loads (legacy-peer-deps)')
})

t.test('ELOCKSYNC for a lockfile without an optional dependency of the root (npm install would fetch it, npm ci refuses); a peer one still loads', async (t) => {
  const dir = copyFixture(t, 'app')
  editLockfile(dir, (lock) => {
    delete lock.packages['node_modules/opt']
  })
  const err = await loadError(dir)
  t.equal(err.code, 'ELOCKSYNC')
  t.match(err.message, '"opt": "^1.0.0" (optional)')

  const peer = copyFixture(t, 'workspaces')
  const pkgPath = join(peer, 'package.json')
  writeFileSync(pkgPath, JSON.stringify({ ...JSON.parse(readFileSync(pkgPath, 'utf8')), peerDependencies: { 'not-placed': '^1.0.0' } }))
  await loadPackages({ projectDir: peer, registryFor })
  t.pass('a peer dependency npm did not place (legacy-peer-deps)')
})

t.test('ELOCKFILE for a location with ".." segments, except a file: link target outside the project', async (t) => {
  const cases: Array<[string, (lock: { packages: Record<string, Record<string, unknown>> }) => void]> = [
    ['.. inside a location', (lock) => void (lock.packages['node_modules/lib-a/../../../evil'] = { version: '1.0.0', resolved: 'https://registry.test/evil/-/evil-1.0.0.tgz' })],
    ['a leading .. that no link points at', (lock) => void (lock.packages['../evil'] = { version: '1.0.0', resolved: 'https://registry.test/evil/-/evil-1.0.0.tgz' })],
    ['.. after node_modules', (lock) => void (lock.packages['node_modules/..'] = { version: '1.0.0' })],
  ]
  for (const [name, mutate] of cases) {
    const dir = copyFixture(t, 'workspaces')
    editLockfile(dir, mutate)
    const err = await loadError(dir)
    t.equal(err.code, 'ELOCKFILE', name)
    t.match(err.message, '".."', name)
  }

  // npm writes `file:../lib` dependencies as a link to a `../lib` entry (and its own node_modules).
  const outside = t.testdir({
    lib: { 'package.json': JSON.stringify({ name: 'lib', version: '0.1.0' }) },
    app: {
      'package.json': JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { lib: 'file:../lib' } }),
      'package-lock.json': JSON.stringify({
        name: 'app',
        version: '1.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name: 'app', version: '1.0.0', dependencies: { lib: 'file:../lib' } },
          '../lib': { version: '0.1.0' },
          'node_modules/lib': { resolved: '../lib', link: true },
        },
      }),
    },
  })
  const result = await loadPackages({ projectDir: join(outside, 'app'), registryFor })
  t.equal(result.packages.find((p) => p.name === 'lib')?.source, 'link')
})
