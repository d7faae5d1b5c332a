// `verify-deps demo` end to end: the real bin, no network, the shipped demo world.
import t, { type Test } from 'tap'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runDemoCommand } from '../../lib/cli/demo-command.js'
import type { Terminal } from '../../lib/cli/terminal.js'
import { DEMO_PACKAGES, EXPECTED_OUTCOMES } from '../../lib/demo/world.js'
import { cleanEnv, runCli } from './run.js'

const FIXTURES = fileURLToPath(new URL('../../fixtures/demo/', import.meta.url))

function sandbox(t: Test): { dir: string; tmp: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'verify-deps-demo-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const tmp = join(dir, 'tmp')
  mkdirSync(tmp)
  // TMPDIR: the demo's temporary folder lands here, so the test can see it was removed.
  return { dir, tmp, env: cleanEnv(join(dir, 'home'), { TMPDIR: tmp }) }
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(true))
  })
}

t.test('the demo checks the pull request: a pass, the blocked packages, the warning and the tampered one, and exits 0', async (t) => {
  const { dir, tmp, env } = sandbox(t)
  const r = await runCli(['demo'], { cwd: dir, env })
  t.equal(r.status, 0, r.stderr)
  t.equal(r.stderr, '', 'nothing on stderr')
  t.match(r.stdout, /^verify-deps demo: the real check on a sample project's pull request against its main branch, offline\./)
  t.match(r.stdout, /pull request +\S+pull-request\/package-lock\.json: updates @demo-org\/config 1\.0\.2 → 1\.0\.3, fetch-lite 1\.14\.0 → 1\.14\.1; records other bytes for quick-parse@4\.0\.1\n/)
  t.match(r.stdout, /8 packages: 4 pass, 1 warn, 3 fail, 0 skipped/)

  // The blocked package: built by the wrong repository, in the report and in plain words.
  t.match(r.stdout, /x PROVENANCE_IDENTITY_MISMATCH {2}@demo-org\/config@1\.0\.3: .*repository is "mallory-dev\/config", allowed "demo-org\/\*"/)
  t.match(r.stdout, /BLOCKED +@demo-org\/config@1\.0\.3 +PROVENANCE_IDENTITY_MISMATCH, IDENTITY_CHANGED\n/)
  t.match(r.stdout, /the provenance says mallory-dev\/config built it, and rules\[0\] \(@demo-org\/\*\)\s+allows only builds from demo-org\/\*/)
  // The warning and the tampered package.
  t.match(r.stdout, /WARN +legacy-pad@1\.0\.4 +PROVENANCE_MISSING\n/)
  t.match(r.stdout, /FAIL +quick-parse@4\.0\.1 +INTEGRITY_MISMATCH, SIGNATURE_INVALID, ATTESTATION_SUBJECT_MISMATCH\n/)
  // The axios-like downgrade: 1.14.0 had provenance from a trusted publisher, 1.14.1 a signature only.
  t.match(r.stdout, /x TRUST_DOWNGRADE {2}fetch-lite@1\.14\.1: trust downgrade — 1\.14\.0 \(published \d{4}-\d{2}-\d{2}\) had verified provenance from fetch-lite\/fetch-lite \(trusted publisher\); 1\.14\.1 has a registry signature only/)
  t.match(r.stdout, /BLOCKED +fetch-lite@1\.14\.1 +PROVENANCE_MISSING, TRUST_DOWNGRADE\n/)
  t.match(r.stdout, /1\.14\.0, the release before it in its line,/)
  // The passes, each with who built it and the rule that allowed it.
  for (const [id, builder, rule] of [
    ['@demo-org/web-kit@2.3.1', 'demo-org/web-kit', 'rules[0] (@demo-org/*)'],
    ['@demo-org/logger@1.4.0', 'demo-org/logger', 'rules[0] (@demo-org/*)'],
    ['@demo-org/http@3.0.2', 'demo-org/http', 'rules[0] (@demo-org/*)'],
    ['tinted@2.1.0', 'tinted-js/tinted', "the policy's default"],
  ] as const) {
    t.ok(r.stdout.split('\n').some((l) => /^ {2}pass +/.test(l) && l.includes(id) && l.includes(`built by ${builder}, allowed by ${rule}`)), `${id} passes`)
  }
  t.match(r.stdout, /The real check would exit 1 for this pull request/)

  // Cleaned up: the registry no longer listens, the temporary folder is gone.
  const port = Number(/served on http:\/\/127\.0\.0\.1:(\d+)\//.exec(r.stdout)?.[1])
  t.ok(port > 0, 'the output names the registry port')
  t.ok(await refused(port), 'nothing listens on the demo port afterwards')
  t.same(readdirSync(tmp), [], 'the temporary project is removed')
})

t.test('the JSON report has every demo package with its intended outcome', async (t) => {
  const { dir, env } = sandbox(t)
  const r = await runCli(['demo', '--json'], { cwd: dir, env })
  t.equal(r.status, 0, r.stderr)
  const report = JSON.parse(r.stdout)
  t.equal(report.packages.length, DEMO_PACKAGES.length)
  for (const pkg of DEMO_PACKAGES) {
    const p = report.packages.find((x: any) => x.name === pkg.name && x.version === pkg.version)
    const expected = EXPECTED_OUTCOMES[pkg.role]
    t.equal(p?.decision, expected.decision, `${pkg.name}: ${expected.decision}`)
    const codes = p.findings.map((f: any) => f.code)
    for (const code of expected.codes) t.ok(codes.includes(code), `${pkg.name}: ${code} (got ${codes.join(', ')})`)
  }
  t.same(report.packages.find((p: any) => p.name === '@demo-org/web-kit').findings, [], 'a trusted package has no findings')
})

t.test("the machine's npm configuration and proxies do not reach the demo", async (t) => {
  const { dir, env } = sandbox(t)
  // A user npmrc and environment that would break every request if they applied.
  writeFileSync(env.npm_config_userconfig!, 'registry=http://127.0.0.1:9/\n@demo-org:registry=http://127.0.0.1:9/\nfetch-retries=0\n')
  const r = await runCli(['demo'], {
    cwd: dir,
    env: { ...env, npm_config_registry: 'http://127.0.0.1:9/', HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', http_proxy: 'http://127.0.0.1:9' },
  })
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /8 packages: 4 pass, 1 warn, 3 fail/)
})

t.test('exits 1 and says what differed when the demo does not show what it should', async (t) => {
  // A copy of the demo world whose policy also allows the wrong repository: the blocked package only
  // warns (its build identity changed since main's release, IDENTITY_CHANGED).
  const fixturesDir = mkdtempSync(join(tmpdir(), 'verify-deps-demo-world-'))
  t.teardown(() => rmSync(fixturesDir, { recursive: true, force: true }))
  cpSync(FIXTURES, fixturesDir, { recursive: true })
  const policyFile = join(fixturesDir, 'project', 'verify-deps.policy.yaml')
  writeFileSync(policyFile, readFileSync(policyFile, 'utf8').replace('repository: demo-org/*', 'repository: "*/*"'))

  let out = ''
  let err = ''
  const term: Terminal = { out: (s) => void (out += s), err: (s) => void (err += s), stderrIsTTY: false }
  const code = await runDemoCommand([], term, { toolVersion: '0.0.0-test', fixturesDir })
  t.equal(code, 1)
  t.match(err, /@demo-org\/config@1\.0\.3 \(wrong-repository\) was expected to fail, but it ended as warn \(IDENTITY_CHANGED\)/)
  t.notMatch(out, /What happened, in plain words/, 'no account of outcomes that did not happen')
  t.match(out, /8 packages: 4 pass, 2 warn, 2 fail/, 'the report is still shown')
})

t.test('usage: --help, and no arguments', async (t) => {
  let out = ''
  const term: Terminal = { out: (s) => void (out += s), err: () => {}, stderrIsTTY: false }
  t.equal(await runDemoCommand(['--help'], term, { toolVersion: '0.0.0-test' }), 0)
  t.match(out, /Usage: verify-deps demo/)
  await t.rejects(runDemoCommand(['somewhere'], term, { toolVersion: '0.0.0-test' }), { code: 'EUSAGE' })
})

t.test('demo --init: init on main, policy check, main passes with its policy, the pull request is caught; exits 0', async (t) => {
  const { dir, tmp, env } = sandbox(t)
  const r = await runCli(['demo', '--init'], { cwd: dir, env })
  t.equal(r.status, 0, r.stderr)
  t.equal(r.stderr, '', 'nothing on stderr')
  t.match(r.stdout, /^verify-deps demo --init: trust bootstrapped from the main branch/)
  t.match(r.stdout, /1\. verify-deps init, on main\n +verify-deps\.policy\.yaml: wrote a policy with \d+ rules\n +verify-deps\.trust\.json: recorded 8 package versions/)
  t.match(r.stdout, /2\. verify-deps policy check\n +verify-deps\.policy\.yaml: valid policy \(version 1: \d+ rules/)
  t.match(r.stdout, /3\. verify-deps, on main with that policy and verify-deps\.trust\.json: 8 packages: 7 pass, 1 warn, 0 fail \(exit 0\)/)
  t.match(r.stdout, /4\. verify-deps, on the pull request with the same files: 8 packages: 4 pass, 1 warn, 3 fail \(exit 1\)/)
  t.match(r.stdout, /@demo-org\/config 1\.0\.2 → 1\.0\.3: PROVENANCE_IDENTITY_MISMATCH/)
  t.match(r.stdout, /fetch-lite 1\.14\.0 → 1\.14\.1: [^\n]*TRUST_DOWNGRADE/)
  t.match(r.stdout, /quick-parse 4\.0\.1: INTEGRITY_MISMATCH, SIGNATURE_INVALID, ATTESTATION_SUBJECT_MISMATCH/)
  t.match(r.stdout, /Main passed with the policy init wrote from it; the pull request did not/)
  t.same(readdirSync(tmp), [], 'the temporary project is removed')
})

t.test('demo --init exits 1 and says which step differed', async (t) => {
  const world = (edit: (fixturesDir: string) => void): string => {
    const fixturesDir = mkdtempSync(join(tmpdir(), 'verify-deps-demo-world-'))
    t.teardown(() => rmSync(fixturesDir, { recursive: true, force: true }))
    cpSync(FIXTURES, fixturesDir, { recursive: true })
    edit(fixturesDir)
    return fixturesDir
  }
  const run = async (fixturesDir: string) => {
    let out = ''
    let err = ''
    const term: Terminal = { out: (s) => void (out += s), err: (s) => void (err += s), stderrIsTTY: false }
    return { code: await runDemoCommand(['--init'], term, { toolVersion: '0.0.0-test', fixturesDir }), out, err }
  }
  // A pull request that changes nothing: init's policy passes it.
  const unchanged = await run(world((d) => cpSync(join(d, 'project', 'package-lock.json'), join(d, 'pull-request', 'package-lock.json'))))
  t.equal(unchanged.code, 1)
  t.match(unchanged.err, /@demo-org\/config@1\.0\.3 \(wrong-repository\) is not in the report/)
  t.notMatch(unchanged.out, /Main passed/, 'no conclusion from steps that did not end as intended')
  // Main with the pull request's lockfile: init cannot make the altered tarball pass.
  const badMain = await run(world((d) => cpSync(join(d, 'pull-request', 'package-lock.json'), join(d, 'project', 'package-lock.json'))))
  t.equal(badMain.code, 1)
  t.match(badMain.err, /main: quick-parse@4\.0\.1 fails \(INTEGRITY_MISMATCH/)
  // A snapshot without one package's documents: init cannot verify it (its exit 3), nor can the checks.
  const incomplete = await run(world((d) => rmSync(join(d, 'registry', 'tinted'), { recursive: true })))
  t.equal(incomplete.code, 1)
  t.match(incomplete.err, /- init exited 3\n  - main: tinted@2\.1\.0 fails \(FETCH_FAILED\)\n  - main: some evidence could not be fetched/)
})

t.test('demo --init --json is a usage error', async (t) => {
  const { dir, env } = sandbox(t)
  const r = await runCli(['demo', '--init', '--json'], { cwd: dir, env })
  t.equal(r.status, 2)
  t.match(JSON.parse(r.stdout), { error: { code: 'EUSAGE', summary: /--init prints its steps as text; it cannot be combined with --json/ } })
})
