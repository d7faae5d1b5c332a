/** lib/model/audit.ts and audit-metrics.ts: the audit's status vocabulary, records from the check's facts, and every field of the metrics document. */
import t from 'tap'
import type { PackageFacts } from '../../lib/model/facts.js'
import { AUDIT_STATUSES, auditAttestationStatus, auditRecordOf, auditSignatureStatus, auditTrustLevel, type AuditRecord } from '../../lib/model/audit.js'
import { auditMetrics, auditMetricsAccumulator, type AuditPackage } from '../../lib/model/audit-metrics.js'

const OPTIONS = { generatedAt: '2026-12-01T00:00:00.000Z', registry: 'https://registry.npmjs.org/' }

/** A fetched version: signature verified, nothing else, published on `publishedAt`. */
function rec(name: string, version: string, publishedAt: string, fields: Partial<AuditRecord> = {}): AuditRecord {
  return { name, version, publishedAt, signature: 'verified', provenance: 'missing', publishAttestation: 'missing', trustedPublisher: false, approver: false, findings: [], fetchFailed: false, ...fields }
}
const PROV: Partial<AuditRecord> = { provenance: 'verified', publishAttestation: 'verified', issuer: 'https://token.actions.githubusercontent.com', runner: 'github-hosted' }
const TP: Partial<AuditRecord> = { ...PROV, trustedPublisher: true }
const FAILED: Partial<AuditRecord> = { signature: 'unverifiable', provenance: 'unverifiable', publishAttestation: 'unverifiable', fetchFailed: true, findings: ['FETCH_FAILED'] }

t.test('statuses: the check\'s signature and attestation statuses in one vocabulary', async (t) => {
  t.same(AUDIT_STATUSES, ['verified', 'invalid', 'missing', 'unverifiable'])
  t.same(
    (['verified', 'missing', 'invalid', 'key-unknown', 'key-expired', 'unsupported', 'not-checked'] as const).map(auditSignatureStatus),
    ['verified', 'missing', 'invalid', 'invalid', 'invalid', 'unverifiable', 'unverifiable'],
  )
  t.same(
    (['verified', 'invalid', 'mismatch', 'missing', 'none'] as const).map(auditAttestationStatus),
    ['verified', 'invalid', 'invalid', 'invalid', 'missing'],
    'advertised but absent (the check\'s `missing`) is a failed claim; `none` is missing',
  )
})

t.test('auditRecordOf: a record from the check\'s facts; identity only of verified provenance; no facts = fetch failed', async (t) => {
  const facts: PackageFacts = {
    name: 'a',
    version: '1.0.0',
    integrity: { status: 'verified' },
    signature: { status: 'verified' },
    provenance: {
      status: 'verified',
      predicateType: 'https://slsa.dev/provenance/v1',
      signedAt: '2025-08-01T00:00:00.000Z',
      identity: { issuer: 'https://token.actions.githubusercontent.com', repository: 'acme/a', repositoryId: '1', workflow: '.github/workflows/release.yml', ref: 'refs/tags/v1.0.0', trigger: 'push', runner: 'self-hosted', visibility: 'public', sources: {} },
    },
    publish: { status: 'verified', signedAt: '2025-08-01T00:01:00.000Z' },
    publisher: { source: 'registry-metadata', trustedPublisher: { id: 'github' } },
    findings: [],
  }
  t.same(auditRecordOf({ name: 'a', version: '1.0.0', publishedAt: '2025-08-01T00:02:00.000Z', facts, findings: [], repositoryMatchesPackageJson: true }), {
    name: 'a',
    version: '1.0.0',
    publishedAt: '2025-08-01T00:02:00.000Z',
    signedAt: '2025-08-01T00:01:00.000Z',
    signature: 'verified',
    provenance: 'verified',
    predicateType: 'https://slsa.dev/provenance/v1',
    publishAttestation: 'verified',
    trustedPublisher: true,
    approver: false,
    issuer: 'https://token.actions.githubusercontent.com',
    repository: 'acme/a',
    repositoryId: '1',
    workflow: '.github/workflows/release.yml',
    ref: 'refs/tags/v1.0.0',
    refKind: 'tag',
    trigger: 'push',
    runner: 'self-hosted',
    visibility: 'public',
    repositoryMatchesPackageJson: true,
    findings: [],
    fetchFailed: false,
  })
  const tampered = auditRecordOf({ name: 'a', version: '1.0.0', publishedAt: '2025-08-01T00:02:00.000Z', facts: { ...facts, provenance: { ...facts.provenance, status: 'invalid' } }, findings: ['ATTESTATION_INVALID'] })
  t.equal(tampered.provenance, 'invalid')
  t.equal(tampered.issuer, undefined, 'the identity of a bundle that did not verify is not recorded')
  t.equal(tampered.signedAt, '2025-08-01T00:01:00.000Z', 'the publish attestation still verified')
  t.same(auditRecordOf({ name: 'b', version: '2.0.0', publishedAt: '2025-01-01T00:00:00.000Z', facts: undefined, findings: ['FETCH_FAILED'] }), {
    name: 'b', version: '2.0.0', publishedAt: '2025-01-01T00:00:00.000Z', signature: 'unverifiable', provenance: 'unverifiable', publishAttestation: 'unverifiable', trustedPublisher: false, approver: false, findings: ['FETCH_FAILED'], fetchFailed: true,
  })
})

t.test('auditTrustLevel: the check\'s levels; metadata only over verified provenance; unknown when not fetched', async (t) => {
  const r = (fields: Partial<AuditRecord>) => auditTrustLevel(rec('a', '1.0.0', '2025-01-01T00:00:00Z', fields))
  t.equal(r({}), 'signature')
  t.equal(r({ signature: 'invalid' }), 'none')
  t.equal(r(PROV), 'provenance')
  t.equal(r(TP), 'trusted-publisher')
  t.equal(r({ ...TP, approver: true }), 'approved')
  t.equal(r({ trustedPublisher: true, approver: true }), 'signature', 'metadata alone is worth nothing')
  t.equal(r(FAILED), undefined)
})

// A small registry: `a` adopts provenance then trusted publishing and drops once; `b` signature only,
// one version not fetched; `c` self-hosted GitLab, one invalid bundle; `d` has no records.
const RECORDS: AuditRecord[] = [
  rec('a', '1.0.0', '2023-02-10T00:00:00Z'),
  rec('a', '1.1.0', '2023-05-01T00:00:00Z', PROV),
  rec('a', '1.2.0', '2023-05-20T00:00:00Z'), // downgrade provenance → signature
  rec('a', '2.0.0', '2025-08-01T00:00:00Z', TP),
  rec('a', '2.0.1', '2025-08-02T00:00:00Z', { ...TP, approver: true }),
  rec('a', '2.0.2', '2025-09-01T00:00:00Z', TP), // downgrade approved → trusted-publisher
  rec('b', '0.1.0', '2023-03-01T00:00:00Z'),
  rec('b', '0.1.1', '2023-04-01T00:00:00Z', FAILED),
  rec('b', '0.2.0', '2023-04-15T00:00:00Z', { signature: 'missing' }), // another line (0.2): no downgrade
  rec('c', '1.0.0-beta.0', '2024-01-01T00:00:00Z', { ...PROV, issuer: 'https://gitlab.com', runner: 'self-hosted' }),
  rec('c', '1.0.0', '2024-01-02T00:00:00Z', { provenance: 'invalid', publishAttestation: 'verified' }), // line 1, not 1.0.0-beta: no downgrade
  rec('c', '1.0.1', '2024-02-01T00:00:00Z', { ...PROV, issuer: 'https://gitlab.com', runner: 'self-hosted' }),
]
const PACKAGES: AuditPackage[] = [
  { name: 'a', latest: '2.0.2' },
  { name: 'b', latest: '0.1.1' },
  { name: 'c', latest: '1.0.1' },
  { name: 'd', latest: '3.0.0' },
]

t.test('metrics: schema, population (fetch failures counted apart), versions and latest', async (t) => {
  const m = auditMetrics(RECORDS, PACKAGES, OPTIONS)
  t.same(Object.keys(m), ['schemaVersion', 'generatedAt', 'registry', 'population', 'versions', 'latest', 'ever', 'issuers', 'runners', 'monthly', 'continuity'])
  t.equal(m.schemaVersion, 1)
  t.equal(m.generatedAt, OPTIONS.generatedAt)
  t.equal(m.registry, OPTIONS.registry)
  t.same(m.population, { packages: 4, versions: 12, fetchFailed: 1 })
  t.same(m.versions, {
    signature: { verified: 10, invalid: 0, missing: 1, unverifiable: 1 },
    provenance: { verified: 6, invalid: 1, missing: 4, unverifiable: 1 },
    publishAttestation: { verified: 7, invalid: 0, missing: 4, unverifiable: 1 },
    trustedPublisher: 3,
    approver: 1,
  }, 'a version not fetched is unverifiable, never missing')
  t.same(m.latest, {
    signature: { verified: 2, invalid: 0, missing: 0, unverifiable: 1 },
    provenance: { verified: 2, invalid: 0, missing: 0, unverifiable: 1 },
    publishAttestation: { verified: 2, invalid: 0, missing: 0, unverifiable: 1 },
    trustedPublisher: 1,
    approver: 0,
  }, 'each package\'s dist-tags.latest; d\'s latest has no record and is not counted')
})

t.test('metrics: trusted publisher and approver count only over verified provenance', async (t) => {
  const m = auditMetrics([rec('x', '1.0.0', '2025-08-01T00:00:00Z', { trustedPublisher: true, approver: true }), rec('x', '1.0.1', '2025-08-02T00:00:00Z', { ...TP, provenance: 'invalid' })], [], OPTIONS)
  t.equal(m.versions.trustedPublisher, 0)
  t.equal(m.versions.approver, 0)
  t.same(m.ever, { provenance: 0, trustedPublisher: 0 })
  t.same(m.monthly, [{ month: '2025-08', versions: 2, provenance: 0, trustedPublisher: 0 }])
})

t.test('metrics: ever, issuers and runners (of verified provenance only)', async (t) => {
  const m = auditMetrics(RECORDS, PACKAGES, OPTIONS)
  t.same(m.ever, { provenance: 2, trustedPublisher: 1 })
  t.same(m.issuers, { 'https://gitlab.com': 2, 'https://token.actions.githubusercontent.com': 4 })
  t.same(Object.keys(m.issuers), ['https://gitlab.com', 'https://token.actions.githubusercontent.com'], 'sorted')
  t.same(m.runners, { 'github-hosted': 4, 'self-hosted': 2 })
  t.same(auditMetrics([], [], OPTIONS).runners, { 'github-hosted': 0, 'self-hosted': 0 }, 'both runner keys always')
  const other = auditMetrics([rec('x', '1.0.0', '2025-01-01T00:00:00Z', { ...PROV, runner: 'gitlab-hosted' })], [], OPTIONS)
  t.same(Object.entries(other.runners), [['github-hosted', 0], ['self-hosted', 0], ['gitlab-hosted', 1]], 'another runner value after the two')
})

t.test('metrics: monthly by registry time, every month from the first to the last', async (t) => {
  const m = auditMetrics(RECORDS, PACKAGES, OPTIONS)
  t.equal(m.monthly[0]!.month, '2023-02')
  t.equal(m.monthly.at(-1)!.month, '2025-09')
  t.equal(m.monthly.length, 12 - 1 + 12 + 9, 'Feb 2023 to Sep 2025, empty months included')
  const month = (id: string) => m.monthly.find((x) => x.month === id)
  t.same(month('2023-04'), { month: '2023-04', versions: 2, provenance: 0, trustedPublisher: 0 }, 'a version not fetched still has its month')
  t.same(month('2023-05'), { month: '2023-05', versions: 2, provenance: 1, trustedPublisher: 0 })
  t.same(month('2023-06'), { month: '2023-06', versions: 0, provenance: 0, trustedPublisher: 0 })
  t.same(month('2025-08'), { month: '2025-08', versions: 2, provenance: 2, trustedPublisher: 2 })
  t.equal(m.monthly.reduce((n, x) => n + x.versions, 0), 12)
  const noTime = auditMetrics([{ ...rec('x', '1.0.0', ''), publishedAt: undefined }], [], OPTIONS)
  t.same(noTime.monthly, [], 'a version without a registry time is in no month')
})

t.test('metrics: continuity after the first provenance, and downgrades by release line', async (t) => {
  const m = auditMetrics(RECORDS, PACKAGES, OPTIONS)
  // a: after 1.1.0 → 1.2.0 (no), 2.0.0, 2.0.1, 2.0.2 (yes); c: after 1.0.0-beta.0 → 1.0.0 (invalid), 1.0.1 (yes).
  t.same(m.continuity.afterFirstProvenance, { versions: 6, provenance: 4 })
  t.same(m.continuity.downgrades, [
    { package: 'a', version: '1.2.0', from: 'provenance', to: 'signature' },
    { package: 'a', version: '2.0.2', from: 'approved', to: 'trusted-publisher' },
  ])
})

t.test('downgrades: against the highest earlier level; same-time versions are not earlier; unknown levels and non-semver versions are left out', async (t) => {
  const m = auditMetrics([
    rec('p', '1.0.0', '2024-01-01T00:00:00Z', PROV),
    rec('p', '1.0.1', '2024-01-02T00:00:00Z'),
    rec('p', '1.0.2', '2024-01-03T00:00:00Z', { signature: 'invalid' }),
    rec('q', '1.0.0', '2024-01-01T00:00:00Z', PROV),
    rec('q', '1.0.1', '2024-01-01T00:00:00Z'),
    rec('r', '1.0.0', '2024-01-01T00:00:00Z', PROV),
    rec('r', '1.0.1', '2024-01-02T00:00:00Z', FAILED),
    rec('s', 'latest-build', '2024-01-01T00:00:00Z', PROV),
    rec('s', 'other-build', '2024-01-02T00:00:00Z'),
  ], [], OPTIONS)
  t.same(m.continuity.downgrades, [
    { package: 'p', version: '1.0.1', from: 'provenance', to: 'signature' },
    { package: 'p', version: '1.0.2', from: 'provenance', to: 'none' },
  ])
  t.same(m.continuity.afterFirstProvenance, { versions: 3, provenance: 0 }, 'p: two after; s: one after (by package, any line); q: same time is not after; r: not fetched is left out')
})

t.test('--downloads: latest versions weighted by weekly downloads', async (t) => {
  const m = auditMetrics(RECORDS, PACKAGES, { ...OPTIONS, downloads: { a: 1000, b: 10, d: 5 } })
  t.same(m.downloads, {
    total: 1010,
    unknown: 1,
    latest: {
      signature: { verified: 1000, invalid: 0, missing: 0, unverifiable: 10 },
      provenance: { verified: 1000, invalid: 0, missing: 0, unverifiable: 10 },
      publishAttestation: { verified: 1000, invalid: 0, missing: 0, unverifiable: 10 },
      trustedPublisher: 1000,
      approver: 0,
    },
  }, 'c has no figure: weight 0, counted as unknown; d has no latest record')
  t.notOk('downloads' in auditMetrics(RECORDS, PACKAGES, OPTIONS), 'absent without --downloads')
})

t.test('deterministic: record order does not change the document; a version recorded twice is an error', async (t) => {
  const a = auditMetrics(RECORDS, PACKAGES, OPTIONS)
  const b = auditMetrics([...RECORDS].reverse(), [...PACKAGES].reverse(), OPTIONS)
  t.equal(JSON.stringify(b), JSON.stringify(a))
  t.throws(() => auditMetrics([...RECORDS, RECORDS[0]!], PACKAGES, OPTIONS), /a@1\.0\.0 is recorded twice/)
  const acc = auditMetricsAccumulator(OPTIONS)
  t.throws(() => acc.add('b', undefined, [RECORDS[0]!]), /a@1\.0\.0 is not a version of b/, 'the accumulator takes a package\'s own records only')
})
