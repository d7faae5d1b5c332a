import t from 'tap'
import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { evaluatePolicy, explainPackage, type PackageExplanation } from '../../lib/policy/evaluate.js'
import { DEFAULT_MAX_WHY_PATHS, formatExplanation } from '../../lib/policy/explain.js'
import { formatExplanationsJson } from '../../lib/report/explain-json.js'
import type { JsonPackage } from '../../lib/report/json.js'
import type { ExplanationJson } from '../../lib/policy/explain.js'

type ExplanationDoc = ExplanationJson & { package: JsonPackage }
import { NOW, identity, noProvenance, policyFrom, ref, scriptContext, verified } from './helpers.js'

const ACME = policyFrom(readFileSync(new URL('../../fixtures/policies/acme.policy.yaml', import.meta.url), 'utf8'))

t.test('explains which rule matched and why, including the rules it outranked', async (t) => {
  const policy = policyFrom('version: 1\nrules:\n  - packages: ["**"]\n    mode: warn\n  - packages: ["@acme/*"]\n  - packages: ["@acme/app"]\n    mode: off\n')
  const e = explainPackage(policy, ref(), verified(), NOW)
  t.match(e.rule, { id: 'rules[2] (@acme/app)', kind: 'rule', pattern: '@acme/app', why: 'exact name' })
  t.same(e.rule.outranked.map((o) => o.id), ['rules[1] (@acme/*)', 'rules[0] (**)'])
  t.match(e.rule.outranked[0]?.why, 'glob, literal prefix "@acme/" (6 characters)')
  t.equal(e.mode, 'off')
  t.ok(e.checks.every((c) => c.status === 'not-checked' || c.status === 'not-required'))
})

t.test('each requirement with observed and allowed values; builds field by field', async (t) => {
  const outcome = verified({ provenance: { status: 'verified', identity: identity({ workflow: '.github/workflows/ci.yml' }) }, publisher: { name: 'mallory' } })
  const e = explainPackage(ACME, ref(), outcome, NOW)
  t.same(e.result, evaluatePolicy(ACME, ref(), outcome, NOW), 'the same result as the check')
  const byName = Object.fromEntries(e.checks.map((c) => [c.requirement, c]))
  t.match(byName.signature, { status: 'met', observed: 'verified (SHA256:key)' })
  t.match(byName.provenance, { status: 'met' })
  t.match(byName.publishers, { status: 'violated', observed: 'mallory', allowed: 'acme-bot', code: 'PUBLISHER_NOT_ALLOWED' })
  t.match(byName.trustedPublisher, { status: 'met' })
  t.match(byName.approver, { status: 'not-required' })
  t.match(byName.builds, { status: 'violated', code: 'PROVENANCE_IDENTITY_MISMATCH' })
  const fields = byName.builds?.builds?.[0]?.fields ?? []
  t.match(
    fields.find((f) => f.field === 'workflow'),
    { observed: '.github/workflows/ci.yml', allowed: '.github/workflows/release.yml', matched: false },
  )
  t.match(fields.find((f) => f.field === 'repositoryId'), { observed: '123456789', matched: true })
  t.match(fields.find((f) => f.field === 'signer'), { implicit: true, matched: true })

  const text = formatExplanation(e)
  t.match(text, /^@acme\/app@1\.0\.0: fail\n/)
  t.match(text, 'rule        rules[0] (@acme/*, acme-cli): "@acme/*", glob, literal prefix "@acme/" (6 characters)')
  t.match(text, 'NO  publishers        observed: mallory; allowed: acme-bot -> PUBLISHER_NOT_ALLOWED')
  t.match(text, 'NO workflow: ".github/workflows/ci.yml", allowed ".github/workflows/release.yml"')
  t.match(text, /error   PROVENANCE_IDENTITY_MISMATCH: /)
})

t.test('exceptions applied, expired, or with nothing to waive', async (t) => {
  const e = explainPackage(ACME, ref('left-pad', '1.3.0'), noProvenance({ name: 'left-pad', version: '1.3.0' }), NOW)
  t.equal(e.rule.id, 'default')
  t.match(e.exceptions, [{ id: 'exceptions[0] (left-pad@1.3.0)', status: 'nothing-to-waive', waived: [] }], 'provenance is not required by the default')
  const later = explainPackage(ACME, ref('left-pad', '1.3.0'), noProvenance({ name: 'left-pad', version: '1.3.0' }), new Date('2027-03-01T00:00:00Z'))
  t.match(later.exceptions, [{ status: 'expired' }])
  t.match(formatExplanation(later), 'exceptions[0] (left-pad@1.3.0): expired on 2027-03-01 (published before provenance existed)')
})

t.test('denied packages, and packages without a policy file', async (t) => {
  const denied = explainPackage(ACME, ref('event-stream', '3.3.6'), verified({ name: 'event-stream', version: '3.3.6' }), NOW)
  t.same(denied.denied, { id: 'deny[0] (event-stream@3.3.6)', reason: 'compromised release' })
  t.equal(denied.result.rule, 'deny[0] (event-stream@3.3.6)')
  t.match(formatExplanation(denied), 'denied      deny[0] (event-stream@3.3.6): compromised release')

  const builtIn = explainPackage(null, ref(), noProvenance(), NOW)
  t.match(builtIn, { policy: 'built-in default policy', mode: 'built-in', rule: { id: 'default', kind: 'built-in' } })
  t.equal(builtIn.result.decision, 'warn')
  t.match(formatExplanation(builtIn), 'policy      built-in default policy')

  const fetchFailed = explainPackage(ACME, ref(), { kind: 'fetch-failed', reason: 'HTTP 500' }, NOW)
  t.ok(fetchFailed.checks.filter((c) => c.status !== 'not-required').every((c) => c.status === 'unknown'))
})

t.test('explains an npm: alias decided by the rule for its installed name, as the check decides it', async (t) => {
  const imposter = ref('evil', '1.0.0', { locations: [{ path: 'node_modules/@acme/app', why: ['(root)', 'evil@1.0.0'], dev: false, optional: false, peer: false, alias: '@acme/app' }] })
  const outcome = verified({ name: 'evil', publisher: { name: 'mallory' } })
  const e = explainPackage(ACME, imposter, outcome, NOW)
  t.same(e.result, evaluatePolicy(ACME, imposter, outcome, NOW), 'the same result as the check')
  t.equal(e.result.decision, 'fail')
  t.equal(e.matchedAs, '@acme/app')
  t.match(e.rule.why, 'matched by the name it is installed under, "@acme/app"')
  t.same(e.alternatives?.map((a) => [a.package, a.rule.id, a.result.decision]), [['evil@1.0.0', 'default', 'pass']])
  const text = formatExplanation(e)
  t.match(text, 'alias       installed as @acme/app')
  t.match(text, 'also as     evil@1.0.0: default -> pass')
  t.match(text, '\n  why         (root) → evil@1.0.0  (installed as @acme/app, at node_modules/@acme/app)\n')
})

t.test('an explanation and its result keep their members in one order, optional ones in their place', async (t) => {
  const imposter = ref('evil', '1.0.0', { locations: [{ path: 'node_modules/@acme/app', why: ['(root)', 'evil@1.0.0'], dev: false, optional: false, peer: false, alias: '@acme/app' }] })
  const aliased = explainPackage(ACME, imposter, verified({ name: 'evil', publisher: { name: 'mallory' } }), NOW)
  t.same(Object.keys(aliased), ['package', 'matchedAs', 'policy', 'rule', 'mode', 'checks', 'exceptions', 'result', 'keylessRegistryUnaccepted', 'installScripts', 'alternatives'])
  const denied = explainPackage(ACME, ref('event-stream', '3.3.6'), verified({ name: 'event-stream', version: '3.3.6' }), NOW)
  t.same(Object.keys(denied), ['package', 'policy', 'rule', 'mode', 'denied', 'checks', 'exceptions', 'result', 'keylessRegistryUnaccepted', 'installScripts'])
  t.same(Object.keys(denied.result), ['name', 'version', 'integrity', 'source', 'registry', 'locations', 'rule', 'decision', 'findings', 'facts'])
  const noFacts = explainPackage(ACME, ref(), { kind: 'fetch-failed', reason: 'HTTP 500' }, NOW)
  t.same(Object.keys(noFacts.result), ['name', 'version', 'integrity', 'source', 'registry', 'locations', 'rule', 'decision', 'findings'])
})

t.test('shows every place the package is installed and the whole chain that brings it in, as npm explain', async (t) => {
  const hops = ['app', 'a@1.0.0', 'b@1.0.0', 'c@1.0.0', 'd@1.0.0', 'e@1.0.0', 'f@1.0.0', 'g@1.0.0', '@acme/app@1.0.0']
  const at = (path: string, why: string[], over = {}) => ({ path, why, dev: false, optional: false, peer: false, ...over })
  const locations = [
    at('node_modules/g/node_modules/@acme/app', hops, { dev: true }),
    at('node_modules/@acme/app', ['app', '@acme/app@1.0.0'], { optional: true, peer: true }),
    at('node_modules/stray', [], { extraneous: true }),
  ]
  const lines = formatExplanation(explainPackage(ACME, ref('@acme/app', '1.0.0', { locations }), verified(), NOW)).split('\n')
  t.equal(lines[1], `  why         ${hops.join(' → ')}  (at node_modules/g/node_modules/@acme/app, dev)`, 'the whole path, not shortened')
  t.equal(lines[2], '              app → @acme/app@1.0.0  (at node_modules/@acme/app, optional, peer)')
  t.equal(lines[3], '              extraneous: nothing depends on it  (at node_modules/stray)')
  const many = Array.from({ length: DEFAULT_MAX_WHY_PATHS + 2 }, (_, i) => at(`node_modules/x${i}/node_modules/@acme/app`, ['app', `x${i}@1.0.0`, '@acme/app@1.0.0']))
  const text = formatExplanation(explainPackage(ACME, ref('@acme/app', '1.0.0', { locations: many }), verified(), NOW))
  t.match(text, `x${DEFAULT_MAX_WHY_PATHS - 1}@1.0.0`)
  t.notMatch(text, `x${DEFAULT_MAX_WHY_PATHS}@1.0.0`)
  t.match(text, '… 2 more locations (explain --json lists them all)')
})

const schema = (name: string) => JSON.parse(readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8'))

t.test('explain --json: each explanation as data, as docs/explain.schema.json describes it', async (t) => {
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false })
  ajv.addSchema(schema('report.schema.json'), 'report.schema.json')
  const validate = ajv.compile(schema('explain.schema.json'))
  const asJson = (e: PackageExplanation) => (JSON.parse(formatExplanationsJson([e])) as { explanations: [ExplanationDoc] }).explanations[0]
  const imposter = ref('evil', '1.0.0', { locations: [{ path: 'node_modules/@acme/app', why: ['(root)', 'evil@1.0.0'], dev: false, optional: false, peer: false, alias: '@acme/app' }] })
  const cases = {
    rule: explainPackage(ACME, ref(), verified({ provenance: { status: 'verified', identity: identity({ workflow: '.github/workflows/ci.yml' }) } }), NOW),
    exception: explainPackage(ACME, ref('left-pad', '1.3.0'), noProvenance({ name: 'left-pad', version: '1.3.0' }), new Date('2027-03-01T00:00:00Z')),
    denied: explainPackage(ACME, ref('event-stream', '3.3.6'), verified({ name: 'event-stream', version: '3.3.6' }), NOW),
    builtIn: explainPackage(null, ref(), noProvenance(), NOW),
    fetchFailed: explainPackage(ACME, ref(), { kind: 'fetch-failed', reason: 'HTTP 500' }, NOW),
    alias: explainPackage(ACME, imposter, verified({ name: 'evil', publisher: { name: 'mallory' } }), NOW),
    scripts: explainPackage(ACME, ref('@acme/app', '1.0.0', { installScript: { allowScripts: 'unreviewed', matched: [], pinnedElsewhere: ['@acme/app@0.9.0'] } }), noProvenance(), NOW, scriptContext()),
    continuity: explainPackage(ACME, ref(), verified(), NOW, undefined, { level: 'approved', publishedAt: { at: '2026-01-01T00:00:00Z', source: 'signed' }, history: { state: 'checked', versions: 2, unverifiedClaims: [] }, baseline: { line: '1', level: 'approved', version: '1.0.0', identity: { repository: 'acme/app' } } }),
  }
  for (const [name, e] of Object.entries(cases)) {
    const doc = JSON.parse(formatExplanationsJson([e]))
    t.ok(validate(doc), `${name}: ${JSON.stringify(validate.errors)}`)
  }
  const rule = asJson(cases.rule)
  t.match(rule, { policy: ACME.source?.file, rule: { id: 'rules[0] (@acme/*, acme-cli)', kind: 'rule', index: 0 }, mode: 'enforce', matchedAs: null, denied: null })
  t.match(rule.package, { name: '@acme/app', version: '1.0.0', decision: 'fail', rule: 'rules[0] (@acme/*, acme-cli)', evidence: { provenance: { status: 'verified' } } })
  t.ok(rule.package.findings.some((f) => f.code === 'PROVENANCE_IDENTITY_MISMATCH' && f.severity === 'error'))
  t.match(rule.checks.find((c) => c.requirement === 'builds'), { status: 'violated', code: 'PROVENANCE_IDENTITY_MISMATCH' })
  t.match(asJson(cases.builtIn), { policy: null, mode: 'built-in', rule: { id: 'default', kind: 'built-in' }, package: { decision: 'warn', rule: 'default' } })
  t.match(asJson(cases.denied), { denied: { id: 'deny[0] (event-stream@3.3.6)' }, package: { decision: 'fail' } })
  t.match(asJson(cases.exception).exceptions, [{ status: 'expired' }])
  t.same(asJson(cases.alias).alternatives, [{ matchedAs: null, rule: 'default', decision: 'pass' }])
  t.equal(asJson(cases.rule).continuity, null, 'no trust gathered')
  t.match(asJson(cases.continuity).continuity, { settings: 'downgrade warn, identity warn', compared: [/^downgrade   1\.0\.0 is approved; /, /^identity    compared with the verify-deps\.trust\.json identity: unchanged$/] })
  t.match(asJson(cases.continuity).package.trust, { level: 'approved', historyState: 'checked', baseline: { line: '1' } })
  t.match(asJson(cases.scripts), {
    installScripts: { mode: 'warn', require: { provenance: true, trustedPublisher: false } },
    package: { installScripts: { willRun: true, allowScripts: 'unreviewed', pinnedElsewhere: ['@acme/app@0.9.0'], rules: 'npm11' } },
  })
  t.equal(asJson(cases.rule).package.installScripts, null, 'no install scripts: null')
  // The schema is strict: an unknown field is refused.
  t.notOk(validate({ explanations: [{ ...asJson(cases.builtIn), extra: 1 }] }))
})

t.test('explain --json escapes C1 control characters as every JSON output does', async (t) => {
  const e = explainPackage(null, ref(), { kind: 'fetch-failed', reason: 'HTTP 500 \u009b31m\u0085' }, NOW)
  const text = formatExplanationsJson([e])
  t.notMatch(text, /[\u0080-\u009f]/, 'no raw C1 character')
  t.match(text, /\\u009b31m\\u0085/)
  t.match(JSON.parse(text).explanations[0].package.findings[0].message, /\u009b31m/, 'the value itself is kept')
})
