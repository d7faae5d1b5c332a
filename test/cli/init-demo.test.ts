// verify-deps init on the demo project (fixtures/demo, served by the demo's snapshot registry): the
// policy it writes is valid, and the check with it fails only the packages no policy can pass (the
// demo's altered tarball: a validity failure, an error in every mode).
import t from 'tap'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadPolicy, runCheck } from '../../lib/check.js'
import { runInitCommand } from '../../lib/cli/init-command.js'
import { DEMO_FIXTURES_DIR } from '../../lib/cli/demo-command.js'
import { startSnapshotRegistry } from '../../lib/demo/snapshot-registry.js'
import { DEMO_PLACEHOLDER_ORIGIN } from '../../lib/demo/world.js'
import { captureTerminal } from '../helpers/capture-terminal.js'
import { TOOL_VERSION } from '../helpers/check.js'
import { cleanEnv } from './run.js'

t.test('init on the demo project: a valid policy; the check with it fails only the altered tarball', async (t) => {
  const registry = await startSnapshotRegistry(join(DEMO_FIXTURES_DIR, 'registry'))
  t.teardown(() => registry.close())
  const dir = t.testdir()
  const projectDir = join(dir, 'project')
  cpSync(join(DEMO_FIXTURES_DIR, 'project'), projectDir, { recursive: true })
  writeFileSync(join(projectDir, '.npmrc'), `registry=${registry.url}\nnoproxy=127.0.0.1\nreplace-registry-host=${new URL(DEMO_PLACEHOLDER_ORIGIN).hostname}\n`)
  const env = cleanEnv(join(dir, 'home'))
  const trustedRootFile = join(DEMO_FIXTURES_DIR, 'trust', 'trusted_root.json')
  const keys = join(DEMO_FIXTURES_DIR, 'registry', '-', 'npm', 'v1', 'keys.json')
  const term = captureTerminal()
  const code = await runInitCommand(['--force', '--trusted-root', trustedRootFile, '--registry-keys', `${registry.url}=${keys}`, '--no-cache'], term, { env, cwd: projectDir, toolVersion: TOOL_VERSION })
  t.equal(code, 0, term.stderr)
  t.comment(term.stdout)
  const policy = await loadPolicy(join(projectDir, 'verify-deps.policy.yaml'))
  t.ok(policy.rules.length > 0, 'a valid policy with rules')
  t.match(readFileSync(join(projectDir, 'verify-deps.policy.yaml'), 'utf8'), /packages: \["@demo-org\/\*"\]/)

  const report = await runCheck({ projectDir, env, toolVersion: TOOL_VERSION, trustedRootFile, registryKeysPins: { [registry.url]: keys }, cacheDir: false })
  const failing = report.packages.filter((p) => p.decision === 'fail').map((p) => `${p.name}@${p.version}: ${p.findings.filter((f) => f.severity === 'error').map((f) => f.code).join(', ')}`)
  t.comment(failing.join('\n'))
  t.ok(failing.some((f) => f.startsWith('quick-parse@4.0.1: ')), 'the altered tarball fails')
  t.ok(failing.every((f) => /TARBALL_INTEGRITY_MISMATCH|INTEGRITY_MISMATCH|ATTESTATION_SUBJECT_MISMATCH|SIGNATURE_INVALID|ATTESTATION_INVALID/.test(f)), 'only validity failures, which no policy can pass')
  t.match(term.stdout, /Still failing with this policy[^]*quick-parse@4\.0\.1: INTEGRITY_MISMATCH/, 'init names it')
})
