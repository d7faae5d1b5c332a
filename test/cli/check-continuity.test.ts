// Trust over time (issue 12, docs/continuity.md), case by case as the issue states them, through the
// check against the loopback registry: each package has a history of versions with their own evidence
// and publish times, and the project locks the last one.
import t, { type Test } from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkScenario, pinnedTrust } from '../helpers/check.js'
import { createScenario, type PackageSpec } from '../helpers/scenario/index.js'
import { validateJsonSchema } from '../helpers/json-schema.js'
import { readFileSync } from 'node:fs'
import { cleanEnv, pinnedTrust as pinnedTrustArgs, runCli } from './run.js'

const REPORT_SCHEMA = JSON.parse(readFileSync(new URL('../../docs/report.schema.json', import.meta.url), 'utf8'))

const NOW = new Date('2025-03-01T12:00:00.000Z')
const HOUR = 3_600_000
const DAY = 24 * HOUR
const ago = (ms: number) => new Date(NOW.getTime() - ms)

const TRUSTED = { name: 'github-actions', email: 'npm-oidc-no-reply@github.com', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:1' } }
const MAINTAINER = { name: 'a-maintainer', email: 'maintainer@example.com' }
const built = (repository: string, extra: Record<string, string> = {}) => ({ identity: { repository, ...extra } })

/** A package's history: every version but the last is `tag: null`, so the last is `latest` (and what the project locks). */
function history(name: string, versions: Omit<PackageSpec, 'name'>[]): PackageSpec[] {
  return versions.map((v, i) => ({ name, ...v, ...(i < versions.length - 1 && { tag: null }) }))
}

const PACKAGES: PackageSpec[] = [
  // axios 1.14.1 (31 March 2026): a token publish without the provenance every earlier 1.x release had.
  ...history('axios', [
    { version: '1.13.0', publishTime: ago(60 * DAY), npmUser: TRUSTED, provenance: built('axios/axios') },
    { version: '1.14.0', publishTime: ago(30 * DAY), npmUser: TRUSTED, provenance: built('axios/axios') },
    { version: '1.14.1', publishTime: ago(2 * DAY), npmUser: MAINTAINER, provenance: 'missing' },
  ]),
  // eslint-config-prettier (pnpm#10622): 8.x never had provenance, 10.x has; 8.10.2 is not 10.x's history.
  ...history('eslint-config-prettier', [
    { version: '8.10.0', publishTime: ago(400 * DAY), npmUser: MAINTAINER, provenance: 'missing' },
    { version: '10.1.0', publishTime: ago(90 * DAY), npmUser: TRUSTED, provenance: built('prettier/eslint-config-prettier') },
    { version: '8.10.2', publishTime: ago(10 * DAY), npmUser: MAINTAINER, provenance: 'missing' },
  ]),
  // fastq 1.20.2: a legitimate manual release after trusted publishing; the policy waives it.
  ...history('fastq', [
    { version: '1.20.1', publishTime: ago(20 * DAY), npmUser: TRUSTED, provenance: built('mcollina/fastq') },
    { version: '1.20.2', publishTime: ago(3 * DAY), npmUser: MAINTAINER, provenance: 'missing' },
  ]),
  // TanStack (11 May 2026): valid provenance from the usual workflow, an hour old.
  ...history('@tanstack/router', [
    { version: '1.120.0', publishTime: ago(10 * DAY), npmUser: TRUSTED, provenance: built('TanStack/router') },
    { version: '1.120.1', publishTime: ago(HOUR), npmUser: TRUSTED, provenance: built('TanStack/router') },
  ]),
  // A repository transfer: same name, another repository ID.
  ...history('moved-pkg', [
    { version: '2.0.0', publishTime: ago(20 * DAY), provenance: built('old-owner/moved-pkg', { repositoryId: '111' }) },
    { version: '2.0.1', publishTime: ago(DAY), provenance: built('new-owner/moved-pkg', { repositoryId: '222' }) },
  ]),
  // Released from a tag push, then from pull_request_target on a branch (a fork's code with the repository's secrets).
  ...history('prt-pkg', [
    { version: '3.0.0', publishTime: ago(20 * DAY), provenance: built('prt/prt-pkg', { eventName: 'push', ref: 'refs/tags/v3.0.0' }) },
    { version: '3.0.1', publishTime: ago(DAY), provenance: built('prt/prt-pkg', { eventName: 'pull_request_target', ref: 'refs/heads/main' }) },
  ]),
  // The registry says 1.0.0 had provenance from a trusted publisher; its bundle does not verify.
  ...history('forged-claim', [
    { version: '1.0.0', publishTime: ago(20 * DAY), npmUser: TRUSTED, provenance: 'tampered' },
    { version: '1.0.1', publishTime: ago(DAY), npmUser: MAINTAINER, provenance: 'missing' },
  ]),
  // Nothing changed but the tag.
  ...history('steady', [
    { version: '1.0.0', publishTime: ago(20 * DAY), npmUser: TRUSTED, provenance: built('steady/steady', { ref: 'refs/tags/v1.0.0' }) },
    { version: '1.0.1', publishTime: ago(DAY), npmUser: TRUSTED, provenance: built('steady/steady', { ref: 'refs/tags/v1.0.1' }) },
  ]),
]

const LOCKED: Record<string, string> = {
  axios: '1.14.1',
  'eslint-config-prettier': '8.10.2',
  fastq: '1.20.2',
  '@tanstack/router': '1.120.1',
  'moved-pkg': '2.0.1',
  'prt-pkg': '3.0.1',
  'forged-claim': '1.0.1',
  steady: '1.0.1',
}

const POLICY = `version: 1
default:
  mode: enforce
  require: { signature: true }
  continuity: { downgrade: enforce, identity: enforce }
rules:
  - packages: ["@tanstack/*"]
    mode: enforce
    require: { signature: true, provenance: true }
    minimumReleaseAge: 4d
exceptions:
  - package: fastq@1.20.2
    allow: [TRUST_DOWNGRADE]
    reason: manual release while trusted publishing was broken; confirmed with the maintainer
`

t.test('the issue-12 cases, each with its stated result', async (t) => {
  const s = await createScenario(t, { now: NOW, packages: PACKAGES, project: { dependencies: LOCKED } })
  writeFileSync(join(s.projectDir, 'verify-deps.policy.yaml'), POLICY)
  const r = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false, now: NOW })
  t.same(validateJsonSchema(REPORT_SCHEMA, r.json), [], 'the JSON report matches docs/report.schema.json')
  const message = (name: string, code: string) => r.pkg(name).findings.find((f: any) => f.code === code)?.message as string | undefined

  t.test('axios-like: trusted publisher + provenance → signature only fails, naming 1.14.0', async (t) => {
    t.equal(r.pkg('axios').decision, 'fail')
    t.ok(r.codes('axios').includes('TRUST_DOWNGRADE'), r.codes('axios').join(', '))
    t.match(message('axios', 'TRUST_DOWNGRADE'), /axios@1\.14\.1: trust downgrade — 1\.14\.0 \(published 2025-01-30\) had verified provenance from axios\/axios \(trusted publisher\); 1\.14\.1 has a registry signature only/)
    t.same(r.pkg('axios').trust, {
      level: 'signature',
      // No attestation verified for 1.14.1: its publish time is the registry's, and says so.
      publishedAt: { at: ago(2 * DAY).toISOString(), source: 'registry' },
      historyState: 'checked',
      history: { level: 'trusted-publisher', version: '1.14.0', publishedAt: ago(30 * DAY).toISOString() },
      baseline: null,
    })
  })
  t.test('eslint-config-prettier-like: 10.x provenance is not 8.x history', async (t) => {
    t.notOk(r.codes('eslint-config-prettier').includes('TRUST_DOWNGRADE'), r.codes('eslint-config-prettier').join(', '))
    t.equal(r.pkg('eslint-config-prettier').decision, 'pass')
  })
  t.test('fastq-like: the drop is waived by an exception with its reason', async (t) => {
    t.equal(r.pkg('fastq').decision, 'pass', r.codes('fastq').join(', '))
    t.match(JSON.stringify(r.pkg('fastq')), /TRUST_DOWNGRADE/, 'the waived finding is still reported')
  })
  t.test('TanStack-like: valid provenance, an hour old, fails minimumReleaseAge 4d', async (t) => {
    t.equal(r.pkg('@tanstack/router').decision, 'fail')
    t.same(r.codes('@tanstack/router').filter((c) => c !== 'HISTORY_CLAIM_UNVERIFIED'), ['RELEASE_TOO_NEW'])
    t.match(message('@tanstack/router', 'RELEASE_TOO_NEW'), /signed time/)
    // The transparency log's signed time of its attestations (the test world logs them within minutes of the publish time).
    const published = r.pkg('@tanstack/router').trust.publishedAt
    t.equal(published.source, 'signed')
    t.ok(Math.abs(Date.parse(published.at) - ago(HOUR).getTime()) <= 5 * 60_000, published.at)
    const later = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false, now: new Date(NOW.getTime() + 5 * DAY) })
    t.equal(later.pkg('@tanstack/router').decision, 'pass', 'five days later (--at) it passes')
  })
  t.test('repository transfer: IDENTITY_CHANGED names repositoryId', async (t) => {
    t.equal(r.pkg('moved-pkg').decision, 'fail')
    t.match(message('moved-pkg', 'IDENTITY_CHANGED'), /repositoryId: 111 → 222/)
    t.match(message('moved-pkg', 'IDENTITY_CHANGED'), /2\.0\.0/)
  })
  t.test('trigger change to pull_request_target, tag → branch: IDENTITY_CHANGED', async (t) => {
    t.equal(r.pkg('prt-pkg').decision, 'fail')
    t.match(message('prt-pkg', 'IDENTITY_CHANGED'), /pull_request_target/)
    t.match(message('prt-pkg', 'IDENTITY_CHANGED'), /tag → branch/)
  })
  t.test('forged history claim: no downgrade, reported as info', async (t) => {
    t.notOk(r.codes('forged-claim').includes('TRUST_DOWNGRADE'), r.codes('forged-claim').join(', '))
    t.ok(r.codes('forged-claim').includes('HISTORY_CLAIM_UNVERIFIED'))
    t.equal(r.pkg('forged-claim').findings.find((f: any) => f.code === 'HISTORY_CLAIM_UNVERIFIED').severity, 'info')
    t.equal(r.pkg('forged-claim').decision, 'pass')
  })
  t.test('through npx verify-deps: the same results in the text and the JSON report, --at as the clock', async (t) => {
    const env = cleanEnv(join(s.dir, 'cli-home'))
    const cli = (at: string, ...more: string[]) => runCli([s.projectDir, ...pinnedTrustArgs(s), '--no-cache', '--at', at, ...more], { cwd: s.dir, env })
    const json = await cli(NOW.toISOString(), '--json')
    t.equal(json.status, 1, json.stderr)
    const report = JSON.parse(json.stdout)
    const decisions = Object.fromEntries(report.packages.map((p: any) => [p.name, p.decision]))
    t.same(decisions, Object.fromEntries(r.json.packages.map((p: any) => [p.name, p.decision])), 'the CLI decides as the library did')
    t.same(decisions, { '@tanstack/router': 'fail', axios: 'fail', 'eslint-config-prettier': 'pass', fastq: 'pass', 'forged-claim': 'pass', 'moved-pkg': 'fail', 'prt-pkg': 'fail', steady: 'pass' })
    const text = await cli(NOW.toISOString())
    t.equal(text.status, 1)
    t.match(text.stdout, /axios@1\.14\.1: trust downgrade — 1\.14\.0 \(published 2025-01-30\)/)
    t.match(text.stdout, /RELEASE_TOO_NEW/)
    t.match(text.stdout, /IDENTITY_CHANGED/)
    t.match(text.stdout, /repositoryId: 111 → 222/)
    const later = JSON.parse((await cli(new Date(NOW.getTime() + 5 * DAY).toISOString(), '--json')).stdout)
    t.equal(later.packages.find((p: any) => p.name === '@tanstack/router').decision, 'pass', '--at five days later: old enough')
  })
  t.test('nothing but the tag changed: no continuity finding', async (t) => {
    t.same(r.codes('steady'), [])
    t.equal(r.pkg('steady').trust.level, 'trusted-publisher')
  })
})

t.test('the 0.x line: 0.30.3 → 0.30.4 is a downgrade; 0.29 is another line', async (t) => {
  const s = await createScenario(t, {
    now: NOW,
    packages: history('axios', [
      { version: '0.29.0', publishTime: ago(90 * DAY), npmUser: MAINTAINER, provenance: 'missing' },
      { version: '0.30.3', publishTime: ago(30 * DAY), npmUser: TRUSTED, provenance: built('axios/axios') },
      { version: '0.30.4', publishTime: ago(2 * DAY), npmUser: MAINTAINER, provenance: 'missing' },
    ]),
    project: { dependencies: { axios: '0.30.4' } },
  })
  const r = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false, now: NOW })
  t.ok(r.codes('axios').includes('TRUST_DOWNGRADE'), r.codes('axios').join(', '))
  t.equal(r.pkg('axios').decision, 'warn', 'the built-in default policy warns')
  t.match(r.pkg('axios').findings.find((f: any) => f.code === 'TRUST_DOWNGRADE').message, /0\.30\.3/)
})

/** `earlier` from a trusted publisher with provenance 30 days ago, then `dropped` 2 days ago without it; the project locks `earlier`. */
function droppedProvenance(t: Test, name: string, earlier: string, dropped: string) {
  return createScenario(t, {
    now: NOW,
    packages: history(name, [
      { version: earlier, publishTime: ago(30 * DAY), npmUser: TRUSTED, provenance: built(`${name}/${name}`) },
      { version: dropped, publishTime: ago(2 * DAY), npmUser: MAINTAINER, provenance: 'missing' },
    ]),
    project: { dependencies: { [name]: earlier } },
  })
}

/**
 * The project accepts what it locks now (`verify-deps trust update`: its trust lockfile), then a pull
 * request moves the lockfile to `spec`.
 */
async function acceptThenMove(t: Test, s: Awaited<ReturnType<typeof createScenario>>, spec: string): Promise<void> {
  const update = await runCli(['trust', 'update', ...pinnedTrustArgs(s), '--no-cache'], { cwd: s.projectDir, env: cleanEnv(join(s.dir, 'cli-home')) })
  t.equal(update.status, 0, update.stderr)
  const moved = await s.npm(['install', spec, '--package-lock-only', '--ignore-scripts', '--save-exact'])
  t.equal(moved.code, 0, moved.stderr)
}

// docs/continuity.md, "What the history check cannot do": the registry picks what the history shows.
t.test('a registry that backdates the locked version hides the downgrade from the history; the trust lockfile still catches it', async (t) => {
  const s = await droppedProvenance(t, 'axiosy', '1.14.0', '1.14.1')
  await acceptThenMove(t, s, 'axiosy@1.14.1')
  const honest = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false, now: NOW, readTrustFiles: false })
  t.ok(honest.codes('axiosy').includes('TRUST_DOWNGRADE'), 'control: an honest registry shows the drop')

  // The registry (or a proxy) now says 1.14.1 was published a year ago: before 1.14.0, so not after it.
  s.registry.store.packages.get('axiosy')!.versions.get('1.14.1')!.publishTime = ago(365 * DAY).toISOString()
  const lied = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false, now: NOW, readTrustFiles: false })
  t.notOk(lied.codes('axiosy').includes('TRUST_DOWNGRADE'), 'the history check alone is blind to it (documented)')
  t.equal(lied.pkg('axiosy').trust.historyState, 'checked')
  const r = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false, now: NOW })
  t.ok(r.codes('axiosy').includes('TRUST_DOWNGRADE'), 'the committed baseline does not depend on what the registry says today')
  t.match(r.pkg('axiosy').findings.find((f: any) => f.code === 'TRUST_DOWNGRADE').message, /accepted trusted-publisher for axiosy 1\.x \(recorded from 1\.14\.0\)/)
})

// docs/continuity.md, "Build identity": the history compares with the most recent earlier build only.
t.test('two releases from a new identity: the second matches the first by history; the trust lockfile still reports IDENTITY_CHANGED', async (t) => {
  const s = await createScenario(t, {
    now: NOW,
    packages: history('twostep', [
      { version: '2.0.0', publishTime: ago(30 * DAY), provenance: built('owner/twostep', { repositoryId: '111' }) },
      { version: '2.0.1', publishTime: ago(2 * DAY), provenance: built('fork/twostep', { repositoryId: '999' }) },
      { version: '2.0.2', publishTime: ago(DAY), provenance: built('fork/twostep', { repositoryId: '999' }) },
    ]),
    project: { dependencies: { twostep: '2.0.0' } },
  })
  await acceptThenMove(t, s, 'twostep@2.0.2')
  const bare = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false, now: NOW, readTrustFiles: false })
  t.notOk(bare.codes('twostep').includes('IDENTITY_CHANGED'), 'by history alone, 2.0.2 matches 2.0.1 (documented)')
  const r = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false, now: NOW })
  t.ok(r.codes('twostep').includes('IDENTITY_CHANGED'), r.codes('twostep').join(', '))
  t.match(r.pkg('twostep').findings.find((f: any) => f.code === 'IDENTITY_CHANGED').message, /trust lockfile.*recorded from 2\.0\.0.*repository/)
})

t.test('history requests go to the configured registry with its own auth; no credential reaches the report', async (t) => {
  const TOKEN = 'npm_historySecretToken0123456789'
  const s = await createScenario(t, {
    now: NOW,
    registry: { token: TOKEN },
    packages: history('authy', [
      { version: '1.0.0', publishTime: ago(30 * DAY), npmUser: TRUSTED, provenance: built('authy/authy') },
      { version: '1.0.1', publishTime: ago(20 * DAY), npmUser: TRUSTED, provenance: built('authy/authy') },
      { version: '1.0.2', publishTime: ago(2 * DAY), npmUser: MAINTAINER, provenance: 'missing' },
    ]),
    project: { dependencies: { authy: '1.0.2' } },
  })
  // The first candidate's attestations fail: its reason (a URL, an HTTP status) reaches the report.
  s.registry.addFault({ path: '/-/npm/v1/attestations/authy@1.0.1', type: 'status', status: 500 })
  s.registry.clearRequests()
  const r = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false, now: NOW })
  t.ok(r.codes('authy').includes('TRUST_DOWNGRADE'), r.codes('authy').join(', '))
  t.ok(r.codes('authy').includes('HISTORY_CLAIM_UNVERIFIED'), 'the failed candidate is an unverified claim')
  const asked = s.registry.requests.filter((q) => q.route === 'packument' || q.route === 'attestations' || q.route === 'manifest')
  t.ok(asked.some((q) => q.route === 'attestations' && q.path.includes('authy@1.0.1')), 'earlier versions were asked for')
  t.ok(asked.every((q) => q.tokenMatched), 'every one with the registry\'s own token')
  t.notMatch(JSON.stringify(r.json), TOKEN, 'no token in findings, notices or anywhere in the report')
})

t.test('history stripped: HISTORY_UNAVAILABLE, and the trust lockfile still catches the drop', async (t) => {
  const s = await droppedProvenance(t, 'lodashy', '4.17.20', '4.17.21')
  const env = cleanEnv(join(s.dir, 'cli-home'))
  // The project accepted 4.17.20 and committed its trust lockfile.
  const update = await runCli(['trust', 'update', ...pinnedTrustArgs(s), '--no-cache'], { cwd: s.projectDir, env })
  t.equal(update.status, 0, update.stderr)
  t.match(update.stdout, /\+ added {5}lodashy 4: trusted-publisher/)
  // From now on the registry strips history (a mirror that drops `time` and earlier versions' evidence),
  // and a pull request moves the lockfile to the release that dropped provenance.
  s.registry.store.history = 'stripped'
  const moved = await s.npm(['install', 'lodashy@4.17.21', '--package-lock-only', '--ignore-scripts', '--save-exact'])
  t.equal(moved.code, 0, moved.stderr)

  const r = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false, now: NOW })
  t.same(r.pkg('lodashy').version, '4.17.21')
  const codes = r.codes('lodashy')
  t.ok(codes.includes('HISTORY_UNAVAILABLE'), codes.join(', '))
  t.ok(codes.includes('TRUST_DOWNGRADE'), 'the baseline catches what the registry no longer shows')
  t.match(r.pkg('lodashy').findings.find((f: any) => f.code === 'TRUST_DOWNGRADE').message, /the trust lockfile \(verify-deps\.trust\.json\) accepted trusted-publisher for lodashy 4\.x \(recorded from 4\.17\.20\)/)
  t.equal(r.pkg('lodashy').trust.historyState, 'unavailable')
  t.match(r.json.notices.join('\n'), /HISTORY_UNAVAILABLE|history/i, 'one notice for the run')
  t.equal(r.pkg('lodashy').decision, 'warn', 'the built-in default policy warns on a downgrade')

  // Without the trust lockfile, nothing but HISTORY_UNAVAILABLE: never read as "no downgrade".
  const bare = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false, now: NOW, readTrustFiles: false })
  t.notOk(bare.codes('lodashy').includes('TRUST_DOWNGRADE'))
  t.ok(bare.codes('lodashy').includes('HISTORY_UNAVAILABLE'))
})
