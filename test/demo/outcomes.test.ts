// The demo's self-checks (the pull request against the intended outcomes; main as a known-good
// state) and its plain-words account, from real runs of the demo world mutated in the test: each
// way the outcome can drift is caught.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { describePullRequest, formatDemoExplanation } from '../../lib/demo/story.js'
import { describeRule } from '../../lib/policy/explain.js'
import { compareDemoOutcomes, compareMainOutcomes } from '../../lib/demo/outcomes.js'
import { runDemo } from '../../lib/demo/run.js'
import type { Report } from '../../lib/model.js'

const FIXTURES = fileURLToPath(new URL('../../fixtures/demo/', import.meta.url))

t.test('compareDemoOutcomes: the pull request', async (t) => {
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
    t.match(text, /BLOCKED +@demo-org\/config@1\.0\.3 +PROVENANCE_IDENTITY_MISMATCH, IDENTITY_CHANGED\n/)
    t.match(text.replace(/\s+/g, ' '), /build identity changed from the release before it \(IDENTITY_CHANGED\)/, 'the extra code is told')
    t.match(text.replace(/\s+/g, ' '), /The pull request's lockfile records bytes other than the ones the registry signed/)
    const withoutChange = copy()
    const config = find(withoutChange, '@demo-org/config')
    config.findings = config.findings.filter((f) => f.code !== 'IDENTITY_CHANGED')
    t.notMatch(formatDemoExplanation(withoutChange, policy), /IDENTITY_CHANGED/, 'not told when the check did not report it')
    for (const line of text.split('\n')) t.ok(line.length <= 100, `wrapped: ${line}`)
  })

  t.test('describeRule: a rule, the default, the built-in default policy', async (t) => {
    t.match(describeRule(policy, 'rules[0] (@demo-org/*)'), /repository demo-org\/\*, workflow \.github\/workflows\/release\.yml, ref refs\/tags\/v\*/)
    t.equal(describeRule(policy, 'default'), 'mode warn; requires signature, provenance; continuity: downgrade enforce, identity warn')
    t.match(describeRule(null, 'default'), /built-in default policy/)
  })
})

t.test('compareMainOutcomes: the main branch passes as a known-good state must', async (t) => {
  const { report } = await runDemo({ fixturesDir: FIXTURES, toolVersion: '0.0.0-test', branch: 'main' })
  const copy = (): Report => structuredClone(report)
  const find = (r: Report, name: string) => r.packages.find((p) => p.name === name)!
  t.same(compareMainOutcomes(report), [], 'main passes under the demo policy')
  t.same(report.packages.map((p) => `${p.name}@${p.version}`).filter((id) => /config|fetch-lite/.test(id)), ['@demo-org/config@1.0.2', 'fetch-lite@1.14.0'], 'main locks the releases before the pull request')
  t.same(compareDemoOutcomes(report).filter((p) => /not in the report/.test(p)).length, 2, 'the pull request table does not describe main')

  const failing = copy()
  Object.assign(find(failing, 'quick-parse'), { decision: 'fail', findings: [{ code: 'INTEGRITY_MISMATCH', severity: 'error', message: '' }] })
  t.same(compareMainOutcomes(failing), ['main: quick-parse@4.0.1 fails (INTEGRITY_MISMATCH)'])

  const missing = copy()
  missing.packages = missing.packages.filter((p) => p.name !== 'fetch-lite')
  t.same(compareMainOutcomes(missing), ['main: fetch-lite@1.14.0 is not in the report'])

  const other = copy()
  find(other, 'fetch-lite').version = '1.14.1'
  t.same(compareMainOutcomes(other), ['main: fetch-lite@1.14.0 is not in the report', 'main: fetch-lite@1.14.1 is in the report but not in the demo world'])

  const unreachable = copy()
  unreachable.couldNotVerify = true
  t.same(compareMainOutcomes(unreachable), ['main: some evidence could not be fetched from the demo registry'])
})

t.test('describePullRequest names what the pull request changes', async (t) => {
  t.equal(describePullRequest(), 'updates @demo-org/config 1.0.2 → 1.0.3, fetch-lite 1.14.0 → 1.14.1; records other bytes for quick-parse@4.0.1')
})
