/**
 * The audit's collector through the library (lib/audit/collect.ts, population.ts, run.ts): the
 * worker seam auditBatch on a small loopback world, the packument and feed read as untrusted input,
 * and the pure helpers (specs, version selection, repository match, token bucket).
 */
import t from 'tap'
import { join } from 'node:path'
import { auditBatch, createAuditContext, trustDigestOf } from '../../lib/audit/collect.js'
import { normalizeRepositoryURL, parsePackageSpec, readPackument, repositoryMatches, selectVersions } from '../../lib/audit/packument.js'
import { createTokenBucket } from '../../lib/audit/token-bucket.js'
import { changesStateKey, defaultFeed, fetchChangesPage, readPackagesFile } from '../../lib/audit/population.js'
import { runAudit } from '../../lib/audit/run.js'
import { openAuditStore, type AuditStore } from '../../lib/audit/store.js'
import { formatRecordsCsv } from '../../lib/audit/export.js'
import { createScenario } from '../helpers/scenario/index.js'
import { cleanEnv } from '../cli/run.js'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

t.test('auditBatch: records each version, counts what could not be fetched apart, and is safe to run twice', async (t) => {
  const s = await createScenario(t, {
    lockfile: false,
    packages: [
      { name: 'good', version: '1.0.0', publishTime: '2025-01-01T00:00:00Z' },
      { name: 'good', version: '1.1.0', publishTime: '2025-02-01T00:00:00Z', provenance: 'missing' },
      { name: '@acme/gone', version: '2.0.0' },
      { name: 'down', version: '1.0.0' },
    ],
  })
  s.registry.addFault({ path: '/@acme/gone', type: 'status', status: 404 })
  s.registry.addFault({ path: '/down', type: 'status', status: 503 })
  const env = cleanEnv(join(s.dir, 'home'))
  const store = await openAuditStore({ dir: join(s.dir, 'db') })
  t.teardown(() => store.close())
  const progress: string[] = []
  const ctx = await createAuditContext({
    cwd: s.dir,
    env,
    toolVersion: '0.0.0-test',
    store,
    registry: s.registry.url,
    trustedRootFile: s.trustedRootFile,
    registryKeysPins: new Map([[s.registry.url, { file: s.registryKeysFile, from: '--registry-keys' }]]),
    retries: 0,
    rate: 1000,
    onProgress: (done, total, label) => progress.push(`${done}/${total} ${label}`),
  })
  const summary = await auditBatch(['good', '@acme/gone', 'down@1.0.0', 'good@9.9.9'], ctx)
  t.match(summary, { packages: 3, packagesFailed: 1, versions: 3, fetchFailed: 1, retried: 0, skipped: 0 })
  t.equal(summary.failures.length, 2, 'why, for the operator')
  t.match(summary.failures.find((f) => f.startsWith('@acme/gone: ')), /^@acme\/gone: GET http:\/\/127\.0\.0\.1:\d+\/@acme%2fgone.*404/, 'the packument, by name and request')
  t.match(summary.failures.find((f) => f.startsWith('down@1.0.0: ')), /^down@1\.0\.0: GET .*\/down.*503/, 'the version, named once')
  const records = await store.records()
  t.same(records.map((r) => [r.name, r.version, r.signature, r.provenance, r.fetchFailed]), [
    ['down', '1.0.0', 'unverifiable', 'unverifiable', true],
    ['good', '1.0.0', 'verified', 'verified', false],
    ['good', '1.1.0', 'verified', 'missing', false],
  ], 'good@9.9.9 is covered by "good" (every version), down@1.0.0 is recorded not fetched')
  t.equal(records[1]!.repositoryMatchesPackageJson, undefined, 'no package.json repository in the loopback documents: unknown, not false')
  t.same(await store.packages(), [{ name: '@acme/gone' }, { name: 'down' }, { name: 'good', latest: '1.1.0' }])
  t.match(progress.at(-1), /^3\/3 verifying/, `progress reported: ${progress.join(', ')}`)
  t.ok(progress.some((p) => /\(\d not fetched\)$/.test(p)), 'with the errors so far')

  // Named versions that are all settled: no request at all; a version the packument lacks: not fetched.
  s.registry.clearRequests()
  const again = await auditBatch(['good@1.0.0', 'good@1.1.0'], ctx)
  t.same(again, { packages: 1, packagesFailed: 0, versions: 0, fetchFailed: 0, retried: 0, skipped: 2, failures: [] })
  t.same(s.registry.requests.map((q) => q.path), [])
  const missing = await auditBatch(['good@9.9.9'], ctx)
  t.equal(missing.fetchFailed, 1)
  t.match(missing.failures, [/^good@9\.9\.9: http:\/\/127\.0\.0\.1:\d+\/ lists no version 9\.9\.9 of good$/])
  t.same((await store.records()).find((r) => r.version === '9.9.9')?.findings, ['FETCH_FAILED'])

  // --reverify: stored versions are verified again.
  const reverify = await auditBatch(['good'], { ...ctx, reverify: true })
  t.equal(reverify.versions, 2)
  // Other trust material (a new trusted root or registry keys): stored verdicts are verified again, then settled under it.
  const moved = { ...ctx, trustDigestFor: async () => 'sha256-other' }
  t.equal((await auditBatch(['good'], moved)).versions, 2)
  t.same(await auditBatch(['good'], moved), { packages: 1, packagesFailed: 0, versions: 0, fetchFailed: 0, retried: 0, skipped: 2, failures: [] })
  t.equal(await ctx.trustDigestFor(s.registry.url), trustDigestOf(JSON.parse(readFileSync(s.trustedRootFile, 'utf8')), await ctx.keysFor(s.registry.url)), 'the configured registry\'s digest: its trusted root and keys')
  await t.rejects(auditBatch(['not a name'], ctx), TypeError)
})

t.test('behind a mirror of registry.npmjs.org, offline: the upstream is checked with the embedded npm keys, as the check', async (t) => {
  const dir = t.testdir({ 'package.json': '{}', '.npmrc': 'registry=http://127.0.0.1:9/mirror/\nverify-deps-upstream=https://registry.npmjs.org/\n' })
  const ctx = await createAuditContext({ cwd: dir, env: cleanEnv(join(dir, 'home')), toolVersion: '0.0.0-test', store: {} as AuditStore, offline: true })
  t.equal(ctx.config.registry, 'http://127.0.0.1:9/mirror/', "the project's mirror")
  const upstream = await ctx.keysFor('https://registry.npmjs.org/', true)
  t.match(upstream, { state: 'fetched', kind: 'embedded' }, "npm's embedded keys, not a request")
  t.match(await ctx.keysFor('http://127.0.0.1:9/mirror/'), { state: 'failed', reason: /offline/ }, "the mirror's own: none offline")
  t.not(await ctx.trustDigestFor('https://registry.npmjs.org/', true), await ctx.trustDigestFor('https://registry.npmjs.org/'), 'the digest names the upstream')
})

t.test('runAudit --changes: a feed that fails or is not a changes document is EAUDITFEED', async (t) => {
  const s = await createScenario(t, { lockfile: false, packages: [{ name: 'one', version: '1.0.0' }] })
  const env = cleanEnv(join(s.dir, 'home'))
  const store = await openAuditStore({ dir: join(s.dir, 'db') })
  t.teardown(() => store.close())
  const ctx = await createAuditContext({ cwd: s.dir, env, toolVersion: '0', store, registry: s.registry.url, trustedRootFile: s.trustedRootFile, registryKeysPins: new Map([[s.registry.url, { file: s.registryKeysFile, from: '--registry-keys' }]]), retries: 0 })
  const summary = await runAudit({ kind: 'changes', feed: s.registry.url, limit: 1 }, ctx)
  t.equal(summary.seq, '1')
  t.equal(await store.state(changesStateKey(s.registry.url)), '1')
  t.equal(summary.versions, 1)
  const limited = await runAudit({ kind: 'changes', feed: s.registry.url, maxPages: 0 }, ctx)
  t.equal(limited.seq, '1', 'no page asked: the stored sequence stays')

  await t.rejects(runAudit({ kind: 'changes', feed: `${s.registry.origin}/nowhere/` }, ctx), { code: 'EAUDITFEED' })
  await t.rejects(fetchChangesPage(`${s.registry.url}one/`, '0', 10, ctx.config), { code: 'EAUDITFEED' }, 'a packument is not a changes document')
  // A feed whose last_seq cycles (A, B, A, …) ends the run instead of paging forever.
  let pages = 0
  const cycling = createServer((_req, res) => {
    pages++
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ results: [{ seq: pages, id: 'one', changes: [] }], last_seq: pages % 2 ? 'A' : 'B' }))
  })
  await new Promise<void>((resolve) => cycling.listen(0, '127.0.0.1', resolve))
  t.teardown(() => cycling.close())
  const feed = `http://127.0.0.1:${(cycling.address() as AddressInfo).port}/`
  const cycled = await runAudit({ kind: 'changes', feed }, ctx)
  t.equal(pages, 3, 'A, B, then A again: the run stops')
  t.equal(cycled.seq, 'A')
  t.equal(defaultFeed('https://registry.npmjs.org/'), 'https://replicate.npmjs.com/')
  t.equal(defaultFeed('https://npm.example/path'), 'https://npm.example/path/')
})

t.test('the packument is untrusted input', async (t) => {
  t.equal(readPackument(null, 'a'), 'the packument is not a JSON object')
  t.equal(readPackument({ name: 'b' }, 'a'), 'the packument is about "b", not a')
  t.equal(readPackument({ versions: [] }, 'a'), 'the packument has a versions field that is not an object')
  t.equal(readPackument({ versions: {}, time: 'x' }, 'a'), 'the packument has a time field that is not an object')
  t.same(readPackument({ versions: { '1.0.0': {} }, time: { '1.0.0': 'T', modified: 'M', '2.0.0': 'X', '1.0.1': 5 }, 'dist-tags': { latest: '2.0.0' } }, 'a'), { versions: { '1.0.0': {} }, time: { '1.0.0': 'T' } }, 'a latest that is not a version is no latest')
  const p = readPackument({ versions: { '1.0.0': {}, '1.1.0': {}, '2.0.0': {} }, time: { '1.0.0': '2024-01-01T00:00:00Z', '1.1.0': '2025-06-01T00:00:00Z' }, 'dist-tags': { latest: '1.1.0' } }, 'a')
  if (typeof p === 'string') throw new Error(p)
  t.same(selectVersions(p, { kind: 'all' }), ['1.0.0', '1.1.0', '2.0.0'])
  t.same(selectVersions(p, { kind: 'latest' }), ['1.1.0'])
  t.same(selectVersions({ versions: {}, time: {} }, { kind: 'latest' }), [])
  t.same(selectVersions(p, { kind: 'since', since: '2025-01-01T00:00:00.000Z' }), ['1.1.0'], 'a version without a time is not "since" anything')
})

t.test('package specs, repository URLs, the trust digest', async (t) => {
  t.same(parsePackageSpec('left-pad'), { name: 'left-pad' })
  t.same(parsePackageSpec('@scope/x@1.0.0-beta.1'), { name: '@scope/x', version: '1.0.0-beta.1' })
  for (const bad of ['', '../x', 'a b', 'a@', 'a@1 2', '@scope/', `${'x'.repeat(215)}`]) t.equal(parsePackageSpec(bad), undefined, JSON.stringify(bad))

  t.equal(normalizeRepositoryURL('git+https://github.com/Acme/Lib.git'), 'https://github.com/acme/lib')
  t.equal(normalizeRepositoryURL('git@github.com:acme/lib.git'), 'https://github.com/acme/lib')
  t.equal(normalizeRepositoryURL('github:acme/lib'), 'https://github.com/acme/lib')
  t.equal(normalizeRepositoryURL('gitlab:acme/lib'), 'https://gitlab.com/acme/lib')
  t.equal(normalizeRepositoryURL('bitbucket:acme/lib'), 'https://bitbucket.org/acme/lib')
  t.equal(normalizeRepositoryURL('acme/lib'), 'https://github.com/acme/lib')
  t.equal(normalizeRepositoryURL('git://github.com/acme/lib/'), 'https://github.com/acme/lib')
  t.equal(normalizeRepositoryURL('not a url'), undefined)
  t.equal(repositoryMatches({ repository: { url: 'git+https://github.com/acme/lib.git' } }, { repository: 'acme/lib' }), true)
  t.equal(repositoryMatches({ repository: 'acme/lib' }, { repositoryUri: 'https://github.com/acme/other' }), false)
  t.equal(repositoryMatches({ repository: 'https://gitlab.com/g/p' }, { repository: 'https://gitlab.com/g/p' }), true)
  t.equal(repositoryMatches({}, { repository: 'acme/lib' }), undefined)
  t.equal(repositoryMatches({ repository: 'acme/lib' }, undefined), undefined)
  t.equal(repositoryMatches({ repository: 'not a url' }, { repository: 'acme/lib' }), undefined)
  t.equal(repositoryMatches(null, { repository: 'acme/lib' }), undefined)

  const a = trustDigestOf({ root: 1 }, { state: 'fetched', keys: [], source: 'x' })
  t.match(a, /^sha256-/)
  t.not(a, trustDigestOf({ root: 2 }, { state: 'fetched', keys: [], source: 'x' }), 'another trusted root, another digest')
  t.not(a, trustDigestOf({ root: 1 }, { state: 'failed', reason: 'no keys' }))
})

t.test('the token bucket: a second\'s burst, then rate requests a second', async (t) => {
  let now = 0
  const slept: number[] = []
  const take = createTokenBucket(2, { now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) })
  await Promise.all([take(), take(), take(), take()])
  t.same(slept, [500, 500], 'two at once, then one every 500 ms')
  t.equal(now, 1000)
  const free = createTokenBucket(undefined)
  await free()
  const slow = createTokenBucket(0.5, { now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) })
  await slow()
  await slow()
  t.equal(slept.at(-1), 2000, 'below one a second: one every 1/rate seconds')
})

t.test('the packages file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-pop-'))
  const file = join(dir, 'p.txt')
  writeFileSync(file, 'a\r\n  b@1.0.0  # pinned\n# c\n\n@s/d\n')
  t.same(readPackagesFile(file), ['a', 'b@1.0.0', '@s/d'])
  t.throws(() => readPackagesFile(dir, 'DIR'), { code: 'EAUDITPOPULATION', message: /^DIR: cannot be read/ })
})

t.test('export csv: quoted fields, and no formula reaches a spreadsheet', async (t) => {
  const csv = formatRecordsCsv([
    { name: 'a', version: '1.0.0', signature: 'verified', provenance: 'verified', publishAttestation: 'missing', trustedPublisher: false, approver: false, workflow: '=HYPERLINK("x")', ref: 'a,b', findings: ['A', 'B'], fetchFailed: false },
  ])
  const row = csv.split('\r\n')[1]!
  t.match(row, /^a,1\.0\.0,,,verified,verified,,missing,false,false,,,,"'=HYPERLINK\(""x""\)","a,b",,,,,,A B,false$/)
  const scoped = formatRecordsCsv([{ name: '@acme/lib', version: '1.0.0', signature: 'verified', provenance: 'missing', publishAttestation: 'missing', trustedPublisher: false, approver: false, issuer: '@evil', findings: [], fetchFailed: false }])
  t.match(scoped.split('\r\n')[1], /^@acme\/lib,1\.0\.0,.*,'@evil,/, 'a scoped package name stays exact; any other value starting with @ is neutralised')
})
