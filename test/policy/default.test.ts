import t from 'tap'
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import { parse as parseYaml } from 'yaml'
import { FINDINGS, type FindingCode } from '../../lib/findings.js'
import { BUILT_IN_POLICY, BUILT_IN_POLICY_NAME, BUILT_IN_POLICY_TEXT } from '../../lib/policy/default.js'
import { evaluateDefaultPolicy, evaluatePolicy, explainPackage } from '../../lib/policy/evaluate.js'
import { parsePolicy } from '../../lib/policy/parse.js'
import { NOW, policyFrom as policyOf, scriptContext } from './helpers.js'
import type { PackageRef } from '../../lib/model.js'
import type { PackageFacts } from '../../lib/model/facts.js'

const ref = (over: Partial<PackageRef> = {}): PackageRef => ({
  name: 'a',
  version: '1.0.0',
  integrity: 'sha512-x',
  source: 'registry',
  registry: 'https://registry.npmjs.org/',
  locations: [{ path: 'node_modules/a', why: ['(root)', 'a@1.0.0'], dev: false, optional: false, peer: false }],
  ...over,
})
const facts = (findings: PackageFacts['findings']): PackageFacts => ({
  name: 'a',
  version: '1.0.0',
  integrity: { status: 'verified', integrity: 'sha512-x' },
  signature: { status: 'verified' },
  provenance: { status: 'verified' },
  publish: { status: 'verified' },
  publisher: { source: 'registry-metadata' },
  findings,
})

t.test('decisions follow each finding code', async (t) => {
  const decide = (code: PackageFacts['findings'][number]['code']) => evaluateDefaultPolicy(ref(), { kind: 'verified', facts: facts([{ code, message: 'm' }]) }).decision
  t.equal(evaluateDefaultPolicy(ref(), { kind: 'verified', facts: facts([]) }).decision, 'pass')
  for (const code of ['SIGNATURE_INVALID', 'SIGNATURE_MISSING', 'SIGNATURE_KEY_UNKNOWN', 'SIGNATURE_KEY_EXPIRED', 'ATTESTATION_INVALID', 'ATTESTATION_SUBJECT_MISMATCH', 'ATTESTATION_MISSING', 'INTEGRITY_MISMATCH', 'TARBALL_INTEGRITY_MISMATCH', 'INTEGRITY_MISSING'] as const) {
    t.equal(decide(code), 'fail', code)
  }
  for (const code of ['PROVENANCE_MISSING', 'SIGNATURE_UNSUPPORTED_BY_REGISTRY'] as const) t.equal(decide(code), 'warn', code)
})

t.test('fetch failures fail the package (never a pass); non-registry sources warn; bundled are skipped with a reason', async (t) => {
  const failed = evaluateDefaultPolicy(ref(), { kind: 'fetch-failed', reason: 'HTTP 500' })
  t.equal(failed.decision, 'fail')
  t.same(failed.findings.map((f) => f.code), ['FETCH_FAILED'])
  const git = evaluateDefaultPolicy(ref({ source: 'git', resolved: 'git+https://github.com/a/a.git#abc' }), { kind: 'not-registry' })
  t.equal(git.decision, 'warn')
  t.same(git.findings.map((f) => f.code), ['UNVERIFIABLE_SOURCE'])
  const bundled = evaluateDefaultPolicy(ref({ source: 'bundled', sourceDetail: 'parent@1.0.0' }), { kind: 'not-registry' })
  t.equal(bundled.decision, 'skipped')
  t.match(bundled.skipReason, /^bundled \(parent@1\.0\.0\)/)
  t.equal(bundled.rule, 'default')
})

t.test('the built-in default policy is an ordinary policy document: the schema accepts it and docs show it', async (t) => {
  const parsed = parsePolicy(BUILT_IN_POLICY_TEXT, 'built-in.yaml')
  if (!parsed.ok) throw parsed.errors[0]
  t.same({ ...parsed.policy, source: undefined }, { ...BUILT_IN_POLICY, source: undefined })
  t.strictSame(parsePolicy(BUILT_IN_POLICY_TEXT, BUILT_IN_POLICY_NAME), { ok: true, policy: BUILT_IN_POLICY }, 'BUILT_IN_POLICY is the parse of its text, source positions included')
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false })
  const validate = ajv.compile(JSON.parse(readFileSync(new URL('../../docs/policy.schema.json', import.meta.url), 'utf8')))
  t.ok(validate(parseYaml(BUILT_IN_POLICY_TEXT)), JSON.stringify(validate.errors))
  t.match(readFileSync(new URL('../../docs/default-policy.md', import.meta.url), 'utf8'), '```yaml\n' + BUILT_IN_POLICY_TEXT + '```', 'docs/default-policy.md shows the document')
})

t.test('the built-in default policy gives every finding code its registry default severity', async (t) => {
  for (const code of Object.keys(FINDINGS) as FindingCode[]) {
    // Raised only by their own sections, with their own modes (tested with them).
    if (FINDINGS[code].policy.requiredBy === 'installScripts' || FINDINGS[code].policy.requiredBy === 'continuity') continue
    const result = evaluateDefaultPolicy(ref(), { kind: 'verified', facts: facts([{ code, message: 'm' }]) })
    t.same(result.findings, [{ code, severity: FINDINGS[code].defaultSeverity, message: 'm' }], code)
  }
})

t.test('the built-in default policy gives the install-script findings their registry default severity', async (t) => {
  // Unreviewed under npm 11 (so it runs), no provenance, approved for another version only.
  const scripted = ref({ installScript: { allowScripts: 'unreviewed', matched: [], pinnedElsewhere: ['a@0.9.0'] } })
  const result = evaluatePolicy(null, scripted, { kind: 'verified', facts: { ...facts([]), provenance: { status: 'none' } } }, NOW, scriptContext())
  const codes = (Object.keys(FINDINGS) as FindingCode[]).filter((code) => FINDINGS[code].policy.requiredBy === 'installScripts')
  t.same(result.findings.map((f) => [f.code, f.severity]), codes.map((code) => [code, FINDINGS[code].defaultSeverity]))
})

t.test('the same document as a policy file decides exactly like no policy file, but names the file', async (t) => {
  const file = policyOf(BUILT_IN_POLICY_TEXT)
  const outcomes = [
    { kind: 'verified', facts: facts([]) },
    { kind: 'verified', facts: { ...facts([{ code: 'PROVENANCE_MISSING', message: 'm' }]), provenance: { status: 'none' } } },
    { kind: 'verified', facts: { ...facts([{ code: 'SIGNATURE_UNSUPPORTED_BY_REGISTRY', message: 'm' }]), signature: { status: 'unsupported' } } },
    { kind: 'fetch-failed', reason: 'HTTP 500' },
  ] as const
  for (const outcome of outcomes) {
    t.same(evaluatePolicy(file, ref(), outcome, NOW).decision, evaluateDefaultPolicy(ref(), outcome).decision)
  }
  const git = ref({ source: 'git', resolved: 'git+https://github.com/a/a.git#abc' })
  t.same(evaluatePolicy(file, git, { kind: 'not-registry' }, NOW).decision, 'warn')
  const asFile = explainPackage(file, ref(), outcomes[0], NOW)
  const builtIn = explainPackage(null, ref(), outcomes[0], NOW)
  t.match(asFile, { policy: 'verify-deps.policy.yaml', mode: 'enforce', rule: { kind: 'default' } })
  t.match(builtIn, { policy: 'built-in default policy', mode: 'built-in', rule: { kind: 'built-in', why: /no policy file/ } })
  t.same(asFile.checks, builtIn.checks, 'the same requirements checked')
})

t.test('a signature that was not checked (no registry version data) is not a pass under the built-in default either', async (t) => {
  const result = evaluateDefaultPolicy(ref(), { kind: 'verified', facts: { ...facts([]), signature: { status: 'not-checked' } } })
  t.equal(result.decision, 'fail')
  t.same(result.findings.map((f) => f.code), ['SIGNATURE_MISSING'])
})
