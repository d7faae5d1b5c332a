import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { PolicyFileError } from '../../lib/policy/errors.js'
import { evaluateDefaultPolicy, evaluatePolicy } from '../../lib/policy/evaluate.js'
import { findPolicyFile, loadPolicy } from '../../lib/check.js'
import { parsePolicy } from '../../lib/policy/parse.js'
import { starterPolicy } from '../../lib/policy/starter.js'
import { NOW, noProvenance, ref, verified } from './helpers.js'

const fixtures = fileURLToPath(new URL('../../fixtures/policies/', import.meta.url))
const valid = readdirSync(fixtures).filter((f) => /\.policy\.(ya?ml|json)$/.test(f))

t.test('every valid example policy loads', async (t) => {
  t.ok(valid.length >= 5)
  for (const name of valid) {
    const policy = await loadPolicy(fixtures + name)
    t.equal(policy.version, 1, name)
    t.equal(policy.source?.file, fixtures + name)
  }
})

t.test('defaults are applied: mode enforce, signature required, builds imply provenance', async (t) => {
  const policy = await loadPolicy(fixtures + 'reusable-workflow.policy.yaml')
  t.same(policy.rules[0], {
    packages: ['@acme/*'],
    mode: 'enforce',
    require: { signature: true, provenance: true, trustedPublisher: false, approver: false },
    builds: [{ repository: 'acme/*', workflow: '.github/workflows/release.yml', signer: 'acme/shared-workflows/.github/workflows/npm-publish.yml@refs/tags/v*', runner: 'github-hosted' }],
  })
  t.same(policy.rules[1]?.require, { signature: true, provenance: false, trustedPublisher: false, approver: false })
  t.equal(policy.default, undefined, 'no default section: the built-in default decides')
  t.same(policy.exceptions, [])
  t.same(policy.deny, [])
})

t.test('YAML anchors and aliases are read through; a trigger may be a string or a list', async (t) => {
  const policy = await loadPolicy(fixtures + 'anchors.policy.yml')
  t.same(policy.rules[1]?.builds, policy.rules[0]?.builds)
  const one = parsePolicy('version: 1\nrules:\n  - packages: [a]\n    builds: [{ trigger: push }]\n', 'p.yaml')
  t.same(one.ok && one.policy.rules[0]?.builds, [{ trigger: ['push'] }])
})

t.test('JSON policies are read with positions too', async (t) => {
  const policy = await loadPolicy(fixtures + 'gitlab.policy.json')
  t.equal(policy.rules[0]?.builds?.[0]?.repository, 'https://gitlab.com/gl-group/**')
  const bad = parsePolicy('{\n  "version": 1,\n  "rules": [{ "packages": ["a"], "mode": "strict" }]\n}\n', 'p.json')
  t.match(bad, { ok: false, errors: [{ path: 'rules[0].mode', line: 3, column: 42 }] })
})

t.test('every problem in a file is reported, first one first', async (t) => {
  const r = parsePolicy('version: 1\nrules:\n  - packages: [a]\n    mode: strict\n    extra: 1\ndeny:\n  - reason: x\n', 'p.yaml')
  if (r.ok) throw new Error('expected errors')
  t.same(
    r.errors.map((e) => `${e.line}:${e.column} ${e.path}`),
    ['4:11 rules[0].mode', '5:5 rules[0].extra', '7:5 deny[0]'],
  )
  t.equal(r.errors[0]!.errors.length, 3)
})

t.test('findPolicyFile looks for .yaml, .yml and .json at the project root; two is an error', async (t) => {
  const dir = t.testdir({ 'verify-deps.policy.yml': 'version: 1\n' })
  t.equal(findPolicyFile(dir), `${dir}/verify-deps.policy.yml`)
  t.equal(findPolicyFile(t.testdir({ 'package.json': '{}' })), null)
  const two = t.testdir({ 'verify-deps.policy.yaml': 'version: 1\n', 'verify-deps.policy.json': '{"version": 1}' })
  t.throws(() => findPolicyFile(two), { code: 'EPOLICY', line: 0, message: /more than one policy file/ })
})

t.test('a file that cannot be read is a PolicyFileError, not a stack trace', async (t) => {
  const err = (await loadPolicy('/nonexistent/verify-deps.policy.yaml').then(
    () => t.fail('loaded'),
    (e: unknown) => e,
  )) as PolicyFileError
  t.ok(err instanceof PolicyFileError)
  t.equal(err.message, '/nonexistent/verify-deps.policy.yaml: no such file')
})

t.test('the starter policy is valid and decides exactly like the built-in default', async (t) => {
  const text = starterPolicy()
  const parsed = parsePolicy(text, 'verify-deps.policy.yaml')
  if (!parsed.ok) throw parsed.errors[0]
  t.match(text, /^# yaml-language-server: \$schema=/)
  for (const outcome of [verified(), noProvenance(), { kind: 'fetch-failed', reason: 'x' } as const]) {
    t.same(evaluatePolicy(parsed.policy, ref('left-pad'), outcome, NOW), evaluateDefaultPolicy(ref('left-pad'), outcome))
  }
  // Its commented examples are valid once uncommented.
  const uncommented = text.replace(/^# ?(default:|  mode: warn|  require: \{ signature)/gm, '$1').replace(/^#( {2}[- ]|$)/gm, '$1').replace(/^(rules|exceptions|deny): \[\]$/gm, '$1:')
  const examples = parsePolicy(uncommented, 'uncommented.yaml')
  if (!examples.ok) throw examples.errors[0]
  t.equal(examples.policy.rules.length, 1)
  t.same(examples.policy.rules[0]?.continuity, { downgrade: 'enforce', identity: 'warn' })
  t.equal(examples.policy.rules[0]?.minimumReleaseAge, '4d')
  t.equal(examples.policy.exceptions.length, 1)
  t.equal(examples.policy.deny.length, 1)
  t.equal(examples.policy.default?.mode, 'warn')
  t.ok(readFileSync(fixtures + 'acme.policy.yaml', 'utf8'))
})
