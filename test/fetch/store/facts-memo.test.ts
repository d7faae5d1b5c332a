// The facts memo's id (lib/fetch/store/facts-memo.ts): only a package pinned by exactly one sha512 is
// memoized, and isOneSha512's fast path for the usual lockfile form says what parseIntegrity says.
import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { isOneSha512 } from '../../../lib/fetch/store/facts-memo.js'
import { parseIntegrity } from '../../../lib/model/integrity.js'

t.test('isOneSha512 agrees with parseIntegrity', async (t) => {
  const sha512 = (bytes: Buffer) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`
  const one = sha512(Buffer.from('a'))
  const digest = one.slice('sha512-'.length)
  const cases: unknown[] = [
    one,
    ...Array.from({ length: 50 }, () => sha512(randomBytes(16))),
    `${one} ${sha512(Buffer.from('b'))}`, // two digests: ambiguous
    `${one} ${one}`, // the same one twice: one digest
    `${one}?opt`,
    ` ${one} `,
    `SHA512-${digest}`,
    `sha512-${digest.slice(0, 85)}B==`, // stray bits in the last digit: not canonical
    `sha512-${digest.slice(0, 84)}==`,
    `sha384-${createHash('sha384').update('a').digest('base64')}`,
    `sha1-${createHash('sha1').update('a').digest('base64')} ${one}`,
    '',
    '   ',
    undefined,
    null,
    42,
  ]
  for (const value of cases) t.equal(isOneSha512(value), parseIntegrity(value).kind === 'sha512', JSON.stringify(value) ?? String(value))
  t.equal(isOneSha512(one), true, 'control: the usual form is one sha512')
  t.equal(isOneSha512(`sha512-${digest.slice(0, 85)}B==`), false, 'control: a non-canonical digest is not')
})

t.test('a package of a registry whose URL holds a space never takes the id of a mirror-and-upstream pair it spells', async (t) => {
  const { FactsMemo } = await import('../../../lib/fetch/store/facts-memo.js')
  const ids: string[] = []
  const pack = { get: () => undefined, put: (_kind: string, id: string) => void ids.push(id) } as unknown as ConstructorParameters<typeof FactsMemo>[0]['pack']
  const mirror = 'https://mirror.example/'
  const upstream = 'https://upstream.example/'
  // Only the upstream's keys were had: a package of any other registry has no id (never memoized).
  const memo = new FactsMemo({
    pack,
    toolVersion: '1.0.0',
    trustedRoot: {},
    registryKeys: new Map([[upstream, { state: 'fetched', keys: [], source: 'test' }]]),
    upstreamFor: (_ref, registry) => (registry === mirror ? upstream : undefined),
  })
  const integrity = `sha512-${createHash('sha512').update('p').digest('base64')}`
  const ref = (registry: string) => ({ name: 'p', version: '1.0.0', integrity, registry, source: 'registry' as const, locations: [] })
  const fetched = { state: 'fetched', evidence: {} } as unknown as Parameters<typeof memo.remember>[1]
  const facts = { name: 'p', version: '1.0.0', findings: [] } as unknown as Parameters<typeof memo.remember>[2]
  memo.remember(ref(mirror), fetched, facts)
  t.equal(ids.length, 1, 'control: the mirror package behind its upstream is memoized')
  memo.remember(ref(`${mirror} ${upstream}`), fetched, facts)
  t.equal(ids.length, 1, 'a registry spelled "<mirror> <upstream>", whose keys were not had, gets no id')
})

t.test('the registry publish time and history are remembered with the facts, and read back only in their shape', async (t) => {
  const { FactsMemo } = await import('../../../lib/fetch/store/facts-memo.js')
  const stored = new Map<string, string>()
  const pack = { get: (_kind: string, id: string) => (stored.has(id) ? { data: stored.get(id) } : undefined), put: (_kind: string, id: string, data: string) => void stored.set(id, data) } as unknown as ConstructorParameters<typeof FactsMemo>[0]['pack']
  const registry = 'https://registry.example/'
  const memo = new FactsMemo({ pack, toolVersion: '1.0.0', trustedRoot: {}, registryKeys: new Map([[registry, { state: 'fetched', keys: [], source: 'test' }]]) })
  const integrity = `sha512-${createHash('sha512').update('p').digest('base64')}`
  const ref = { name: 'p', version: '1.1.0', integrity, registry, source: 'registry' as const, locations: [] }
  const history = { state: 'listed' as const, count: 1, versions: [{ version: '1.0.0', publishedAt: '2025-01-01T00:00:00.000Z', claimed: 'provenance' as const, integrity: 'sha512-o' }] }
  const fetched = { state: 'fetched', evidence: { publishTime: '2025-01-02T00:00:00.000Z', history } } as unknown as Parameters<typeof memo.remember>[1]
  const facts = { name: 'p', version: '1.1.0', findings: [] } as unknown as Parameters<typeof memo.remember>[2]
  memo.remember(ref, fetched, facts)
  t.same(memo.recall([ref]).get([...memo.recall([ref]).keys()][0]!), { facts, installScripts: false, publishTime: '2025-01-02T00:00:00.000Z', history })
  const [id] = [...stored.keys()]
  const entry = JSON.parse(stored.get(id!)!)
  for (const bad of [{ publishTime: 5 }, { history: { state: 'listed', versions: 'all' } }]) {
    stored.set(id!, JSON.stringify({ ...entry, ...bad }))
    t.equal(memo.recall([ref]).size, 0, `${JSON.stringify(bad)}: a miss`)
  }
  const failed = { state: 'fetched', evidence: { history: { state: 'unavailable', reason: 'HTTP 503', failed: true } } } as unknown as Parameters<typeof memo.remember>[1]
  memo.remember(ref, failed, facts)
  t.same(memo.recall([ref]).get([...memo.recall([ref]).keys()][0]!), { facts, installScripts: false }, 'a history whose packument failed is not remembered')
})

t.test('an earlier version verified for a history is remembered as settled (kept for good), and recalled as such', async (t) => {
  const { FactsMemo } = await import('../../../lib/fetch/store/facts-memo.js')
  const stored = new Map<string, { kind: string; data: string; storedAt?: string }>()
  const slot = (kind: string, id: string) => `${kind} ${id}`
  const pack = {
    get: (kind: string, id: string) => stored.get(slot(kind, id)),
    put: (kind: string, id: string, data: string, storedAt?: string) => void stored.set(slot(kind, id), { kind, data, ...(storedAt && { storedAt }) }),
  } as unknown as ConstructorParameters<typeof FactsMemo>[0]['pack']
  const registry = 'https://registry.example/'
  const memo = new FactsMemo({ pack, toolVersion: '1.0.0', trustedRoot: {}, registryKeys: new Map([[registry, { state: 'fetched', keys: [], source: 'test' }]]) })
  const integrity = `sha512-${createHash('sha512').update('old').digest('base64')}`
  const ref = { name: 'p', version: '1.0.0', integrity, registry, source: 'registry' as const, locations: [] }
  const facts = { name: 'p', version: '1.0.0', findings: [] } as unknown as Parameters<typeof memo.remember>[2]
  // Evidence from the evidence cache, five days old: a settled verdict does not inherit its age.
  const cached = { state: 'cached', storedAt: '2025-01-01T00:00:00.000Z', evidence: {} } as unknown as Parameters<typeof memo.remember>[1]
  memo.remember(ref, cached, facts, true)
  t.same([...stored.values()].map((e) => [e.kind, e.storedAt]), [['settled', undefined]], 'stored as settled, at the time of the run')
  t.equal(memo.recall([ref], true).size, 1, 'recalled as settled')
  t.equal(memo.recall([ref]).size, 0, 'not a locked package\'s facts entry')
  // A locked package's facts serve a history lookup too (the same verification), but not the other way round.
  stored.clear()
  memo.remember(ref, cached, facts)
  t.same([...stored.values()].map((e) => [e.kind, e.storedAt]), [['facts', '2025-01-01T00:00:00.000Z']], 'a locked package\'s facts keep the evidence\'s age')
  t.equal(memo.recall([ref], true).size, 1)
})
