// The trust policy through the real CLI on the loopback registry: exceptions, deny and explain
// (text and --json); policy check's exit codes and output. Each way a policy can be violated is
// decided through the library (test/policy/check.test.ts).
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createScenario } from '../helpers/scenario/index.js'
import { cleanEnv, pinnedTrust, runCli } from './run.js'
import { ACME_BOT, acmePolicy as policy } from '../policy/acme-policy.js'

t.test('exceptions waive only what they list, expire, and are reported when unused; deny always fails', async (t) => {
  const s = await createScenario(t, {
    defaults: { npmUser: ACME_BOT },
    packages: [
      { name: '@acme/branch-build', version: '1.0.0', provenance: { identity: { ref: 'refs/heads/main' } } },
      { name: '@acme/old', version: '1.0.0', provenance: 'missing' },
      { name: 'left-pad', version: '1.3.0' },
    ],
  })
  const env = cleanEnv(join(s.dir, 'home'))
  writeFileSync(
    join(s.projectDir, 'verify-deps.policy.yaml'),
    policy(
      'enforce',
      `exceptions:
  - package: "@acme/branch-build@1.0.0"
    allow: [PROVENANCE_IDENTITY_MISMATCH]
    reason: "built from main during the migration"
    expires: 2999-01-01
  - package: "@acme/old@^1.0.0"
    allow: [PROVENANCE_MISSING]
    reason: "published before provenance"
    expires: 2020-01-01
  - package: "never-installed"
    allow: [PROVENANCE_MISSING]
    reason: "stale"
deny:
  - package: "left-pad@1.3.0"
    reason: "compromised release"
`,
    ),
  )
  const r = await runCli([s.projectDir, ...pinnedTrust(s), '--no-cache', '--json'], { cwd: s.dir, env })
  const report = JSON.parse(r.stdout)
  const by = (name: string) => report.packages.find((p: any) => p.name === name)
  t.equal(by('@acme/branch-build').decision, 'pass', 'waived')
  t.ok(by('@acme/branch-build').findings.some((f: any) => f.code === 'PROVENANCE_IDENTITY_MISMATCH' && f.severity === 'info'), 'kept as info')
  t.ok(by('@acme/old').findings.some((f: any) => f.code === 'EXCEPTION_EXPIRED'), 'expired exception reported')
  t.equal(by('@acme/old').decision, 'fail', 'an expired exception no longer waives')
  t.equal(by('left-pad').decision, 'fail')
  t.ok(by('left-pad').findings.some((f: any) => f.code === 'DENIED'))
  t.ok(report.notices.some((n: string) => /never-installed/.test(n)), 'the unused exception is reported')
  t.equal(r.status, 1)

  // explain shows the rule, the waived finding and the decision.
  const explained = await runCli(['explain', '@acme/branch-build', s.projectDir, ...pinnedTrust(s), '--no-cache'], { cwd: s.dir, env })
  t.equal(explained.status, 0, explained.stderr)
  t.match(explained.stdout, /rules\[0\]/)
  t.match(explained.stdout, /refs\/heads\/main/)
  t.match(explained.stdout, /exceptions\[0\]/)

  // explain --json: the same as data, the package entry as check --json shows it.
  const json = await runCli(['explain', '@acme/branch-build', s.projectDir, ...pinnedTrust(s), '--no-cache', '--json'], { cwd: s.dir, env })
  t.equal(json.status, 0, json.stderr)
  const doc = JSON.parse(json.stdout)
  t.match(doc, {
    explanations: [
      {
        package: { name: '@acme/branch-build', version: '1.0.0', decision: 'pass', rule: /^rules\[0\]/, evidence: { provenance: { status: 'verified' } } },
        policy: join(s.projectDir, 'verify-deps.policy.yaml'),
        rule: { kind: 'rule', index: 0 },
        mode: 'enforce',
        exceptions: [{ id: /^exceptions\[0\]/, status: 'applied', waived: ['PROVENANCE_IDENTITY_MISMATCH'] }],
      },
    ],
  })
  t.same(doc.explanations[0].package, by('@acme/branch-build'), 'the same entry as the check report')
})

// Every malformed and valid fixture is judged through the library (test/policy/malformed.test.ts,
// load.test.ts); here, a few through the CLI for its exit codes and output.
t.test('policy check: a malformed policy exits 2 with its file:line:column and no stack trace; the check refuses it too', async (t) => {
  const dir = fileURLToPath(new URL('../../fixtures/policies/malformed/', import.meta.url))
  const env = cleanEnv(t.testdir({ home: {} }) + '/home')
  // YAML syntax, the schema, and a check across fields.
  for (const f of ['yaml-unclosed-flow-fail.yaml', 'mode-misspelled-fail.yaml', 'same-pattern-in-two-rules-fail.yaml']) {
    const file = join(dir, f)
    const expect = /^# expect: (\d+):(\d+)/.exec(readFileSync(file, 'utf8'))!
    const r = await runCli(['policy', 'check', file], { cwd: dir, env })
    t.equal(r.status, 2, `${f}: exit 2`)
    t.match(r.stderr, `${file}:${expect[1]}:${expect[2]}`, `${f}: names file:line:column`)
    t.notMatch(r.stderr, /\n\s+at /, `${f}: no stack trace`)
  }
  // The check refuses to run with a broken policy, before any request.
  const bad = join(dir, 'mode-misspelled-fail.yaml')
  const project = t.testdir({ 'package.json': '{"name":"p","version":"1.0.0"}', 'package-lock.json': '{"name":"p","lockfileVersion":3,"packages":{"":{"name":"p","version":"1.0.0"}}}' })
  const r = await runCli([project, '--policy', bad, '--offline'], { cwd: project, env })
  t.equal(r.status, 2)
  t.match(r.stderr, bad)
})

t.test('policy check accepts a valid policy: exit 0 and a one-line summary', async (t) => {
  const dir = fileURLToPath(new URL('../../fixtures/policies/', import.meta.url))
  const env = cleanEnv(t.testdir({ home: {} }) + '/home')
  const r = await runCli(['policy', 'check', join(dir, 'acme.policy.yaml')], { cwd: dir, env })
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /acme\.policy\.yaml: valid policy \(version 1: \d+ rules, \d+ exceptions, \d+ deny entries\)/)
})

t.test('explain refuses a report format other than text or json', async (t) => {
  const env = cleanEnv(t.testdir({ home: {} }) + '/home')
  const r = await runCli(['explain', 'left-pad', '--format', 'sarif'], { cwd: t.testdir({}), env })
  t.equal(r.status, 2)
  t.match(r.stderr, /--format sarif/)
})
