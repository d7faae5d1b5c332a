// Exit codes, report formats and registry behaviour of the check command: formats, --output and the
// usage errors through the real bin; registry behaviour through the library (runCheck, the JSON
// report as --json prints it, and exitCodeForReport, the CLI's mapping of a report to its exit code).
import t from 'tap'
import { readFileSync, writeFileSync, cpSync } from 'node:fs'
import { join } from 'node:path'
import { checkProject, checkScenario, pinnedTrust as pinnedTrustOptions } from '../helpers/check.js'
import { createScenario } from '../helpers/scenario/index.js'
import { startRegistry } from '../helpers/registry/index.js'
import { validateJsonSchema } from '../helpers/json-schema.js'
import { cleanEnv, pinnedTrust, runCli } from './run.js'

const SARIF_SCHEMA = JSON.parse(readFileSync(new URL('../../node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json', import.meta.url), 'utf8'))

t.test('exit 0 when nothing failed (a warning allowed); text, SARIF, GitHub and --output', async (t) => {
  const s = await createScenario(t, {
    packages: [
      { name: 'good', version: '1.0.0', dependencies: { '@acme/ok': '1.0.0' } },
      { name: '@acme/ok', version: '1.0.0' },
      { name: 'legacy', version: '0.9.0', provenance: 'missing' },
    ],
  })
  const env = cleanEnv(join(s.dir, 'home'))
  const base = [s.projectDir, ...pinnedTrust(s), '--no-cache']
  const text = await runCli(base, { cwd: s.dir, env })
  t.equal(text.status, 0, text.stderr)
  t.match(text.stdout, /3 packages: 2 pass, 1 warn, 0 fail/)

  const sarif = await runCli([...base, '--format', 'sarif', '--output', join(s.dir, 'out.sarif')], { cwd: s.dir, env })
  t.equal(sarif.status, 0)
  const log = JSON.parse(readFileSync(join(s.dir, 'out.sarif'), 'utf8'))
  t.same(validateJsonSchema(SARIF_SCHEMA, log), [], 'valid SARIF 2.1.0')
  t.equal(log.runs[0].results.length, 1)
  t.equal(log.runs[0].results[0].ruleId, 'PROVENANCE_MISSING')
  t.match(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, /package-lock\.json$/)

  const summaryFile = join(s.dir, 'step-summary.md')
  writeFileSync(summaryFile, '')
  const gh = await runCli([...base, '--format', 'github'], { cwd: s.dir, env: { ...env, GITHUB_STEP_SUMMARY: summaryFile } })
  t.equal(gh.status, 0)
  t.match(gh.stdout, /^::warning .*title=PROVENANCE_MISSING/m)
  t.match(readFileSync(summaryFile, 'utf8'), /PROVENANCE_MISSING/)
})

t.test('exit 3 when the registry fails: FETCH_FAILED, never a pass', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'flaky', version: '1.0.0' }, { name: 'fine', version: '1.0.0' }] })
  s.registry.addFault({ prefix: '/flaky', type: 'status', status: 500 })
  const r = await checkScenario(s, { ...pinnedTrustOptions(s), cacheDir: false, retries: 1 })
  t.equal(r.status, 3)
  const report = r.json
  const flaky = report.packages.find((p: any) => p.name === 'flaky')
  t.equal(flaky.decision, 'fail')
  t.same(flaky.findings.map((f: any) => f.code), ['FETCH_FAILED'])
  t.equal(report.couldNotVerify, true)
  t.equal(report.packages.find((p: any) => p.name === 'fine').decision, 'pass')
})

t.test('exit 3 when the registry resets connections and times out', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'slow', version: '1.0.0' }] })
  s.registry.addFault({ prefix: '/slow', type: 'delay', delayMs: 3000 })
  const r = await checkScenario(s, { ...pinnedTrustOptions(s), cacheDir: false, timeoutMs: 300, retries: 0 })
  t.equal(r.status, 3)
  t.same(r.codes('slow'), ['FETCH_FAILED'])
})

t.test('exit 2 for a project without a lockfile, with how to make one', async (t) => {
  const dir = t.testdir({ 'package.json': JSON.stringify({ name: 'x', version: '1.0.0' }) })
  const r = await runCli([dir], { cwd: dir, env: cleanEnv(join(dir, 'home')) })
  t.equal(r.status, 2)
  t.match(r.stderr, /npm install --package-lock-only/)
  t.notMatch(r.stderr, /\n\s+at /)
})

t.test('exit 2 for bad options', async (t) => {
  const dir = t.testdir({})
  const env = cleanEnv(join(dir, 'home'))
  const cases = [['--format', 'xml'], ['--omit', 'prod'], ['--concurrency', '0'], ['--fetch-timeout', '1e16'], ['--installed', '--ideal'], ['--no-such']]
  const runs = await Promise.all(cases.map((args) => runCli(args, { cwd: dir, env })))
  for (const [i, r] of runs.entries()) {
    t.equal(r.status, 2, cases[i]!.join(' '))
    t.notMatch(r.stderr, /\n\s+at /)
  }
  t.match(runs[3]!.stderr, '--fetch-timeout must be a whole number >= 1 (got "1e16")', 'a whole number: a safe integer')
})

t.test('a registry without keys is reported as such, never silently passed', async (t) => {
  const s = await createScenario(t, { registry: { keys: 'none' }, defaults: { signature: 'missing', provenance: 'missing' }, packages: [{ name: 'unsigned-reg', version: '1.0.0' }] })
  const r = await checkScenario(s, { trustedRootFile: s.trustedRootFile, cacheDir: false })
  t.equal(r.status, 3)
  const pkg = r.pkg('unsigned-reg')
  t.ok(pkg.findings.some((f: any) => f.code === 'SIGNATURE_UNSUPPORTED_BY_REGISTRY'))
  t.not(pkg.evidence.signature.status, 'verified')
})

t.test('a foreign attestation URL is not followed: attestations come from the configured registry only', async (t) => {
  const foreign = await startRegistry({})
  t.teardown(() => foreign.close())
  const s = await createScenario(t, { packages: [{ name: 'pointy', version: '1.0.0' }] })
  const v = s.version('pointy@1.0.0')
  v.dist = { ...(v.dist ?? {}), attestations: { url: `${foreign.url}-/npm/v1/attestations/pointy@1.0.0`, provenance: { predicateType: 'https://slsa.dev/provenance/v1' } } }
  const r = await checkScenario(s, { ...pinnedTrustOptions(s), cacheDir: false })
  t.equal(r.status, 0)
  t.same(foreign.requests, [], 'the foreign host got no request')
  t.ok(s.registry.requests.some((q) => q.path.startsWith('/-/npm/v1/attestations/pointy')), 'the configured registry was asked')
})

t.test('a scoped registry with a token: the token reaches only its registry', async (t) => {
  const TOKEN = 'npm_SECRETscopedTOKEN1234567890'
  const s = await createScenario(t, {
    registry: { token: TOKEN },
    packages: [{ name: '@private/thing', version: '1.0.0' }],
  })
  const publicRegistry = await startRegistry({})
  t.teardown(() => publicRegistry.close())
  // The default registry is another host; only @private maps to the scenario registry, with its token.
  const host = new URL(s.registry.url).host
  writeFileSync(join(s.projectDir, '.npmrc'), `registry=${publicRegistry.url}\n@private:registry=${s.registry.url}\n//${host}/:_authToken=${TOKEN}\n`)
  const r = await checkScenario(s, { ...pinnedTrustOptions(s), cacheDir: false })
  t.equal(r.status, 0)
  t.ok(s.registry.requests.length > 0 && s.registry.requests.every((q) => q.tokenMatched), 'every request to the scoped registry carried its token')
  t.ok(publicRegistry.requests.every((q) => !q.hasAuthorization), 'the other registry never saw it')
  for (const format of ['text', 'json', 'sarif', 'github', 'html'] as const) t.notMatch(r.output(format), /SECRETscoped/, `never printed (${format})`)
})

t.test('aliases and workspaces: the real package is verified, each workspace location reported', async (t) => {
  const s = await createScenario(t, {
    packages: [{ name: 'real-name', version: '1.0.0' }, { name: 'ws-dep', version: '2.0.0' }],
    project: {
      dependencies: { nick: 'npm:real-name@1.0.0' },
      workspaces: { 'packages/one': { name: 'one', dependencies: { 'ws-dep': '2.0.0' } } },
    },
  })
  const r = await checkScenario(s, { ...pinnedTrustOptions(s), cacheDir: false })
  t.equal(r.status, 0)
  const report = r.json
  const real = report.packages.find((p: any) => p.name === 'real-name')
  t.equal(real.decision, 'pass')
  t.equal(real.locations[0].alias, 'nick')
  const ws = report.packages.find((p: any) => p.name === 'ws-dep')
  t.equal(ws.locations[0].workspace, 'one')
  t.notOk(report.packages.some((p: any) => p.name === 'one'), 'the workspace itself is the project, not a dependency')
  const only = await checkScenario(s, { ...pinnedTrustOptions(s), cacheDir: false, workspaces: ['one'] })
  t.same(only.json.packages.map((p: any) => p.name), ['ws-dep'])
})

t.test('bundled, git, file, link and remote dependencies end as skipped or UNVERIFIABLE_SOURCE', async (t) => {
  const registry = await startRegistry({})
  t.teardown(() => registry.close())
  const dir = t.testdir({})
  cpSync(new URL('../../fixtures/tree/app', import.meta.url), join(dir, 'app'), { recursive: true })
  // The fixture's tarball URLs name registry.test and acme.test: with this npm setting they are fetched from --registry.
  const env = cleanEnv(join(dir, 'home'), { npm_config_replace_registry_host: 'always' })
  const r = await checkProject({ projectDir: join(dir, 'app'), registry: registry.url, cacheDir: false, retries: 0, env }, join(dir, 'home'))
  const report = r.json
  const by = (name: string) => report.packages.find((p: any) => p.name === name)
  // A bundled dependency's install scripts are unknown (no lockfile flag; npm 11 reads its package.json
  // from the bundler's tarball): assumed to run under npm 11, so it warns instead of being skipped.
  const rules = report.installScripts?.rules
  t.match(by('deep').installScripts, { allowScripts: 'bundled', willRun: rules !== 'npm12', reason: /assumed to have some/ })
  if (rules === 'npm12') {
    t.equal(by('deep').decision, 'skipped')
    t.match(by('deep').skipReason, /^bundled/)
  } else {
    t.equal(by('deep').decision, 'warn')
    t.same(by('deep').findings.map((f: any) => f.code), ['INSTALL_SCRIPT_UNVERIFIED'])
  }
  for (const name of ['gitdep', 'vendored', 'remote-pkg', 'local-lib']) {
    t.equal(by(name)?.decision, 'warn', name)
    t.same(by(name)?.findings.map((f: any) => f.code), ['UNVERIFIABLE_SOURCE'], name)
  }
  t.equal(by('node-fetch').locations[0].alias, 'get')
  // The registry packages could not be fetched from an empty registry: could not verify, never pass.
  t.equal(by('a').decision, 'fail')
  t.equal(r.status, 3)
})
