/**
 * The audit's generated population (test/helpers/population/): seeded and reproducible, the mix of
 * issue 13, a truth that agrees with lib/model/audit-metrics.ts computed independently, and a served world
 * that the check's engine verifies as the truth says.
 */
import t from 'tap'
import { join } from 'node:path'
import { auditRecordOf, auditTrustLevel } from '../../lib/model/audit.js'
import { auditMetrics } from '../../lib/model/audit-metrics.js'
import { cleanEnv } from '../cli/run.js'
import { checkScenario, pinnedTrust } from './check.js'
import {
  APPROVER_SINCE,
  DEFAULT_POPULATION_PACKAGES,
  GITLAB_ISSUER,
  PROVENANCE_SINCE,
  TRUSTED_PUBLISHING_SINCE,
  attestationsFaultPath,
  generatePopulation,
  servePopulation,
  truthMetrics,
  truthRecords,
  truthVersion,
  truthVersions,
  type Population,
  type TruthVersion,
} from './population/index.js'

const OPTIONS = { generatedAt: '2026-12-01T00:00:00.000Z', registry: 'http://127.0.0.1/' }
const packagesOf = (p: Population) => p.packages.map((pkg) => ({ name: pkg.name, latest: pkg.latest }))

t.test('the same seed gives the same population, another seed another', async (t) => {
  const a = generatePopulation({ seed: 7, packages: 50 })
  t.equal(JSON.stringify(generatePopulation({ seed: 7, packages: 50 })), JSON.stringify(a))
  t.not(JSON.stringify(generatePopulation({ seed: 8, packages: 50 })), JSON.stringify(a))
})

t.test('the default population has the issue\'s mix', async (t) => {
  const population = generatePopulation({ seed: 13 })
  t.equal(population.packages.length, DEFAULT_POPULATION_PACKAGES)
  const versions = truthVersions(population)
  const count = (f: (v: TruthVersion) => boolean) => versions.filter(f).length
  const at = (v: TruthVersion) => Date.parse(v.publishedAt)
  const generated = population.packages.flatMap((p) => p.versions)

  t.ok(population.packages.every((p) => p.versions.length >= 1 && p.versions.length <= 30), '1–30 versions a package')
  t.ok(new Set(population.packages.map((p) => p.versions.length)).size > 20, 'of many sizes')
  t.ok(versions.every((v) => v.publishedAt >= '2022-01-01' && v.publishedAt < '2026-12'), 'published over 2022–2026')
  t.ok(count((v) => v.signature === 'verified' && v.provenance === 'missing') > versions.length / 2, 'most versions signature-only')
  t.equal(count((v) => v.provenance !== 'missing' && at(v) < PROVENANCE_SINCE.getTime()), 0, 'no provenance before npm shipped it')
  t.equal(count((v) => v.trustedPublisher && at(v) < TRUSTED_PUBLISHING_SINCE.getTime()), 0, 'no trusted publishing before it shipped')
  t.equal(count((v) => v.approver && at(v) < APPROVER_SINCE.getTime()), 0)
  const share = (year: string) => count((v) => v.publishedAt.startsWith(year) && v.provenance === 'verified') / count((v) => v.publishedAt.startsWith(year))
  t.ok(share('2023') > 0 && share('2024') > share('2023') && share('2026') > share('2024'), `a growing share with provenance: ${['2023', '2024', '2025', '2026'].map((y) => share(y).toFixed(2)).join(', ')}`)
  for (const [what, n] of Object.entries({
    'trusted publisher': count((v) => v.trustedPublisher),
    approver: count((v) => v.approver),
    'self-hosted': count((v) => v.runner === 'self-hosted'),
    GitLab: count((v) => v.issuer === GITLAB_ISSUER),
    'invalid bundle': count((v) => v.provenance === 'invalid'),
    'tampered publish attestation': count((v) => v.publishAttestation === 'invalid'),
    'signature missing': count((v) => v.signature === 'missing'),
    'signature invalid': count((v) => v.signature === 'invalid'),
    'fetch fault': count((v) => v.fetchFailed),
    'transient fault': generated.filter((v) => v.transientFault).length,
    prerelease: generated.filter((v) => v.prerelease).length,
  })) {
    t.ok(n > 0 && n < versions.length / 4, `some ${what} (${n})`)
  }
  t.equal(population.faults.length, count((v) => v.fetchFailed) + generated.filter((v) => v.transientFault).length, 'one fault rule per fetch fault, lasting or transient')
  const times = population.specs.map((spec) => Date.parse(String(spec.publishTime)))
  t.ok(times.every((at, i) => i === 0 || at >= times[i - 1]!), 'specs in publish order across packages (the _changes feed lists them so)')
  t.ok(truthMetrics(population, OPTIONS).continuity.downgrades.length > 0, 'some downgrades')
  for (const p of population.packages) {
    const stable = p.versions.filter((v) => !v.prerelease)
    if (p.latest !== stable.at(-1)?.version) t.fail(`${p.name}: latest is ${p.latest}, not the last stable version`)
  }
})

t.test('the truth\'s metrics equal auditMetrics over the truth\'s records: two independent computations agree', async (t) => {
  for (const options of [{ seed: 13 }, { seed: 1, packages: 300 }, { seed: 2, packages: 40, maxVersions: 3 }, { seed: 3, packages: 1 }]) {
    const population = generatePopulation(options)
    const expected = truthMetrics(population, OPTIONS)
    const actual = auditMetrics(truthRecords(population), packagesOf(population), OPTIONS)
    t.same(actual, expected, JSON.stringify(options))
    t.equal(JSON.stringify(actual), JSON.stringify(expected), 'byte for byte (key and array order)')
    const weighted = auditMetrics(truthRecords(population), packagesOf(population), { ...OPTIONS, downloads: population.downloads })
    t.equal(JSON.stringify(weighted), JSON.stringify(truthMetrics(population, { ...OPTIONS, downloads: true })), 'with --downloads')
  }
  const population = generatePopulation({ seed: 13 })
  const weighted = truthMetrics(population, { ...OPTIONS, downloads: true }).downloads!
  t.ok(weighted.unknown > 0 && weighted.total > 0 && weighted.latest.provenance.verified > 0, 'the default population exercises the download weighting')
})

t.test('the served world verifies as the truth says (the check\'s engine on a project of one version per kind)', async (t) => {
  const population = generatePopulation({ seed: 13, packages: 150 })
  const truth = truthVersions(population)
  const kinds: Record<string, (v: TruthVersion) => boolean> = {
    'signature only': (v) => v.signature === 'verified' && v.provenance === 'missing',
    'GitHub provenance': (v) => v.provenance === 'verified' && v.issuer !== GITLAB_ISSUER && v.runner === 'github-hosted' && !v.trustedPublisher,
    'GitLab provenance': (v) => v.provenance === 'verified' && v.issuer === GITLAB_ISSUER,
    'self-hosted runner': (v) => v.provenance === 'verified' && v.runner === 'self-hosted',
    'trusted publisher': (v) => v.provenance === 'verified' && v.trustedPublisher && !v.approver,
    approver: (v) => v.provenance === 'verified' && v.approver,
    'invalid bundle': (v) => v.provenance === 'invalid',
    'tampered publish attestation': (v) => v.publishAttestation === 'invalid',
    'signature missing': (v) => v.signature === 'missing',
    'signature invalid': (v) => v.signature === 'invalid',
    'fetch fault': (v) => v.fetchFailed,
  }
  // One version per kind, each of another package (a project locks one version of a name).
  const chosen = new Map<string, TruthVersion>()
  for (const [kind, matches] of Object.entries(kinds)) {
    const v = truth.find((v) => matches(v) && !chosen.has(v.name))
    if (!v) {
      t.fail(`no ${kind} version in the population`)
      continue
    }
    chosen.set(v.name, v)
  }
  // A version whose attestations are rate-limited once: retried, it verifies as if nothing happened.
  const rateLimited = population.packages.flatMap((p) => p.versions).find((v) => v.transientFault && !chosen.has(v.name))
  if (rateLimited) chosen.set(rateLimited.name, truthVersion(rateLimited))
  else t.fail('no rate-limited version in the population')

  const started = performance.now()
  const s = await servePopulation(t, population, { project: { dependencies: Object.fromEntries([...chosen.values()].map((v) => [v.name, v.version])) } })
  t.comment(`published ${population.specs.length} versions of ${population.packages.length} packages and locked a project in ${Math.round(performance.now() - started)} ms`)

  const feed = (await (await fetch(`${s.registry.origin}/_changes?since=0`)).json()) as { results: Array<{ seq: number; id: string }>; last_seq: number }
  t.same(feed.results.map((c) => c.id), population.specs.map((spec) => spec.name), 'the _changes feed lists every publish, in publish order')
  t.equal(feed.last_seq, population.specs.length)

  // One retry, after 10 ms (not npm's 10 s): the 503s stay failures, the one 429 is retried.
  const env = cleanEnv(join(s.dir, 'home'), { npm_config_fetch_retry_mintimeout: '10', npm_config_fetch_retry_maxtimeout: '20' })
  const result = await checkScenario(s, { ...pinnedTrust(s), retries: 1, env })
  if (rateLimited) {
    const statuses = s.registry.requests.filter((r) => r.path === attestationsFaultPath(rateLimited)).map((r) => r.status)
    t.same(statuses.slice(0, 2), [429, 200], `${rateLimited.name}@${rateLimited.version}: rate-limited once, then served`)
  }
  for (const v of chosen.values()) {
    const pkg = result.report.packages.find((p) => p.name === v.name && p.version === v.version)
    if (!pkg) {
      t.fail(`${v.name}@${v.version} is not in the report`)
      continue
    }
    const record = auditRecordOf({ name: v.name, version: v.version, publishedAt: v.publishedAt, facts: pkg.facts, findings: pkg.findings.map((f) => f.code) })
    const pick = (r: { signature: string; provenance: string; publishAttestation: string; trustedPublisher: boolean; approver: boolean; issuer?: string; runner?: string; fetchFailed: boolean }) => ({
      signature: r.signature, provenance: r.provenance, publishAttestation: r.publishAttestation, trustedPublisher: r.trustedPublisher, approver: r.approver, issuer: r.issuer, runner: r.runner, fetchFailed: r.fetchFailed,
    })
    t.same(pick(record), pick(v), `${v.name}@${v.version}: ${JSON.stringify(pick(v))}`)
    t.equal(auditTrustLevel(record), v.level, `${v.name}@${v.version}: level ${v.level}`)
    if (v.fetchFailed) t.ok(record.findings.includes('FETCH_FAILED'), 'not fetched: FETCH_FAILED, counted apart')
  }
})
