// How the lockfile binds each package to its dependents and its registry (lib/tree/binding.ts):
// a pull request that edits only package-lock.json must not swap the source, the package or the
// tarball origin of what npm installs. Each case mutates the npm-generated fixtures/tree/app.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadPackages } from '../../lib/tree/index.js'
import { effectiveFetchUrl } from '../../lib/tree/binding.js'
import { copyFixture, editLockfile, fixture, ref, registryFor } from './fixtures.js'

const lockfileCodes = (p: { lockfileFindings?: { code: string }[] }) => (p.lockfileFindings ?? []).map((f) => f.code)

t.test('the npm-generated fixtures carry no binding findings', async (t) => {
  for (const name of ['app', 'workspaces']) {
    const result = await loadPackages({ projectDir: fixture(name), registryFor })
    t.same(result.packages.filter((p) => p.lockfileFindings), [], name)
  }
})

t.test('reports SOURCE_MISMATCH when a registry dependency resolves to git, a file, a folder or a link', async (t) => {
  const swaps: Record<string, Record<string, unknown>> = {
    git: { version: '1.0.0', resolved: 'git+ssh://git@git.test/evil/a.git#' + 'e'.repeat(40) },
    'file: tarball': { version: '1.0.0', resolved: 'file:vendor/vendored-1.0.0.tgz', integrity: 'sha512-' + 'E'.repeat(86) + '==' },
    link: { resolved: 'local/local-lib', link: true },
  }
  for (const [kind, entry] of Object.entries(swaps)) {
    const dir = copyFixture(t, 'app')
    editLockfile(dir, (lock) => {
      lock.packages['node_modules/a'] = { ...entry, dependencies: { c: '^1.0.0' } }
      // The link target (local/local-lib) is version 0.1.0: make it satisfy "^1.0.0" as a real swap would.
      if (kind === 'link') lock.packages['local/local-lib']!.version = '1.0.0'
    })
    if (kind === 'link') writeFileSync(join(dir, 'local/local-lib/package.json'), JSON.stringify({ name: 'local-lib', version: '1.0.0', dependencies: { tiny: '^1.0.0' } }))
    const result = await loadPackages({ projectDir: dir, registryFor })
    const swapped = result.packages.filter((p) => p.locations.some((l) => l.path === 'node_modules/a'))
    t.equal(swapped.length, 1, kind)
    t.same(lockfileCodes(swapped[0]!), ['SOURCE_MISMATCH'], kind)
    t.match(swapped[0]!.lockfileFindings![0]!.message, /package\.json asks for "a": "\^1\.0\.0" from the registry/, kind)
  }
})

t.test('a declared git, file or link dependency keeps its handling, also where a registry range dedupes onto it', async (t) => {
  const result = await loadPackages({ projectDir: fixture('app'), registryFor })
  for (const name of ['gitdep', 'vendored', 'local-lib']) t.same(lockfileCodes(ref(result, name)), [], name)

  // Another dependent asks for gitdep@^0.3.0 from the registry; npm dedupes it onto the declared git copy.
  const dir = copyFixture(t, 'app')
  editLockfile(dir, (lock) => {
    lock.packages['node_modules/a']!.dependencies = { c: '^1.0.0', gitdep: '^0.3.0' }
  })
  t.same(lockfileCodes(ref(await loadPackages({ projectDir: dir, registryFor }), 'gitdep')), [])
})

t.test('reports NAME_MISMATCH when the lockfile entry is another package and no npm: alias asks for it', async (t) => {
  const dir = copyFixture(t, 'app')
  editLockfile(dir, (lock) => {
    lock.packages['node_modules/a'] = { ...lock.packages['node_modules/a'], name: 'evil', resolved: 'https://registry.test/evil/-/evil-1.0.0.tgz' }
  })
  const evil = ref(await loadPackages({ projectDir: dir, registryFor }), 'evil')
  t.same(lockfileCodes(evil), ['NAME_MISMATCH'])
  t.match(evil.lockfileFindings![0]!.message, 'asks for "a": "^1.0.0", which is "a", but the lockfile entry is the package "evil"')

  // An alias that names another package than the lockfile entry is a swap too.
  const alias = copyFixture(t, 'app')
  editLockfile(alias, (lock) => {
    lock.packages['node_modules/get'] = { ...lock.packages['node_modules/get'], name: 'evil-fetch', resolved: 'https://registry.test/evil-fetch/-/evil-fetch-1.7.3.tgz' }
  })
  t.same(lockfileCodes(ref(await loadPackages({ projectDir: alias, registryFor }), 'evil-fetch')), ['NAME_MISMATCH'])
})

t.test('a real npm: alias is no NAME_MISMATCH', async (t) => {
  const result = await loadPackages({ projectDir: fixture('app'), registryFor })
  t.same(lockfileCodes(ref(result, 'node-fetch')), [])
  t.equal(ref(result, 'node-fetch').locations[0]!.alias, 'get')
})

t.test('reports RESOLVED_ORIGIN_MISMATCH when npm would fetch the tarball from another registry', async (t) => {
  const cases: Record<string, string> = {
    'another host': 'https://evil.test/a/-/a-1.0.0.tgz',
    'another port': 'https://registry.test:8443/a/-/a-1.0.0.tgz',
    'another scheme': 'http://registry.test/a/-/a-1.0.0.tgz',
    'not http(s)': 'ftp://registry.test/a/-/a-1.0.0.tgz',
  }
  for (const [name, resolved] of Object.entries(cases)) {
    const dir = copyFixture(t, 'app')
    editLockfile(dir, (lock) => {
      lock.packages['node_modules/a']!.resolved = resolved
      // Arborist counts every dependency of a node resolved from a non-http(s) URL as unsatisfied (the
      // ELOCKSYNC case below); without dependencies the entry itself is what is reported.
      delete lock.packages['node_modules/a']!.dependencies
    })
    const a = ref(await loadPackages({ projectDir: dir, registryFor }), 'a')
    t.same(lockfileCodes(a), ['RESOLVED_ORIGIN_MISMATCH'], name)
  }
  const ftpWithDeps = copyFixture(t, 'app')
  editLockfile(ftpWithDeps, (lock) => void (lock.packages['node_modules/a']!.resolved = cases['not http(s)']!))
  const err = await loadPackages({ projectDir: ftpWithDeps, registryFor }).catch((e: unknown) => e)
  t.equal((err as { code?: unknown }).code, 'ELOCKSYNC', 'a non-http(s) entry with dependencies is not a lockfile npm installs as it is')

  // The scoped package's tarball on the default registry: verified against acme.test, fetched elsewhere.
  const scoped = copyFixture(t, 'app')
  editLockfile(scoped, (lock) => void (lock.packages['node_modules/@acme/util']!.resolved = 'https://registry.test/@acme/util/-/util-1.0.0.tgz'))
  t.same(lockfileCodes(ref(await loadPackages({ projectDir: scoped, registryFor }), '@acme/util')), ['RESOLVED_ORIGIN_MISMATCH'])

  // A registry with a path: a tarball elsewhere on the same host is outside it.
  const pathDir = copyFixture(t, 'app')
  const withPath = (name: string) => (name.startsWith('@acme/') ? 'https://acme.test' : 'https://registry.test/npm/public/')
  editLockfile(pathDir, (lock) => {
    for (const [location, entry] of Object.entries(lock.packages)) {
      if (typeof entry.resolved === 'string' && location !== 'node_modules/remote-pkg') entry.resolved = entry.resolved.replace('https://registry.test/', 'https://registry.test/npm/public/')
    }
    lock.packages['node_modules/a']!.resolved = 'https://registry.test/npm/other/a/-/a-1.0.0.tgz'
  })
  const result = await loadPackages({ projectDir: pathDir, registryFor: withPath })
  t.same(lockfileCodes(ref(result, 'a')), ['RESOLVED_ORIGIN_MISMATCH'])
  t.same(lockfileCodes(ref(result, 'x')), [], 'the others are inside the registry path')
})

t.test('a registry.npmjs.org URL is fetched from the configured registry (replace-registry-host), so it matches', async (t) => {
  const dir = copyFixture(t, 'app')
  editLockfile(dir, (lock) => void (lock.packages['node_modules/a']!.resolved = 'https://registry.npmjs.org/a/-/a-1.0.0.tgz'))
  const rewritten = await loadPackages({ projectDir: dir, registryFor, resolvedRewrite: { registry: 'https://registry.test/', replaceRegistryHost: 'npmjs' } })
  t.same(lockfileCodes(ref(rewritten, 'a')), [], 'npm fetches it from registry.test')
  const never = await loadPackages({ projectDir: dir, registryFor, resolvedRewrite: { registry: 'https://registry.test/', replaceRegistryHost: 'never' } })
  t.same(lockfileCodes(ref(never, 'a')), ['RESOLVED_ORIGIN_MISMATCH'], 'with replace-registry-host=never npm fetches registry.npmjs.org')

  // The rewrite goes to the *default* registry: a scoped package's registry.npmjs.org URL is not fetched from its scope's registry.
  editLockfile(dir, (lock) => void (lock.packages['node_modules/@acme/util']!.resolved = 'https://registry.npmjs.org/@acme/util/-/util-1.0.0.tgz'))
  const scoped = await loadPackages({ projectDir: dir, registryFor, resolvedRewrite: { registry: 'https://registry.test/' } })
  t.same(lockfileCodes(ref(scoped, '@acme/util')), ['RESOLVED_ORIGIN_MISMATCH'])
  t.match(ref(scoped, '@acme/util').lockfileFindings![0]!.message, 'rewritten by replace-registry-host')
})

t.test('effectiveFetchUrl follows arborist\'s replace-registry-host rewrite', async (t) => {
  const url = (resolved: string, registry: string, replaceRegistryHost?: string) => effectiveFetchUrl(resolved, { registry, ...(replaceRegistryHost !== undefined && { replaceRegistryHost }) })?.href
  t.equal(url('https://registry.npmjs.org/a/-/a-1.0.0.tgz', 'http://127.0.0.1:4873/'), 'http://127.0.0.1:4873/a/-/a-1.0.0.tgz')
  t.equal(url('https://registry.npmjs.org/a/-/a-1.0.0.tgz', 'https://mirror.test/npm/'), 'https://mirror.test/npm/a/-/a-1.0.0.tgz', 'host-only: the registry path is prepended')
  t.equal(url('https://other.test/a/-/a-1.0.0.tgz', 'https://mirror.test/'), 'https://other.test/a/-/a-1.0.0.tgz', 'other hosts are fetched as written')
  t.equal(url('https://other.test/a/-/a-1.0.0.tgz', 'https://mirror.test/', 'always'), 'https://mirror.test/a/-/a-1.0.0.tgz')
  t.equal(url('https://other.test/a/-/a-1.0.0.tgz', 'https://mirror.test/', 'other.test'), 'https://mirror.test/a/-/a-1.0.0.tgz')
  t.equal(url('https://old.test/npm/a/-/a-1.0.0.tgz', 'https://mirror.test/r/', 'https://old.test/npm'), 'https://mirror.test/r/a/-/a-1.0.0.tgz', 'a URL prefix swaps the path prefix')
  t.equal(url('https://old.test/elsewhere/a.tgz', 'https://mirror.test/r/', 'https://old.test/npm'), 'https://old.test/elsewhere/a.tgz')
  t.equal(url('not a url', 'https://mirror.test/'), undefined)
})
