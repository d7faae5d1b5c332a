// The direct npm lockfile reader (npm-lock-tree.ts) against arborist's loadVirtual, its reference:
// node by node (names, versions, flags, edges in and out) and package by package (loadPackages with
// each --omit), on the fixtures and on a lockfile with every feature the reader takes, mutated.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { createArborist, type ArboristNode } from '../../lib/tree/arborist.js'
import { loadPackages, type OmitType } from '../../lib/tree/index.js'
import { readManifest } from '../../lib/tree/manifest.js'
import { readNpmLockTree } from '../../lib/tree/npm-lock-tree.js'
import { fixture, registryFor } from './fixtures.js'

type Json = Record<string, any>

function view(tree: ArboristNode): Json {
  const nodes: Json = {}
  for (const [location, node] of tree.inventory) {
    nodes[location] = {
      name: node.name,
      packageName: node.packageName,
      version: node.version,
      location: node.location,
      path: node.path,
      resolved: node.resolved,
      integrity: node.integrity,
      flags: [node.dev, node.optional, node.devOptional, node.peer, node.extraneous],
      kind: [node.isLink, node.isRoot, node.isProjectRoot, node.isWorkspace, node.inBundle, node.hasInstallScript],
      parent: node.parent?.location ?? null,
      edgesOut: [...node.edgesOut.values()].map((e) => [e.name, e.type, e.spec, e.to?.location ?? null, e.missing, e.invalid]),
      edgesIn: [...node.edgesIn].map((e) => `${e.from?.location} ${e.name} ${e.type}`).sort(),
    }
  }
  return { order: [...tree.inventory.keys()], nodes, workspaces: tree.workspaces, version: tree.version }
}

const OMITS: OmitType[][] = [[], ['dev'], ['optional'], ['peer'], ['dev', 'optional'], ['dev', 'optional', 'peer']]

async function outcome(dir: string, omit: OmitType[], npmLockReader: 'auto' | 'arborist'): Promise<unknown> {
  try {
    return await loadPackages({ projectDir: dir, registryFor, omit, npmLockReader })
  } catch (err) {
    return { error: (err as { code?: string }).code, message: (err as Error).message }
  }
}

/** Both readers give the same tree and the same packages; returns whether the direct reader took the lockfile. */
async function compareReaders(t: Test, dir: string, lockfile = 'package-lock.json'): Promise<boolean> {
  const fast = await readNpmLockTree(dir, join(dir, lockfile), await readManifest(join(dir, 'package.json')))
  if (fast) {
    const reference = await createArborist({ path: dir }).loadVirtual()
    t.same(view(fast), view(reference), 'the same nodes, flags and edges as loadVirtual')
    t.ok([...fast.inventory.values()].every((node) => node.getBundler() === null), 'nothing is bundled')
  }
  for (const omit of OMITS) t.same(await outcome(dir, omit, 'auto'), await outcome(dir, omit, 'arborist'), `the same packages with --omit=${omit.join(',')}`)
  return fast !== null
}

function writeProject(dir: string, manifest: Json, lock: Json): void {
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2))
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2))
}

const entry = (name: string, version: string, extra: Json = {}): Json => ({
  version,
  resolved: `https://registry.test/${name}/-/${name.replace(/^@[^/]+\//, '')}-${version}.tgz`,
  integrity: `sha512-${Buffer.from(`${name}@${version}`).toString('base64')}`,
  ...extra,
})

/** A project with what the reader takes: nesting, dev / optional / peer / peerOptional, an alias, a tag, a scope, an extraneous entry. */
function baseProject(): { manifest: Json; lock: Json } {
  const manifest = {
    name: 'app',
    version: '1.0.0',
    dependencies: { a: '^1.0.0', b: '^1.0.0', get: 'npm:fetcher@^2.0.0', '@s/x': 'latest', both: '^1.0.0' },
    devDependencies: { dt: '^1.0.0', both: '^1.0.0' },
    optionalDependencies: { opt: '^1.0.0' },
    peerDependencies: { p: '^1.0.0' },
  }
  const lock = {
    name: 'app',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', version: '1.0.0', dependencies: { ...manifest.dependencies }, devDependencies: { ...manifest.devDependencies }, optionalDependencies: { ...manifest.optionalDependencies }, peerDependencies: { ...manifest.peerDependencies } },
      'node_modules/@s/x': entry('@s/x', '3.0.0'),
      'node_modules/a': entry('a', '1.2.0', { dependencies: { c: '^1.0.0', d: '~2.0.0' }, peerDependencies: { p: '^1.0.0', q: '^1.0.0' }, peerDependenciesMeta: { q: { optional: true } } }),
      'node_modules/a/node_modules/c': entry('c', '1.5.0', { dependencies: { d: '^2.0.0' } }),
      'node_modules/b': entry('b', '1.0.0', { dependencies: { c: '^2.0.0' }, optionalDependencies: { e: '^1.0.0' }, hasInstallScript: true }),
      'node_modules/both': entry('both', '1.0.0'),
      'node_modules/c': entry('c', '2.0.0'),
      'node_modules/d': entry('d', '2.0.1'),
      'node_modules/dt': entry('dt', '1.0.0', { dev: true, dependencies: { dd: '^1.0.0' } }),
      'node_modules/dd': entry('dd', '1.0.0', { dev: true }),
      'node_modules/get': entry('fetcher', '2.1.0', { name: 'fetcher' }),
      'node_modules/lost': entry('lost', '1.0.0', { extraneous: true }),
      'node_modules/opt': entry('opt', '1.0.0', { optional: true, os: ['linux'], engines: { node: '>=18' } }),
      'node_modules/p': entry('p', '1.0.0', { peer: true }),
    },
  }
  return { manifest, lock }
}

function project(t: Test, edit?: (p: { manifest: Json; lock: Json }) => void): string {
  const dir = t.testdir()
  const p = baseProject()
  edit?.(p)
  writeProject(dir, p.manifest, p.lock)
  return dir
}

t.test('every npm lockfile fixture: the same tree and packages from both readers', async (t) => {
  for (const name of ['app', 'workspaces', 'malformed-lockfile-fail']) await compareReaders(t, fixture(name))
  t.ok(await compareReaders(t, join(fixture('..'), 'demo/project')), 'the demo project is read directly')
})

t.test('a lockfile with nesting, every dependency type, an alias, a tag and an extraneous entry is read directly, as arborist reads it', async (t) => {
  t.ok(await compareReaders(t, project(t)))
})

// Each mutation keeps the lockfile one the direct reader takes; some make the tree out of sync with package.json.
const MUTATIONS: Record<string, (p: { manifest: Json; lock: Json }) => void> = {
  'package.json asks for a dependency the lockfile lacks (ELOCKSYNC, flags recomputed)': ({ manifest }) => (manifest.dependencies.missing = '^1.0.0'),
  'package.json asks for another range than the lockfile root (flags recomputed)': ({ manifest }) => (manifest.dependencies.a = '^1.1.0'),
  'a dependency the installed version does not satisfy (invalid edge)': ({ lock }) => (lock.packages['node_modules/d'].version = '3.0.0'),
  'a nested dependency left unsatisfied': ({ lock }) => (lock.packages['node_modules/a'].dependencies.c = '^9.0.0'),
  'an entry whose dependency has no node': ({ lock }) => (lock.packages['node_modules/c'].dependencies = { nowhere: '^1.0.0' }),
  'a missing optional and a missing peerOptional dependency': ({ lock }) => {
    delete lock.packages['node_modules/opt']
    lock.packages['node_modules/a'].peerDependencies.q = '^1.0.0'
  },
  'a peer dependency met by the dependent\'s own nested copy (PEER LOCAL)': ({ lock }) => {
    lock.packages['node_modules/a'].peerDependencies = { c: '^1.0.0' }
  },
  'flags the lockfile gets wrong (kept: package.json matches the root entry)': ({ lock }) => {
    lock.packages['node_modules/dt'].dev = false
    lock.packages['node_modules/c'].dev = true
    lock.packages['node_modules/b'].devOptional = true
    lock.packages['node_modules/lost'].extraneous = false
  },
  'flags the lockfile gets wrong, recomputed because package.json differs': ({ lock, manifest }) => {
    lock.packages['node_modules/dt'].dev = false
    lock.packages['node_modules/c'].dev = true
    lock.packages['node_modules/a/node_modules/c'].extraneous = true
    manifest.devDependencies.dt = '^1.0.0 || ^2.0.0'
  },
  'an alias that installs another package than it names': ({ lock }) => (lock.packages['node_modules/get'].name = 'other'),
  'one dependent whose alias asks for another name, one node fetched from outside the registry': ({ lock }) => {
    lock.packages['node_modules/b'].dependencies.c = 'npm:other@^2.0.0'
    lock.packages['node_modules/both'].resolved = 'https://elsewhere.test/both.tgz'
  },
  'a tag met by a node without a resolved URL': ({ lock }) => delete lock.packages['node_modules/@s/x'].resolved,
  'a prerelease met by "*" and by a range': ({ lock }) => {
    lock.packages['node_modules/c'].version = '2.0.0-rc.1'
    lock.packages['node_modules/a'].dependencies.x1 = '*'
    lock.packages['node_modules/x1'] = entry('x1', '1.0.0-beta.1')
  },
  'an entry without a version or integrity': ({ lock }) => {
    delete lock.packages['node_modules/dd'].version
    lock.packages['node_modules/dd'].integrity = ''
  },
  'an empty spec, an optional dependency also listed as a dependency': ({ lock, manifest }) => {
    manifest.dependencies.opt = '^1.0.0'
    lock.packages['node_modules/b'].dependencies = { c: '', e: '^1.0.0' }
    lock.packages['node_modules/e'] = entry('e', '1.0.0', { optional: true })
  },
  'a root without a name or version': ({ manifest, lock }) => {
    delete manifest.name
    delete manifest.version
    delete lock.packages[''].name
  },
  'a lockfileVersion 2 lockfile': ({ lock }) => (lock.lockfileVersion = 2),
  'a lockfile root whose peer dependency is optional (flags recomputed)': ({ lock }) => (lock.packages[''].peerDependenciesMeta = { p: { optional: true }, absent: { optional: true } }),
}

t.test('mutated lockfiles: the same tree and packages from both readers', async (t) => {
  for (const [name, edit] of Object.entries(MUTATIONS)) {
    await t.test(name, async (t) => {
      t.ok(await compareReaders(t, project(t, edit)), 'read directly')
    })
  }
})

// What the direct reader leaves to arborist; the answer is arborist's either way.
const FALLBACKS: Record<string, (p: { manifest: Json; lock: Json }) => void> = {
  'a link entry': ({ lock, manifest }) => {
    manifest.dependencies.lib = 'file:lib'
    lock.packages[''].dependencies.lib = 'file:lib'
    lock.packages['node_modules/lib'] = { resolved: 'lib', link: true }
    lock.packages.lib = { version: '1.0.0' }
  },
  'workspaces': ({ manifest }) => (manifest.workspaces = ['packages/*']),
  'overrides': ({ manifest }) => (manifest.overrides = { c: '2.0.0' }),
  'a bundle': ({ lock }) => {
    lock.packages['node_modules/b'].bundleDependencies = ['c']
    lock.packages['node_modules/b/node_modules/c'] = { version: '2.0.0', inBundle: true }
  },
  'a git spec': ({ lock }) => (lock.packages['node_modules/a'].dependencies.c = 'github:acme/c'),
  'a spec npm-package-arg refuses': ({ lock }) => (lock.packages['node_modules/a'].dependencies.c = 'npm:@@bad'),
  'a tarball URL spec': ({ lock }) => (lock.packages['node_modules/a'].dependencies.c = 'https://registry.test/c/-/c-1.5.0.tgz'),
  'a mixed-case name': ({ lock }) => (lock.packages['node_modules/a'].dependencies.Cee = '^1.0.0'),
  // Lower case, but a name npm-package-arg refuses (validate-npm-package-name), with a spec other names use.
  'a dependency named node_modules': ({ lock }) => (lock.packages['node_modules/a'].dependencies.node_modules = '^1.0.0'),
  'a dependency named favicon.ico': ({ lock }) => (lock.packages['node_modules/a'].dependencies['favicon.ico'] = '^1.0.0'),
  'an unknown entry field': ({ lock }) => (lock.packages['node_modules/c'].scripts = { install: 'node x' }),
  'a legacy _resolved field': ({ lock }) => (lock.packages['node_modules/dd']._resolved = 'https://elsewhere.test/dd.tgz'),
  'a nested entry before its parent': ({ lock }) => {
    const { 'node_modules/a/node_modules/c': nested, ...rest } = lock.packages
    lock.packages = { 'node_modules/a/node_modules/c': nested, ...rest }
  },
  'a folder entry outside node_modules': ({ lock }) => (lock.packages['tools/x'] = { version: '1.0.0' }),
  'two dependents asking for one node under other alias names': ({ lock }) => {
    lock.packages['node_modules/a'].dependencies.d = 'npm:zed@~2.0.0'
    lock.packages['node_modules/a/node_modules/c'].dependencies.d = 'npm:yup@^2.0.0'
  },
  'two dependents of a node the lockfile fetches from git': ({ lock }) => (lock.packages['node_modules/d'].resolved = 'git+ssh://git@git.test/acme/d.git#0123456789abcdef0123456789abcdef01234567'),
  'a lockfile root with workspaces': ({ lock }) => (lock.packages[''].workspaces = ['packages/*']),
  'a non-string root version': ({ manifest }) => (manifest.version = 1),
  'a package.json "bin" that npm\'s normalizer refuses (arborist then reads the lockfile root)': ({ manifest }) => (manifest.bin = [1]),
}

t.test('lockfiles the direct reader leaves to arborist: the same packages either way', async (t) => {
  for (const [name, edit] of Object.entries(FALLBACKS)) {
    await t.test(name, async (t) => {
      t.notOk(await compareReaders(t, project(t, edit)), 'left to arborist')
    })
  }
})

t.test('npm-shrinkwrap.json is read as arborist reads it; other arborist options and a missing package.json go to arborist', async (t) => {
  const dir = t.testdir()
  const { manifest, lock } = baseProject()
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest))
  writeFileSync(join(dir, 'npm-shrinkwrap.json'), JSON.stringify(lock))
  t.ok(await compareReaders(t, dir, 'npm-shrinkwrap.json'))
  t.equal(await readNpmLockTree(dir, join(dir, 'npm-shrinkwrap.json'), manifest, { legacyPeerDeps: true }), null)
  t.equal(await readNpmLockTree(dir, join(dir, 'npm-shrinkwrap.json'), undefined), null)
  t.equal(await readNpmLockTree(dir, join(dir, 'elsewhere.json'), manifest), null)
  mkdirSync(join(dir, 'sub'))
  writeFileSync(join(dir, 'sub', 'package-lock.json'), '{ not json')
  t.equal(await readNpmLockTree(join(dir, 'sub'), join(dir, 'sub', 'package-lock.json'), manifest), null, 'an unparsable lockfile is arborist\'s (and the validator\'s) to refuse')
})

t.test('a lockfile document already parsed (lockfile.ts readLockfile) is read as it is, not parsed from the file again', async (t) => {
  const dir = t.testdir()
  const { manifest, lock } = baseProject()
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest))
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock))
  const fromFile = await readNpmLockTree(dir, join(dir, 'package-lock.json'), manifest)
  writeFileSync(join(dir, 'package-lock.json'), '{ not json')
  const given = await readNpmLockTree(dir, join(dir, 'package-lock.json'), manifest, {}, JSON.parse(JSON.stringify(lock)))
  t.ok(given, 'the document given, not the file')
  t.same([...given!.inventory.keys()], [...fromFile!.inventory.keys()], 'the same nodes as from the file')
})
