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
