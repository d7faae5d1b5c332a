// pnpm-lock.yaml as pnpm 8 to 12 wrote it (fixtures/tree/pnpm-workspace, pnpm-sources: README),
// through the same walk, collect, binding and coverage as npm's lockfile.
import t, { type Test } from 'tap'
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadPackages, type TreeResult } from '../../lib/tree/index.js'
import { copyFixture, editedFixture, fixture, loadError, lockfileCodes, names, ref } from './fixtures.js'

const NPMJS = 'https://registry.npmjs.org/'
const registryFor = (): string => NPMJS
const WS = fixture('pnpm-workspace')
const VERSIONS = ['pnpm8', 'pnpm10', 'pnpm11', 'pnpm12']

const editedProject = (t: Test, edit: (text: string) => string): string => editedFixture(t, 'pnpm-workspace', 'pnpm-lock.yaml', edit)

t.test('pnpm 9: every package with its integrity, why-path, workspace and alias', async (t) => {
  const result = await loadPackages({ projectDir: WS, registryFor })
  t.equal(result.lockfileFormat, 'pnpm')
  t.equal(result.lockfile, join(WS, 'pnpm-lock.yaml'))
  t.same(result.root, { name: 'fx-root', version: '1.0.0', path: WS })
  t.same(names(result), ['is-number', 'is-odd', 'js-tokens', 'left-pad', 'linked', 'local-lib', 'loose-envify', 'ms', 'once', 'react', 'use-sync-external-store', 'wrappy'])
  const once = ref(result, 'once')
  t.equal(once.integrity, 'sha512-lNaJgI+2Q5URQBkccEKHTQOPaXdUxnZZElQTZY0MFUAuaEqe1E+Nyvgdz/aIyNi6Z9MzO5dv1H8n58/GELp3+w==')
  t.same(once.locations, [{ path: 'once@1.4.0', why: ['fx-root', 'once@1.4.0'], dev: false, optional: false, peer: false }])
  t.equal(once.source, 'registry')
  t.equal(once.registry, NPMJS)
  t.equal(once.resolved, undefined, 'pnpm records no tarball URL for a registry package: it fetches from the registry')
  t.same(ref(result, 'js-tokens').locations[0], {
    path: 'js-tokens@4.0.0',
    why: ['fx-root', 'ws-b@1.0.0', 'react@18.3.1', 'loose-envify@1.4.0', 'js-tokens@4.0.0'],
    dev: false,
    optional: false,
    peer: false,
    workspace: 'ws-b',
  })
  // `my-ms` (npm:ms@^2.1.0) and ws-a's `ms` are one package, two locations.
  t.same(
    ref(result, 'ms').locations.map((l) => [l.why.join(' > '), l.alias, l.workspace]),
    [
      ['fx-root > ms@2.1.3', 'my-ms', undefined],
      ['fx-root > ws-a@1.0.0 > ms@2.1.3', undefined, 'ws-a'],
    ],
  )
  t.equal(ref(result, 'use-sync-external-store').locations[0]!.path, 'use-sync-external-store@1.2.0(react@18.3.1)')
  t.same(lockfileCodes(result, 'ms'), [])
  t.same(result.ignoredLockfiles, [])
})

t.test('dev, optional and peer flags follow the graph: --omit leaves out what pnpm install --prod would', async (t) => {
  const all = await loadPackages({ projectDir: WS, registryFor })
  const flags = (name: string, version?: string) => {
    const p = all.packages.find((r) => r.name === name && (version === undefined || r.version === version))!
    return [p.locations[0]!.dev, p.locations[0]!.optional]
  }
  t.same(flags('is-number', '7.0.0'), [true, false], 'a devDependency')
  t.same(flags('is-number', '6.0.0'), [false, true], 'only under an optional dependency')
  t.same(flags('wrappy'), [false, false], 'dev for ws-b, but prod through once')
  t.same(flags('react'), [false, false], 'a peer of use-sync-external-store, and ws-b depends on it')

  const prod = await loadPackages({ projectDir: WS, registryFor, omit: ['dev'] })
  t.notOk(prod.packages.some((p) => p.name === 'is-number' && p.version === '7.0.0'))
  t.ok(prod.packages.some((p) => p.name === 'wrappy'))
  const noOptional = await loadPackages({ projectDir: WS, registryFor, omit: ['optional'] })
  t.notOk(noOptional.packages.some((p) => p.name === 'is-odd' || p.version === '6.0.0'))
})

t.test('one workspace: only what it reaches', async (t) => {
  const result = await loadPackages({ projectDir: WS, registryFor, workspaces: ['ws-a'] })
  t.same(names(result), ['ms'])
  t.same(ref(result, 'ms').locations[0]!.why, ['fx-root', 'ws-a@1.0.0', 'ms@2.1.3'])
  const b = await loadPackages({ projectDir: WS, registryFor, workspaces: ['packages/b'] })
  t.same(names(b), ['js-tokens', 'loose-envify', 'ms', 'react', 'use-sync-external-store', 'wrappy'], 'ws-b → ws-a (workspace:*) → ms')
})

t.test('non-registry sources: link:, file: folder, registry tarball URL, file: tarball, git', async (t) => {
  const result = await loadPackages({ projectDir: WS, registryFor })
  t.match(ref(result, 'linked'), { source: 'link', resolved: 'file:linked' })
  t.match(ref(result, 'local-lib'), { source: 'file', version: '0.1.0', resolved: 'file:local-lib' })
  t.match(ref(result, 'left-pad'), { source: 'remote', version: '1.3.0' }, 'a tarball URL spec is never the registry, as in npm')
  t.same(lockfileCodes(result, 'left-pad'), [])

  const sources = await loadPackages({ projectDir: fixture('pnpm-sources'), registryFor })
  const tiny = sources.packages.filter((p) => p.name === 'tiny')
  t.same(
    tiny.map((p) => [p.source, p.resolved, p.locations[0]!.alias]),
    [
      ['file', 'file:vendor/tiny-1.0.0.tgz', 'tiny-tgz'],
      ['git', 'git+file:///tmp/lockfx/tiny#4d5b0be34fa665255979fb2160514752d71359ed', 'tiny-git'],
    ],
  )
  t.same(ref(sources, 'wrappy').locations.length, 1)
})

t.test('pnpm 8 (lockfile 6.0), 10, 11 and 12 give what pnpm 9 gives', async (t) => {
  const shape = (result: TreeResult) => result.packages.map((p) => ({ name: p.name, version: p.version, integrity: p.integrity, source: p.source, locations: p.locations.map((l) => [l.why.join('>'), l.dev, l.optional, l.alias]) }))
  const expected = shape(await loadPackages({ projectDir: WS, registryFor }))
  for (const version of VERSIONS) {
    const dir = copyFixture(t, 'pnpm-workspace')
    copyFileSync(join(WS, `pnpm-lock.${version}.yaml`), join(dir, 'pnpm-lock.yaml'))
    t.same(shape(await loadPackages({ projectDir: dir, registryFor })), expected, version)
  }
})

t.test('binding: the same findings as for an npm lockfile', async (t) => {
  // package.json asks for once@^1.4.0; the lockfile resolves it to another package of a satisfying version.
  const aliased = editedProject(t, (s) => s.replace(/version: 1\.4\.0/, 'version: evil@1.4.0').replace(/^  once@1\.4\.0:/gm, '  evil@1.4.0:'))
  t.same(lockfileCodes(await loadPackages({ projectDir: aliased, registryFor }), 'evil'), ['NAME_MISMATCH'])

  const elsewhere = editedProject(t, (s) => s.replace('resolution: {integrity: sha512-lNaJg', 'resolution: {tarball: https://evil.test/once/-/once-1.4.0.tgz, integrity: sha512-lNaJg'))
  const found = ref(await loadPackages({ projectDir: elsewhere, registryFor }), 'once').lockfileFindings ?? []
  t.same(found.map((f) => f.code), ['RESOLVED_ORIGIN_MISMATCH'])
  t.match(found[0]!.message, /pnpm would fetch the tarball from https:\/\/evil\.test/)

  const git = editedProject(t, (s) =>
    s.replace('  once@1.4.0:\n    resolution: {integrity: sha512-lNaJgI+2Q5URQBkccEKHTQOPaXdUxnZZElQTZY0MFUAuaEqe1E+Nyvgdz/aIyNi6Z9MzO5dv1H8n58/GELp3+w==}', '  once@1.4.0:\n    resolution: {type: git, repo: https://git.test/evil/once.git, commit: 0123456789abcdef0123456789abcdef01234567}'),
  )
  const once = ref(await loadPackages({ projectDir: git, registryFor }), 'once')
  t.equal(once.source, 'git')
  t.same((once.lockfileFindings ?? []).map((f) => f.code), ['SOURCE_MISMATCH'], 'package.json asks for ^1.4.0 from the registry')

  const weak = editedProject(t, (s) => s.replace('resolution: {integrity: sha512-lNaJg', 'resolution: {integrity: sha1-WDsap3WWHUsROsF9nFC6753Xa9E=, x: sha512-lNaJg'))
  t.equal(ref(await loadPackages({ projectDir: weak, registryFor }), 'once').integrity, 'sha1-WDsap3WWHUsROsF9nFC6753Xa9E=', 'a weak integrity is carried as written: the verify stage never passes it')
})

t.test('coverage: a lockfile that does not match package.json is ELOCKSYNC naming the file', async (t) => {
  const specifier = editedProject(t, (s) => s.replace('specifier: ^1.4.0', 'specifier: ^1.3.0'))
  let err = await loadError({ projectDir: specifier, registryFor })
  t.equal(err.code, 'ELOCKSYNC')
  t.equal(err.file, join(specifier, 'pnpm-lock.yaml'))
  t.match(err.message, /"once": "\^1\.4\.0" \(prod\) in .*package\.json is not satisfied/)
  t.match(err.hint, /pnpm install/)

  const missing = copyFixture(t, 'pnpm-workspace')
  const pkg = JSON.parse(readFileSync(join(missing, 'packages/a/package.json'), 'utf8'))
  pkg.dependencies['left-pad'] = '^1.3.0'
  writeFileSync(join(missing, 'packages/a/package.json'), JSON.stringify(pkg))
  err = await loadError({ projectDir: missing, registryFor })
  t.equal(err.code, 'ELOCKSYNC')
  t.match(err.message, /"left-pad": "\^1\.3\.0" \(prod\) in .*packages\/a\/package\.json is missing from the lockfile/)

  const unsatisfied = editedProject(t, (s) => s.replace('specifier: ^7.0.0\n        version: 7.0.0', 'specifier: ^7.0.0\n        version: 6.0.0'))
  t.equal((await loadError({ projectDir: unsatisfied, registryFor })).code, 'ELOCKSYNC', 'a version outside the specifier')
  // pnpm `overrides` replace the version package.json asks for: not a coverage error, when the project sets them.
  const lockOverride = (s: string) => s.replace('specifier: ^7.0.0\n        version: 7.0.0', 'specifier: ^7.0.0\n        version: 6.0.0').replace('settings:', 'overrides:\n  is-number: 6.0.0\n\nsettings:')
  const withOverrides = (dir: string, settings: Record<string, unknown>): string => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, ...settings }))
    return dir
  }
  for (const settings of [{ pnpm: { overrides: { 'is-number': '6.0.0' } } }, { resolutions: { 'is-number': '6.0.0' } }]) {
    const overridden = withOverrides(editedProject(t, lockOverride), settings)
    t.equal(ref(await loadPackages({ projectDir: overridden, registryFor, omit: ['optional'] }), 'is-number').version, '6.0.0', Object.keys(settings).join())
  }
  const workspaceOverride = editedProject(t, lockOverride)
  writeFileSync(join(workspaceOverride, 'pnpm-workspace.yaml'), `${readFileSync(join(workspaceOverride, 'pnpm-workspace.yaml'), 'utf8')}\noverrides:\n  is-number: 6.0.0\n`)
  t.equal(ref(await loadPackages({ projectDir: workspaceOverride, registryFor, omit: ['optional'] }), 'is-number').version, '6.0.0', 'pnpm-workspace.yaml')
  // The lockfile's own `overrides` is not the project's: pnpm --frozen-lockfile refuses it, and it excuses nothing.
  const lockOnly = editedProject(t, lockOverride)
  t.match(await loadError({ projectDir: lockOnly, registryFor }), { code: 'ELOCKSYNC', message: /"is-number": "\^7\.0\.0" \(dev\) .* is not satisfied by is-number@6\.0\.0/ })

  const newWorkspace = copyFixture(t, 'pnpm-workspace')
  mkdirSync(join(newWorkspace, 'packages/c'))
  writeFileSync(join(newWorkspace, 'packages/c/package.json'), '{"name":"ws-c"}')
  err = await loadError({ projectDir: newWorkspace, registryFor })
  t.equal(err.code, 'ELOCKSYNC')
  t.match(err.message, /the workspace packages\/c \(pnpm-workspace\.yaml\) is not among its importers/)
})

t.test('bad input is an error naming the file, never a stack trace or a skip', async (t) => {
  const cases: Array<[string, (s: string) => string, string, RegExp]> = [
    ['broken YAML', (s) => s.replace('importers:', 'importers: [\n'), 'ELOCKFILE', /is not valid YAML/],
    ['conflict markers', (s) => s.replace('importers:', '<<<<<<< HEAD\nimporters:'), 'ELOCKFILE', /merge conflict markers|not valid YAML/],
    ['lockfileVersion 5.4', (s) => s.replace("lockfileVersion: '9.0'", "lockfileVersion: '5.4'"), 'ELOCKFILEVERSION', /lockfileVersion 5\.4 is not supported/],
    ['unknown lockfileVersion 10', (s) => s.replace("lockfileVersion: '9.0'", "lockfileVersion: '10.0'"), 'ELOCKFILEVERSION', /lockfileVersion 10\.0 is not supported/],
    ['no lockfileVersion', (s) => s.replace("lockfileVersion: '9.0'", 'lockfileVersion: [9]'), 'ELOCKFILE', /"lockfileVersion" is missing or not a version/],
    ['an integrity that is not a string', (s) => s.replace(/resolution: \{integrity: (sha512-lNaJg[^}]*)\}/, 'resolution: {integrity: [$1]}'), 'ELOCKFILE', /packages\["once@1\.4\.0"\]\.resolution\.integrity is not a string/],
    ['no integrity and no source', (s) => s.replace(/resolution: \{integrity: sha512-lNaJg[^}]*\}/, 'resolution: {}'), 'ELOCKFILE', /packages\["once@1\.4\.0"\]\.resolution has neither an integrity/],
    ['a snapshot without its package', (s) => s.replace('  once@1.4.0:\n    resolution', '  once@1.4.1:\n    resolution'), 'ELOCKFILE', /snapshots\["once@1\.4\.0"\] has no entry packages\["once@1\.4\.0"\]/],
    ['importers that are not a mapping', (s) => s.replace(/importers:\n/, 'importers: 3\nx:\n'), 'ELOCKFILE', /importers is not a mapping/],
    ['a specifier that is not a string', (s) => s.replace('specifier: ^1.4.0', 'specifier: {a: 1}'), 'ELOCKFILE', /importers\["\."\]\.dependencies\["once"\]\.specifier is not a string/],
    ['an unknown resolution type', (s) => s.replace(/resolution: \{integrity: sha512-lNaJg[^}]*\}/, 'resolution: {type: svn, repo: x}'), 'ELOCKFILE', /unknown type "svn"/],
    ['a directory outside the project', (s) => s.replace('resolution: {directory: local-lib, type: directory}', 'resolution: {directory: ../../etc, type: directory}'), 'ELOCKFILE', /"\.\.\/\.\.\/etc" is outside the project/],
    ['YAML aliases', (s) => s.replace('  ms@2.1.3: {}', '  ms@2.1.3: &a {}\n  x@1.0.0: *a'), 'ELOCKFILE', /not valid YAML/],
  ]
  for (const [what, edit, code, message] of cases) {
    const dir = editedProject(t, edit)
    const err = await loadError({ projectDir: dir, registryFor })
    t.equal(err.code, code, what)
    t.equal(err.file, join(dir, 'pnpm-lock.yaml'), `${what}: names the file`)
    t.match(err.message, message, what)
    t.match(err.message, join(dir, 'pnpm-lock.yaml'), `${what}: the message names the file`)
  }
})

t.test('detection: npm\'s lockfile wins, --lockfile chooses, and pnpm projects are checked from the lockfile only', async (t) => {
  const both = copyFixture(t, 'pnpm-workspace')
  writeFileSync(join(both, 'yarn.lock'), '# yarn lockfile v1\n')
  const pnpm = await loadPackages({ projectDir: both, registryFor })
  t.equal(pnpm.lockfileFormat, 'pnpm', 'pnpm-lock.yaml before yarn.lock')
  t.same(pnpm.ignoredLockfiles, [join(both, 'yarn.lock')])

  copyFileSync(join(fixture('workspaces'), 'package-lock.json'), join(both, 'package-lock.json'))
  const npm = await loadPackages({ projectDir: both, registryFor }).catch((e: unknown) => e)
  // The npm lockfile is read (and here does not match this package.json): it won.
  t.match(npm, { code: 'ELOCKSYNC', file: join(both, 'package-lock.json') })
  const chosen = await loadPackages({ projectDir: both, registryFor, lockfile: join(both, 'pnpm-lock.yaml') })
  t.equal(chosen.lockfileFormat, 'pnpm')
  t.same(chosen.ignoredLockfiles.sort(), [join(both, 'package-lock.json'), join(both, 'yarn.lock')])

  t.match(await loadError({ projectDir: both, registryFor, lockfile: join(both, 'other.yaml') }), { code: 'ELOCKFILE', message: /--lockfile .*other\.yaml: must be the project's/ })
  t.match(await loadError({ projectDir: both, registryFor, lockfile: join(WS, 'pnpm-lock.yaml') }), { code: 'ELOCKFILE' }, 'another project\'s lockfile')
  rmSync(join(both, 'yarn.lock'))
  t.match(await loadError({ projectDir: both, registryFor, lockfile: join(both, 'yarn.lock') }), { code: 'ENOLOCK' })
  for (const mode of ['installed', 'ideal'] as const) {
    t.match(await loadError({ projectDir: WS, registryFor, mode }), { code: 'ELOCKFILE', message: new RegExp(`--${mode} works with npm's lockfile only`) })
  }
})

t.test('detection: a packageManager naming pnpm or yarn is not overruled by an npm lockfile a pull request can add', async (t) => {
  const dir = copyFixture(t, 'pnpm-workspace')
  copyFileSync(join(fixture('workspaces'), 'package-lock.json'), join(dir, 'package-lock.json'))
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, packageManager: 'pnpm@9.15.0+sha512.abc' }))
  const err = await loadError({ projectDir: dir, registryFor })
  t.equal(err.code, 'ELOCKFILEAMBIGUOUS')
  t.match(err.message, /packageManager.*pnpm.*package-lock\.json/)
  t.equal(err.file, join(dir, 'package-lock.json'))
  const chosen = await loadPackages({ projectDir: dir, registryFor, lockfile: join(dir, 'pnpm-lock.yaml') })
  t.equal(chosen.lockfileFormat, 'pnpm', '--lockfile decides')
  // packageManager naming the format that wins anyway changes nothing.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, packageManager: 'npm@11.6.0' }))
  t.match(await loadError({ projectDir: dir, registryFor }), { code: 'ELOCKSYNC' }, 'npm\'s lockfile is read')
  rmSync(join(dir, 'package-lock.json'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, packageManager: 'pnpm@9.15.0' }))
  t.equal((await loadPackages({ projectDir: dir, registryFor })).lockfileFormat, 'pnpm')
})

t.test('a project file that is not a regular file is an error naming it, never read and never taken for none', async (t) => {
  const workspaceFile = copyFixture(t, 'pnpm-workspace')
  rmSync(join(workspaceFile, 'pnpm-workspace.yaml'))
  symlinkSync('/dev/zero', join(workspaceFile, 'pnpm-workspace.yaml'))
  t.match(await loadError({ projectDir: workspaceFile, registryFor }), { code: 'ELOCKFILE', file: join(workspaceFile, 'pnpm-workspace.yaml'), message: /not a regular file/ })

  const workspaceDir = copyFixture(t, 'pnpm-workspace')
  rmSync(join(workspaceDir, 'pnpm-workspace.yaml'))
  mkdirSync(join(workspaceDir, 'pnpm-workspace.yaml'))
  t.match(await loadError({ projectDir: workspaceDir, registryFor }), { code: 'ELOCKFILE', file: join(workspaceDir, 'pnpm-workspace.yaml') })

  const manifest = copyFixture(t, 'pnpm-workspace')
  rmSync(join(manifest, 'packages/a/package.json'))
  symlinkSync('/dev/zero', join(manifest, 'packages/a/package.json'))
  t.match(await loadError({ projectDir: manifest, registryFor }), { code: 'EJSONPARSE', file: join(manifest, 'packages/a/package.json'), message: /not a regular file/ })
})

t.test('a dependency chain thousands deep loads, and its why-paths are cut to their first and last hops', async (t) => {
  const dir = t.testdir({ 'package.json': JSON.stringify({ name: 'deep', version: '1.0.0', dependencies: { p0: '1.0.0' } }) })
  const DEPTH = 3000
  const integrity = `sha512-${Buffer.alloc(64).toString('base64')}`
  const packages: string[] = []
  const snapshots: string[] = []
  for (let i = 0; i < DEPTH; i++) {
    packages.push(`  p${i}@1.0.0:\n    resolution: {integrity: ${integrity}}\n`)
    snapshots.push(i + 1 < DEPTH ? `  p${i}@1.0.0:\n    dependencies:\n      p${i + 1}: 1.0.0\n` : `  p${i}@1.0.0: {}\n`)
  }
  const importer = `importers:\n  .:\n    dependencies:\n      p0:\n        specifier: 1.0.0\n        version: 1.0.0\n`
  writeFileSync(join(dir, 'pnpm-lock.yaml'), `lockfileVersion: '9.0'\n${importer}packages:\n${packages.join('')}snapshots:\n${snapshots.join('')}`)
  const result = await loadPackages({ projectDir: dir, registryFor })
  t.equal(result.packages.length, DEPTH)
  const why = (name: string) => result.packages.find((p) => p.name === name)!.locations[0]!.why
  t.same(why('p2'), ['deep', 'p0@1.0.0', 'p1@1.0.0', 'p2@1.0.0'], 'a short chain is whole')
  t.equal(why('p62').length, 64, 'up to 64 hops are whole')
  const last = why(`p${DEPTH - 1}`)
  t.equal(last.length, 64)
  t.same(last.slice(0, 3), ['deep', 'p0@1.0.0', 'p1@1.0.0'])
  t.equal(last[32], `… ${DEPTH + 1 - 63} more …`)
  t.same(last.slice(-2), [`p${DEPTH - 2}@1.0.0`, `p${DEPTH - 1}@1.0.0`])
})

t.test('a workspace:, link: or file: dependency the lockfile resolves to a registry package is ELOCKSYNC (dependency confusion)', async (t) => {
  const integrity = `sha512-${Buffer.alloc(64, 7).toString('base64')}`
  const confused = editedProject(t, (s) =>
    s
      .replace('specifier: workspace:*\n        version: link:../a', 'specifier: workspace:*\n        version: 1.0.0')
      .replace('packages:\n', `packages:\n\n  ws-a@1.0.0:\n    resolution: {integrity: ${integrity}}\n`)
      .replace('snapshots:\n', 'snapshots:\n\n  ws-a@1.0.0: {}\n'),
  )
  const err = await loadError({ projectDir: confused, registryFor })
  t.equal(err.code, 'ELOCKSYNC')
  t.match(err.message, /"ws-a": "workspace:\*" \(prod\) in .*packages\/b\/package\.json is not satisfied by ws-a@1\.0\.0/)

  const linked = editedProject(t, (s) =>
    s
      .replace('specifier: link:./linked\n        version: link:linked', 'specifier: link:./linked\n        version: 1.0.0')
      .replace('packages:\n', `packages:\n\n  linked@1.0.0:\n    resolution: {integrity: ${integrity}}\n`)
      .replace('snapshots:\n', 'snapshots:\n\n  linked@1.0.0: {}\n'),
  )
  t.match(await loadError({ projectDir: linked, registryFor }), { code: 'ELOCKSYNC', message: /"linked": "link:\.\/linked" \(prod\) .* is not satisfied by linked@1\.0\.0/ })
})

t.test('detection: a packageManager whose lockfile the project lacks is ENOLOCK, not a check of another lockfile', async (t) => {
  const dir = copyFixture(t, 'pnpm-workspace')
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>
  for (const packageManager of ['yarn@1.22.22', 'npm@11.6.0']) {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, packageManager }))
    const err = await loadError({ projectDir: dir, registryFor })
    t.equal(err.code, 'ENOLOCK', packageManager)
    t.match(err.message, /packageManager says .* but the project has no .*only pnpm-lock\.yaml/)
    t.equal((await loadPackages({ projectDir: dir, registryFor, lockfile: join(dir, 'pnpm-lock.yaml') })).lockfileFormat, 'pnpm', '--lockfile decides')
  }
  // devEngines may list several managers: only packageManager names the one that installs.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, devEngines: { packageManager: [{ name: 'npm' }, { name: 'pnpm' }] } }))
  t.equal((await loadPackages({ projectDir: dir, registryFor })).lockfileFormat, 'pnpm')
})

t.test('a catalog: dependency is checked against the range pnpm-workspace.yaml\'s catalog gives', async (t) => {
  const integrity = `sha512-${Buffer.alloc(64, 9).toString('base64')}`
  const project = (version: string, catalog: string): string => {
    const dir = editedProject(t, (s) =>
      s
        .replace('  packages/a:\n    dependencies:\n      ms:\n        specifier: ^2.1.3\n        version: 2.1.3', `  packages/a:\n    dependencies:\n      ms:\n        specifier: 'catalog:'\n        version: ${version}`)
        .replace('packages:\n\n', `packages:\n\n  ms@1.0.0:\n    resolution: {integrity: ${integrity}}\n\n`)
        .replace('snapshots:\n\n', 'snapshots:\n\n  ms@1.0.0: {}\n\n'),
    )
    writeFileSync(join(dir, 'packages/a/package.json'), JSON.stringify({ name: 'ws-a', version: '1.0.0', dependencies: { ms: 'catalog:' } }))
    writeFileSync(join(dir, 'pnpm-workspace.yaml'), `${readFileSync(join(dir, 'pnpm-workspace.yaml'), 'utf8')}\n${catalog}`)
    return dir
  }
  const ok = await loadPackages({ projectDir: project('2.1.3', 'catalog:\n  ms: ^2.1.3\n'), registryFor })
  t.ok(ok.packages.some((p) => p.name === 'ms' && p.version === '2.1.3'), 'within the catalog range')
  t.match(await loadError({ projectDir: project('1.0.0', 'catalog:\n  ms: ^2.1.3\n'), registryFor }), { code: 'ELOCKSYNC', message: /"ms": "\^2\.1\.3" \(prod\) in .*packages\/a\/package\.json is not satisfied by ms@1\.0\.0/ })
  t.match(await loadError({ projectDir: project('1.0.0', 'catalogs:\n  old:\n    ms: ^2.1.3\n'), registryFor }), { code: 'ELOCKSYNC' }, 'the default catalog lacks ms')
})
