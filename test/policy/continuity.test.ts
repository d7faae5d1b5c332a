import t from 'tap'
import { FINDINGS, type FindingCode } from '../../lib/findings.js'
import type { PackageResult } from '../../lib/model.js'
import type { PackageTrust, TrustLevel, VerifiedHistory } from '../../lib/model/trust.js'
import { evaluatePolicy, evaluateRun, explainPackage } from '../../lib/policy/evaluate.js'
import { formatExplanation } from '../../lib/policy/explain.js'
import { checkContinuity, trustSummaryOf } from '../../lib/policy/continuity.js'
import { continuitySettings, wantsHistory } from '../../lib/policy/continuity-settings.js'
import { DEFAULT_CONTINUITY, type Mode, type Policy } from '../../lib/policy/types.js'
import { NOW, facts, identity, noProvenance, policyFrom, ref, verified } from './helpers.js'

// axios-like: 1.14.0 had verified provenance from axios/axios through a trusted publisher; 1.14.1 is signed only.
const AXIOS = ref('axios', '1.14.1')
const SIGNED_ONLY = noProvenance({ name: 'axios', version: '1.14.1', publisher: { trustedPublisher: undefined, approver: undefined } })
const AXIOS_ID = identity({ repository: 'axios/axios', repositoryId: '1', workflow: '.github/workflows/publish.yml' })
const PREVIOUS: VerifiedHistory & { identity: typeof AXIOS_ID } = { version: '1.14.0', publishedAt: '2026-03-27T10:00:00.000Z', level: 'trusted-publisher', identity: AXIOS_ID }

const trust = (over: Partial<PackageTrust> = {}): PackageTrust => ({
  level: 'signature',
  publishedAt: { at: '2026-03-31T00:21:00.000Z', source: 'registry' },
  history: { state: 'checked', versions: 12, higher: PREVIOUS, previousBuild: PREVIOUS, unverifiedClaims: [] },
  ...over,
})
/** A level-`level` verified package with provenance from `id`. */
const withProvenance = (level: TrustLevel, id = AXIOS_ID) =>
  verified({ name: 'axios', version: '1.14.1', provenance: { status: 'verified', identity: id }, publisher: { trustedPublisher: level === 'trusted-publisher' ? { id: 'github' } : undefined, approver: undefined } })

const policy = (body: string, rest = ''): Policy => policyFrom(`version: 1\ndefault:\n  mode: enforce\n${body}${rest}`)
const find = (r: PackageResult, code: FindingCode) => r.findings.find((f) => f.code === code)
const CONTINUITY: readonly FindingCode[] = ['TRUST_DOWNGRADE', 'IDENTITY_CHANGED', 'RELEASE_TOO_NEW', 'HISTORY_UNAVAILABLE', 'HISTORY_CLAIM_UNVERIFIED', 'EXCEPTION_EXPIRED']
/** The continuity findings (and expiry) of a result: PROVENANCE_MISSING and the like are not this step's. */
const codes = (r: PackageResult) => r.findings.map((f) => f.code).filter((c) => CONTINUITY.includes(c))

t.test('TRUST_DOWNGRADE names the version that set the level and what is missing now (the axios case)', async (t) => {
  const r = evaluatePolicy(null, AXIOS, SIGNED_ONLY, NOW, undefined, trust())
  t.same(find(r, 'TRUST_DOWNGRADE'), {
    code: 'TRUST_DOWNGRADE',
    severity: 'warning',
    message: 'axios@1.14.1: trust downgrade — 1.14.0 (published 2026-03-27) had verified provenance from axios/axios (trusted publisher); 1.14.1 has a registry signature only',
  })
  t.equal(r.decision, 'warn', 'the built-in default policy warns')
  t.equal(FINDINGS.TRUST_DOWNGRADE.defaultSeverity, 'warning', 'as the registry says')
})

t.test('continuity.downgrade decides TRUST_DOWNGRADE: enforce an error, warn a warning, off never raised', async (t) => {
  const severities: Record<Mode, string | undefined> = { enforce: 'error', warn: 'warning', off: undefined }
  for (const mode of ['enforce', 'warn', 'off'] as const) {
    const r = evaluatePolicy(policy(`  continuity: { downgrade: ${mode} }\n`), AXIOS, SIGNED_ONLY, NOW, undefined, trust())
    t.equal(find(r, 'TRUST_DOWNGRADE')?.severity, severities[mode], mode)
  }
  // The rule's own mode does not decide it: `mode: warn` with `downgrade: enforce` still fails.
  const r = evaluatePolicy(policyFrom('version: 1\ndefault:\n  mode: warn\n  continuity: { downgrade: enforce }\n'), AXIOS, SIGNED_ONLY, NOW, undefined, trust())
  t.equal(find(r, 'TRUST_DOWNGRADE')?.severity, 'error')
  t.match(find(r, 'TRUST_DOWNGRADE')?.message, /\(required by default\)$/, 'a violation names the rule that made it one')
  t.equal(r.decision, 'fail')
})

t.test('no downgrade: nothing verified above the locked version, or the same level', async (t) => {
  const none = evaluatePolicy(null, AXIOS, withProvenance('trusted-publisher'), NOW, undefined, trust({ level: 'trusted-publisher', history: { state: 'checked', versions: 3, previousBuild: PREVIOUS, unverifiedClaims: [] } }))
  t.same(codes(none), [])
  t.equal(none.decision, 'pass')
  t.same(none.trust, { level: 'trusted-publisher', publishedAt: { at: '2026-03-31T00:21:00.000Z', source: 'registry' }, historyState: 'checked', history: { level: 'trusted-publisher', version: '1.14.0', publishedAt: PREVIOUS.publishedAt }, baseline: null })
  // eslint-config-prettier-like: 8.x never had provenance, so a signed 8.10.2 has nothing above it.
  const line8 = evaluatePolicy(null, ref('eslint-config-prettier', '8.10.2'), verified({ name: 'eslint-config-prettier', version: '8.10.2', provenance: { status: 'none' } }), NOW, undefined, trust({ history: { state: 'checked', versions: 20, unverifiedClaims: [] } }))
  t.same(codes(line8), [])
  t.same(line8.trust?.history, null)
})

t.test('a lower level than the provenance-bearing one says which part is missing', async (t) => {
  const r = evaluatePolicy(null, AXIOS, withProvenance('provenance'), NOW, undefined, trust({ level: 'provenance' }))
  t.match(find(r, 'TRUST_DOWNGRADE')?.message, /1\.14\.0 \(published 2026-03-27\) had verified provenance from axios\/axios \(trusted publisher\); 1\.14\.1 has verified provenance without a trusted publisher$/)
  const approved: VerifiedHistory = { version: '1.13.0', publishedAt: '2026-01-01T00:00:00Z', level: 'approved' }
  const fromApproved = evaluatePolicy(null, AXIOS, withProvenance('trusted-publisher'), NOW, undefined, trust({ level: 'trusted-publisher', history: { state: 'checked', versions: 2, higher: approved, unverifiedClaims: [] } }))
  t.match(find(fromApproved, 'TRUST_DOWNGRADE')?.message, /1\.13\.0 \(published 2026-01-01\) had verified provenance \(approved, staged publishing\); 1\.14\.1 has verified provenance from a trusted publisher, without an approver$/)
  const fromSigned = evaluatePolicy(null, AXIOS, SIGNED_ONLY, NOW, undefined, trust({ level: 'none', history: { state: 'checked', versions: 2, higher: { version: '1.0.0', publishedAt: '2025-01-01T00:00:00Z', level: 'signature' }, unverifiedClaims: [] } }))
  t.match(find(fromSigned, 'TRUST_DOWNGRADE')?.message, /1\.0\.0 \(published 2025-01-01\) had a registry signature only; 1\.14\.1 has nothing verified/)
  const provenanceOnly = evaluatePolicy(null, AXIOS, SIGNED_ONLY, NOW, undefined, trust({ history: { state: 'checked', versions: 2, higher: { ...PREVIOUS, level: 'provenance' }, unverifiedClaims: [] } }))
  t.match(find(provenanceOnly, 'TRUST_DOWNGRADE')?.message, /had verified provenance from axios\/axios; 1\.14\.1/)
})

t.test('the trust lockfile baseline: a drop below it is TRUST_DOWNGRADE naming it, even without history', async (t) => {
  const baseline = { line: '1', level: 'trusted-publisher' as const, version: '1.14.0' }
  const r = evaluatePolicy(null, AXIOS, SIGNED_ONLY, NOW, undefined, trust({ history: { state: 'unavailable', reason: 'no time field' }, baseline }))
  t.equal(
    find(r, 'TRUST_DOWNGRADE')?.message,
    'axios@1.14.1: trust downgrade — the trust lockfile (verify-deps.trust.json) accepted trusted-publisher for axios 1.x (recorded from 1.14.0); 1.14.1 has a registry signature only',
  )
  t.same(r.trust?.baseline, baseline)
  t.equal(r.trust?.historyState, 'unavailable')
  // With history too, both are named in one finding.
  const both = evaluatePolicy(null, AXIOS, SIGNED_ONLY, NOW, undefined, trust({ baseline }))
  t.equal(both.findings.filter((f) => f.code === 'TRUST_DOWNGRADE').length, 1)
  t.match(find(both, 'TRUST_DOWNGRADE')?.message, /accepted trusted-publisher for axios 1\.x \(recorded from 1\.14\.0\); 1\.14\.0 \(published 2026-03-27\) had verified provenance/)
  // 0.x lines are named by their minor, prereleases by their own line.
  const zero = evaluatePolicy(null, ref('axios', '0.30.4'), SIGNED_ONLY, NOW, undefined, trust({ history: undefined, baseline: { line: '0.30', level: 'provenance', version: '0.30.3' } }))
  t.match(find(zero, 'TRUST_DOWNGRADE')?.message, /for axios 0\.30\.x \(recorded from 0\.30\.3\)/)
  const pre = evaluatePolicy(null, ref('axios', '2.0.0-beta.2'), SIGNED_ONLY, NOW, undefined, trust({ history: undefined, baseline: { line: '2.0.0-beta', level: 'provenance', version: '2.0.0-beta.1' } }))
  t.match(find(pre, 'TRUST_DOWNGRADE')?.message, /for axios 2\.0\.0-beta prereleases/)
  // At or above the baseline: nothing.
  t.same(codes(evaluatePolicy(null, AXIOS, withProvenance('trusted-publisher'), NOW, undefined, trust({ level: 'trusted-publisher', history: undefined, baseline }))), [])
})

t.test('IDENTITY_CHANGED lists every changed field and names what it compared with', async (t) => {
  const moved = identity({ repository: 'evil/axios', repositoryId: '2', workflow: '.github/workflows/publish.yml', trigger: 'pull_request_target', ref: 'refs/heads/main', runner: 'self-hosted' })
  const r = evaluatePolicy(null, AXIOS, withProvenance('trusted-publisher', moved), NOW, undefined, trust({ level: 'trusted-publisher', history: { state: 'checked', versions: 3, previousBuild: PREVIOUS, unverifiedClaims: [] } }))
  t.same(find(r, 'IDENTITY_CHANGED'), {
    code: 'IDENTITY_CHANGED',
    severity: 'warning',
    message:
      'axios@1.14.1: build identity changed since 1.14.0 (published 2026-03-27): repository: axios/axios → evil/axios, repositoryId: 1 → 2, trigger: push → pull_request_target, refKind: tag → branch, runner: github-hosted → self-hosted',
  })
  // Against the trust lockfile's identity (trigger class and ref kind kept as such).
  const baseline = { line: '1', level: 'trusted-publisher' as const, version: '1.14.0', identity: { repository: 'axios/axios', repositoryId: '1', trigger: 'release', refKind: 'tag', runner: 'github-hosted' } }
  const transferred = identity({ repository: 'axios/axios', repositoryId: '2' })
  const b = evaluatePolicy(null, AXIOS, withProvenance('trusted-publisher', transferred), NOW, undefined, trust({ level: 'trusted-publisher', history: undefined, baseline }))
  t.equal(find(b, 'IDENTITY_CHANGED')?.message, 'axios@1.14.1: build identity changed since the trust lockfile (verify-deps.trust.json) entry for axios 1.x (recorded from 1.14.0): repositoryId: 1 → 2')
  const other = evaluatePolicy(null, AXIOS, withProvenance('trusted-publisher', identity({ ref: 'v1' })), NOW, undefined, trust({ level: 'trusted-publisher', history: undefined, baseline: { ...baseline, identity: { refKind: 'other', repository: 'acme/app' } } }))
  t.same(codes(other), [], 'same ref kind, same repository: unchanged')
  // Both compared: one finding naming both.
  const both = evaluatePolicy(null, AXIOS, withProvenance('trusted-publisher', transferred), NOW, undefined, trust({ level: 'trusted-publisher', history: { state: 'checked', versions: 3, previousBuild: PREVIOUS, unverifiedClaims: [] }, baseline }))
  t.match(find(both, 'IDENTITY_CHANGED')?.message, /since 1\.14\.0 \(published 2026-03-27\): repositoryId: 1 → 2, workflow: .*; and since the trust lockfile .*: repositoryId: 1 → 2$/)
  // The same identity: nothing; no verified provenance now: nothing to compare (a downgrade says it).
  t.same(codes(evaluatePolicy(null, AXIOS, withProvenance('trusted-publisher'), NOW, undefined, trust({ level: 'trusted-publisher', history: { state: 'checked', versions: 3, previousBuild: PREVIOUS, unverifiedClaims: [] } }))), [])
  t.same(codes(evaluatePolicy(null, AXIOS, SIGNED_ONLY, NOW, undefined, trust({ history: { state: 'checked', versions: 3, previousBuild: PREVIOUS, unverifiedClaims: [] } }))), [])
})

t.test('continuity.identity decides IDENTITY_CHANGED: enforce an error, warn a warning, off never raised', async (t) => {
  const moved = withProvenance('trusted-publisher', identity({ repository: 'axios/axios', repositoryId: '2', workflow: '.github/workflows/publish.yml' }))
  const history = trust({ level: 'trusted-publisher', history: { state: 'checked', versions: 3, previousBuild: PREVIOUS, unverifiedClaims: [] } })
  const severities: Record<Mode, string | undefined> = { enforce: 'error', warn: 'warning', off: undefined }
  for (const mode of ['enforce', 'warn', 'off'] as const) {
    const r = evaluatePolicy(policy(`  continuity: { identity: ${mode} }\n`), AXIOS, moved, NOW, undefined, history)
    t.equal(find(r, 'IDENTITY_CHANGED')?.severity, severities[mode], mode)
  }
})

t.test('continuity.since: versions published before it are not history (the baseline still counts)', async (t) => {
  const p = policy('  continuity: { downgrade: enforce, since: 2026-03-28 }\n')
  t.same(codes(evaluatePolicy(p, AXIOS, SIGNED_ONLY, NOW, undefined, trust())), [], '1.14.0 was published 2026-03-27')
  t.same(codes(evaluatePolicy(policy('  continuity: { downgrade: enforce, since: 2026-03-27 }\n'), AXIOS, SIGNED_ONLY, NOW, undefined, trust())), ['TRUST_DOWNGRADE'], 'from 00:00 UTC that day it is')
  const baseline = { line: '1', level: 'trusted-publisher' as const, version: '1.14.0' }
  t.same(codes(evaluatePolicy(p, AXIOS, SIGNED_ONLY, NOW, undefined, trust({ baseline }))), ['TRUST_DOWNGRADE'])
})

t.test('exceptions waive the continuity findings (the fastq 1.20.2 case), with their reason', async (t) => {
  const fastq = ref('fastq', '1.20.2')
  const out = noProvenance({ name: 'fastq', version: '1.20.2', publisher: { trustedPublisher: undefined, approver: undefined } })
  const exceptions = '\nexceptions:\n  - package: fastq@1.20.2\n    allow: [TRUST_DOWNGRADE, IDENTITY_CHANGED, RELEASE_TOO_NEW, HISTORY_UNAVAILABLE]\n    reason: manual release, confirmed by the maintainer\n    expires: 2026-12-31\n'
  const p = policy('  continuity: { downgrade: enforce }\n  minimumReleaseAge: 4d\n', exceptions)
  const fresh = trust({ publishedAt: { at: '2026-06-01T11:00:00Z', source: 'registry' } })
  const r = evaluatePolicy(p, fastq, out, NOW, undefined, fresh)
  t.equal(r.decision, 'pass')
  t.match(find(r, 'TRUST_DOWNGRADE'), { severity: 'info', message: /\(waived by exceptions\[0\] \(fastq@1\.20\.2\): manual release, confirmed by the maintainer\)$/ })
  t.match(find(r, 'RELEASE_TOO_NEW'), { severity: 'info', message: /waived by exceptions\[0\]/ })
  // Expired: decided by the rule again.
  const later = evaluatePolicy(p, fastq, out, new Date('2027-01-01T00:00:00Z'), undefined, fresh)
  t.equal(later.decision, 'fail')
  t.same(codes(later).sort(), ['EXCEPTION_EXPIRED', 'TRUST_DOWNGRADE'])
})

t.test('RELEASE_TOO_NEW: minimumReleaseAge against the signed or the registry time, decided by the rule mode', async (t) => {
  const tanstack = ref('@tanstack/query', '5.1.0')
  const ok = verified({ name: '@tanstack/query', version: '5.1.0' })
  const signed = trust({ level: 'approved', history: undefined, publishedAt: { at: '2026-06-01T11:00:00.000Z', source: 'signed' } })
  const p = policy('  minimumReleaseAge: 4d\n')
  const r = evaluatePolicy(p, tanstack, ok, NOW, undefined, signed)
  t.same(find(r, 'RELEASE_TOO_NEW'), {
    code: 'RELEASE_TOO_NEW',
    severity: 'error',
    message: '@tanstack/query@5.1.0: published 2026-06-01T11:00:00.000Z (signed time), 1 hour before 2026-06-01T12:00:00.000Z: younger than minimumReleaseAge 4d; old enough from 2026-06-05T11:00:00.000Z (required by default)',
  })
  // Five days later: old enough.
  t.same(codes(evaluatePolicy(p, tanstack, ok, new Date('2026-06-06T11:00:00Z'), undefined, signed)), [])
  // The registry's time says so.
  const registry = evaluatePolicy(p, tanstack, ok, NOW, undefined, trust({ level: 'approved', history: undefined, publishedAt: { at: '2026-05-31T12:00:00.000Z', source: 'registry' } }))
  t.match(find(registry, 'RELEASE_TOO_NEW')?.message, /\(registry time, unsigned\), 24 hours before/)
  // The rule's mode decides.
  const modes: Record<Mode, string> = { enforce: 'error', warn: 'warning', off: 'info' }
  for (const mode of ['enforce', 'warn', 'off'] as const) {
    t.equal(find(evaluatePolicy(policyFrom(`version: 1\ndefault:\n  mode: ${mode}\n  minimumReleaseAge: 72h\n`), tanstack, ok, NOW, undefined, signed), 'RELEASE_TOO_NEW')?.severity, modes[mode], mode)
  }
  // Unknown publish time: fail closed.
  const unknown = evaluatePolicy(p, tanstack, ok, NOW, undefined, trust({ level: 'approved', history: undefined, publishedAt: undefined }))
  t.match(find(unknown, 'RELEASE_TOO_NEW'), { severity: 'error', message: /publish time is unknown .* its age cannot be established against minimumReleaseAge 4d/ })
  // Days, minutes and a time in the future are described as such.
  t.match(find(evaluatePolicy(policyFrom('version: 1\ndefault:\n  minimumReleaseAge: 1w\n'), tanstack, ok, NOW, undefined, trust({ level: 'approved', history: undefined, publishedAt: { at: '2026-05-29T12:00:00Z', source: 'signed' } })), 'RELEASE_TOO_NEW')?.message, /, 3 days before/)
  t.match(find(evaluatePolicy(p, tanstack, ok, NOW, undefined, trust({ level: 'approved', history: undefined, publishedAt: { at: '2026-06-01T11:50:00Z', source: 'signed' } })), 'RELEASE_TOO_NEW')?.message, /, 10 minutes before/)
  t.match(find(evaluatePolicy(p, tanstack, ok, NOW, undefined, trust({ level: 'approved', history: undefined, publishedAt: { at: '2026-07-01T00:00:00Z', source: 'registry' } })), 'RELEASE_TOO_NEW')?.message, /\(registry time, unsigned\), after the time of the check \(2026-06-01T12:00:00\.000Z\): younger/)
  t.match(find(evaluatePolicy(p, tanstack, ok, NOW, undefined, trust({ level: 'approved', history: undefined, publishedAt: { at: 'yesterday', source: 'registry' } })), 'RELEASE_TOO_NEW')?.message, /published yesterday \(registry time, unsigned\), at an unreadable time: younger than minimumReleaseAge 4d \(required by default\)$/)
  // No minimumReleaseAge (the built-in default): never raised.
  t.same(codes(evaluatePolicy(null, tanstack, ok, NOW, undefined, signed)), [])
})

t.test('minimumReleaseAge without any gathered trust fails closed for a registry package (its age cannot be established)', async (t) => {
  const p = policy('  minimumReleaseAge: 4d\n')
  const r = evaluatePolicy(p, AXIOS, withProvenance('trusted-publisher'), NOW)
  t.match(r.findings, [{ code: 'RELEASE_TOO_NEW', severity: 'error', message: /axios@1\.14\.1: its publish time is unknown .*minimumReleaseAge 4d/ }])
  t.equal(r.trust, undefined, 'no trust summary was gathered')
  t.match(formatExplanation(explainPackage(p, AXIOS, withProvenance('trusted-publisher'), NOW)), '  continuity  downgrade off, identity off, minimumReleaseAge 4d\n              release age publish time unknown -> RELEASE_TOO_NEW')
  // A git dependency has no publish time to ask for (UNVERIFIABLE_SOURCE says what it lacks); without minimumReleaseAge nothing is added.
  t.same(codes(evaluatePolicy(p, ref('g', '1.0.0', { source: 'git' }), { kind: 'not-registry' }, NOW)), [])
  t.same(codes(evaluatePolicy(null, AXIOS, withProvenance('trusted-publisher'), NOW)), [])
})

t.test('a hand-built policy with a minimumReleaseAge that is no duration fails closed', async (t) => {
  const out = checkContinuity({ pkg: 'a@1.0.0', name: 'a', version: '1.0.0', trust: trust({ history: undefined }), settings: { ...DEFAULT_CONTINUITY, minimumReleaseAge: '4 days' }, body: { mode: 'enforce', require: { signature: true, provenance: false, trustedPublisher: false, approver: false } }, ruleId: undefined, identity: undefined, now: NOW })
  t.match(out.findings, [{ code: 'RELEASE_TOO_NEW', severity: 'error', message: /"4 days" is not a duration like 72h or 4d/ }])
})

t.test('HISTORY_UNAVAILABLE: info per package, a warning under downgrade: enforce without a baseline, once per run in the notices', async (t) => {
  const stripped = trust({ history: { state: 'unavailable', reason: 'the registry gave no publish times' } })
  const info = evaluatePolicy(null, AXIOS, SIGNED_ONLY, NOW, undefined, stripped)
  t.same(find(info, 'HISTORY_UNAVAILABLE'), {
    code: 'HISTORY_UNAVAILABLE',
    severity: 'info',
    message: 'axios@1.14.1: the registry gave no history for its release line (the registry gave no publish times): a downgrade or a change of build identity cannot be ruled out',
  })
  t.same(codes(info), ['HISTORY_UNAVAILABLE'], 'never read as "no downgrade", never a downgrade either')
  const enforce = policy('  continuity: { downgrade: enforce }\n')
  t.equal(find(evaluatePolicy(enforce, AXIOS, SIGNED_ONLY, NOW, undefined, stripped), 'HISTORY_UNAVAILABLE')?.severity, 'warning')
  const withBaseline = evaluatePolicy(enforce, AXIOS, SIGNED_ONLY, NOW, undefined, { ...stripped, baseline: { line: '1', level: 'signature', version: '1.0.0' } })
  t.match(find(withBaseline, 'HISTORY_UNAVAILABLE'), { severity: 'info', message: /; compared with the trust lockfile \(verify-deps\.trust\.json\) only$/ })
  // A baseline at `none` (a pull request can edit the file down to it) catches no drop: it stands in for nothing.
  const noneBaseline = evaluatePolicy(enforce, AXIOS, SIGNED_ONLY, NOW, undefined, { ...stripped, baseline: { line: '1', level: 'none', version: '1.0.0' } })
  t.equal(find(noneBaseline, 'HISTORY_UNAVAILABLE')?.severity, 'warning', 'a `none` baseline does not quiet the warning')
  // identity: enforce, the locked version built with verified provenance: nothing could show an identity change either.
  const identityEnforce = policy('  continuity: { downgrade: warn, identity: enforce }\n')
  const built = withProvenance('trusted-publisher')
  const strippedTP = { ...stripped, level: 'trusted-publisher' as const }
  t.equal(find(evaluatePolicy(identityEnforce, AXIOS, built, NOW, undefined, strippedTP), 'HISTORY_UNAVAILABLE')?.severity, 'warning', 'identity: enforce, no baseline: a warning')
  t.equal(find(evaluatePolicy(identityEnforce, AXIOS, built, NOW, undefined, { ...strippedTP, baseline: { line: '1', level: 'trusted-publisher', version: '1.0.0', identity: { repository: 'axios/axios' } } }), 'HISTORY_UNAVAILABLE')?.severity, 'info', 'a baseline identity stands in')
  t.equal(find(evaluatePolicy(identityEnforce, AXIOS, built, NOW, undefined, { ...strippedTP, baseline: { line: '1', level: 'trusted-publisher', version: '1.0.0' } }), 'HISTORY_UNAVAILABLE')?.severity, 'warning', 'a baseline without an identity does not')
  t.equal(find(evaluatePolicy(identityEnforce, AXIOS, SIGNED_ONLY, NOW, undefined, stripped), 'HISTORY_UNAVAILABLE')?.severity, 'info', 'no verified identity of its own: no identity to compare, history or not')
  t.same(codes(evaluatePolicy(policy('  continuity: { downgrade: off, identity: off }\n'), AXIOS, SIGNED_ONLY, NOW, undefined, stripped)), [], 'both checks off: nothing to say')

  const run = evaluateRun(null, [
    { ref: AXIOS, outcome: SIGNED_ONLY, trust: stripped },
    { ref: ref('b', '1.0.0', { registry: 'https://mirror.example/' }), outcome: verified({ name: 'b' }), trust: stripped },
    { ref: ref('c', '1.0.0'), outcome: verified({ name: 'c' }), trust: trust({ level: 'approved' }) },
    { ref: ref('d', '1.0.0'), outcome: verified({ name: 'd' }) },
  ], NOW)
  t.same(run.notices, ['continuity: the registry gave no version history for 2 packages (https://mirror.example/, https://registry.npmjs.org/): trust downgrades and build-identity changes could only be checked against the trust lockfile, if any (HISTORY_UNAVAILABLE)'])
  t.equal(run.packages[3]!.trust, undefined, 'no trust gathered: no trust summary, no continuity finding')
  const one = evaluateRun(null, [{ ref: AXIOS, outcome: SIGNED_ONLY, trust: stripped }], NOW)
  t.match(one.notices, [/for 1 package \(https:\/\/registry\.npmjs\.org\/\)/])
  t.same(evaluateRun(null, [{ ref: AXIOS, outcome: SIGNED_ONLY }], NOW).notices, [])
})

t.test('HISTORY_CLAIM_UNVERIFIED: one info per registry claim that did not verify, never counted', async (t) => {
  const claims = trust({ level: 'signature', history: { state: 'checked', versions: 4, unverifiedClaims: [{ version: '1.0.0', claimed: 'provenance', level: 'signature', reason: 'ATTESTATION_INVALID: bad signature' }, { version: '1.1.0', claimed: 'trusted-publisher', level: 'none', reason: 'HTTP 404' }, { version: '1.2.0', claimed: 'approved', level: 'provenance', reason: 'x' }, { version: '1.3.0', claimed: 'signature', level: 'none', reason: 'y' }] } })
  const r = evaluatePolicy(policy('  continuity: { downgrade: enforce }\n'), AXIOS, SIGNED_ONLY, NOW, undefined, claims)
  t.same(r.findings.filter((f) => f.code === 'HISTORY_CLAIM_UNVERIFIED'), [
    { code: 'HISTORY_CLAIM_UNVERIFIED', severity: 'info', message: 'axios@1.14.1: the registry says 1.0.0 had provenance; it does not verify: ATTESTATION_INVALID: bad signature; not counted' },
    { code: 'HISTORY_CLAIM_UNVERIFIED', severity: 'info', message: 'axios@1.14.1: the registry says 1.1.0 had provenance from a trusted publisher; it does not verify: HTTP 404; not counted' },
    { code: 'HISTORY_CLAIM_UNVERIFIED', severity: 'info', message: 'axios@1.14.1: the registry says 1.2.0 had provenance with an approver; it does not verify: x; not counted' },
    { code: 'HISTORY_CLAIM_UNVERIFIED', severity: 'info', message: 'axios@1.14.1: the registry says 1.3.0 had a registry signature; it does not verify: y; not counted' },
  ])
  t.notOk(find(r, 'TRUST_DOWNGRADE'), 'a forged claim raises no downgrade')
  t.equal(r.decision, 'pass')
})

t.test('explain says what the continuity step compared and concluded, also when nothing was found', async (t) => {
  const text = formatExplanation(explainPackage(policy('  minimumReleaseAge: 4d\n  continuity: { since: 2025-01-01 }\n'), AXIOS, SIGNED_ONLY, new Date('2026-05-01T00:00:00Z'), undefined, trust({ baseline: { line: '1', level: 'signature', version: '1.0.0' } })))
  t.match(text, '  continuity  downgrade warn, identity warn, since 2025-01-01, minimumReleaseAge 4d\n')
  t.match(text, "              downgrade   1.14.1 is signature; compared with 1.14.0, verified trusted-publisher and the trust lockfile's signature (recorded from 1.0.0) -> TRUST_DOWNGRADE\n")
  t.match(text, '              identity    no verified provenance identity to compare\n')
  t.match(text, /release age published 2026-03-31T00:21:00\.000Z \(registry time, unsigned\), 30 days old: at least 4d\n/)
  const clean = formatExplanation(explainPackage(null, AXIOS, withProvenance('trusted-publisher'), NOW, undefined, trust({ level: 'trusted-publisher', history: { state: 'checked', versions: 3, previousBuild: PREVIOUS, unverifiedClaims: [] } })))
  t.match(clean, "downgrade   1.14.1 is trusted-publisher; compared with its line's earlier versions (none verified above it): no downgrade\n")
  t.match(clean, "identity    compared with 1.14.0's build: unchanged\n")
  const nothing = formatExplanation(explainPackage(null, AXIOS, withProvenance('trusted-publisher'), NOW, undefined, trust({ level: 'trusted-publisher', history: undefined })))
  t.match(nothing, 'nothing to compare with (no history looked at, no trust lockfile entry): no downgrade')
  t.match(nothing, 'identity    no earlier verified build to compare with')
  const unavailable = formatExplanation(explainPackage(null, AXIOS, SIGNED_ONLY, NOW, undefined, trust({ history: { state: 'unavailable', reason: 'stripped' } })))
  t.match(unavailable, 'history     unavailable (stripped)')
  const off = formatExplanation(explainPackage(policy('  continuity: { downgrade: off, identity: off }\n'), AXIOS, SIGNED_ONLY, NOW, undefined, trust()))
  t.match(off, '  continuity  downgrade off, identity off\n              nothing to check\n')
  t.notMatch(formatExplanation(explainPackage(null, AXIOS, SIGNED_ONLY, NOW)), 'continuity', 'no trust gathered: no continuity line')
})

t.test('the trust summary the report gives', async (t) => {
  t.same(trustSummaryOf({ level: 'none' }), { level: 'none', publishedAt: null, historyState: 'not-checked', history: null, baseline: null })
  t.same(trustSummaryOf(trust()).history, { level: 'trusted-publisher', version: '1.14.0', publishedAt: PREVIOUS.publishedAt }, 'the higher version first')
  t.same(trustSummaryOf(trust({ history: { state: 'unavailable', reason: 'x' } })).historyState, 'unavailable')
})

t.test('aliases and bundled packages', async (t) => {
  const aliased = ref('axios', '1.14.1', { locations: [{ path: 'node_modules/ax', why: ['(root)'], dev: false, optional: false, peer: false, alias: 'ax' }] })
  const r = evaluatePolicy(null, aliased, SIGNED_ONLY, NOW, undefined, trust())
  t.ok(find(r, 'TRUST_DOWNGRADE'), 'decided under every name, the stricter wins')
  const bundled = evaluatePolicy(null, ref('axios', '1.14.1', { source: 'bundled' }), { kind: 'not-registry' }, NOW, undefined, trust())
  t.equal(bundled.decision, 'skipped', "a bundled package is covered by its parent's tarball")
})

t.test('the policy schema reads `continuity` and `minimumReleaseAge` in default and rules, defaults filled in', async (t) => {
  const p = policyFrom('version: 1\ndefault:\n  continuity: { downgrade: enforce }\n  minimumReleaseAge: 72h\nrules:\n  - packages: [axios]\n    continuity: { identity: off, since: 2025-01-01 }\n    minimumReleaseAge: 4d\n  - packages: [b]\n')
  t.same(p.default?.continuity, { downgrade: 'enforce', identity: 'warn' })
  t.equal(p.default?.minimumReleaseAge, '72h')
  t.same(p.rules[0]?.continuity, { downgrade: 'warn', identity: 'off', since: '2025-01-01' })
  t.equal(p.rules[0]?.minimumReleaseAge, '4d')
  t.notOk('continuity' in p.rules[1]!, 'absent: DEFAULT_CONTINUITY applies')
  t.notOk('minimumReleaseAge' in p.rules[1]!)
  for (const good of ['30m', '72h', '4d', '2w']) t.ok(policyFrom(`version: 1\ndefault:\n  minimumReleaseAge: ${good}\n`), good)
  for (const bad of ['4 days', '0d', '4D', '1y', '-1d', '1.5d']) t.throws(() => policyFrom(`version: 1\ndefault:\n  minimumReleaseAge: "${bad}"\n`), { message: `"${bad}" is not a duration like 72h or 4d` }, bad)
})

t.test('continuitySettings: the settings of the rule that decides a package, before its history is fetched', async (t) => {
  const p = policyFrom('version: 1\ndefault:\n  minimumReleaseAge: 1d\nrules:\n  - packages: [axios]\n    continuity: { downgrade: off, identity: off }\n')
  t.same(continuitySettings(p, 'axios', '1.14.1'), { downgrade: 'off', identity: 'off' })
  t.same(continuitySettings(p, 'other', '1.0.0'), { downgrade: 'warn', identity: 'warn', minimumReleaseAge: '1d' })
  t.same(continuitySettings(null, 'axios', '1.14.1'), { downgrade: 'warn', identity: 'warn' }, 'the built-in default policy')
  t.same(continuitySettings(policyFrom('version: 1\n'), 'axios', '1.14.1'), { downgrade: 'warn', identity: 'warn' }, 'no default: the built-in one')
  t.equal(wantsHistory(continuitySettings(p, 'axios', '1.14.1')), false, 'both off: no history fetched')
  t.equal(wantsHistory({ downgrade: 'off', identity: 'warn' }), true)
})

t.test('a continuity.since after the time of the check is said in the run notices (the history check is off in all but name)', async (t) => {
  const future = policyFrom(`version: 1\ndefault:\n  mode: enforce\n  continuity: { downgrade: enforce, since: 2099-01-01 }\nrules:\n  - packages: ["@scope/*"]\n    mode: enforce\n    continuity: { downgrade: warn, since: 2020-01-01 }\n  - packages: [lodash]\n    mode: enforce\n    continuity: { downgrade: warn, since: 2098-01-01 }\n`)
  const run = evaluateRun(future, [{ ref: AXIOS, outcome: SIGNED_ONLY, trust: trust() }], NOW)
  t.same(run.notices, [
    `policy: default continuity.since 2099-01-01 is after the time of the check (${NOW.toISOString()}): no earlier version is history there, so only the trust lockfile can show a downgrade or an identity change`,
    `policy: rules[1] (lodash) continuity.since 2098-01-01 is after the time of the check (${NOW.toISOString()}): no earlier version is history there, so only the trust lockfile can show a downgrade or an identity change`,
  ])
  t.same(evaluateRun(policy('  continuity: { since: 2020-01-01 }\n'), [{ ref: AXIOS, outcome: SIGNED_ONLY, trust: trust() }], NOW).notices, [], 'a since in the past: nothing to say')
  t.same(evaluateRun(null, [{ ref: AXIOS, outcome: SIGNED_ONLY, trust: trust() }], NOW).notices, [], 'the built-in default policy has no since')
})
