// verify-deps init on the loopback registry: two scopes and unscoped packages from two repository
// owners; the policy it writes passes `policy check` and the check on the same tree; it refuses to
// overwrite without --force; --dry-run prints both files. The generator alone: test/policy/init-policy.test.ts.
import t from 'tap'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runInitCommand } from '../../lib/cli/init-command.js'
import { createScenario } from '../helpers/scenario/index.js'
import { checkScenario, pinnedTrust, TOOL_VERSION } from '../helpers/check.js'
import { cleanEnv, pinnedTrust as pinnedTrustArgs, runCli } from './run.js'
import { ACME_BOT } from '../policy/acme-policy.js'
import { captureTerminal } from '../helpers/capture-terminal.js'

t.test('init writes a policy the tree passes, and the trust lockfile; never overwrites without --force', async (t) => {
  const s = await createScenario(t, {
    packages: [
      { name: '@acme/a', version: '1.0.0', npmUser: ACME_BOT },
      { name: '@acme/b', version: '1.1.0', npmUser: ACME_BOT },
      { name: '@beta/x', version: '1.0.0' },
      { name: '@beta/y', version: '1.0.0', provenance: 'missing' },
      { name: 'left-pad', version: '1.0.0', provenance: { identity: { repository: 'pads/left-pad' } } },
      { name: 'right-pad', version: '2.0.0', provenance: { identity: { repository: 'pads/right-pad' } } },
      { name: 'from-main', version: '1.0.0', provenance: { identity: { repository: 'solo/from-main', ref: 'refs/heads/main' } } },
      { name: 'plain', version: '1.0.0', provenance: 'missing' },
    ],
  })
  const env = cleanEnv(join(s.dir, 'home'))
  const policyFile = join(s.projectDir, 'verify-deps.policy.yaml')
  const trustFile = join(s.projectDir, 'verify-deps.trust.json')
  const init = async (...args: string[]) => {
    const term = captureTerminal()
    const code = await runInitCommand([...args, ...pinnedTrustArgs(s), '--no-cache'], term, { env, cwd: s.projectDir, toolVersion: TOOL_VERSION })
    return { code, out: term.stdout }
  }

  const dry = await init('--dry-run')
  t.equal(dry.code, 0)
  t.notOk(existsSync(policyFile) || existsSync(trustFile), '--dry-run writes nothing')
  t.match(dry.out, /^--- verify-deps\.policy\.yaml \(not written: --dry-run\)\n# yaml-language-server/)
  t.match(dry.out, /--- verify-deps\.trust\.json \(not written: --dry-run\)\n\{\n {2}"lockfileVersion": 1,/)

  const r = await init()
  t.equal(r.code, 0)
  t.match(r.out, /verify-deps\.policy\.yaml: wrote a policy with 4 rules/)
  t.match(r.out, /1 unscoped package without verified provenance got no rule/)
  t.match(r.out, /With this policy the check decides 8 packages: 6 pass, 2 warn, 0 fail, 0 skipped\./)
  const policy = readFileSync(policyFile, 'utf8')
  t.equal(policy, dry.out.split('--- verify-deps.trust.json')[0]!.replace(/^--- .*\n/, ''), 'what --dry-run printed')
  t.equal(readFileSync(trustFile, 'utf8'), /--- verify-deps\.trust\.json .*\n([^]*?\n\}\n)/.exec(dry.out)?.[1], 'the trust lockfile --dry-run printed')
  // One rule per scope, then per repository owner of unscoped packages, each with a comment.
  t.match(policy, `  # @acme/*: 2 packages (@acme/a, @acme/b), 2 locked versions; every one with verified provenance from a trusted publisher.
  - packages: ["@acme/*"]
    mode: enforce
    require:
      provenance: true
      trustedPublisher: true
    builds:
      - issuer: "https://token.actions.githubusercontent.com"
        repository: "acme/*"
        workflow: ".github/workflows/release.yml"
        ref: "refs/tags/v*"
        runner: "github-hosted"
    severity:
      SIGNATURE_UNSUPPORTED_BY_REGISTRY: warning
`)
  t.match(policy, /# @beta\/\*: 2 packages \(@beta\/x, @beta\/y\), 2 locked versions; 1 with verified provenance\.\n.*raise it to enforce.*\n {2}- packages: \["@beta\/\*"\]\n {4}mode: warn\n/)
  t.match(policy, /repository: "beta\/x"/, 'one repository: exact')
  t.match(policy, /SIGNATURE_MISSING: error/, 'a warn group whose versions were all signed keeps signatures required')
  t.match(policy, /- packages: \["left-pad", "right-pad"\]\n {4}mode: enforce/)
  t.match(policy, /repository: "pads\/\*"/)
  t.match(policy, /- packages: \["from-main"\][^]*ref: "refs\/heads\/main"/, 'a single branch ref is written as is')
  t.match(policy, /# 1 unscoped package without verified provenance \(plain\): no rule/)
  t.notMatch(policy, /"plain"/)
  t.equal(JSON.parse(readFileSync(trustFile, 'utf8')).packages['@acme/a']['1'].level, 'trusted-publisher')

  // The written policy passes `policy check`, and the check on the same tree passes.
  const check = await runCli(['policy', 'check'], { cwd: s.projectDir, env })
  t.equal(check.status, 0, check.stderr)
  t.match(check.stdout, /valid policy \(version 1: 4 rules/)
  const result = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false })
  t.equal(result.status, 0, 'the check passes')
  t.equal(result.json.summary.fail, 0)
  t.equal(result.pkg('@acme/a').rule, 'rules[0] (@acme/*)')

  // And it still catches what it was made to catch: another repository fails the enforced scope.
  const hijacked = await createScenario(t, { packages: [{ name: '@acme/a', version: '1.0.0', provenance: { identity: { repository: 'mallory/a' } } }] })
  writeFileSync(join(hijacked.projectDir, 'verify-deps.policy.yaml'), policy)
  const caught = await checkScenario(hijacked, { ...pinnedTrust(hijacked), cacheDir: false })
  t.equal(caught.status, 1)
  t.ok(caught.codes('@acme/a').includes('PROVENANCE_IDENTITY_MISMATCH'))

  // Never overwrites without --force (exit 2, EINITEXISTS); --force replaces both.
  writeFileSync(policyFile, 'version: 1\nrules: []\n')
  const refused = await runCli(['init', ...pinnedTrustArgs(s)], { cwd: s.projectDir, env })
  t.equal(refused.status, 2)
  t.match(refused.stderr, /verify-deps\.policy\.yaml and verify-deps\.trust\.json already exist; nothing was written/)
  t.equal(readFileSync(policyFile, 'utf8'), 'version: 1\nrules: []\n', 'unchanged')
  writeFileSync(trustFile, '{ broken')
  writeFileSync(join(s.projectDir, 'verify-deps.policy.json'), '{}')
  const forced = await init('--force')
  t.equal(forced.code, 0, 'neither the old policy nor the old trust lockfile is read')
  t.equal(readFileSync(policyFile, 'utf8'), policy)
  t.notOk(existsSync(join(s.projectDir, 'verify-deps.policy.json')), 'another policy file is replaced, not left beside it')
  t.match(forced.out, /verify-deps\.policy\.json: removed/)
})

t.test('init: usage', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }] })
  const env = cleanEnv(join(s.dir, 'home'))
  const term = captureTerminal()
  const offline = await runInitCommand(['--dry-run', '--offline', '--no-cache', ...pinnedTrustArgs(s)], term, { env, cwd: s.projectDir, toolVersion: TOOL_VERSION })
  t.equal(offline, 3, 'nothing could be fetched: exit 3')
  t.match(term.stdout, /not recorded \(failed verification\): a@1\.0\.0/)
  const help = await runCli(['init', '--help'], { cwd: s.projectDir, env })
  t.equal(help.status, 0)
  t.match(help.stdout, /^Usage: verify-deps init \[dir\] \[--force\] \[--dry-run\]/)
  const two = await runCli(['init', 'a', 'b'], { cwd: s.projectDir, env })
  t.equal(two.status, 2)
  const policy = await runCli(['init', '--policy', 'x.yaml'], { cwd: s.projectDir, env })
  t.equal(policy.status, 2)
  t.match(policy.stderr, /--policy cannot be combined with init/)
  const output = await runCli(['init', '--output', 'x.txt'], { cwd: s.projectDir, env })
  t.equal(output.status, 2)
  t.match(output.stderr, /init: --output is a check report option/)
})
