// Hostile lockfiles against the direct npm lockfile reader (npm-lock-tree.ts): odd `packages` keys
// (`..`, trailing slash, backslash, case duplicates, empty name, __proto__), entries whose key and
// name disagree, lying dev/optional/peer/extraneous flags, inBundle/link, a string lockfileVersion,
// a hidden-lockfile shape, fields of the wrong type. Whether the reader takes the lockfile or leaves
// it to arborist, loadPackages must list exactly the packages (versions, integrity, resolved, flags)
// that arborist's loadVirtual gives, with every --omit: a difference could hide a package from the check.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { loadPackages } from '../../lib/tree/index.js'
import { readManifest } from '../../lib/tree/manifest.js'
import { readNpmLockTree } from '../../lib/tree/npm-lock-tree.js'
import { registryFor } from './fixtures.js'
type Json = Record<string, any>
const entry = (name: string, version: string, extra: Json = {}): Json => ({ version, resolved: `https://registry.test/${name}/-/${name}-${version}.tgz`, integrity: `sha512-${Buffer.from(`${name}@${version}`).toString('base64')}`, ...extra })
function base() {
  const manifest: Json = { name: 'app', version: '1.0.0', dependencies: { a: '^1.0.0', b: '^1.0.0' }, devDependencies: { dt: '^1.0.0' } }
  const lock: Json = { name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: {
    '': { name: 'app', version: '1.0.0', dependencies: { ...manifest.dependencies }, devDependencies: { ...manifest.devDependencies } },
    'node_modules/a': entry('a', '1.0.0', { dependencies: { c: '^1.0.0' } }),
    'node_modules/b': entry('b', '1.0.0'),
    'node_modules/c': entry('c', '1.0.0'),
    'node_modules/dt': entry('dt', '1.0.0', { dev: true }),
  } }
  return { manifest, lock }
}
const A: Record<string, (p: { manifest: Json; lock: Json }) => void> = {
  dotdot: ({ lock }) => (lock.packages['node_modules/a/../x'] = entry('x', '1.0.0')),
  trailing: ({ lock }) => (lock.packages['node_modules/x/'] = entry('x', '1.0.0')),
  backslash: ({ lock }) => (lock.packages['node_modules\\x'] = entry('x', '1.0.0')),
  casedup: ({ lock }) => (lock.packages['node_modules/B'] = entry('B', '9.0.0')),
  emptyname: ({ lock }) => (lock.packages['node_modules/'] = entry('x', '1.0.0')),
  proto: ({ lock }) => { lock.packages = JSON.parse(JSON.stringify(lock.packages).replace('{', '{"__proto__":{"version":"1.0.0"},')) },
  protoNm: ({ lock }) => (lock.packages['node_modules/__proto__'] = entry('x', '1.0.0')),
  keyname: ({ lock }) => (lock.packages['node_modules/c'].name = 'evil'),
  inBundle: ({ lock }) => (lock.packages['node_modules/c'].inBundle = true),
  linkFalse: ({ lock }) => (lock.packages['node_modules/c'].link = false),
  extraneousLie: ({ lock }) => (lock.packages['node_modules/c'].extraneous = true),
  devLie: ({ lock }) => (lock.packages['node_modules/c'].dev = true),
  devString: ({ lock }) => (lock.packages['node_modules/c'].dev = 'false'),
  devZero: ({ lock }) => (lock.packages['node_modules/dt'].dev = 0),
  optionalLie: ({ lock }) => (lock.packages['node_modules/b'].optional = true),
  peerLie: ({ lock }) => (lock.packages['node_modules/b'].peer = true),
  lfvString: ({ lock }) => (lock.lockfileVersion = '3'),
  lfv4: ({ lock }) => (lock.lockfileVersion = 4),
  lfv1: ({ lock }) => (lock.lockfileVersion = 1),
  hidden: ({ lock }) => { delete lock.packages[''] },
  noVersion: ({ lock }) => { delete lock.packages['node_modules/c'].version },
  numVersion: ({ lock }) => (lock.packages['node_modules/c'].version = 1),
  numIntegrity: ({ lock }) => (lock.packages['node_modules/c'].integrity = 5),
  objIntegrity: ({ lock }) => (lock.packages['node_modules/c'].integrity = { a: 1 }),
  numResolved: ({ lock }) => (lock.packages['node_modules/c'].resolved = 5),
  fileResolved: ({ lock }) => (lock.packages['node_modules/c'].resolved = 'file:../evil.tgz'),
  relResolved: ({ lock }) => (lock.packages['node_modules/c'].resolved = '../evil.tgz'),
  numName: ({ lock }) => (lock.packages['node_modules/c'].name = 5),
  emptyNameField: ({ lock }) => (lock.packages['node_modules/c'].name = ''),
  nullEntry: ({ lock }) => (lock.packages['node_modules/c'] = null),
  depsNull: ({ lock }) => (lock.packages['node_modules/a'].dependencies = null),
  depsArray: ({ lock }) => (lock.packages['node_modules/a'].dependencies = ['c']),
  depsProto: ({ lock }) => { lock.packages['node_modules/a'].dependencies = JSON.parse('{"__proto__":"^1.0.0","c":"^1.0.0"}') },
  rootDepsProto: ({ manifest }) => { manifest.dependencies = JSON.parse('{"__proto__":"^1.0.0","a":"^1.0.0","b":"^1.0.0"}') },
  specNum: ({ lock }) => (lock.packages['node_modules/a'].dependencies.c = 1),
  specSpace: ({ lock }) => (lock.packages['node_modules/a'].dependencies.c = ' ^1.0.0 '),
  rootSpecSpace: ({ manifest }) => (manifest.dependencies.b = ' ^1.0.0 '),
  rootDepsNull: ({ manifest }) => (manifest.dependencies = null),
  rootDepsArr: ({ manifest }) => (manifest.dependencies = ['a']),
  rootOptStr: ({ manifest }) => (manifest.optionalDependencies = 'x'),
  lockRootExtra: ({ lock }) => (lock.packages[''].bundleDependencies = ['b']),
  lockRootLink: ({ lock }) => (lock.packages[''].link = true),
  dupByOrder: ({ lock }) => { const c = lock.packages['node_modules/c']; delete lock.packages['node_modules/c']; lock.packages['node_modules/c'] = c },
  nestedUnderDev: ({ lock }) => (lock.packages['node_modules/dt/node_modules/z'] = entry('z', '1.0.0')),
  scopeOnly: ({ lock }) => (lock.packages['node_modules/@s'] = entry('@s', '1.0.0')),
  scopeDeep: ({ lock }) => (lock.packages['node_modules/@s/x/y'] = entry('y', '1.0.0')),
  nmnm: ({ lock }) => (lock.packages['node_modules/node_modules'] = entry('x', '1.0.0')),
  nmInName: ({ lock }) => (lock.packages['node_modules/a/node_modules/node_modules/c'] = entry('c', '1.0.0')),
  dotname: ({ lock }) => (lock.packages['node_modules/a/node_modules/.bin'] = entry('c', '1.0.0')),
  tilde: ({ lock }) => (lock.packages['node_modules/~'] = entry('c', '1.0.0')),
  manifestNameNum: ({ manifest }) => (manifest.name = 5),
  packagesArray: ({ lock }) => (lock.packages = [lock.packages['']]),
  rootDepsEmptyName: ({ manifest }) => (manifest.dependencies[''] = '^1.0.0'),
  devOptionalOnly: ({ lock }) => (lock.packages['node_modules/b'].devOptional = true),
  peerMetaProto: ({ lock }) => { lock.packages['node_modules/a'].peerDependencies = { b: '^1.0.0' }; lock.packages['node_modules/a'].peerDependenciesMeta = JSON.parse('{"__proto__":{"optional":true}}') },
  peerMetaRootDiff: ({ lock, manifest }) => { manifest.peerDependencies = { b: '^1.0.0' }; delete manifest.dependencies.b; lock.packages[''].peerDependencies = { b: '^1.0.0' }; delete lock.packages[''].dependencies.b; lock.packages[''].peerDependenciesMeta = JSON.parse('{"b":{"optional":"yes"}}') },
  v2withV1deps: ({ lock }) => { lock.lockfileVersion = 2; lock.dependencies = { evil: { version: '1.0.0' } } },
}
const OMITS: any[] = [[], ['dev'], ['optional'], ['peer'], ['dev', 'optional', 'peer']]
async function outcome(dir: string, omit: any, r: any) {
  try { const x: any = await loadPackages({ projectDir: dir, registryFor, omit, npmLockReader: r }); return x } catch (err) { return { error: (err as any).code, message: (err as Error).message } }
}
for (const [name, edit] of Object.entries(A)) {
  t.test(name, async (t) => {
    const dir = t.testdir()
    const p = base(); edit(p)
    writeFileSync(join(dir, 'package.json'), JSON.stringify(p.manifest))
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(p.lock))
    let fast: any
    try {
      fast = await readNpmLockTree(dir, join(dir, 'package-lock.json'), await readManifest(join(dir, 'package.json')))
    } catch (e) {
      fast = `threw ${(e as Error).message}`
    }
    t.not(typeof fast, 'string', 'the direct reader falls back or reads; it never throws')
    for (const omit of OMITS) t.same(await outcome(dir, omit, 'auto'), await outcome(dir, omit, 'arborist'), `${name} omit=${omit}`)
  })
}
