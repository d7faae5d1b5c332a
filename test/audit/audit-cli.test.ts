/**
 * `verify-deps audit` end to end through bin/ on the generated loopback population: the report
 * equals the generator's truth (PGlite, and PostgreSQL: test/helpers/postgres.ts),
 * resumable runs, version selections, the changes feed, the export, and bad inputs.
 */
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { attestationsFaultPath, generatePopulation, servePopulation, truthMetrics, truthRecords, truthVersions } from '../helpers/population/index.js'
import { auditPage, renderAuditHtml } from '../../lib/report/audit-html.js'
import { cleanEnv, cliCommand, pinnedTrust, runCli } from '../cli/run.js'
import { freshDatabase, postgresRequired, postgresServer } from '../helpers/postgres.js'

// More fetch faults than the default mix, so that a small world has lasting and one-off ones.
const population = generatePopulation({ seed: 13, packages: 60, maxVersions: 12, mix: { fetchFault: 0.04, transientFault: 0.06 } })
const truth = truthVersions(population)
const s = await servePopulation(t, population)
const registry = s.registry.url
// One retry after 10 ms (not npm's 10 s): the lasting 503s stay failures, the one-off 429s are retried.
const env = cleanEnv(join(s.dir, 'home'), { npm_config_fetch_retry_mintimeout: '10', npm_config_fetch_retry_maxtimeout: '20' })
const trust = pinnedTrust(s)
const packagesFile = join(s.dir, 'packages.txt')
writeFileSync(packagesFile, `# the population\n\n${population.packages.map((p) => p.name).join('\n')}\n`)
const audit = (args: string[]) => runCli(['audit', ...args, '--registry', registry, ...trust, '--fetch-retries', '1'], { cwd: s.dir, env })
const run = (args: string[]) => runCli(args, { cwd: s.dir, env })
const failedVersions = truth.filter((v) => v.fetchFailed)

/** The report as the truth computes it: generatedAt and registry normalised. */
async function reportOf(t: Test, store: string[]): Promise<unknown> {
  const r = await run(['audit', 'report', '--format', 'json', ...store])
  if (r.status !== 0) throw new Error(`audit report: exit ${r.status}: ${r.stderr}`)
  const metrics = JSON.parse(r.stdout)
  t.match(metrics.generatedAt, /^\d{4}-\d\d-\d\dT/, 'generatedAt is a time')
  t.equal(metrics.registry, registry, 'the registry audited')
  return { ...metrics, generatedAt: 'T', registry: 'R' }
}
const expected = truthMetrics(population, { generatedAt: 'T', registry: 'R' })

async function endToEnd(t: Test, store: string[]): Promise<void> {
  // The one-off 429s again, for a second store audited from the same registry.
  for (const rule of population.faults) if (rule.times !== undefined && !s.registry.faults.active.some((f) => f.rule === rule)) s.registry.addFault(rule)
  s.registry.clearRequests()
  const first = await audit(['--packages', packagesFile, ...store])
  t.equal(first.status, 3, `could not verify the fetch faults: exit 3 (${first.stderr})`)
  t.comment(first.stdout.trim())
  t.match(first.stdout, new RegExp(`audited ${truth.length} versions of ${population.packages.length} packages .*${failedVersions.length} not fetched`))
  t.same(await reportOf(t, store), expected, 'the report equals the generator\'s truth')
  const rateLimited = population.packages.flatMap((p) => p.versions).filter((v) => v.transientFault)
  t.ok(rateLimited.length > 0, `some versions are rate-limited once (${rateLimited.length})`)
  for (const v of rateLimited) {
    const statuses = s.registry.requests.filter((q) => q.path === attestationsFaultPath(v)).map((q) => q.status)
    t.same(statuses, [429, 200], `${v.name}@${v.version}: 429 with Retry-After, then served`)
  }

  // Resumed: nothing verified is fetched again; the FETCH_FAILED versions are retried, and counted apart.
  s.registry.clearRequests()
  const again = await audit(['--packages', packagesFile, ...store])
  t.equal(again.status, 3)
  t.match(again.stdout, new RegExp(`audited ${failedVersions.length} versions? .*\\(${truth.length - failedVersions.length} already stored, ${failedVersions.length} not fetched of which ${failedVersions.length} retried`))
  const attestations = s.registry.requests.filter((q) => q.path.startsWith('/-/npm/v1/attestations/')).map((q) => q.path)
  const retried = new Set(failedVersions.map(attestationsFaultPath))
  t.same(attestations.filter((p) => !retried.has(p)), [], 'no stored version is fetched again')
  t.same([...new Set(attestations)].sort(), [...retried].sort(), 'every FETCH_FAILED version is retried')
  t.same(await reportOf(t, store), expected, 'and the report is the same: nothing duplicated')
}

t.test('audit --packages then report --format json equals the truth, on PGlite; a re-run fetches only what failed', async (t) => {
  await endToEnd(t, ['--db', join(s.dir, 'pglite')])
})

// PostgreSQL: the CI's server (VERIFY_DEPS_TEST_DATABASE_URL) or one started for this file, a new database for the test.
const server = await postgresServer()
t.test('the same end to end on PostgreSQL (--database)', { skip: 'missing' in server && !postgresRequired() ? server.missing : false }, async (t) => {
  if ('missing' in server) throw new Error(server.missing)
  await endToEnd(t, ['--database', await freshDatabase(t, server.url)])
})

t.test('a killed run continues where it stopped', async (t) => {
  const db = join(s.dir, 'killed')
  const [file, args] = cliCommand(['audit', '--packages', packagesFile, '--db', db, '--registry', registry, ...trust, '--fetch-retries', '1', '--concurrency', '2'])
  const child = spawn(file, args, { cwd: s.dir, env, stdio: 'ignore' })
  // Killed once some versions' attestations were served.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (s.registry.requests.filter((q) => q.path.startsWith('/-/npm/v1/attestations/')).length > 40) {
        clearInterval(timer)
        resolve()
      }
    }, 5)
  })
  child.kill('SIGKILL')
  await new Promise((resolve) => child.on('close', resolve))
  s.registry.clearRequests()
  const resumed = await audit(['--packages', packagesFile, '--db', db])
  t.equal(resumed.status, 3, resumed.stderr)
  const skipped = Number(/\((\d+) already stored/.exec(resumed.stdout)?.[1])
  t.ok(skipped > 0 && skipped < truth.length, `the resumed run skipped what the killed one stored (${skipped})`)
  t.same(await reportOf(t, ['--db', db]), expected)
})

t.test('--versions latest and since:', async (t) => {
  const latestDb = ['--db', join(s.dir, 'latest')]
  t.equal((await audit(['--packages', packagesFile, '--versions', 'latest', ...latestDb])).status !== 2, true)
  const latest = (await run(['audit', 'export', '--format', 'jsonl', ...latestDb])).stdout.trim().split('\n').map((l) => JSON.parse(l))
  t.same(latest.map((r) => `${r.name}@${r.version}`).sort(), population.packages.map((p) => `${p.name}@${p.latest}`).sort(), 'each package\'s dist-tags.latest, only')

  const sinceDb = ['--db', join(s.dir, 'since')]
  await audit(['--packages', packagesFile, '--versions', 'since:2025-01-01', ...sinceDb])
  const since = (await run(['audit', 'export', '--format', 'jsonl', ...sinceDb])).stdout.trim().split('\n').map((l) => JSON.parse(l))
  t.same(since.map((r) => `${r.name}@${r.version}`).sort(), truth.filter((v) => v.publishedAt >= '2025-01-01').map((v) => `${v.name}@${v.version}`).sort(), 'versions published on or after the date')

  // A name@version line audits that version only.
  const one = truth.find((v) => !v.fetchFailed)!
  const file = join(s.dir, 'one.txt')
  writeFileSync(file, `${one.name}@${one.version}\n`)
  const oneDb = ['--db', join(s.dir, 'one')]
  t.equal((await audit(['--packages', file, ...oneDb])).status, 0)
  const records = (await run(['audit', 'export', '--format', 'jsonl', ...oneDb])).stdout.trim().split('\n').map((l) => JSON.parse(l))
  t.same(records.map((r) => [r.name, r.version, r.signature, r.provenance]), [[one.name, one.version, one.signature, one.provenance]])
  // Settled: a re-run asks nothing, not even the packument.
  s.registry.clearRequests()
  t.equal((await audit(['--packages', file, ...oneDb])).status, 0)
  t.same(s.registry.requests.filter((q) => q.path !== '/-/npm/v1/keys').map((q) => q.path), [], 'no request for a settled name@version')
})

t.test('--changes follows the feed from the stored sequence', async (t) => {
  const db = ['--db', join(s.dir, 'changes')]
  s.registry.clearRequests()
  const first = await audit(['--changes', ...db])
  t.equal(first.status, 3, first.stderr)
  t.match(first.stdout, new RegExp(`audited ${truth.length} versions of ${population.packages.length} packages.*feed sequence ${population.specs.length}`))
  t.same(s.registry.requests.filter((q) => q.path === '/_changes').map((q) => new URL(q.url, 'http://x').searchParams.get('since')), ['0', String(population.specs.length)], 'from 0, then from the last sequence until the feed is empty')
  t.same(await reportOf(t, db), expected)
  s.registry.clearRequests()
  const again = await audit(['--changes', ...db])
  t.match(again.stdout, /audited 0 versions of 0 packages/)
  t.same(s.registry.requests.filter((q) => q.path === '/_changes').map((q) => new URL(q.url, 'http://x').searchParams.get('since')), [String(population.specs.length)], 'the next run starts from the stored sequence')
})

t.test('export --format csv and jsonl: every stored record', async (t) => {
  const db = ['--db', join(s.dir, 'pglite')]
  const jsonl = await run(['audit', 'export', '--format', 'jsonl', ...db])
  t.equal(jsonl.status, 0, jsonl.stderr)
  const records = jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l))
  t.equal(records.length, truth.length)
  const byId = new Map(truth.map((v) => [`${v.name}@${v.version}`, v]))
  for (const r of records) {
    const v = byId.get(`${r.name}@${r.version}`)!
    if (r.signature !== v.signature || r.provenance !== v.provenance || r.fetchFailed !== v.fetchFailed) t.fail(`${r.name}@${r.version}: ${JSON.stringify(r)}`)
    if (r.fetchFailed && !r.findings.includes('FETCH_FAILED')) t.fail(`${r.name}@${r.version}: FETCH_FAILED not among its findings`)
  }
  const out = join(s.dir, 'export.csv')
  const csv = await run(['audit', 'export', '--format', 'csv', '--output', out, ...db])
  t.equal(csv.status, 0, csv.stderr)
  const lines = readFileSync(out, 'utf8').trimEnd().split('\r\n')
  t.equal(lines[0], 'name,version,publishedAt,signedAt,signature,provenance,predicateType,publishAttestation,trustedPublisher,approver,issuer,repository,repositoryId,workflow,ref,refKind,trigger,runner,visibility,repositoryMatchesPackageJson,findings,fetchFailed')
  t.equal(lines.length, truth.length + 1)
})

t.test('bad inputs: a clear error and exit 2, never a stack trace', async (t) => {
  const bad = join(s.dir, 'bad.txt')
  writeFileSync(bad, 'left-pad\n\nnot a name!\n')
  const cases: Array<[string[], RegExp]> = [
    [['audit', '--packages', bad], /bad\.txt:3: "not a name!" is not a package name/],
    [['audit', '--packages', join(s.dir, 'missing.txt')], /missing\.txt: cannot be read/],
    [['audit'], /name the population/],
    [['audit', '--packages', packagesFile, '--changes'], /cannot be combined/],
    [['audit', '--packages', packagesFile, '--versions', 'newest'], /--versions must be all, latest or since:YYYY-MM-DD/],
    [['audit', '--packages', packagesFile, '--versions', 'since:2025-02-30'], /--versions must be/],
    [['audit', '--packages', packagesFile, '--rate', '0'], /--rate must be a number > 0/],
    [['audit', '--packages', packagesFile, '--concurrency', 'x'], /--concurrency must be a whole number/],
    [['audit', '--packages', packagesFile, '--db', 'a', '--database', 'postgres://x'], /--db and --database cannot be combined/],
    [['audit', 'report', '--format', 'pdf'], /--format must be one of json, html, csv \(got "pdf"\)/],
    [['audit', 'report', '--packages', packagesFile], /audit report: --packages does not apply here/],
    [['audit', 'export'], /--format must be csv or jsonl/],
    [['audit', 'frobnicate'], /unknown subcommand/],
    [['audit', 'report', '--db', join(s.dir, 'no-store')], /no-store: no audit store there/],
    [['audit', 'export', '--format', 'jsonl', '--db', join(s.dir, 'no-store')], /no audit store there/],
  ]
  for (const [args, message] of cases) {
    const r = await run(args)
    t.equal(r.status, 2, `${args.join(' ')}: exit 2`)
    t.match(r.stderr, message, args.join(' '))
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')
  }
  const downloads = join(s.dir, 'downloads.json')
  for (const [text, message] of [['{"a": -1}', /"a" has -1, not a whole number of downloads/], ['[]', /must be a JSON object/], ['{', /--downloads cannot be read/]] as const) {
    writeFileSync(downloads, text)
    const r = await run(['audit', 'report', '--format', 'json', '--downloads', downloads, '--db', join(s.dir, 'pglite')])
    t.equal(r.status, 2)
    t.match(r.stderr, message)
  }
  const badRoot = join(s.dir, 'bad-root.json')
  writeFileSync(badRoot, '{"mediaType": "nope"}')
  const r = await runCli(['audit', '--packages', packagesFile, '--db', join(s.dir, 'bad-root'), '--registry', registry, '--trusted-root', badRoot], { cwd: s.dir, env })
  t.equal(r.status, 2, 'an unusable --trusted-root is a usage error before any package is fetched')
  t.match(r.stderr, /bad-root\.json/)
})

t.test('report --downloads adds the download-weighted shares', async (t) => {
  const file = join(s.dir, 'weekly.json')
  writeFileSync(file, JSON.stringify(population.downloads))
  const r = await run(['audit', 'report', '--format', 'json', '--downloads', file, '--db', join(s.dir, 'pglite')])
  t.equal(r.status, 0, r.stderr)
  t.same(JSON.parse(r.stdout).downloads, truthMetrics(population, { generatedAt: 'T', registry: 'R', downloads: true }).downloads)
})

t.test('report --format html: the page of the truth, its table bounded by --table-rows, with --downloads', async (t) => {
  const file = join(s.dir, 'weekly.json')
  writeFileSync(file, JSON.stringify(population.downloads))
  const records = truthRecords(population)
  const packages = population.packages.map((p) => ({ name: p.name, latest: p.latest }))
  for (const [args, maxRows] of [[[], undefined], [['--table-rows', '7'], 7]] as const) {
    const r = await run(['audit', 'report', '--format', 'html', '--downloads', file, ...args, '--db', join(s.dir, 'pglite')])
    t.equal(r.status, 0, r.stderr)
    const generatedAt = /<dt>generated<\/dt><dd>([^<]+)<\/dd>/.exec(r.stdout)?.[1] ?? ''
    const metrics = truthMetrics(population, { generatedAt, registry, downloads: true })
    const page = auditPage(records, packages, { downloads: population.downloads, ...(maxRows && { maxRows }) })
    t.equal(r.stdout, renderAuditHtml({ metrics, page }), `the page the truth renders${maxRows ? ` with ${maxRows} rows` : ''}`)
    t.match(r.stdout, maxRows ? `Packages (7 of ${population.packages.length})` : `Packages (${population.packages.length})`)
  }
  for (const [args, message] of [[['--format', 'html', '--table-rows', '0'], /--table-rows must be a whole number >= 1/], [['--format', 'html', '--table-rows', '1e16'], /--table-rows must be a whole number >= 1 \(got "1e16"\)/], [['--format', 'json', '--table-rows', '5'], /--table-rows is for --format html/]] as const) {
    const r = await run(['audit', 'report', ...args, '--db', join(s.dir, 'pglite')])
    t.equal(r.status, 2, args.join(' '))
    t.match(r.stderr, message)
  }
  const collect = await audit(['--packages', packagesFile, '--table-rows', '5', '--db', join(s.dir, 'pglite')])
  t.equal(collect.status, 2)
  t.match(collect.stderr, /--table-rows does not apply here/)
})

t.test('audit --help', async (t) => {
  const r = await run(['audit', '--help'])
  t.equal(r.status, 0)
  t.match(r.stdout, /--packages FILE/)
  t.match(r.stdout, /--versions WHICH/)
})
