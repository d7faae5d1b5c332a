/** lib/model/trust.ts, the check's side: stored registry histories read back, and a verified history built from candidates' verdicts. */
import t from 'tap'
import type { SignerIdentity } from '../../lib/model/facts.js'
import { identityCandidates, readRegistryHistory, resolveTrustHistory, type CandidateVerdict, type HistoryVersion } from '../../lib/model/trust.js'

const v = (version: string, day: number, claimed: HistoryVersion['claimed']): HistoryVersion => ({ version, publishedAt: new Date(Date.UTC(2025, 0, day)).toISOString(), claimed, integrity: `sha512-${version}` })
const identity = (repository: string): SignerIdentity => ({ repository, sources: {} })

t.test('readRegistryHistory: the stored shape or nothing', async (t) => {
  const listed = { state: 'listed', versions: [v('1.0.0', 1, 'provenance'), { version: '0.9.0', publishedAt: '2024-01-01T00:00:00.000Z', claimed: 'none' }] }
  t.same(readRegistryHistory(listed), listed)
  t.same(readRegistryHistory({ state: 'unavailable', reason: 'stripped' }), { state: 'unavailable', reason: 'stripped' })
  for (const bad of [null, [], 'listed', { state: 'unavailable' }, { state: 'listed' }, { state: 'other', versions: [] }, { state: 'listed', versions: [null] },
    { state: 'listed', versions: [{ version: '1.0.0', publishedAt: 'x', claimed: 'gold' }] }, { state: 'listed', versions: [{ version: 1, publishedAt: 'x', claimed: 'none' }] },
    { state: 'listed', versions: [{ version: '1.0.0', publishedAt: 'x', claimed: 'none', integrity: 5 }] }]) {
    t.equal(readRegistryHistory(bad), undefined, JSON.stringify(bad))
  }
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
