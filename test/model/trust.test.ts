/** lib/model/trust.ts: trust levels, release lines, history selection, identity changes, publish times, durations. */
import t from 'tap'
import type { PackageFacts, SignerIdentity } from '../../lib/model/facts.js'
import {
  compareTrustLevels,
  downgradeCandidates,
  historyOf,
  identityCandidates,
  identityChanges,
  parseDuration,
  publishTimeOf,
  refKind,
  releaseLine,
  triggerClass,
  trustLevelOf,
  type HistoryVersion,
} from '../../lib/model/trust.js'

type LevelFacts = Pick<PackageFacts, 'signature' | 'provenance' | 'publisher'>
const facts = (signature: string, provenance: string, publisher: Partial<PackageFacts['publisher']> = {}): LevelFacts =>
  ({ signature: { status: signature }, provenance: { status: provenance }, publisher: { source: 'registry-metadata', ...publisher } }) as LevelFacts

t.test('trust levels: metadata raises only verified provenance', async (t) => {
  t.equal(trustLevelOf(undefined), 'none')
  t.equal(trustLevelOf(facts('missing', 'none')), 'none')
  t.equal(trustLevelOf(facts('invalid', 'none')), 'none')
  t.equal(trustLevelOf(facts('verified', 'none')), 'signature')
  t.equal(trustLevelOf(facts('verified', 'invalid', { trustedPublisher: { id: 'github' } })), 'signature', 'a trusted publisher claim without verified provenance is worth nothing')
  t.equal(trustLevelOf(facts('missing', 'verified')), 'provenance')
  t.equal(trustLevelOf(facts('verified', 'verified', { trustedPublisher: { id: 'github' } })), 'trusted-publisher')
  t.equal(trustLevelOf(facts('verified', 'verified', { trustedPublisher: { id: 'github' }, approver: { name: 'a' } })), 'approved')
  t.ok(compareTrustLevels('signature', 'provenance') < 0)
  t.ok(compareTrustLevels('approved', 'trusted-publisher') > 0)
  t.equal(compareTrustLevels('none', 'none'), 0)
})

t.test('release lines: major from 1.0.0, minor in 0.x, prereleases their own', async (t) => {
  t.equal(releaseLine('1.14.1'), '1')
  t.equal(releaseLine('1.0.0'), '1')
  t.equal(releaseLine('10.1.8'), '10')
  t.equal(releaseLine('0.30.4'), '0.30')
  t.equal(releaseLine('0.0.3'), '0.0')
  t.equal(releaseLine('1.2.3-beta.2'), '1.2.3-beta')
  t.equal(releaseLine('1.2.3-rc.1'), '1.2.3-rc')
  t.equal(releaseLine('1.2.3-0'), '1.2.3-')
  t.equal(releaseLine('1.2.3+build.5'), '1')
  t.equal(releaseLine('not-a-version'), null)
})

const v = (version: string, publishedAt: string, claimed: HistoryVersion['claimed']): HistoryVersion => ({ version, publishedAt, claimed })

t.test('history: same line, published before, not before `since`, most recent first', async (t) => {
  const all = [
    v('1.13.0', '2026-01-01T00:00:00Z', 'trusted-publisher'),
    v('1.14.0', '2026-03-01T00:00:00Z', 'trusted-publisher'),
    v('1.14.1', '2026-03-31T00:00:00Z', 'signature'),
    v('1.15.0-beta.1', '2026-03-20T00:00:00Z', 'provenance'),
    v('0.30.3', '2026-03-02T00:00:00Z', 'provenance'),
    v('2.0.0', '2026-02-01T00:00:00Z', 'provenance'),
    v('1.12.0', 'not a time', 'provenance'),
    // A backport published later than the locked version is not its history.
    v('1.9.9', '2026-04-02T00:00:00Z', 'approved'),
  ]
  t.same(historyOf({ version: '1.14.1', publishedAt: '2026-03-31T00:00:00Z' }, all).map((h) => h.version), ['1.14.0', '1.13.0'])
  t.same(historyOf({ version: '1.14.1', publishedAt: '2026-03-31T00:00:00Z' }, all, new Date('2026-02-01')).map((h) => h.version), ['1.14.0'])
  t.same(historyOf({ version: '0.30.4', publishedAt: '2026-03-31T00:00:00Z' }, all).map((h) => h.version), ['0.30.3'])
  t.same(historyOf({ version: '1.15.0-beta.2', publishedAt: '2026-03-31T00:00:00Z' }, all).map((h) => h.version), ['1.15.0-beta.1'])
  t.same(historyOf({ version: '1.14.1', publishedAt: 'unknown' }, all), [], 'no publish time: no history to compare by')
  t.same(historyOf({ version: 'latest', publishedAt: '2026-03-31T00:00:00Z' }, all), [])
})

t.test('candidates: highest claim first, the most recent within a level, at most the limit', async (t) => {
  const history = [
    v('1.5.0', '2026-05-01T00:00:00Z', 'signature'),
    v('1.4.0', '2026-04-01T00:00:00Z', 'provenance'),
    v('1.3.0', '2026-03-01T00:00:00Z', 'trusted-publisher'),
    v('1.2.0', '2026-02-01T00:00:00Z', 'trusted-publisher'),
    v('1.1.0', '2026-01-01T00:00:00Z', 'approved'),
  ]
  t.same(downgradeCandidates(history, 'signature').map((h) => h.version), ['1.1.0', '1.3.0', '1.2.0'])
  t.same(downgradeCandidates(history, 'signature', 5).map((h) => h.version), ['1.1.0', '1.3.0', '1.2.0', '1.4.0'])
  t.same(downgradeCandidates(history, 'approved'), [])
  t.equal(identityCandidates(history, 1)[0]?.version, '1.4.0', 'the most recent with provenance claimed')
  t.equal(identityCandidates([v('1.0.0', '2026-01-01T00:00:00Z', 'signature')], 1)[0], undefined)
})

const identity = (fields: Partial<SignerIdentity>): SignerIdentity => ({ sources: {}, ...fields })

t.test('identity changes: field by field, only where both say something', async (t) => {
  const before = identity({ issuer: 'https://token.actions.githubusercontent.com', repository: 'axios/axios', repositoryId: '1', workflow: '.github/workflows/release.yml', trigger: 'push', ref: 'refs/tags/v1.14.0', runner: 'github-hosted' })
  t.same(identityChanges(before, { ...before, ref: 'refs/tags/v1.14.1', trigger: 'release', repository: 'Axios/Axios' }), [], 'a new tag, push → release, and case in the repository name are no change')
  t.same(identityChanges(before, { ...before, repositoryId: '2', repository: 'evil/axios' }), [
    { field: 'repository', before: 'axios/axios', after: 'evil/axios' },
    { field: 'repositoryId', before: '1', after: '2' },
  ])
  t.same(identityChanges(before, { ...before, trigger: 'pull_request_target', ref: 'refs/heads/main', runner: 'self-hosted', workflow: '.github/workflows/ci.yml' }), [
    { field: 'workflow', before: '.github/workflows/release.yml', after: '.github/workflows/ci.yml' },
    { field: 'trigger', before: 'push', after: 'pull_request_target' },
    { field: 'refKind', before: 'tag', after: 'branch' },
    { field: 'runner', before: 'github-hosted', after: 'self-hosted' },
  ])
  t.same(identityChanges({ ...before, runner: 'self-hosted' }, before), [], 'self-hosted → hosted is no loss')
  t.same(identityChanges(identity({ repository: 'a/b' }), identity({ repository: 'a/b', repositoryId: '9' })), [], 'a field only one side has is not a change')
  t.same(identityChanges(before, { ...before, issuer: 'https://gitlab.com' }), [{ field: 'issuer', before: 'https://token.actions.githubusercontent.com', after: 'https://gitlab.com' }])
  t.equal(triggerClass('workflow_dispatch'), 'manual')
  t.equal(triggerClass('merge_group'), 'merge_group')
  t.equal(refKind('refs/pull/7/merge'), 'pull')
  t.equal(refKind('v1'), 'other')
})

t.test('publish time: the latest signed time of verified attestations, else the registry time', async (t) => {
  const f = (provenance: object, publish: object) => ({ provenance, publish }) as Pick<PackageFacts, 'provenance' | 'publish'>
  t.same(publishTimeOf(f({ status: 'verified', signedAt: '2026-05-11T10:00:00.000Z' }, { status: 'verified', signedAt: '2026-05-11T09:59:00.000Z' }), '2026-01-01T00:00:00Z'), { at: '2026-05-11T10:00:00.000Z', source: 'signed' })
  // Built (provenance signed) ten days before it was published (publish attestation signed an hour ago):
  // its age on the registry is an hour, whatever its build's age.
  t.same(publishTimeOf(f({ status: 'verified', signedAt: '2026-05-01T10:00:00.000Z' }, { status: 'verified', signedAt: '2026-05-11T09:00:00.000Z' }), '2026-05-11T09:00:00.000Z'), { at: '2026-05-11T09:00:00.000Z', source: 'signed' }, 'a build signed long before the publish does not age the release')
  t.same(publishTimeOf(f({ status: 'verified', signedAt: '2026-05-01T10:00:00.000Z' }, { status: 'none' }), undefined), { at: '2026-05-01T10:00:00.000Z', source: 'signed' }, 'provenance alone: its time')
  t.same(publishTimeOf(f({ status: 'invalid', signedAt: '2026-05-11T10:00:00.000Z' }, { status: 'none' }), '2026-01-01T00:00:00Z'), { at: '2026-01-01T00:00:00Z', source: 'registry' }, 'an attestation that did not verify gives no signed time')
  t.equal(publishTimeOf(undefined, undefined), undefined)
  t.equal(publishTimeOf(undefined, 'yesterday'), undefined)
})

t.test('durations: a whole number and m, h, d or w', async (t) => {
  t.equal(parseDuration('72h'), 72 * 3_600_000)
  t.equal(parseDuration('4d'), 4 * 86_400_000)
  t.equal(parseDuration('30m'), 30 * 60_000)
  t.equal(parseDuration('2w'), 14 * 86_400_000)
  for (const bad of ['', '4', 'd', '0d', '-1d', '1.5d', '4 d', '4D', '4days', '9999999d']) t.equal(parseDuration(bad), undefined, bad)
})
