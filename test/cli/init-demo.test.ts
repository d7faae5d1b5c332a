// Issue 12's Done-when on init: "verify-deps init on the demo project writes a policy that passes
// policy check and the check". The demo project (fixtures/demo/project) is its main branch, served
// by the demo's snapshot registry: init there writes a valid policy, the check on main passes with
// it (the library and the real bin), and the same policy and trust lockfile catch the pull request
// (fixtures/demo/pull-request): the wrong repository, the downgrade and the altered tarball.
import t from 'tap'
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadPolicy, runCheck } from '../../lib/check.js'
import { runInitCommand } from '../../lib/cli/init-command.js'
import { runPolicyCommand } from '../../lib/cli/policy-commands.js'
import { DEMO_FIXTURES_DIR } from '../../lib/cli/demo-command.js'
import { startSnapshotRegistry } from '../../lib/demo/snapshot-registry.js'
import { DEMO_PLACEHOLDER_ORIGIN } from '../../lib/demo/world.js'
import type { Report } from '../../lib/model.js'
import { captureTerminal } from '../helpers/capture-terminal.js'
import { TOOL_VERSION } from '../helpers/check.js'
import { cleanEnv, runCli } from './run.js'

const codesOf = (report: Report, name: string) => report.packages.find((p) => p.name === name)?.findings.map((f) => f.code) ?? []
const failing = (report: Report) => report.packages.filter((p) => p.decision === 'fail').map((p) => `${p.name}@${p.version}`)

t.test('init on the demo main branch: policy check and the check pass; the pull request is caught', async (t) => {
  const registry = await startSnapshotRegistry(join(DEMO_FIXTURES_DIR, 'registry'))
  t.teardown(() => registry.close())
  const dir = t.testdir()
  const projectDir = join(dir, 'project')
  cpSync(join(DEMO_FIXTURES_DIR, 'project'), projectDir, { recursive: true })
  // A project adopting verify-deps: no policy yet, so init writes one without --force.
  rmSync(join(projectDir, 'verify-deps.policy.yaml'))
  writeFileSync(join(projectDir, '.npmrc'), `registry=${registry.url}\nnoproxy=127.0.0.1\nreplace-registry-host=${new URL(DEMO_PLACEHOLDER_ORIGIN).hostname}\n`)
  const env = cleanEnv(join(dir, 'home'))
  const trustedRootFile = join(DEMO_FIXTURES_DIR, 'trust', 'trusted_root.json')
  const keys = join(DEMO_FIXTURES_DIR, 'registry', '-', 'npm', 'v1', 'keys.json')
  const trustArgs = ['--trusted-root', trustedRootFile, '--registry-keys', `${registry.url}=${keys}`, '--no-cache']
  const ctx = { env, cwd: projectDir, toolVersion: TOOL_VERSION }

  const init = captureTerminal()
  t.equal(await runInitCommand(trustArgs, init, ctx), 0, init.stderr)
  t.match(init.stdout, /With this policy the check decides 8 packages: 7 pass, 1 warn, 0 fail, 0 skipped/)
  t.notMatch(init.stdout, /Still failing/, 'init names no package that fails on main')

  // Valid: as the check loads it, and through `verify-deps policy check`.
  const policyFile = join(projectDir, 'verify-deps.policy.yaml')
  const policy = await loadPolicy(policyFile)
  t.ok(policy.rules.length > 0, 'a valid policy with rules')
  t.match(readFileSync(policyFile, 'utf8'), /packages: \["@demo-org\/\*"\][^]*repository: "demo-org\/\*"/, 'the demo-org rule allows the repositories that built main')
  const policyCheck = captureTerminal()
  t.equal(await runPolicyCommand(['check'], policyCheck, ctx), 0)
  t.match(policyCheck.stdout, /verify-deps\.policy\.yaml: valid policy \(version 1: \d+ rules/)

  // The check on main with init's policy and trust lockfile: nothing fails.
  const checkOptions = { projectDir, env, toolVersion: TOOL_VERSION, trustedRootFile, registryKeysPins: { [registry.url]: keys }, cacheDir: false as const }
  const main = await runCheck(checkOptions)
  t.same(failing(main), [], 'no package fails on main')
  t.equal(main.couldNotVerify, false)
  t.same(main.summary, { total: 8, pass: 7, warn: 1, fail: 0, skipped: 0 })
  const cli = await runCli(trustArgs, { cwd: projectDir, env })
  t.equal(cli.status, 0, `the real bin exits 0 on main: ${cli.stderr}`)

  // The pull request, checked with what init wrote from main.
  cpSync(join(DEMO_FIXTURES_DIR, 'pull-request', 'package-lock.json'), join(projectDir, 'package-lock.json'))
  const pullRequest = await runCheck(checkOptions)
  t.same(failing(pullRequest).sort(), ['@demo-org/config@1.0.3', 'fetch-lite@1.14.1', 'quick-parse@4.0.1'])
  t.ok(codesOf(pullRequest, '@demo-org/config').includes('PROVENANCE_IDENTITY_MISMATCH'), 'config: built outside the repositories main was built in')
  t.ok(codesOf(pullRequest, 'fetch-lite').includes('TRUST_DOWNGRADE'), 'fetch-lite: the drop from 1.14.0')
  for (const code of ['INTEGRITY_MISMATCH', 'SIGNATURE_INVALID', 'ATTESTATION_SUBJECT_MISMATCH'] as const) {
    t.ok(codesOf(pullRequest, 'quick-parse').includes(code), `quick-parse: ${code}`)
  }
  const cliPullRequest = await runCli(trustArgs, { cwd: projectDir, env })
  t.equal(cliPullRequest.status, 1, 'the real bin exits 1 on the pull request')
})
