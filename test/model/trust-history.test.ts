/** lib/model/trust.ts, the check's side: stored registry histories read back, and a verified history built from candidates' verdicts. */
import t from 'tap'
import type { SignerIdentity } from '../../lib/model/facts.js'
import { downgradeCandidates, historyShortlist, identityCandidates, readRegistryHistory, resolveTrustHistory, type TrustLevel, type CandidateVerdict, type HistoryVersion } from '../../lib/model/trust.js'

const v = (version: string, day: number, claimed: HistoryVersion['claimed']): HistoryVersion => ({ version, publishedAt: new Date(Date.UTC(2025, 0, day)).toISOString(), claimed, integrity: `sha512-${version}` })
const identity = (repository: string): SignerIdentity => ({ repository, sources: {} })

t.test('readRegistryHistory: the stored shape or nothing', async (t) => {
  const listed = { state: 'listed', count: 5, versions: [v('1.0.0', 1, 'provenance'), { version: '0.9.0', publishedAt: '2024-01-01T00:00:00.000Z', claimed: 'none' }] }
  t.same(readRegistryHistory(listed), listed)
  t.same(readRegistryHistory({ ...listed, since: '2024-01-01' }), { ...listed, since: '2024-01-01' })
  t.same(readRegistryHistory({ state: 'unavailable', reason: 'stripped' }), { state: 'unavailable', reason: 'stripped' })
  for (const bad of [null, [], 'listed', { state: 'unavailable' }, { state: 'listed' }, { ...listed, count: -1 }, { ...listed, count: 1.5 }, { ...listed, count: '5' }, { ...listed, since: 2024 }, { state: 'other', versions: [] }, { state: 'listed', count: 1, versions: [null] },
    { state: 'listed', count: 1, versions: [{ version: '1.0.0', publishedAt: 'x', claimed: 'gold' }] }, { state: 'listed', count: 1, versions: [{ version: 1, publishedAt: 'x', claimed: 'none' }] },
    { state: 'listed', count: 1, versions: [{ version: '1.0.0', publishedAt: 'x', claimed: 'none', integrity: 5 }] }]) {
    t.equal(readRegistryHistory(bad), undefined, JSON.stringify(bad))
  }
})

t.test('the shortlist: whatever the level, both candidate lists choose from it what they choose from the whole history', async (t) => {
  const claims: TrustLevel[] = ['none', 'signature', 'provenance', 'trusted-publisher', 'approved']
  // 40 versions, claims in a fixed pseudo-random pattern, most recent first.
  const history = Array.from({ length: 40 }, (_, i) => v(`1.${39 - i}.0`, 40 - i, claims[(i * 7 + (i % 3)) % 5]!))
  const shortlist = historyShortlist(history)
  t.ok(shortlist.length <= 12 && shortlist.length > 0, `${shortlist.length} kept of 40`)
  t.notOk(shortlist.some((c) => c.claimed === 'none'), 'a version that claims nothing is never a candidate')
  for (const level of claims) t.same(downgradeCandidates(shortlist, level), downgradeCandidates(history, level), `downgrade candidates at ${level}`)
  t.same(identityCandidates(shortlist), identityCandidates(history), 'identity candidates')
  t.same(historyShortlist(history, 1).map((c) => c.claimed).sort(), ['approved', 'provenance', 'signature', 'trusted-publisher'], 'one per claimed level')
})

t.test('identity candidates: the most recent provenance claims, at most the limit', async (t) => {
  const history = [v('1.4.0', 4, 'signature'), v('1.3.0', 3, 'trusted-publisher'), v('1.2.0', 2, 'provenance'), v('1.1.0', 1, 'approved')]
  t.same(identityCandidates(history).map((c) => c.version), ['1.3.0', '1.2.0', '1.1.0'])
  t.same(identityCandidates(history, 1).map((c) => c.version), ['1.3.0'])
})

t.test('resolveTrustHistory: only verified evidence counts; a claim that does not hold is reported and the next one tried', async (t) => {
  const history = [v('1.3.0', 3, 'trusted-publisher'), v('1.2.0', 2, 'trusted-publisher'), v('1.1.0', 1, 'provenance'), v('1.0.0', 0, 'signature')]
  const verdicts: Record<string, CandidateVerdict> = {
    '1.3.0': { level: 'signature', reason: 'ATTESTATION_INVALID: tampered' },
    '1.2.0': { level: 'trusted-publisher', identity: identity('o/r') },
    '1.1.0': { level: 'provenance', identity: identity('o/old') },
  }
  const asked: string[] = []
  const verdictOf = (c: HistoryVersion): CandidateVerdict => {
    asked.push(c.version)
    return verdicts[c.version] ?? { level: 'none' }
  }
  const checked = resolveTrustHistory(history, 'signature', { downgrade: true, identity: false }, verdictOf)
  t.same(asked, ['1.3.0', '1.2.0'], 'stops at the first claim that verified above the current level')
  t.same(checked, {
    state: 'checked',
    versions: 4,
    higher: { version: '1.2.0', publishedAt: history[1]!.publishedAt, level: 'trusted-publisher', identity: identity('o/r') },
    unverifiedClaims: [{ version: '1.3.0', claimed: 'trusted-publisher', level: 'signature', reason: 'ATTESTATION_INVALID: tampered' }],
  })

  asked.length = 0
  const withIdentity = resolveTrustHistory(history, 'provenance', { downgrade: true, identity: true }, verdictOf)
  t.same(asked, ['1.3.0', '1.2.0', '1.3.0', '1.2.0'], 'downgrade candidates, then identity candidates (each verified once by the caller)')
  t.equal(withIdentity.state === 'checked' && withIdentity.previousBuild?.version, '1.2.0', 'the most recent provenance claim that verified')
  t.equal(withIdentity.state === 'checked' && withIdentity.unverifiedClaims.length, 1, 'a claim is reported once')

  const none = resolveTrustHistory(history, 'approved', { downgrade: true, identity: true }, () => ({ level: 'none' }))
  t.same(none, {
    state: 'checked',
    versions: 4,
    unverifiedClaims: [
      { version: '1.3.0', claimed: 'trusted-publisher', level: 'none', reason: 'what verified: nothing verified' },
      { version: '1.2.0', claimed: 'trusted-publisher', level: 'none', reason: 'what verified: nothing verified' },
      { version: '1.1.0', claimed: 'provenance', level: 'none', reason: 'what verified: nothing verified' },
    ],
  }, 'nothing higher than approved is looked for; identity claims that do not verify are reported')
  t.same(resolveTrustHistory([], 'none', { downgrade: true, identity: true }, verdictOf), { state: 'checked', versions: 0, unverifiedClaims: [] })
  asked.length = 0
  const identityOnly = resolveTrustHistory(history, 'provenance', { downgrade: false, identity: true }, verdictOf)
  t.same(asked, ['1.3.0', '1.2.0'], 'downgrade off: only the identity candidates are looked at')
  t.equal(identityOnly.state === 'checked' && identityOnly.higher, undefined)
})
