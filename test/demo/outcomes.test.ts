// The demo's self-check and its plain-words account, from a real run of the demo world mutated
// in the test: each way the outcome can drift is caught.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { formatDemoExplanation } from '../../lib/demo/story.js'
import { describeRule } from '../../lib/policy/explain.js'
import { compareDemoOutcomes } from '../../lib/demo/outcomes.js'
import { runDemo } from '../../lib/demo/run.js'
import type { Report } from '../../lib/model.js'

const FIXTURES = fileURLToPath(new URL('../../fixtures/demo/', import.meta.url))

t.test('compareDemoOutcomes', async (t) => {
  const { report, policy, requests } = await runDemo({ fixturesDir: FIXTURES, toolVersion: '0.0.0-test' })
  const copy = (): Report => structuredClone(report)
  const find = (r: Report, name: string) => r.packages.find((p) => p.name === name)!

  t.same(compareDemoOutcomes(report), [], 'the shipped demo world shows what it should')
  t.notOk(requests.includes('/-/npm/v1/keys'), 'registry keys are pinned: the demo registry is not asked for them')
  t.same(report.registries?.map((r) => r.keysSource), ['pinned'])
  t.ok(requests.includes('/-/npm/v1/attestations/@demo-org/config@1.0.3'), 'the attestations came from the demo registry')

  const blockedPasses = copy()
  Object.assign(find(blockedPasses, '@demo-org/config'), { decision: 'pass', findings: [] })
  t.match(compareDemoOutcomes(blockedPasses), [/@demo-org\/config@1\.0\.3 \(wrong-repository\) was expected to fail, but it ended as pass/, /lacks the expected finding PROVENANCE_IDENTITY_MISMATCH/])

  const otherFailure = copy()
  find(otherFailure, 'quick-parse').findings = find(otherFailure, 'quick-parse').findings.filter((f) => f.code !== 'SIGNATURE_INVALID')
  t.match(compareDemoOutcomes(otherFailure), [/quick-parse@4\.0\.1 \(tampered\) lacks the expected finding SIGNATURE_INVALID/])

  const missing = copy()
  missing.packages = missing.packages.filter((p) => p.name !== 'legacy-pad')
  t.match(compareDemoOutcomes(missing), [/legacy-pad@1\.0\.4 \(no-provenance\) is not in the report/])

  const extra = copy()
  extra.packages.push({ ...find(extra, 'tinted'), name: 'stowaway' })
  t.match(compareDemoOutcomes(extra), [/stowaway@2\.1\.0 is in the report but not in the demo world/])

  const unreachable = copy()
  unreachable.couldNotVerify = true
  t.match(compareDemoOutcomes(unreachable), [/could not be fetched/])

  t.test('the account names who built each package and what the rule allows', async (t) => {
    const text = formatDemoExplanation(report, policy)
    t.match(text, /rules\[0\] \(@demo-org\/\*\): mode enforce; requires signature, provenance; builds only from issuer/)
    t.match(text, /default: mode warn; requires signature, provenance; continuity: downgrade enforce, identity warn\./)
    t.match(text, /pass +@demo-org\/web-kit@2\.3\.1 +built by demo-org\/web-kit, allowed by rules\[0\] \(@demo-org\/\*\)/)
    t.match(text, /pass +tinted@2\.1\.0 +built by tinted-js\/tinted, allowed by the policy's default/)
    t.notMatch(text, /rules\[0\]\n/, 'a rule label is never split across lines')
    for (const line of text.split('\n')) t.ok(line.length <= 100, `wrapped: ${line}`)
  })

  t.test('describeRule: a rule, the default, the built-in default policy', async (t) => {
    t.match(describeRule(policy, 'rules[0] (@demo-org/*)'), /repository demo-org\/\*, workflow \.github\/workflows\/release\.yml, ref refs\/tags\/v\*/)
    t.equal(describeRule(policy, 'default'), 'mode warn; requires signature, provenance; continuity: downgrade enforce, identity warn')
    t.match(describeRule(null, 'default'), /built-in default policy/)
  })
})
