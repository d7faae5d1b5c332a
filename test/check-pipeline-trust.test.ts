/**
 * gatherTrust (lib/check-pipeline.ts) on its own: what it asks to have verified, and the PackageTrust
 * it makes of the answers, for the cases a loopback registry does not easily give (no integrity,
 * candidates that fail to fetch, continuity off, `since`, a duplicate ref, another source).
 */
import t from 'tap'
import { gatherTrust, type TrustWanted, type VerifiedPackage } from './../lib/check-pipeline.js'
import { evidenceKey } from '../lib/fetch/evidence.js'
import type { PackageRef } from '../lib/model.js'
import type { PackageFacts } from '../lib/model/facts.js'
import type { HistoryVersion } from '../lib/model/trust.js'

const REGISTRY = 'https://registry.test/'
const ref = (name: string, version: string, integrity = `sha512-${name}-${version}`): PackageRef => ({ name, version, integrity, registry: REGISTRY, source: 'registry', locations: [] })
const at = (day: number): string => new Date(Date.UTC(2025, 0, day)).toISOString()
const v = (version: string, day: number, claimed: HistoryVersion['claimed'], integrity: string | undefined = `sha512-x-${version}`): HistoryVersion => ({ version, publishedAt: at(day), claimed, ...(integrity !== undefined && { integrity }) })
const facts = (name: string, version: string, level: 'none' | 'signature' | 'provenance'): PackageFacts =>
  ({
    name,
    version,
    signature: { status: level === 'none' ? 'missing' : 'verified' },
    provenance: level === 'provenance' ? { status: 'verified', signedAt: at(20), identity: { repository: 'o/r', sources: {} } } : { status: 'missing' },
    publish: { status: 'missing' },
    publisher: { source: 'registry-metadata' },
    findings: level === 'provenance' ? [] : [{ code: 'PROVENANCE_MISSING', message: 'no provenance' }],
  }) as unknown as PackageFacts
const on: TrustWanted = { history: true, downgrade: true, identity: true }

t.test('continuity off: level and publish time only, nothing else fetched', async (t) => {
  const x = ref('x', '1.1.0')
  const verified = new Map<string, VerifiedPackage>([[evidenceKey(x), { outcome: { kind: 'verified', facts: facts('x', '1.1.0', 'signature') }, installScripts: false, publishTime: at(10), history: { state: 'listed', count: 1, versions: [v('1.0.0', 1, 'provenance')] } }]])
  const asked: PackageRef[][] = []
  const trusts = await gatherTrust([x, { ...x }, { name: 'g', version: '1.0.0', source: 'git', locations: [] }], verified, {
    wantedFor: () => ({ history: false, downgrade: false, identity: false }),
    verifyCandidates: async (refs) => (asked.push([...refs]), new Map()),
  })
  t.same([...trusts], [[evidenceKey(x), { level: 'signature', publishedAt: { at: at(10), source: 'registry' } }]], 'one entry per distinct registry package, no history')
  t.same(asked, [], 'no earlier version fetched')
})

t.test('no history to read: unavailable, with the reason', async (t) => {
  const [failed, stripped, unread] = [ref('f', '1.0.0'), ref('s', '1.0.0'), ref('u', '1.0.0')]
  const verified = new Map<string, VerifiedPackage>([
    [evidenceKey(failed), { outcome: { kind: 'fetch-failed', reason: 'f@1.0.0: HTTP 500' }, installScripts: false }],
    [evidenceKey(stripped), { outcome: { kind: 'verified', facts: facts('s', '1.0.0', 'signature') }, installScripts: false, history: { state: 'unavailable', reason: 'no time' } }],
    [evidenceKey(unread), { outcome: { kind: 'verified', facts: facts('u', '1.0.0', 'signature') }, installScripts: false }],
  ])
  const trusts = await gatherTrust([failed, stripped, unread], verified, { wantedFor: () => on, verifyCandidates: async () => t.fail('nothing to verify') as never })
  t.same(trusts.get(evidenceKey(failed)), { level: 'none', history: { state: 'unavailable', reason: 'its evidence could not be fetched: f@1.0.0: HTTP 500' } })
  t.same(trusts.get(evidenceKey(stripped))?.history, { state: 'unavailable', reason: 'no time' })
  t.same(trusts.get(evidenceKey(unread))?.history, { state: 'unavailable', reason: 'the registry history was not read' }, 'e.g. offline, from a cache entry stored without it')
})

t.test('candidates: bound to the registry integrity, in rounds; what did not verify is a claim, with why; the count of the whole line', async (t) => {
  const x = ref('x', '1.5.0')
  const { integrity: _, ...noIntegrity } = v('1.4.0', 5, 'trusted-publisher')
  const history = [noIntegrity, v('1.3.0', 4, 'provenance'), v('1.2.0', 3, 'signature'), v('1.1.0', 2, 'provenance')]
  const document = { versionData: { dist: { integrity: 'sha512-x-1.3.0' } }, publishTime: at(4) }
  const verified = new Map<string, VerifiedPackage>([[evidenceKey(x), { outcome: { kind: 'verified', facts: facts('x', '1.5.0', 'signature') }, installScripts: false, history: { state: 'listed', count: 9, versions: history }, historyDocuments: { '1.3.0': document } }]])
  const rounds: string[][] = []
  const knowns: unknown[][] = []
  const trusts = await gatherTrust([x], verified, {
    wantedFor: () => on,
    verifyCandidates: async (refs, known) => {
      rounds.push(refs.map((r) => `${r.name}@${r.version} ${r.integrity} ${r.registry}`))
      knowns.push(refs.map((r) => known.get(evidenceKey(r))))
      return new Map(refs.flatMap((r): [string, VerifiedPackage][] =>
        r.version === '1.3.0' ? [[evidenceKey(r), { outcome: { kind: 'fetch-failed', reason: 'x@1.3.0: HTTP 404' }, installScripts: false }]]
        : r.version === '1.1.0' ? [[evidenceKey(r), { outcome: { kind: 'verified', facts: facts('x', '1.1.0', 'provenance') }, installScripts: false }]]
        : []))
    },
  })
  t.same(rounds, [[`x@1.3.0 sha512-x-1.3.0 ${REGISTRY}`], [`x@1.1.0 sha512-x-1.1.0 ${REGISTRY}`]], 'one candidate a round; 1.4.0 has no integrity to bind to, 1.2.0 claims no more than the locked version')
  t.same(knowns, [[document], [undefined]], "the packument's document of a candidate goes with it (no second request for it)")
  t.same(trusts.get(evidenceKey(x))?.history, {
    state: 'checked',
    versions: 9,
    higher: { version: '1.1.0', publishedAt: at(2), level: 'provenance', identity: { repository: 'o/r', sources: {} } },
    unverifiedClaims: [
      { version: '1.4.0', claimed: 'trusted-publisher', level: 'none', reason: 'the registry states no dist.integrity for it: nothing to bind its evidence to' },
      { version: '1.3.0', claimed: 'provenance', level: 'none', reason: 'x@1.3.0: HTTP 404' },
    ],
  })
})

t.test('identity: looked for only when the locked version\'s provenance verified; a candidate never answered is "not fetched"', async (t) => {
  const x = ref('x', '2.0.0')
  const history = [v('1.9.0', 5, 'provenance')]
  const verified = new Map<string, VerifiedPackage>([[evidenceKey(x), { outcome: { kind: 'verified', facts: facts('x', '2.0.0', 'provenance') }, installScripts: false, history: { state: 'listed', count: history.length, versions: history } }]])
  let calls = 0
  const trusts = await gatherTrust([x], verified, { wantedFor: () => on, verifyCandidates: async () => (calls++, new Map()) })
  t.equal(calls, 1, 'asked once, then decided')
  t.same(trusts.get(evidenceKey(x)), {
    level: 'provenance',
    publishedAt: { at: at(20), source: 'signed' },
    history: { state: 'checked', versions: 1, unverifiedClaims: [{ version: '1.9.0', claimed: 'provenance', level: 'none', reason: 'it was not fetched' }] },
  })
  const off = await gatherTrust([x], verified, { wantedFor: () => ({ history: true, downgrade: true, identity: false }), verifyCandidates: async () => t.fail('nothing to verify') as never })
  t.same(off.get(evidenceKey(x))?.history, { state: 'checked', versions: 1, unverifiedClaims: [] }, 'identity off: no candidate')
})

t.test('an unverified claim says why with the finding about provenance, before any other', async (t) => {
  const x = ref('x', '2.0.0')
  const verified = new Map<string, VerifiedPackage>([[evidenceKey(x), { outcome: { kind: 'verified', facts: facts('x', '2.0.0', 'signature') }, installScripts: false, history: { state: 'listed', count: 1, versions: [v('1.9.0', 5, 'provenance')] } }]])
  const candidateFacts = facts('x', '1.9.0', 'signature')
  candidateFacts.findings.unshift({ code: 'SIGNATURE_MISSING', message: 'not about the claim' } as PackageFacts['findings'][number])
  const trusts = await gatherTrust([x], verified, {
    wantedFor: () => on,
    verifyCandidates: async (refs) => new Map(refs.map((r): [string, VerifiedPackage] => [evidenceKey(r), { outcome: { kind: 'verified', facts: candidateFacts }, installScripts: false }])),
  })
  t.match(trusts.get(evidenceKey(x))?.history, { state: 'checked', unverifiedClaims: [{ version: '1.9.0', reason: 'PROVENANCE_MISSING: no provenance' }] })
})
