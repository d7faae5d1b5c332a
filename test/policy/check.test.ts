// The trust policy over a real (loopback) registry through the library's check, in-process: who
// built and published each package, under enforce and warn, and the most specific rule. The CLI's
// arguments, output and exit codes for the same are in test/cli/policy.test.ts.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCheck } from '../../lib/check.js'
import { createScenario } from '../helpers/scenario/index.js'
import { cleanEnv } from '../cli/run.js'
import { ACME_BOT, acmePolicy as policy } from './acme-policy.js'

// One package per way the policy can be violated; everything else about them is valid.
const violations: Record<string, { code: string; spec: Record<string, unknown> }> = {
  '@acme/other-repo': { code: 'PROVENANCE_IDENTITY_MISMATCH', spec: { provenance: { identity: { repository: 'evil/other-repo' } } } },
  '@acme/other-workflow': { code: 'PROVENANCE_IDENTITY_MISMATCH', spec: { provenance: { identity: { workflowPath: '.github/workflows/ci.yml' } } } },
  '@acme/branch-build': { code: 'PROVENANCE_IDENTITY_MISMATCH', spec: { provenance: { identity: { ref: 'refs/heads/main' } } } },
  '@acme/self-hosted': { code: 'PROVENANCE_IDENTITY_MISMATCH', spec: { provenance: { identity: { runnerEnvironment: 'self-hosted' } } } },
  '@acme/foreign-reusable': {
    code: 'PROVENANCE_IDENTITY_MISMATCH',
    spec: { provenance: { identity: { jobWorkflowRef: 'mallory/tools/.github/workflows/publish.yml@refs/heads/main' } } },
  },
  '@acme/renamed': { code: 'PROVENANCE_IDENTITY_MISMATCH', spec: { provenance: { identity: { repositoryId: '999999999' } } } },
  '@acme/by-mallory': { code: 'PUBLISHER_NOT_ALLOWED', spec: { npmUser: { ...ACME_BOT, name: 'mallory' } } },
  '@acme/token-publish': { code: 'TRUSTED_PUBLISHER_MISSING', spec: { npmUser: { name: 'acme-bot', email: 'bot@acme.example' } } },
  '@acme/staged': { code: 'APPROVER_MISSING', spec: {} },
  '@acme/no-provenance': { code: 'PROVENANCE_MISSING', spec: { provenance: 'missing' } },
}

t.test('each identity or publisher violation fails under enforce and warns under warn', async (t) => {
  const s = await createScenario(t, {
    defaults: { npmUser: ACME_BOT },
    packages: [
      { name: '@acme/good', version: '1.0.0', provenance: { identity: { repository: 'acme/good' } } },
      ...Object.entries(violations).map(([name, v]) => ({ name, version: '1.0.0', ...v.spec })),
      { name: 'outsider', version: '1.0.0', provenance: 'missing' },
    ],
  })
  const env = cleanEnv(join(s.dir, 'home'))
  const policyFile = join(s.projectDir, 'verify-deps.policy.yaml')
  for (const mode of ['enforce', 'warn'] as const) {
    writeFileSync(policyFile, policy(mode))
    const report = await runCheck({
      projectDir: s.projectDir,
      env,
      toolVersion: '0.0.0-test',
      trustedRootFile: s.trustedRootFile,
      registryKeysPins: { [s.registry.url]: s.registryKeysFile },
      cacheDir: false,
    })
    t.equal(report.project.policy, policyFile, 'the report names the policy file')
    const by = (name: string) => report.packages.find((p) => p.name === name)!
    t.equal(by('@acme/good').decision, 'pass', `${mode}: the good package passes`)
    t.match(by('@acme/good').rule, /^rules\[0\]/)
    t.equal(by('@acme/renamed').rule.startsWith('rules[1]'), true, 'the exact name beats the glob')
    for (const [name, v] of Object.entries(violations)) {
      const p = by(name)
      t.ok(p.findings.some((f) => f.code === v.code), `${mode} ${name}: ${v.code} (got ${p.findings.map((f) => f.code).join(', ')})`)
      t.equal(p.decision, mode === 'enforce' ? 'fail' : 'warn', `${mode} ${name}: ${mode === 'enforce' ? 'fails' : 'warns'}`)
    }
    const mismatch = by('@acme/other-repo').findings.find((f) => f.code === 'PROVENANCE_IDENTITY_MISMATCH')!
    t.match(mismatch.message, /evil\/other-repo/, 'the message shows what was observed')
    t.match(mismatch.message, /acme\/\*/, 'and what is allowed')
    t.equal(by('outsider').rule, 'default', 'no rule matched: the default decides')
    t.equal(by('outsider').decision, 'warn')
  }
})

