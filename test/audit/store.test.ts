/**
 * The audit store on PGlite (lib/audit/store.ts, db.ts): records round-trip field for field,
 * upserts are idempotent, the stored verdicts say what they were verified with, and a store of
 * another schema version is refused.
 */
import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AUDIT_DB_LOCK, lockFolder, optionalPeer, openPglite, redactDatabase } from '../../lib/audit/db.js'
import { openAuditStore } from '../../lib/audit/store.js'
import { VerifyDepsError } from '../../lib/errors.js'
import type { AuditRecord } from '../../lib/model/audit.js'

const full: AuditRecord = {
  name: '@acme/lib',
  version: '1.2.3',
  publishedAt: '2025-08-01T00:00:00.000Z',
  signedAt: '2025-08-01T00:00:05.000Z',
  signature: 'verified',
  provenance: 'verified',
  predicateType: 'https://slsa.dev/provenance/v1',
  publishAttestation: 'invalid',
  trustedPublisher: true,
  approver: false,
  issuer: 'https://token.actions.githubusercontent.com',
  repository: 'acme/lib',
  repositoryId: '123',
  workflow: '.github/workflows/release.yml',
  ref: 'refs/tags/v1.2.3',
  refKind: 'tag',
  trigger: 'push',
  runner: 'github-hosted',
  visibility: 'public',
  repositoryMatchesPackageJson: true,
  findings: ['PUBLISH_ATTESTATION_INVALID', 'X'],
  fetchFailed: false,
}
const bare: AuditRecord = { name: 'plain', version: '0.0.1', signature: 'unverifiable', provenance: 'unverifiable', publishAttestation: 'unverifiable', trustedPublisher: false, approver: false, findings: ['FETCH_FAILED'], fetchFailed: true }
const how = { trustDigest: 'sha256-a', toolVersion: '1.0.0', verifiedAt: '2026-12-01T00:00:00.000Z' }

t.test('records round-trip, upserts are idempotent, state and packages are kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-store-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const store = await openAuditStore({ dir })
  await store.upsertVersions([full, bare], how)
  await store.upsertVersions([full, bare], how)
  t.same(await store.records(), [full, bare].sort((a, b) => (a.name < b.name ? -1 : 1)), 'field for field, absent fields absent')
  t.same(await store.counts(), { packages: 0, versions: 2, fetchFailed: 1 }, 'written twice, stored once')

  // A retried FETCH_FAILED row is replaced by its verified record.
  await store.upsertVersions([{ ...bare, signature: 'verified', provenance: 'missing', publishAttestation: 'missing', findings: [], fetchFailed: false }], { ...how, trustDigest: 'sha256-b' })
  const stored = await store.storedVersions(['plain', '@acme/lib', 'none'])
  t.same(stored.get('plain')?.get('0.0.1'), { fetchFailed: false, trustDigest: 'sha256-b', toolVersion: '1.0.0' })
  t.same(stored.get('@acme/lib')?.get('1.2.3'), { fetchFailed: false, trustDigest: 'sha256-a', toolVersion: '1.0.0' })
  t.notOk(stored.has('none'))
  t.same(await store.storedVersions([]), new Map())

  await store.upsertPackages([{ name: 'plain', latest: '0.0.1' }, { name: '@acme/lib' }])
  await store.upsertPackages([{ name: 'plain' }])
  t.same(await store.packages(), [{ name: '@acme/lib' }, { name: 'plain', latest: '0.0.1' }], 'a package read without its latest keeps the stored one')
  t.equal(await store.state('seq'), undefined)
  await store.setState('seq', '12')
  await store.setState('seq', '13')
  t.equal(await store.state('seq'), '13')
  await store.close()

  // Persisted in the folder: another process (here, another open) sees it.
  const again = await openAuditStore({ dir })
  t.equal((await again.counts()).versions, 2)
  // A store written by another schema version is refused, not misread.
  await again.setState('schemaVersion', '99')
  await again.close()
  await t.rejects(openAuditStore({ dir }), { code: 'EAUDITDB', message: /schema version "99"/ })
})

t.test('many rows go in several statements', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-store-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const store = await openAuditStore({ dir })
  const many = Array.from({ length: 1203 }, (_, i) => ({ ...bare, name: `p${i}` }))
  await store.upsertVersions(many, how)
  await store.upsertPackages(many.map((r) => ({ name: r.name, latest: r.version })))
  t.same(await store.counts(), { packages: 1203, versions: 1203, fetchFailed: 1203 })
  // Read back a page at a time, in order, every record once (pages of 401: the last one full, then none).
  const pages: number[] = []
  const names: string[] = []
  for await (const page of store.recordPages(401)) {
    pages.push(page.length)
    names.push(...page.map((r) => r.name))
  }
  t.same(pages, [401, 401, 401])
  t.same(names, (await store.records()).map((r) => r.name))
  const few: number[] = []
  for await (const page of store.recordPages(500)) few.push(page.length)
  t.same(few, [500, 500, 203])
  await store.close()
})

t.test('a store folder that cannot be created is EAUDITDB', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-store-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'file')
  writeFileSync(file, '')
  await t.rejects(openPglite(join(file, 'db')), { code: 'EAUDITDB', message: /cannot be created/ })
})

t.test('a missing optional peer names what to install; other load errors pass through', async (t) => {
  const missing = Object.assign(new Error("Cannot find package 'pg' imported from /x/dist/audit/db.js"), { code: 'ERR_MODULE_NOT_FOUND' })
  const err = await optionalPeer('pg', () => Promise.reject(missing)).catch((e: unknown) => e)
  t.ok(err instanceof VerifyDepsError)
  t.equal((err as VerifyDepsError).code, 'EAUDITDEPENDENCY')
  t.match((err as VerifyDepsError).hint, /npm install pg/)
  await t.rejects(optionalPeer('pg', () => Promise.reject(new Error('boom'))), { message: 'boom' })
  const inside = Object.assign(new Error("Cannot find package 'pg-types' imported from /x/node_modules/pg/lib/index.js"), { code: 'ERR_MODULE_NOT_FOUND' })
  await t.rejects(optionalPeer('pg', () => Promise.reject(inside)), inside, 'a module missing inside an installed pg is not "pg is not installed"')
  const pinned = await optionalPeer('pg-boss', () => Promise.reject(Object.assign(new Error("Cannot find module 'pg-boss'"), { code: 'MODULE_NOT_FOUND' })), 'pg-boss@10').catch((e: unknown) => e)
  t.match(pinned, { code: 'EAUDITDEPENDENCY', hint: /^npm install pg-boss@10 / }, 'the version to install, when only some will do')
})

t.test('a database URL is never printed with its password', async (t) => {
  const url = 'postgres://audit:s3cret@db.example:5432/audit'
  t.equal(redactDatabase(url, url), 'postgres://***@db.example:5432/audit')
  t.equal(redactDatabase('connect to postgresql://u:p@h/d failed: password s3cret rejected', url), 'connect to postgresql://***@h/d failed: password *** rejected', 'the password wherever it appears')
  t.equal(redactDatabase('postgres://h/d', 'postgres://h/d'), 'postgres://h/d')
})

t.test('a PostgreSQL server that cannot be reached is EAUDITDATABASE, without the password', async (t) => {
  const { openPostgres } = await import('../../lib/audit/db.js')
  const err = await openPostgres('postgres://audit:s3cret@127.0.0.1:9/audit?connect_timeout=2').catch((e: unknown) => e)
  t.equal((err as VerifyDepsError).code, 'EAUDITDATABASE')
  t.notMatch((err as Error).message, /s3cret/)
  t.match((err as Error).message, /postgres:\/\/\*\*\*@127\.0\.0\.1:9/)
})

t.test('one process per PGlite folder: a second is refused, a stale lock is taken over', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-store-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const store = await openAuditStore({ dir })
  t.throws(() => lockFolder(dir), { code: 'EAUDITDB', message: new RegExp(`in use by process ${process.pid}`) })
  await store.close()
  // Left by a process that no longer runs (a SIGKILLed run): taken over.
  writeFileSync(join(dir, AUDIT_DB_LOCK), '999999999')
  const again = await openAuditStore({ dir })
  t.equal((await again.counts()).versions, 0)
  await again.close()
  const unlock = lockFolder(dir)
  unlock()
})

t.test('packageGroups: every package with all its records, a page at a time, then names without a package row; the metrics a page at a time equal auditMetrics', async (t) => {
  const { auditMetrics, auditMetricsAccumulator } = await import('../../lib/model/audit-metrics.js')
  const dir = mkdtempSync(join(tmpdir(), 'audit-store-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const store = await openAuditStore({ dir })
  t.teardown(() => store.close())
  const names = ['b', '@acme/lib', 'a', 'c-d', 'Z-legacy', 'e']
  const records: AuditRecord[] = names.flatMap((name, i) => Array.from({ length: i % 3 }, (_, v) => ({ ...full, name, version: `1.${v}.0`, provenance: v === 0 ? ('verified' as const) : ('missing' as const) })))
  const orphans: AuditRecord[] = [{ ...bare, name: 'orphan-b' }, { ...bare, name: 'orphan-a' }, { ...bare, name: 'orphan-a', version: '0.0.2' }]
  await store.upsertVersions([...records, ...orphans], how)
  const packages = names.map((name, i) => ({ name, ...(i % 3 > 0 && { latest: '1.0.0' }) }))
  await store.upsertPackages(packages)

  const groups = []
  for await (const g of store.packageGroups(2)) groups.push(g)
  t.same(groups.map((g) => g.name), ['@acme/lib', 'Z-legacy', 'a', 'b', 'c-d', 'e', 'orphan-a', 'orphan-b'], 'packages by byte order, then the names without a package row')
  for (const g of groups) {
    const byVersion = (a: AuditRecord, b: AuditRecord) => (a.version < b.version ? -1 : 1)
    t.same([...g.records].sort(byVersion), [...records, ...orphans].filter((r) => r.name === g.name).sort(byVersion), `${g.name}: all its records`)
    t.same(g.pkg, packages.find((p) => p.name === g.name), `${g.name}: its package row`)
  }
  const options = { generatedAt: 'T', registry: 'R', downloads: { a: 5, b: 7 } }
  const streamed = auditMetricsAccumulator(options)
  for (const g of groups) streamed.add(g.name, g.pkg, g.records)
  t.same(streamed.finish(), auditMetrics([...records, ...orphans], packages, options), 'the same document')
  t.throws(() => streamed.add('a', undefined, []), /a is added twice/)
})
