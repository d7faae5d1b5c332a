// yarn.lock v1 as yarn 1.22.22 wrote it (fixtures/tree/yarn-workspace, yarn-sources: README),
// through the same walk, collect, binding and coverage as npm's lockfile.
import t, { type Test } from 'tap'
import { copyFileSync, cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadPackages } from '../../lib/tree/index.js'
import { copyFixture, editedFixture, fixture, loadError, lockfileCodes, names, ref } from './fixtures.js'

const NPMJS = 'https://registry.npmjs.org/'
const registryFor = (): string => NPMJS
const WS = fixture('yarn-workspace')

const editedProject = (t: Test, edit: (text: string) => string): string => editedFixture(t, 'yarn-workspace', 'yarn.lock', edit)

t.test('yarn 1: every entry with its integrity and resolved, why-paths, workspaces and aliases', async (t) => {
  const result = await loadPackages({ projectDir: WS, registryFor })
  t.equal(result.lockfileFormat, 'yarn')
  t.equal(result.lockfile, join(WS, 'yarn.lock'))
  t.same(names(result), ['is-number', 'is-odd', 'js-tokens', 'left-pad', 'linked', 'local-lib', 'loose-envify', 'ms', 'once', 'react', 'use-sync-external-store', 'wrappy'])
  const once = ref(result, 'once')
  t.same(
    { integrity: once.integrity, resolved: once.resolved, source: once.source, registry: once.registry },
    {
      integrity: 'sha512-lNaJgI+2Q5URQBkccEKHTQOPaXdUxnZZElQTZY0MFUAuaEqe1E+Nyvgdz/aIyNi6Z9MzO5dv1H8n58/GELp3+w==',
      resolved: 'https://registry.yarnpkg.com/once/-/once-1.4.0.tgz#583b1aa775961d4b113ac17d9c50baef9dd76bd1',
      source: 'registry',
      registry: NPMJS,
    },
  )
  t.same(lockfileCodes(result, 'once'), [], 'registry.yarnpkg.com serves registry.npmjs.org: no RESOLVED_ORIGIN_MISMATCH')
  t.same(ref(result, 'wrappy').locations.map((l) => l.why.join(' > ')), ['fx-root > once@1.4.0 > wrappy@1.0.2'], 'wrappy@1 and wrappy@^1.0.2 are one entry')
  t.same(
    ref(result, 'ms').locations.map((l) => [l.path, l.why.join(' > '), l.alias, l.workspace]),
    [
      ['ms@^2.1.3', 'fx-root > ws-a@1.0.0 > ms@2.1.3', undefined, 'ws-a'],
      ['my-ms@npm:ms@^2.1.0', 'fx-root > ms@2.1.3', 'my-ms', undefined],
    ],
  )
  t.same(ref(result, 'js-tokens').locations[0]!.why, ['fx-root', 'ws-b@1.0.0', 'react@18.3.1', 'loose-envify@1.4.0', 'js-tokens@4.0.0'], 'ws-b → ws-a is linked (1.0.0 is the workspace\'s version)')
  t.match(ref(result, 'left-pad'), { source: 'remote', integrity: undefined }, 'yarn writes no integrity for a tarball URL: nothing binds it')
  t.match(ref(result, 'linked'), { source: 'link', resolved: 'file:linked' })
  t.match(ref(result, 'local-lib'), { source: 'file', resolved: 'file:local-lib', version: '0.1.0' })
})

t.test('--omit and --workspace as for npm', async (t) => {
  const prod = await loadPackages({ projectDir: WS, registryFor, omit: ['dev', 'optional'] })
  t.same(names(prod), ['js-tokens', 'left-pad', 'linked', 'local-lib', 'loose-envify', 'ms', 'once', 'react', 'use-sync-external-store', 'wrappy'])
  t.notOk(prod.packages.some((p) => p.name === 'is-number'))
  const a = await loadPackages({ projectDir: WS, registryFor, workspaces: ['ws-a'] })
  t.same(names(a), ['ms'])
})

t.test('git and file: tarball entries', async (t) => {
  const result = await loadPackages({ projectDir: fixture('yarn-sources'), registryFor })
  t.match(ref(result, 'tiny-git'), { source: 'git', resolved: 'git+file:///tmp/lockfx/tiny#4d5b0be34fa665255979fb2160514752d71359ed' })
  t.match(ref(result, 'tiny-tgz'), { source: 'file', resolved: 'file:vendor/tiny-1.0.0.tgz' })
  t.same(ref(result, 'wrappy').locations.length, 1)
})

t.test('binding: a tarball on another host, or yarnpkg URLs behind another registry, is RESOLVED_ORIGIN_MISMATCH', async (t) => {
  const evil = editedProject(t, (s) => s.replace('https://registry.yarnpkg.com/once/-/once-1.4.0.tgz', 'https://evil.test/once/-/once-1.4.0.tgz'))
  const found = ref(await loadPackages({ projectDir: evil, registryFor }), 'once').lockfileFindings ?? []
  t.same(found.map((f) => f.code), ['RESOLVED_ORIGIN_MISMATCH'])
  t.match(found[0]!.message, /yarn would fetch the tarball from https:\/\/evil\.test/)

  // yarn 1 fetches `resolved` as written: behind a mirror, a yarnpkg URL is not the mirror's.
  const mirror = await loadPackages({ projectDir: WS, registryFor: () => 'https://mirror.test/npm/' })
  t.same(lockfileCodes(mirror, 'once'), ['RESOLVED_ORIGIN_MISMATCH'])

  const renamed = editedProject(t, (s) => s.replace('once@^1.4.0:', '"once@npm:evil@^1.4.0":').replace('"once": "^1.4.0"', '"once": "npm:evil@^1.4.0"'))
  writeFileSync(join(renamed, 'package.json'), readFileSync(join(renamed, 'package.json'), 'utf8').replace('"once": "^1.4.0"', '"once": "npm:evil@^1.4.0"'))
  t.same(lockfileCodes(await loadPackages({ projectDir: renamed, registryFor }), 'evil'), [], 'an npm: alias package.json declares is no NAME_MISMATCH')
})

t.test('coverage: a manifest dependency without its entry is ELOCKSYNC naming the file', async (t) => {
  const dir = editedProject(t, (s) => s.replace('once@^1.4.0:', 'once@^1.3.0:'))
  const err = await loadError({ projectDir: dir, registryFor })
  t.equal(err.code, 'ELOCKSYNC')
  t.equal(err.file, join(dir, 'yarn.lock'))
  t.match(err.message, /"once": "\^1\.4\.0" \(prod\) in .*package\.json is missing from the lockfile/)
  t.match(err.hint, /yarn install/)

  const transitive = editedProject(t, (s) => s.replace('loose-envify@^1.1.0:', 'loose-envify@^1.0.0:'))
  t.match(await loadError({ projectDir: transitive, registryFor }), { code: 'ELOCKSYNC', message: /"loose-envify": "\^1\.1\.0" \(prod\) in the lockfile entry packages\["react@\^18\.2\.0"\] is missing/ })

  const outside = editedProject(t, (s) => s.replace('version "1.4.0"\n  resolved "https://registry.yarnpkg.com/once', 'version "2.0.0"\n  resolved "https://registry.yarnpkg.com/once'))
  t.equal((await loadError({ projectDir: outside, registryFor })).code, 'ELOCKSYNC', 'an entry whose version is outside its range')
  // yarn `resolutions` replace versions wherever the name appears: not a coverage error.
  const pkg = JSON.parse(readFileSync(join(outside, 'package.json'), 'utf8'))
  pkg.resolutions = { '**/once': '2.0.0' }
  writeFileSync(join(outside, 'package.json'), JSON.stringify(pkg))
  t.equal(ref(await loadPackages({ projectDir: outside, registryFor }), 'once').version, '2.0.0')

  // A link: to a folder outside the project is a link (nothing to verify), as npm's file:../lib.
  const linked = copyFixture(t, 'yarn-workspace')
  const root = JSON.parse(readFileSync(join(linked, 'package.json'), 'utf8'))
  root.dependencies.linked = 'link:../elsewhere'
  writeFileSync(join(linked, 'package.json'), JSON.stringify(root))
  t.match(ref(await loadPackages({ projectDir: linked, registryFor }), 'linked'), { source: 'link', resolved: 'file:../elsewhere' })
})

t.test('bad input is an error naming the file', async (t) => {
  const cases: Array<[string, (s: string) => string, string, RegExp]> = [
    ['a syntax error', (s) => s.replace('once@^1.4.0:', 'once@^1.4.0: {'), 'ELOCKFILE', /is not a valid yarn 1 lockfile/],
    ['conflict markers', (s) => s.replace('once@^1.4.0:', '<<<<<<< HEAD\nonce@^1.4.0:\n  version "1.4.0"\n=======\nonce@^1.4.0:\n  version "1.4.1"\n>>>>>>> other\nx@^1:'), 'ELOCKFILE', /merge conflict markers|not a valid yarn 1 lockfile/],
    ['a version that is not a string', (s) => s.replace('once@^1.4.0:\n  version "1.4.0"', 'once@^1.4.0:\n  version 14'), 'ELOCKFILE', /the entry "once@\^1\.4\.0": "version" is not a string/],
    ['an entry without a version', (s) => s.replace('once@^1.4.0:\n  version "1.4.0"\n', 'once@^1.4.0:\n'), 'ELOCKFILE', /the entry "once@\^1\.4\.0" has no "version"/],
    ['dependencies that are not an object', (s) => s.replace('  dependencies:\n    wrappy "1"', '  dependencies "x"'), 'ELOCKFILE', /dependencies is not an object/],
    ['a file: entry outside the project', (s) => s.replace('"local-lib@file:./local-lib":', '"local-lib@file:../../../etc":\n  version "1"\n"local-lib@file:./local-lib":'), 'ELOCKFILE', /outside the project/],
  ]
  for (const [what, edit, code, message] of cases) {
    const dir = editedProject(t, edit)
    const err = await loadError({ projectDir: dir, registryFor })
    t.equal(err.code, code, what)
    t.equal(err.file, join(dir, 'yarn.lock'), `${what}: names the file`)
    t.match(err.message, message, what)
  }
})

t.test('yarn berry lockfiles are refused: their checksums are not the tarball integrity', async (t) => {
  const dir = copyFixture(t, 'yarn-workspace')
  writeFileSync(
    join(dir, 'yarn.lock'),
    [
      '# This file is generated by running "yarn install" inside your project.',
      '',
      '__metadata:',
      '  version: 8',
      '  cacheKey: 10c0',
      '',
      '"once@npm:^1.4.0":',
      '  version: 1.4.0',
      '  resolution: "once@npm:1.4.0"',
      '  checksum: 10c0/5344fbbe2dfd3f5d3d4d8d17d8cbb1d8f4f5e6f2b1fbd1f1d6f6a3f4c8a8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8',
      '  languageName: node',
      '  linkType: hard',
      '',
    ].join('\n'),
  )
  const err = await loadError({ projectDir: dir, registryFor })
  t.equal(err.code, 'ELOCKFILEVERSION')
  t.equal(err.file, join(dir, 'yarn.lock'))
  t.match(err.message, /yarn berry .*checksums hash yarn's own zip archives, not the registry tarballs/)
  t.match(err.hint, /package-lock\.json/)
})

t.test('a yarn.lock that is a symlink out of the project is refused unread: its parse error would quote the target', async (t) => {
  const root = t.testdir({ 'secret.txt': 'token: sekrit-value: x\n' })
  const secret = join(root, 'secret.txt')
  const dir = join(root, 'project')
  cpSync(WS, dir, { recursive: true })
  rmSync(join(dir, 'yarn.lock'))
  symlinkSync(secret, join(dir, 'yarn.lock'))
  const err = await loadError({ projectDir: dir, registryFor })
  t.equal(err.code, 'ELOCKFILE')
  t.match(err.message, /is a symlink to .*secret\.txt, outside its folder/)
  t.notMatch(err.message, /sekrit/)
  // Within the project folder a symlink is read as the file it names.
  const inside = join(root, 'inside')
  cpSync(WS, inside, { recursive: true })
  copyFileSync(join(inside, 'yarn.lock'), join(inside, 'yarn.lock.v1'))
  rmSync(join(inside, 'yarn.lock'))
  symlinkSync('yarn.lock.v1', join(inside, 'yarn.lock'))
  t.equal((await loadPackages({ projectDir: inside, registryFor })).lockfileFormat, 'yarn')
})
