import t from 'tap'
import { readFileSync } from 'node:fs'
import type { FindingCode } from '../../lib/findings.js'
import { evaluateDefaultPolicy, evaluatePolicy, evaluateRun } from '../../lib/policy/evaluate.js'
import type { Mode, Policy } from '../../lib/policy/types.js'
import type { SignerIdentity } from '../../lib/model/facts.js'
import { NOW, facts, identity, noProvenance, policyFrom, ref, verified, type FactsOptions } from './helpers.js'

const ACME = policyFrom(readFileSync(new URL('../../fixtures/policies/acme.policy.yaml', import.meta.url), 'utf8'))
const ACME_RULE = 'rules[0] (@acme/*, acme-cli)'

const codes = (r: { findings: { code: string }[] }) => r.findings.map((f) => f.code)
const severityOf = (r: { findings: { code: string; severity: string }[] }, code: FindingCode) => r.findings.find((f) => f.code === code)?.severity

/** A policy with one rule for `@acme/*` in `mode`, with the given rule body (YAML lines, indented by 4). */
const withRule = (mode: Mode, body: string, rest = ''): Policy => policyFrom(`version: 1\nrules:\n  - packages: ["@acme/*"]\n    mode: ${mode}\n${body}${rest}`)

t.test('a package that meets every requirement passes, and the result names the rule', async (t) => {
  const r = evaluatePolicy(ACME, ref(), verified(), NOW)
  t.equal(r.decision, 'pass')
  t.equal(r.rule, ACME_RULE)
  t.same(r.findings, [])
  t.ok(r.facts)
  t.equal(evaluatePolicy(ACME, ref('acme-cli'), verified({ name: 'acme-cli' }), NOW).rule, ACME_RULE, 'the exact name in the same rule')
  t.equal(evaluatePolicy(ACME, ref('left-pad', '1.3.1'), verified({ name: 'left-pad', version: '1.3.1' }), NOW).rule, 'default')
})

// Each violation, how to provoke it, and the rule body that requires what it violates.
const violations: { code: FindingCode; body: string; outcome: ReturnType<typeof verified> }[] = [
  { code: 'PROVENANCE_MISSING', body: '    require: { provenance: true }\n', outcome: noProvenance() },
  {
    code: 'PROVENANCE_IDENTITY_MISMATCH',
    body: '    builds:\n      - repository: acme/*\n',
    outcome: verified({ provenance: { status: 'verified', identity: identity({ repository: 'evil/app', repositoryUri: 'https://github.com/evil/app' }) } }),
  },
  { code: 'PUBLISHER_NOT_ALLOWED', body: '    publishers: [acme-bot]\n', outcome: verified({ publisher: { name: 'mallory' } }) },
  { code: 'TRUSTED_PUBLISHER_MISSING', body: '    require: { trustedPublisher: true }\n', outcome: verified({ publisher: { trustedPublisher: undefined } }) },
  { code: 'APPROVER_MISSING', body: '    require: { approver: true }\n', outcome: verified({ publisher: { approver: undefined } }) },
  {
    code: 'SIGNATURE_MISSING',
    body: '    require: { signature: true }\n',
    outcome: verified({ signature: { status: 'missing' }, findings: [{ code: 'SIGNATURE_MISSING', message: '@acme/app@1.0.0: the registry publishes keys but the version has no signature' }] }),
  },
  {
    code: 'SIGNATURE_UNSUPPORTED_BY_REGISTRY',
    body: '    require: { signature: true }\n',
    outcome: verified({ signature: { status: 'unsupported' }, findings: [{ code: 'SIGNATURE_UNSUPPORTED_BY_REGISTRY', message: '@acme/app@1.0.0: the registry publishes no signing keys' }] }),
  },
]

for (const v of violations) {
  t.test(`${v.code}: fails under enforce, warns under warn, is not checked under off`, async (t) => {
    const enforce = evaluatePolicy(withRule('enforce', v.body), ref(), v.outcome, NOW)
    t.equal(enforce.decision, 'fail')
    t.equal(severityOf(enforce, v.code), 'error')
    t.match(enforce.findings.find((f) => f.code === v.code)?.message, /rules\[0\] \(@acme\/\*\)/)

    const warn = evaluatePolicy(withRule('warn', v.body), ref(), v.outcome, NOW)
    t.equal(warn.decision, 'warn')
    t.equal(severityOf(warn, v.code), 'warning')

    const off = evaluatePolicy(withRule('off', v.body), ref(), v.outcome, NOW)
    t.equal(off.decision, 'pass')
    // The verify stage's own findings are still reported, as info; the policy's checks do not run.
    t.ok(off.findings.every((f) => f.severity === 'info'))
    t.equal(codes(off).includes(v.code), v.outcome.kind === 'verified' && v.outcome.facts.findings.some((f) => f.code === v.code))
  })
}

t.test('validity failures fail in every mode, with or without requirements, and exceptions cannot touch them', async (t) => {
  const failures: [FindingCode, FactsOptions][] = [
    ['SIGNATURE_INVALID', { signature: { status: 'invalid' } }],
    ['SIGNATURE_KEY_UNKNOWN', { signature: { status: 'key-unknown' } }],
    ['ATTESTATION_INVALID', { provenance: { status: 'invalid' } }],
    ['ATTESTATION_SUBJECT_MISMATCH', { provenance: { status: 'mismatch' } }],
    ['ATTESTATION_MISSING', { provenance: { status: 'missing' } }],
    ['INTEGRITY_MISMATCH', {}],
    ['TARBALL_INTEGRITY_MISMATCH', {}],
  ]
  for (const [code, o] of failures) {
    const outcome = verified({ ...o, findings: [{ code, message: `@acme/app@1.0.0: ${code}` }] })
    for (const mode of ['enforce', 'warn', 'off'] as const) {
      for (const body of ['', '    require: { signature: false }\n']) {
        const r = evaluatePolicy(withRule(mode, body), ref(), outcome, NOW)
        t.equal(r.decision, 'fail', `${code} under ${mode}${body ? ' without requirements' : ''}`)
        t.equal(severityOf(r, code), 'error')
      }
    }
  }
  const fetchFailed = evaluatePolicy(withRule('off', ''), ref(), { kind: 'fetch-failed', reason: 'HTTP 500' }, NOW)
  t.equal(fetchFailed.decision, 'fail')
  t.same(codes(fetchFailed), ['FETCH_FAILED'])
})

t.test('require.signature: false reports a missing signature or a registry without keys as info; an invalid one still fails', async (t) => {
  const policy = withRule('enforce', '    require: { signature: false }\n')
  for (const [status, code] of [['missing', 'SIGNATURE_MISSING'], ['unsupported', 'SIGNATURE_UNSUPPORTED_BY_REGISTRY']] as const) {
    const r = evaluatePolicy(policy, ref(), verified({ signature: { status }, findings: [{ code, message: 'm' }] }), NOW)
    t.equal(r.decision, 'pass', code)
    t.equal(severityOf(r, code), 'info')
  }
  const invalid = evaluatePolicy(policy, ref(), verified({ signature: { status: 'invalid' }, findings: [{ code: 'SIGNATURE_INVALID', message: 'm' }] }), NOW)
  t.equal(invalid.decision, 'fail')
})

t.test('a signature that was not checked (no registry version data) does not satisfy require.signature', async (t) => {
  const r = evaluatePolicy(withRule('enforce', ''), ref(), verified({ signature: { status: 'not-checked' } }), NOW)
  t.equal(r.decision, 'fail')
  t.same(codes(r), ['SIGNATURE_MISSING'])
  t.equal(evaluatePolicy(withRule('enforce', '    require: { signature: false }\n'), ref(), verified({ signature: { status: 'not-checked' } }), NOW).decision, 'pass')
})

t.test('missing provenance is info when the rule does not require it, a violation when it does or when it lists builds', async (t) => {
  const notRequired = evaluatePolicy(withRule('enforce', ''), ref(), noProvenance(), NOW)
  t.equal(notRequired.decision, 'pass')
  t.equal(severityOf(notRequired, 'PROVENANCE_MISSING'), 'info')
  const viaBuilds = evaluatePolicy(withRule('enforce', '    builds: [{ repository: acme/* }]\n'), ref(), noProvenance(), NOW)
  t.equal(viaBuilds.decision, 'fail')
  t.same(codes(viaBuilds), ['PROVENANCE_MISSING'], 'no identity mismatch on top: there is no identity')
  // Facts that say "none" without the verify stage's finding still violate.
  const bare = evaluatePolicy(withRule('enforce', '    require: { provenance: true }\n'), ref(), verified({ provenance: { status: 'none' } }), NOW)
  t.same(codes(bare), ['PROVENANCE_MISSING'])
})

t.test('provenance identity: each way a build can differ from the allowed one', async (t) => {
  const mismatch = (over: Partial<SignerIdentity>, policy: Policy = ACME) => {
    const r = evaluatePolicy(policy, ref(), verified({ provenance: { status: 'verified', identity: identity(over) } }), NOW)
    const f = r.findings.find((x) => x.code === 'PROVENANCE_IDENTITY_MISMATCH')
    return { decision: r.decision, message: f?.message ?? '' }
  }
  t.equal(mismatch({}).decision, 'pass', 'the release itself')

  const otherRepo = mismatch({ repository: 'evil/app', repositoryUri: 'https://github.com/evil/app', buildSignerUri: 'https://github.com/evil/app/.github/workflows/release.yml@refs/tags/v1.0.0' })
  t.equal(otherRepo.decision, 'fail')
  t.match(otherRepo.message, 'repository is "evil/app", allowed "acme/*"')

  const nested = mismatch({ repository: 'https://gitlab.com/acme/x/y', repositoryUri: 'https://gitlab.com/acme/x/y' })
  t.equal(nested.decision, 'fail', 'a repository elsewhere does not match an owner/name glob')

  const workflow = mismatch({ workflow: '.github/workflows/ci.yml' })
  t.equal(workflow.decision, 'fail')
  t.match(workflow.message, 'workflow is ".github/workflows/ci.yml", allowed ".github/workflows/release.yml"')

  const branch = mismatch({ ref: 'refs/heads/main' })
  t.equal(branch.decision, 'fail')
  t.match(branch.message, 'ref is "refs/heads/main", allowed "refs/tags/v*"')

  const selfHosted = mismatch({ runner: 'self-hosted' })
  t.equal(selfHosted.decision, 'fail')
  t.match(selfHosted.message, 'runner is "self-hosted", allowed "github-hosted"')

  const dispatch = mismatch({ trigger: 'workflow_dispatch' })
  t.equal(dispatch.decision, 'fail')
  t.match(dispatch.message, 'trigger is "workflow_dispatch", allowed "push | release"')
  t.equal(mismatch({ trigger: 'release' }).decision, 'pass', 'any trigger of the list')

  const unstated = mismatch({ repositoryId: undefined })
  t.equal(unstated.decision, 'fail', 'a field the identity does not state never matches')
  t.match(unstated.message, 'repositoryId is not stated, allowed "123456789"')

  const issuer = mismatch({ issuer: 'https://gitlab.com' })
  t.equal(issuer.decision, 'fail')
})

t.test('a renamed repository keeps its id; a re-registered name gets a new one', async (t) => {
  const pinned = withRule('enforce', '    builds:\n      - repository: acme/app\n        repositoryId: "123456789"\n      - repository: acme/app-next\n        repositoryId: "123456789"\n')
  const r = (over: Partial<SignerIdentity>) => evaluatePolicy(pinned, ref(), verified({ provenance: { status: 'verified', identity: identity(over) } }), NOW)
  t.equal(r({}).decision, 'pass')
  const squatted = r({ repositoryId: '987654321' })
  t.equal(squatted.decision, 'fail', 'same name, another repository')
  t.match(squatted.findings[0]?.message, 'builds[0]: repositoryId is "987654321", allowed "123456789"')
  const renamed = r({ repository: 'acme/app-next', repositoryUri: 'https://github.com/acme/app-next', buildSignerUri: 'https://github.com/acme/app-next/.github/workflows/release.yml@refs/tags/v1.0.0' })
  t.equal(renamed.decision, 'pass', 'the second entry matches')
})

t.test('a foreign reusable workflow: repository and workflow match, but another repository signed', async (t) => {
  const foreign = 'https://github.com/evil/actions/.github/workflows/publish.yml@refs/heads/main'
  const outcome = verified({ provenance: { status: 'verified', identity: identity({ buildSignerUri: foreign, subjectAlternativeName: foreign }) } })
  const r = evaluatePolicy(ACME, ref(), outcome, NOW)
  t.equal(r.decision, 'fail', 'without `signer` the signing workflow must live in the built repository')
  t.match(r.findings[0]?.message, 'signer is "evil/actions/.github/workflows/publish.yml", allowed a workflow in acme/app')

  // Only the SAN (no Build Signer URI extension): the same check.
  const sanOnly = verified({ provenance: { status: 'verified', identity: identity({ buildSignerUri: undefined, subjectAlternativeName: foreign }) } })
  t.equal(evaluatePolicy(ACME, ref(), sanOnly, NOW).decision, 'fail')

  const shared = 'https://github.com/acme/shared-workflows/.github/workflows/npm-publish.yml@refs/tags/v2'
  const sharedOutcome = verified({ provenance: { status: 'verified', identity: identity({ buildSignerUri: shared, subjectAlternativeName: shared }) } })
  const policy = policyFrom(readFileSync(new URL('../../fixtures/policies/reusable-workflow.policy.yaml', import.meta.url), 'utf8'))
  t.equal(evaluatePolicy(policy, ref(), sharedOutcome, NOW).decision, 'pass', 'named in `signer`, at an allowed ref')
  const atBranch = 'https://github.com/acme/shared-workflows/.github/workflows/npm-publish.yml@refs/heads/main'
  const branchOutcome = verified({ provenance: { status: 'verified', identity: identity({ buildSignerUri: atBranch }) } })
  const atBranchResult = evaluatePolicy(policy, ref(), branchOutcome, NOW)
  t.equal(atBranchResult.decision, 'fail', 'the signer pattern names the ref')
  t.match(atBranchResult.findings[0]?.message, 'signer is "acme/shared-workflows/.github/workflows/npm-publish.yml@refs/heads/main"')
  t.equal(evaluatePolicy(policy, ref(), outcome, NOW).decision, 'fail', 'a foreign one still is not')
})

t.test('repositories elsewhere are matched by full URI', async (t) => {
  const policy = policyFrom(readFileSync(new URL('../../fixtures/policies/gitlab.policy.json', import.meta.url), 'utf8'), 'gitlab.policy.json')
  const gl = (over: Partial<SignerIdentity>) =>
    verified({
      name: '@gl/pkg',
      provenance: {
        status: 'verified',
        identity: identity({
          issuer: 'https://gitlab.com',
          repository: 'https://gitlab.com/gl-group/sub/pkg',
          repositoryUri: 'https://gitlab.com/gl-group/sub/pkg',
          subjectAlternativeName: 'https://gitlab.com/gl-group/sub/pkg//.gitlab-ci.yml@refs/tags/v1',
          buildSignerUri: 'https://gitlab.com/gl-group/sub/pkg//.gitlab-ci.yml@refs/tags/v1',
          ref: 'refs/tags/v1',
          ...over,
        }),
      },
    })
  t.equal(evaluatePolicy(policy, ref('@gl/pkg'), gl({}), NOW).decision, 'pass')
  t.equal(evaluatePolicy(policy, ref('@gl/pkg'), gl({ repository: 'https://gitlab.com/other/pkg', repositoryUri: 'https://gitlab.com/other/pkg' }), NOW).decision, 'fail')
})

t.test('publishers: globs over _npmUser.name; an unnamed publisher is not allowed', async (t) => {
  const policy = withRule('enforce', '    publishers: [acme-bot, "acme-release-*"]\n')
  t.equal(evaluatePolicy(policy, ref(), verified({ publisher: { name: 'acme-release-2' } }), NOW).decision, 'pass')
  const r = evaluatePolicy(policy, ref(), verified({ publisher: { name: 'mallory' } }), NOW)
  t.same(codes(r), ['PUBLISHER_NOT_ALLOWED'])
  t.match(r.findings[0]?.message, 'published by "mallory" (registry metadata _npmUser.name), allowed: acme-bot, acme-release-*')
  t.same(codes(evaluatePolicy(policy, ref(), verified({ publisher: { name: undefined } }), NOW)), ['PUBLISHER_NOT_ALLOWED'])
})

t.test('a dependency that is not from a registry violates a rule that requires anything, and is info under one that requires nothing', async (t) => {
  const git = ref('@acme/app', '1.0.0', { source: 'git', resolved: 'git+https://github.com/acme/app.git#abc' })
  const strict = evaluatePolicy(withRule('enforce', ''), git, { kind: 'not-registry' }, NOW)
  t.equal(strict.decision, 'fail')
  t.same(codes(strict), ['UNVERIFIABLE_SOURCE'])
  t.equal(evaluatePolicy(withRule('warn', ''), git, { kind: 'not-registry' }, NOW).decision, 'warn')
  const lax = evaluatePolicy(withRule('enforce', '    require: { signature: false }\n'), git, { kind: 'not-registry' }, NOW)
  t.equal(lax.decision, 'pass')
  t.equal(severityOf(lax, 'UNVERIFIABLE_SOURCE'), 'info')
  const waived = evaluatePolicy(
    withRule('enforce', '', 'exceptions:\n  - package: "@acme/app"\n    allow: [UNVERIFIABLE_SOURCE]\n    reason: vendored fork\n'),
    git,
    { kind: 'not-registry' },
    NOW,
  )
  t.equal(waived.decision, 'pass')
})

t.test('exceptions waive the codes they list, only for the packages they match', async (t) => {
  const policy = withRule(
    'enforce',
    '    require: { provenance: true, trustedPublisher: true }\n',
    'exceptions:\n  - package: "@acme/app@<2"\n    allow: [PROVENANCE_MISSING]\n    reason: published before provenance existed\n    expires: 2027-03-01\n',
  )
  const waived = evaluatePolicy(policy, ref(), noProvenance(), NOW)
  t.equal(waived.decision, 'pass')
  t.equal(severityOf(waived, 'PROVENANCE_MISSING'), 'info', 'kept in the report as info')
  t.match(waived.findings[0]?.message, 'waived by exceptions[0] (@acme/app@<2): published before provenance existed')

  const otherCode = evaluatePolicy(policy, ref(), noProvenance({ publisher: { trustedPublisher: undefined } }), NOW)
  t.equal(otherCode.decision, 'fail', 'a code the exception does not list still fails')
  t.equal(severityOf(otherCode, 'TRUSTED_PUBLISHER_MISSING'), 'error')

  t.equal(evaluatePolicy(policy, ref('@acme/app', '2.0.0'), noProvenance({ version: '2.0.0' }), NOW).decision, 'fail', 'outside the range')
  t.equal(evaluatePolicy(policy, ref('@acme/other'), noProvenance({ name: '@acme/other' }), NOW).decision, 'fail', 'another package')
})

t.test('an expired exception no longer applies and raises EXCEPTION_EXPIRED on the packages it matches', async (t) => {
  const policy = withRule('enforce', '    require: { provenance: true }\n', 'exceptions:\n  - package: "@acme/app"\n    allow: [PROVENANCE_MISSING]\n    reason: old\n    expires: 2026-06-01\n')
  const dayBefore = new Date('2026-05-31T23:59:59Z')
  t.equal(evaluatePolicy(policy, ref(), noProvenance(), dayBefore).decision, 'pass', 'valid until the end of the day before')
  const r = evaluatePolicy(policy, ref(), noProvenance(), new Date('2026-06-01T00:00:00Z'))
  t.equal(r.decision, 'fail')
  t.same(codes(r).sort(), ['EXCEPTION_EXPIRED', 'PROVENANCE_MISSING'])
  t.equal(severityOf(r, 'EXCEPTION_EXPIRED'), 'warning')
  t.equal(severityOf(r, 'PROVENANCE_MISSING'), 'error')
  t.match(r.findings.find((f) => f.code === 'EXCEPTION_EXPIRED')?.message, 'exceptions[0] (@acme/app) expired on 2026-06-01 and no longer waives PROVENANCE_MISSING')
  const clean = evaluatePolicy(policy, ref(), verified(), NOW)
  t.equal(clean.decision, 'warn', 'raised even when there is nothing left to waive')
})

t.test('evaluateRun reports exceptions that did nothing', async (t) => {
  const policy = withRule(
    'enforce',
    '    require: { provenance: true }\n',
    [
      'exceptions:',
      '  - package: "@acme/app"', // used
      '    allow: [PROVENANCE_MISSING]',
      '    reason: r0',
      '  - package: "gone-package"', // matches nothing
      '    allow: [PROVENANCE_MISSING]',
      '    reason: r1',
      '  - package: "@acme/lib"', // matches, nothing to waive
      '    allow: [PROVENANCE_MISSING]',
      '    reason: r2',
      '  - package: "@acme/old"', // expired, matched: reported on the package instead
      '    allow: [PROVENANCE_MISSING]',
      '    reason: r3',
      '    expires: 2020-01-01',
      '  - package: "never"', // expired and matches nothing
      '    allow: [PROVENANCE_MISSING]',
      '    reason: r4',
      '    expires: 2020-01-01',
      '',
    ].join('\n'),
  )
  const run = evaluateRun(
    policy,
    [
      { ref: ref('@acme/app'), outcome: noProvenance() },
      { ref: ref('@acme/lib'), outcome: verified({ name: '@acme/lib' }) },
      { ref: ref('@acme/old'), outcome: verified({ name: '@acme/old' }) },
    ],
    NOW,
  )
  t.same(run.packages.map((p) => `${p.name} ${p.decision}`), ['@acme/app pass', '@acme/lib pass', '@acme/old warn'])
  t.same(
    run.unusedExceptions.map((u) => [u.id, u.reason]),
    [
      ['exceptions[1] (gone-package)', 'no-match'],
      ['exceptions[2] (@acme/lib)', 'nothing-waived'],
      ['exceptions[4] (never)', 'no-match'],
    ],
  )
  t.match(run.unusedExceptions[0]?.message, /matches no package in this run/)
  t.same(evaluateRun(null, [{ ref: ref(), outcome: verified() }], NOW).unusedExceptions, [])
})

t.test('deny always fails, whatever the mode, and no exception waives it', async (t) => {
  for (const mode of ['enforce', 'warn', 'off'] as const) {
    const policy = withRule(mode, '', 'deny:\n  - package: "@acme/app@1.0.0"\n    reason: compromised release\n')
    const r = evaluatePolicy(policy, ref(), verified(), NOW)
    t.equal(r.decision, 'fail', mode)
    t.equal(r.rule, 'deny[0] (@acme/app@1.0.0)')
    t.same(codes(r), ['DENIED'])
    t.match(r.findings[0]?.message, 'denied by deny[0] (@acme/app@1.0.0): compromised release')
    t.equal(evaluatePolicy(policy, ref('@acme/app', '1.0.1'), verified({ version: '1.0.1' }), NOW).decision, 'pass', 'another version')
  }
  const policy = ACME
  t.equal(evaluatePolicy(policy, ref('event-stream', '3.3.6'), verified({ name: 'event-stream', version: '3.3.6' }), NOW).decision, 'fail', 'under a warn default')
  const bundled = evaluatePolicy(policy, ref('event-stream', '3.3.6', { source: 'bundled', sourceDetail: 'parent@1.0.0' }), { kind: 'not-registry' }, NOW)
  t.equal(bundled.decision, 'fail', 'even bundled inside another package')
  t.same(codes(bundled), ['DENIED'])
})

t.test('bundled packages are skipped like under the built-in policy', async (t) => {
  const r = evaluatePolicy(ACME, ref('@acme/inner', '1.0.0', { source: 'bundled', sourceDetail: 'parent@1.0.0' }), { kind: 'not-registry' }, NOW)
  t.equal(r.decision, 'skipped')
  t.equal(r.skipReason, 'bundled (parent@1.0.0)')
  t.equal(r.rule, ACME_RULE)
})

t.test('no policy is the built-in default policy; a policy without `default` leaves unmatched packages to it', async (t) => {
  const outcomes = [
    verified(),
    noProvenance(),
    verified({ signature: { status: 'missing' }, findings: [{ code: 'SIGNATURE_MISSING', message: 'm' }] }),
    verified({ signature: { status: 'unsupported' }, findings: [{ code: 'SIGNATURE_UNSUPPORTED_BY_REGISTRY', message: 'm' }] }),
    verified({ findings: [{ code: 'ATTESTATION_INVALID', message: 'm' }] }),
    { kind: 'fetch-failed', reason: 'timeout' } as const,
  ]
  const minimal = policyFrom('version: 1\n')
  const rulesOnly = withRule('enforce', '    require: { provenance: true }\n')
  for (const outcome of outcomes) {
    const builtIn = evaluateDefaultPolicy(ref('left-pad'), outcome)
    t.same(evaluatePolicy(null, ref('left-pad'), outcome, NOW), builtIn)
    t.same(evaluatePolicy(minimal, ref('left-pad'), outcome, NOW), builtIn)
    t.same(evaluatePolicy(rulesOnly, ref('left-pad'), outcome, NOW), builtIn)
  }
  const git = ref('x', '1.0.0', { source: 'git' })
  t.same(evaluatePolicy(minimal, git, { kind: 'not-registry' }, NOW), evaluateDefaultPolicy(git, { kind: 'not-registry' }))
})

t.test("the policy's `default` decides packages no rule matches", async (t) => {
  const r = evaluatePolicy(ACME, ref('left-pad', '2.0.0'), verified({ name: 'left-pad', version: '2.0.0', signature: { status: 'missing' }, findings: [{ code: 'SIGNATURE_MISSING', message: 'm' }] }), NOW)
  t.equal(r.rule, 'default')
  t.equal(r.decision, 'warn', 'default is mode: warn')
  const unsignedLeftPad = verified({ name: 'left-pad', version: '1.3.0', provenance: { status: 'none' }, findings: [{ code: 'PROVENANCE_MISSING', message: 'm' }] })
  const lp = evaluatePolicy(ACME, ref('left-pad', '1.3.0'), unsignedLeftPad, NOW)
  t.equal(lp.decision, 'pass', 'provenance not required by the default: info')
  t.same(lp.findings.map((f) => f.severity), ['info'])
})

t.test('facts are never altered by evaluation', async (t) => {
  const outcome = noProvenance()
  const before = JSON.stringify(outcome)
  evaluatePolicy(withRule('enforce', '    require: { provenance: true }\n', 'exceptions:\n  - package: "@acme/app"\n    allow: [PROVENANCE_MISSING]\n    reason: r\n'), ref(), outcome, NOW)
  t.equal(JSON.stringify(outcome), before)
  t.ok(facts())
})

t.test('a deny range matches prereleases in it; an exception range stays strict', async (t) => {
  const policy = withRule('enforce', '    require: { provenance: true }\n', [
    'deny:',
    '  - package: "@acme/app@>=1.0.0 <2"',
    '    reason: compromised line',
    'exceptions:',
    '  - package: "@acme/lib@^1.0.0"',
    '    allow: [PROVENANCE_MISSING]',
    '    reason: legacy',
    '',
  ].join('\n'))
  const denied = evaluatePolicy(policy, ref('@acme/app', '1.5.0-beta.1'), verified({ version: '1.5.0-beta.1' }), NOW)
  t.equal(denied.decision, 'fail', 'a prerelease inside the denied range is denied')
  t.same(codes(denied), ['DENIED'])
  t.equal(evaluatePolicy(policy, ref('@acme/app', '2.0.0-rc.1'), verified({ version: '2.0.0-rc.1' }), NOW).decision, 'pass', 'outside the range')
  const waived = evaluatePolicy(policy, ref('@acme/lib', '1.0.0'), noProvenance({ name: '@acme/lib' }), NOW)
  t.notOk(waived.findings.some((f) => f.code === 'PROVENANCE_MISSING' && f.severity !== 'info'), 'the exception waives its own range')
  const pre = evaluatePolicy(policy, ref('@acme/lib', '1.1.0-beta.1'), noProvenance({ name: '@acme/lib', version: '1.1.0-beta.1' }), NOW)
  t.ok(pre.findings.some((f) => f.code === 'PROVENANCE_MISSING' && f.severity === 'error'), 'but not a prerelease it does not name')
})

t.test('an npm: alias is decided under the installed name and the real name: the stricter wins', async (t) => {
  // Another package, genuinely signed by its own publisher, installed as @acme/app.
  const imposter = ref('evil', '1.0.0', { locations: [{ path: 'node_modules/@acme/app', why: ['(root)', 'evil@1.0.0'], dev: false, optional: false, peer: false, alias: '@acme/app' }] })
  const outcome = verified({ name: 'evil', publisher: { name: 'mallory', trustedPublisher: undefined }, provenance: { status: 'none' } })
  const r = evaluatePolicy(ACME, imposter, outcome, NOW)
  t.equal(r.decision, 'fail', 'the @acme/* rule applies to what is installed as @acme/app')
  t.equal(r.rule, ACME_RULE)
  t.ok(codes(r).includes('PUBLISHER_NOT_ALLOWED'))
  t.equal(evaluatePolicy(ACME, ref('evil'), outcome, NOW).decision, 'pass', 'without the alias only the default applies')

  // The real package's rule still applies when it is installed under another name.
  const renamed = ref('@acme/app', '1.0.0', { locations: [{ path: 'node_modules/nick', why: ['(root)', '@acme/app@1.0.0'], dev: false, optional: false, peer: false, alias: 'nick' }] })
  const unsigned = verified({ publisher: { name: 'mallory' } })
  t.equal(evaluatePolicy(ACME, renamed, unsigned, NOW).decision, 'fail')

  // A deny on the installed name applies too; an exception on one name cannot waive what the other requires.
  const policy = policyFrom(`version: 1\ndefault:\n  mode: warn\ndeny:\n  - package: "@acme/app"\n    reason: reserved name\n`)
  t.same(codes(evaluatePolicy(policy, imposter, outcome, NOW)), ['DENIED'])
})
