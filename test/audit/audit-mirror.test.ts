/**
 * `verify-deps audit` behind a mirror (docs/mirrors.md), through bin/, as the check reads one: the
 * project's .npmrc names a mirror that strips signatures and attestations (as Artifactory and the
 * registry reachable from CI do) and holds the mirror's token. With `--upstream` (or
 * `verify-deps-upstream` in .npmrc) and the upstream's keys pinned, the audit's report is the
 * generator's truth, the upstream is asked without credentials and the mirror's token goes nowhere
 * else. Without an upstream nothing verifies through the stripping mirror; with an upstream whose
 * keys are only its own word, nothing verifies either (fail closed, as the check).
 */
import t from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generatePopulation, servePopulation, truthMetrics } from '../helpers/population/index.js'
import { startMirrorProxy } from '../helpers/mirror-proxy.js'
import { cleanEnv, runCli } from '../cli/run.js'

const MIRROR_TOKEN = 'mirror-secret-token-audit-0123456789'
const population = generatePopulation({ seed: 29, packages: 16, maxVersions: 6, mix: { fetchFault: 0, transientFault: 0 } })
const s = await servePopulation(t, population)
const mirror = await startMirrorProxy({ target: s.registry.url, kind: 'stripping', token: MIRROR_TOKEN })
t.teardown(() => mirror.close())

const project = join(s.dir, 'mirrored')
mkdirSync(project, { recursive: true })
const npmrc = (extra = '') => writeFileSync(join(project, '.npmrc'), `registry=${mirror.url}\n${mirror.url.replace(/^http:/, '')}:_authToken=${MIRROR_TOKEN}\n${extra}`)
const packagesFile = join(project, 'packages.txt')
writeFileSync(packagesFile, population.packages.map((p) => p.name).join('\n') + '\n')
const env = cleanEnv(join(s.dir, 'home-mirror'))
const run = (args: string[]) => runCli(args, { cwd: project, env })
const pinnedUpstream = ['--trusted-root', s.trustedRootFile, '--registry-keys', `${s.registry.url}=${s.registryKeysFile}`]

async function report(db: string): Promise<any> {
  const r = await run(['audit', 'report', '--format', 'json', '--db', db])
  if (r.status !== 0) throw new Error(`audit report: exit ${r.status}: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

const truth = truthMetrics(population, { generatedAt: 'T', registry: 'R' })
const versions = population.packages.reduce((n, p) => n + p.versions.length, 0)

t.test('--upstream with its keys pinned: the truth, the upstream asked without credentials', async (t) => {
  npmrc()
  s.registry.clearRequests()
  mirror.requests.length = 0
  const db = join(project, 'with-upstream')
  const r = await run(['audit', '--packages', packagesFile, '--db', db, '--upstream', s.registry.url, ...pinnedUpstream])
  t.equal(r.status, 0, r.stderr)
  const metrics = await report(db)
  t.equal(metrics.registry, mirror.url, 'the registry audited is the mirror')
  t.same({ ...metrics, generatedAt: 'T', registry: 'R' }, truth, "the report is the generator's truth")
  t.ok(truth.versions.signature.verified > 0 && truth.versions.provenance.verified > 0, 'which has verified signatures and provenance')
  t.ok(mirror.requests.length > 0 && mirror.requests.every((q) => q.tokenMatched), 'the mirror got its token')
  const upstream = s.registry.requests
  t.ok(upstream.some((q) => q.route === 'attestations'), 'attestations came from the upstream')
  t.same(upstream.filter((q) => q.hasAuthorization), [], 'no request to the upstream carried credentials')
  t.notMatch(r.stdout + r.stderr, MIRROR_TOKEN)

  // The same from .npmrc; the stored verdicts are settled: nothing is fetched again.
  npmrc(`verify-deps-upstream=${s.registry.url}\n`)
  s.registry.clearRequests()
  const again = await run(['audit', '--packages', packagesFile, '--db', db, ...pinnedUpstream])
  t.equal(again.status, 0, again.stderr)
  t.match(again.stdout, new RegExp(`\\(${versions} already stored`), 'verify-deps-upstream in .npmrc: the same trust material')
  t.same(s.registry.requests.filter((q) => q.route === 'attestations'), [], 'no attestation asked again')
})

t.test('without an upstream, nothing verifies through the stripping mirror; the upstream setting is trust material', async (t) => {
  npmrc()
  const db = join(project, 'without-upstream')
  const r = await run(['audit', '--packages', packagesFile, '--db', db, ...pinnedUpstream, '--registry-keys', `${mirror.url}=${s.registryKeysFile}`])
  t.equal(r.status, 0, r.stderr)
  const metrics = await report(db)
  t.equal(metrics.versions.signature.verified, 0, 'no signature: the mirror strips them')
  t.equal(metrics.versions.provenance.verified, 0, 'no provenance')
  t.equal(metrics.versions.signature.missing, versions)

  // Naming the upstream afterwards changes the trust material: every version is verified again, now to the truth.
  const upstream = await run(['audit', '--packages', packagesFile, '--db', db, '--upstream', s.registry.url, ...pinnedUpstream])
  t.equal(upstream.status, 0, upstream.stderr)
  t.match(upstream.stdout, new RegExp(`audited ${versions} versions`))
  t.same({ ...(await report(db)), generatedAt: 'T', registry: 'R' }, truth)
})

t.test("an upstream whose keys are only its own word: no version verifies (as the check), exit 3", async (t) => {
  npmrc()
  const db = join(project, 'self-served')
  const r = await run(['audit', '--packages', packagesFile, '--db', db, '--upstream', s.registry.url, '--trusted-root', s.trustedRootFile])
  t.equal(r.status, 3, r.stderr)
  const metrics = await report(db)
  t.equal(metrics.versions.signature.verified + metrics.versions.provenance.verified, 0)
  t.equal(metrics.population.fetchFailed, versions, 'every version unverifiable, counted apart')
  t.match(r.stderr, `audit: could not fetch or verify ${versions} versions and 0 packuments (stored as unverifiable, retried by the next run); for example:\n`)
  t.match(r.stderr, /^  \S+@\S+: the signing keys of http:\/\/127\.0\.0\.1:\d+\/ could not be obtained: the upstream http:\/\/127\.0\.0\.1:\d+\/ serves its own signing keys, which vouch only for itself/m, 'the operator is told why')
  t.equal(r.stderr.split('\n').filter((l) => l.startsWith('  ')).length, 3, 'three examples')
})

t.test('a lying registry: a version name with control characters is shown, never sent to the terminal; credentials in the registry URL never printed', async (t) => {
  const liar = await startMirrorProxy({
    target: s.registry.url,
    kind: 'faithful',
    transform: (route, doc) => {
      if (route.kind === 'packument' && doc.name === 'pkg-00') (doc.versions as Record<string, unknown>)['9.9.9-\u001b[2J'] = 'not a document'
    },
  })
  t.teardown(() => liar.close())
  const withUser = liar.url.replace('http://', 'http://auditor:hunter2-secret@')
  writeFileSync(join(project, '.npmrc'), `registry=${withUser}\n`)
  const listed = join(project, 'liar.txt')
  writeFileSync(listed, 'pkg-00\npkg-01@7.7.7\n')
  const r = await run(['audit', '--packages', listed, '--db', join(project, 'liar'), '--trusted-root', s.trustedRootFile, '--registry-keys', `${liar.url}=${s.registryKeysFile}`])
  t.equal(r.status, 3, r.stderr)
  t.match(r.stderr, /^  pkg-01@7\.7\.7: http:\/\/\*\*\*@127\.0\.0\.1:\d+\/ lists no version 7\.7\.7 of pkg-01$/m, 'a version the registry lacks, its URL redacted')
  t.match(r.stderr, /^  pkg-00@9\.9\.9-\\u\{1b\}\[2J: /m, 'the escape is shown as text')
  t.notMatch(r.stderr + r.stdout, /\u001b/, 'no raw control character')
  t.notMatch(r.stderr + r.stdout, /hunter2-secret/, 'no password')
})

t.test('--upstream must be an http(s) URL without credentials', async (t) => {
  for (const [value, message] of [['ftp://x/', /--upstream must be an http\(s\) registry URL/], ['https://u:p@registry.example/', /--upstream must not carry credentials/]] as const) {
    const r = await run(['audit', '--packages', packagesFile, '--db', join(project, 'bad'), '--upstream', value])
    t.equal(r.status, 2)
    t.match(r.stderr, message)
  }
  const report = await run(['audit', 'report', '--upstream', s.registry.url, '--db', join(project, 'with-upstream')])
  t.equal(report.status, 2)
  t.match(report.stderr, /--upstream does not apply here/)
})
