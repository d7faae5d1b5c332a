// `--format html` on reports of real checks, through the library on the loopback registry and the
// demo world: every decision, skipped reasons, aliases, non-registry sources, a keyless registry's
// banner, the settings that narrowed the check. The page's structure must match the report it came
// from: counts in the cards and charts, one row per package, identity only from verified provenance.
import t, { type Test } from 'tap'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runDemo } from '../../lib/demo/run.js'
import type { PackageResult, Report } from '../../lib/model.js'
import { formatReport } from '../../lib/report/formats.js'
import { runVerifyTarball } from '../../lib/verify-tarball.js'
import { checkProject, checkScenario } from '../helpers/check.js'
import { corpusPath, loadCorpusCases, PROJECT_ROOT } from '../helpers/corpus.js'
import { startRegistry } from '../helpers/registry/index.js'
import { createScenario } from '../helpers/scenario/index.js'
import { cleanEnv } from '../cli/run.js'

const TOOL_VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version

/** The page's embedded JSON. */
function pageData(page: string): any {
  return JSON.parse(/<script type="application\/json" id="page-data">([^<]*)<\/script>/.exec(page)![1]!)
}

/** Checks that hold for every page: counts, rows, and links only where provenance verified. */
function checkStructure(t: Test, report: Report, page: string): void {
  const s = report.summary
  for (const [label, n] of [['packages', s.total], ['fail', s.fail], ['warn', s.warn], ['pass', s.pass], ['skipped', s.skipped]] as const) {
    t.match(page, `<div class="card-value">${n}</div><div class="card-label">${label}</div>`, `card ${label}: ${n}`)
  }
  t.match(page, `aria-label="Decisions: fail ${s.fail}, warn ${s.warn}, skipped ${s.skipped}, pass ${s.pass}"`)
  const evidence = /aria-label="Evidence verified: ([^"]*)"/.exec(page)![1]!
  t.equal(evidence.split(', ').reduce((n, part) => n + Number(part.slice(part.lastIndexOf(' ') + 1)), 0), s.total, 'every package has one evidence level')
  t.equal(pageData(page).tables.packages.rows.length, report.packages.length, 'one row of data per package')
  t.equal(page.match(/<tr data-row="\d+"/g)?.length, report.packages.length, 'one table row per package')
  const linked = report.packages.filter((p) => p.facts?.provenance.status === 'verified' && p.facts.integrity.status === 'verified' && p.facts.provenance.identity?.commit)
  t.equal(page.match(/\/commit\/[0-9a-f]{40}"/g)?.length ?? 0, linked.filter((p) => /github\.com|^[\w.-]+\/[\w.-]+$/.test(p.facts!.provenance.identity!.repositoryUri ?? p.facts!.provenance.identity!.repository ?? '')).length, 'a commit link per verified build on a known host')
}

t.test('the demo world: pass, warn and fail; identities linked only for verified provenance', async (t) => {
  const { report } = await runDemo({ fixturesDir: join(PROJECT_ROOT, 'fixtures', 'demo'), toolVersion: TOOL_VERSION })
  const page = formatReport('html', report).main
  checkStructure(t, report, page)
  t.ok(report.summary.pass > 0 && report.summary.warn > 0 && report.summary.fail > 0)
  t.match(page, '<a href="https://github.com/demo-org/web-kit" rel="noopener noreferrer">demo-org/web-kit</a>')
  // @demo-org/config: genuine provenance from the wrong repository: shown (it is verified), and it fails.
  t.match(page, /<code class="pkg">@demo-org\/config@1\.0\.3<\/code>[\s\S]*?mallory-dev\/config/)
  // quick-parse: bytes that do not match: no identity, evidence "none verified".
  const quick = /<tr data-row="\d+">(<td><code class="pkg">quick-parse@4\.0\.1[\s\S]*?)<\/tr>/.exec(page)![1]!
  t.match(quick, 'none verified')
  t.notMatch(quick, '<a href=')
  // IDENTITY_CHANGED among them: @demo-org/config's build identity changed since 1.0.2, the release main locks.
  t.match(page, 'Findings by code (7)')
})

t.test('a keyless registry behind settings: the banner, the settings, the verified count', async (t) => {
  const s = await createScenario(t, {
    registry: { keys: 'none' },
    defaults: { signature: 'missing', provenance: 'missing' },
    packages: [{ name: '@acme/one', version: '1.0.0' }, { name: '@acme/two', version: '1.0.0' }, { name: 'devtool', version: '1.0.0' }],
    project: { dependencies: { '@acme/one': '1.0.0', '@acme/two': '1.0.0' }, devDependencies: { devtool: '1.0.0' } },
  })
  const r = await checkScenario(s, { trustedRootFile: s.trustedRootFile, cacheDir: false, omit: ['dev'] })
  t.equal(r.status, 3)
  const page = r.output('html')
  checkStructure(t, r.report, page)
  t.match(page, /registry http:\/\/127\.0\.0\.1:\d+\/ publishes no signing keys: 2 packages could not be verified/)
  t.match(page, '<code>omit=dev</code> from omit (command line) — dev dependencies were not checked')
  t.match(page, /<div class="card-value">0<\/div><div class="card-label">cryptographically verified<\/div><div class="card-detail">of 2 registry packages/)
  t.match(page, 'aria-label="Evidence verified: trusted publisher 0, provenance 0, registry signature 0, none verified 2, not checked 0"')
  t.notMatch(page, /devtool@/, 'the omitted dev dependency is not in the page')
  t.match(page, /<td><code>http:\/\/127\.0\.0\.1:\d+\/<\/code><\/td><td>—<\/td><td><span class="badge tone-fail">none<\/span><\/td>/)
})

t.test('git, file, link, remote, bundled and aliased dependencies: sources, skipped reasons, aliases', async (t) => {
  const registry = await startRegistry({})
  t.teardown(() => registry.close())
  const dir = t.testdir({})
  cpSync(new URL('../../fixtures/tree/app', import.meta.url), join(dir, 'app'), { recursive: true })
  // Install scripts not in question: a bundled dependency is then skipped under npm 11 and 12 alike.
  writeFileSync(join(dir, 'app', 'verify-deps.policy.yaml'), 'version: 1\ninstallScripts:\n  mode: off\n')
  const env = cleanEnv(join(dir, 'home'), { npm_config_replace_registry_host: 'always' })
  const r = await checkProject({ projectDir: join(dir, 'app'), registry: registry.url, cacheDir: false, retries: 0, env }, join(dir, 'home'))
  const page = r.output('html')
  checkStructure(t, r.report, page)
  t.ok(r.report.summary.skipped > 0, 'some packages are skipped')
  t.ok(r.report.summary.fail > 0 && r.report.summary.warn > 0, 'some fail, some warn')
  t.match(page, /<section id="skipped"><h2>Skipped \(\d+\)<\/h2>[\s\S]*data-search="bundled[^"]*">bundled/, 'skipped packages counted by reason')
  t.match(page, /<code class="pkg">node-fetch@[^<]+<\/code><div class="muted">installed as get<\/div>/)
  for (const source of ['git', 'file', 'remote']) t.match(page, `<div class="muted">source: ${source}</div>`)
  t.match(page, 'Some evidence could not be obtained')
  t.match(page, 'data-search="UNVERIFIABLE_SOURCE"')
  const rows = pageData(page).tables.packages.rows as Array<{ search: string }>
  t.ok(rows.some((row) => row.search.includes('get') && row.search.includes('node-fetch')), 'the alias is searchable')
})

t.test('the recorded corpus (real npm packages, real Sigstore): every real build on github.com is linked to its commit and workflow', async (t) => {
  const trust = { trustedRootFile: corpusPath('trust/sigstore-public-good.trusted_root.json'), registryKeysFile: corpusPath('trust/npm-registry-keys.tuf-keys.json') }
  const packages: PackageResult[] = []
  for (const c of loadCorpusCases().filter((c) => c.kind === 'attestations')) {
    const one = await runVerifyTarball({ toolVersion: TOOL_VERSION, tarballFile: corpusPath(c.tarball!), attestationsFile: corpusPath(c.file), ...trust })
    packages.push(...one.packages)
  }
  const count = (d: string) => packages.filter((p) => p.decision === d).length
  const report: Report = {
    schemaVersion: 1,
    tool: { name: 'verify-deps', version: TOOL_VERSION },
    project: { root: PROJECT_ROOT, lockfile: '' },
    summary: { total: packages.length, pass: count('pass'), warn: count('warn'), fail: count('fail'), skipped: count('skipped') },
    packages,
    couldNotVerify: false,
    notices: [],
  }
  const page = formatReport('html', report).main
  checkStructure(t, report, page)
  const built = packages.filter((p) => p.facts?.provenance.status === 'verified' && p.facts.integrity.status === 'verified')
  t.ok(built.length >= 10, `verified builds in the corpus: ${built.length}`)
  let linked = 0
  for (const p of built) {
    const id = p.facts!.provenance.identity!
    if (!id.repositoryUri?.startsWith('https://github.com/') || !id.commit) continue
    linked++
    t.match(page, `<a href="${id.repositoryUri}/commit/${id.commit}" rel="noopener noreferrer">${id.commit.slice(0, 12)}</a>`, `${p.name}@${p.version}: commit link`)
    if (id.workflow) t.match(page, `href="${id.repositoryUri}/blob/${id.commit}/${id.workflow}"`, `${p.name}@${p.version}: workflow link`)
  }
  t.ok(linked >= 10, `${linked} builds linked`)
  // The same real build whose provenance did not verify (mutated here): its identity is not shown.
  const victim = built.find((p) => p.facts!.provenance.identity?.commit)!
  const broken = { ...victim, decision: 'fail' as const, facts: { ...victim.facts!, provenance: { ...victim.facts!.provenance, status: 'invalid' as const } } }
  const mutated = formatReport('html', { ...report, packages: packages.map((p) => (p === victim ? broken : p)) }).main
  t.notMatch(mutated, victim.facts!.provenance.identity!.commit!, 'an identity from provenance that did not verify is not shown')
  t.match(page, victim.facts!.provenance.identity!.commit!, 'while verified, it was')
})
