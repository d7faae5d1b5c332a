/**
 * The evidence cache: a re-run on an unchanged lockfile asks the registry nothing, and what it gives
 * is evidence to verify again, never a verdict; an entry about anything else (another registry,
 * name, version, integrity), of another shape, expired or corrupt is a miss; failures are never cached.
 */
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { CACHE_FORMAT, canonicalJSON, EvidenceCache, type CacheKey } from '../../lib/fetch/cache.js'
import { fetchEvidence, type EvidenceOutcome } from '../../lib/fetch/evidence.js'
import type { PackageRef } from '../../lib/model.js'
import { parseRegistryKeys } from '../../lib/fetch/registry-keys/parse.js'
import { verifyPackage } from '../../lib/verify/package.js'
import { createTrustContext } from '../../lib/verify/trust-context.js'
import type { PackageEvidence } from '../../lib/model/evidence.js'
import { formatKeysEndpoint } from '../helpers/registry/index.js'
import { packEntriesByName, packLines, rewritePackLine } from '../helpers/evidence-packs.js'
import { createFetchWorld, FAST, scenarioKeys } from './world.js'

const { s, refs, config, keys, trustedRoot } = await createFetchWorld(t)
const registry = s.registry.url

/** One run, as check.ts makes it: the cache is closed at its end (its pack put in place). */
async function run(cache: EvidenceCache, packages: PackageRef[] = refs, registryKeys = keys): Promise<EvidenceOutcome[]> {
  try {
    return [...(await fetchEvidence(packages, { config, registryKeys, cache, ...FAST })).values()]
  } finally {
    cache.close()
  }
}

function evidenceOf(o: EvidenceOutcome | undefined): PackageEvidence {
  if (o?.state !== 'fetched' && o?.state !== 'cached') throw new Error(`expected evidence, got ${JSON.stringify(o)}`)
  return o.evidence
}


const only = (name: string) => refs.filter((r) => r.name === name)

t.beforeEach(() => s.registry.clearRequests())

t.test('a re-run on an unchanged lockfile makes no registry request and gives the same evidence', async (t) => {
  const dir = t.testdir({})
  const first = await run(new EvidenceCache({ dir }))
  t.same(first.map((o) => o.state), ['fetched', 'fetched', 'fetched'])
  t.equal(packLines(dir).length, 3, 'three entries')
  t.equal(new Set(packLines(dir).map((l) => l.file)).size, 1, 'in one file')
  s.registry.clearRequests()

  const second = await run(new EvidenceCache({ dir }))
  t.same(second.map((o) => o.state), ['cached', 'cached', 'cached'])
  t.same(s.registry.requests, [], 'zero requests')
  const runKeys = keys.get(registry)?.state === 'fetched' ? keys.get(registry) : undefined
  for (const [i, o] of second.entries()) {
    t.same(evidenceOf(o), evidenceOf(first[i]), `${evidenceOf(o).name}: the evidence as fetched`)
    t.match(o, { registry })
    t.equal(o.state === 'cached' && o.registryKeys, runKeys?.state === 'fetched' && runKeys.keys, 'with the run’s registry keys')
  }
  const trust = createTrustContext({ trustedRoot, trustedRootSource: 'test', registryKeys: runKeys?.state === 'fetched' ? runKeys.keys : null })
  const a = verifyPackage(evidenceOf(second.find((o) => evidenceOf(o).name === 'a')), trust)
  t.match(a, { name: 'a', signature: { status: 'verified' }, provenance: { status: 'verified' }, publish: { status: 'verified' }, findings: [] })
})

t.test('a hit is evidence, verified against the trust material of the run that reads it', async (t) => {
  const dir = t.testdir({})
  await run(new EvidenceCache({ dir }), only('a'))
  const [o] = await run(new EvidenceCache({ dir }), only('a'))
  t.equal(o?.state, 'cached')
  // The same entry under other registry keys: the signature no longer verifies.
  const otherKeys = parseRegistryKeys(formatKeysEndpoint([s.unknownKey]), 'test')
  const facts = verifyPackage(evidenceOf(o), createTrustContext({ trustedRoot, trustedRootSource: 'test', registryKeys: otherKeys }))
  t.not(facts.signature.status, 'verified')
  t.ok(facts.findings.length > 0)
})

t.test('the key names the registry, and a hit is bound to the lockfile integrity', async (t) => {
  const dir = t.testdir({})
  const cache = new EvidenceCache({ dir })
  await run(cache, only('a'))
  const ref = only('a')[0]!
  const key = cache.keyFor(ref, registry)!
  t.match(key, { registry, name: 'a', version: '1.0.0', integrity: ref.integrity })
  t.ok(cache.get(key))
  t.equal(cache.get({ ...key, registry: 'http://127.0.0.1:1/' }), undefined, 'another registry: a miss')
  t.equal(cache.get({ ...key, integrity: 'sha512-other' }), undefined, 'another integrity: a miss')
  t.equal(cache.get({ ...key, version: '1.0.1' }), undefined, 'another version: a miss')
  t.equal(cache.get(key)?.evidence.integrity, ref.integrity, 'the integrity is the key’s')
  t.equal(cache.keyFor({ ...ref, integrity: undefined }, registry), undefined, 'no lockfile integrity: nothing to key on')
  cache.close()
  t.same(packLines(dir).map((l) => l.id), [createHash('sha256').update(canonicalJSON(key)).digest('hex')], 'the entry’s id is the digest of its canonical key')
})

t.test('the attestations are stored as the registry sent them, and read back as the same document', async (t) => {
  const root = t.testdir({ fetched: {}, pretty: {} })
  const [o] = await run(new EvidenceCache({ dir: join(root, 'fetched') }), only('a'))
  const evidence = evidenceOf(o)
  t.equal(evidence.attestations.state, 'fetched')
  const cache = new EvidenceCache({ dir: join(root, 'pretty') })
  const key = cache.keyFor(only('a')[0]!, registry)!
  const document = evidence.attestations.state === 'fetched' ? evidence.attestations.document : undefined
  // A body laid out over many lines (CRLF too) is still one line of the pack.
  t.ok(cache.put(key, evidence, JSON.stringify(document, null, 2).replaceAll('\n', '\r\n')))
  cache.close()
  t.equal(packLines(join(root, 'pretty')).length, 1)
  const reader = new EvidenceCache({ dir: join(root, 'pretty') })
  // Where it came from is not stored: the cache key names the registry, and the fetch stage says it on a hit.
  const { origin, ...stored } = evidence
  t.same(origin, { registry, role: 'registry', keys: registry })
  t.same(reader.get(key)?.evidence, stored, 'the same evidence')
  reader.close()
  t.same(JSON.parse(packLines(join(root, 'pretty'))[0]!.text).evidence.attestations, { state: 'fetched', document })
})

t.test('an entry that is corrupt, of another shape or about something else is a miss, then stored again', async (t) => {
  const dir = t.testdir({})
  const cache = new EvidenceCache({ dir })
  await run(cache, only('a'))
  const good = JSON.parse(packEntriesByName(dir).get('a')!.text)
  const withEvidence = (patch: Record<string, unknown>) => JSON.stringify({ ...good, evidence: { ...good.evidence, ...patch } })
  const corruptions: Record<string, string> = {
    'not JSON': '{"format": 2, "na',
    'not an object': '[]',
    'format 1 (verified facts)': JSON.stringify({ ...good, format: 1 }),
    'format 3 (the same entry, from before packs)': JSON.stringify({ ...good, format: 3 }),
    'another package': JSON.stringify({ ...good, name: 'evil' }),
    'another registry': JSON.stringify({ ...good, registry: 'https://registry.npmjs.org/' }),
    'another integrity': JSON.stringify({ ...good, integrity: 'sha512-other' }),
    'a bad date': JSON.stringify({ ...good, storedAt: 'yesterday' }),
    'no evidence': JSON.stringify({ ...good, evidence: undefined }),
    'versionData not an object': withEvidence({ versionData: 'x' }),
    'dist as a string': withEvidence({ versionData: { ...good.evidence.versionData, dist: 'sha512-x' } }),
    'dist.integrity as a number': withEvidence({ versionData: { ...good.evidence.versionData, dist: { ...good.evidence.versionData.dist, integrity: 512 } } }),
    'a publish time that is not a string': withEvidence({ publishTime: 5 }),
    'a failed attestations fetch': withEvidence({ attestations: { state: 'failed', reason: 'HTTP 500' } }),
    'an unknown attestations state': withEvidence({ attestations: { state: 'verified' } }),
    'advertised attestations never requested': withEvidence({ attestations: { state: 'not-requested' } }),
  }
  for (const [what, content] of Object.entries(corruptions)) {
    // The newest entry is the one read: corrupt it.
    const newest = packLines(dir).filter((l) => l.id === packLines(dir)[0]!.id).sort((x, y) => (x.storedAt < y.storedAt ? -1 : 1)).at(-1)!
    rewritePackLine(newest, content)
    s.registry.clearRequests()
    const [o] = await run(cache, only('a'))
    t.equal(o?.state, 'fetched', `${what}: a miss, fetched again`)
    t.ok(s.registry.requests.length > 0)
    t.equal(JSON.parse(packEntriesByName(dir).get('a')!.text).format, CACHE_FORMAT, `${what}: stored again, a good entry`)
  }
  s.registry.clearRequests()
  const [o] = await run(cache, only('a'))
  t.equal(o?.state, 'cached')
  t.same(s.registry.requests, [])
})

t.test('a line that names one entry but holds another is a miss', async (t) => {
  const dir = t.testdir({})
  await run(new EvidenceCache({ dir }), [...only('a'), ...only('c')])
  const entries = packEntriesByName(dir)
  // The entry of c under the id of a: the head only says where to look.
  rewritePackLine(entries.get('a')!, entries.get('c')!.text)
  const [a, c] = await run(new EvidenceCache({ dir }), [...only('a'), ...only('c')])
  t.equal(a?.state, 'fetched', 'a: a miss')
  t.equal(c?.state, 'cached', 'c: its own entry is a hit')
})

t.test('fields the fetcher would not have gathered are dropped from a hit', async (t) => {
  const dir = t.testdir({})
  const cache = new EvidenceCache({ dir })
  await run(cache, only('c'))
  const line = packEntriesByName(dir).get('c')!
  const good = JSON.parse(line.text)
  const tarball = Buffer.from('forged').toJSON()
  good.evidence.versionData.dist.extra = 'x'
  good.evidence.tarball = tarball
  good.evidence.name = 'evil'
  rewritePackLine(line, JSON.stringify(good))
  const [o] = await run(cache, only('c'))
  t.equal(o?.state, 'cached')
  const evidence = evidenceOf(o)
  t.equal(evidence.name, 'c')
  t.equal(evidence.tarball, undefined)
  t.same(Object.keys(evidence.versionData?.dist ?? {}).sort(), ['integrity', 'signatures'])
})

t.test('entries expire', async (t) => {
  const dir = t.testdir({})
  let now = new Date('2025-06-01T00:00:00Z')
  const cache = new EvidenceCache({ dir, maxAgeMs: 3600_000, now: () => now })
  await run(cache, only('c'))
  now = new Date('2025-06-01T00:59:00Z')
  t.equal((await run(cache, only('c')))[0]?.state, 'cached', 'within maxAge')
  now = new Date('2025-06-01T01:01:00Z')
  t.equal((await run(cache, only('c')))[0]?.state, 'fetched', 'after maxAge')
})

t.test('evidence without the publish time the keys now need is fetched again', async (t) => {
  const dir = t.testdir({})
  await run(new EvidenceCache({ dir }), only('c'))
  const tufKeys = await scenarioKeys(s, config, 'tuf') // the same key with a validity window
  s.registry.clearRequests()
  const [o] = await run(new EvidenceCache({ dir }), only('c'), tufKeys)
  t.equal(o?.state, 'fetched')
  t.ok(evidenceOf(o).publishTime, 'with its publish time')
  t.ok(s.registry.requests.some((q) => q.route === 'packument'))
  const [again] = await run(new EvidenceCache({ dir }), only('c'), tufKeys)
  t.equal(again?.state, 'cached', 'then cached with it')
})

t.test('history: read from the packument when wanted (one request), never kept in the evidence cache (unsealed: a forged "no earlier versions" would pass); offline, the entry without it is all there is', async (t) => {
  const dir = t.testdir({})
  const withHistory = async (cache: EvidenceCache, offline = false, wanted: { since?: string } = {}) => {
    try {
      return [...(await fetchEvidence(only('c'), { config, registryKeys: keys, cache, ...FAST, offline, historyFor: () => wanted })).values()]
    } finally {
      cache.close()
    }
  }
  await run(new EvidenceCache({ dir }), only('c'))
  const [offline] = await withHistory(new EvidenceCache({ dir }), true)
  t.equal(offline?.state, 'cached', 'offline: the entry without history is all there is')
  t.equal(evidenceOf(offline).history, undefined)
  s.registry.clearRequests()
  const [o] = await withHistory(new EvidenceCache({ dir }))
  t.equal(o?.state, 'fetched', 'online: fetched again for its history')
  t.same(evidenceOf(o).history, { state: 'listed', count: 0, versions: [] }, 'c has no earlier version')
  t.same(s.registry.requests.map((q) => q.route), ['packument'], 'the packument gives the version document too: one request')
  s.registry.clearRequests()
  const [again] = await withHistory(new EvidenceCache({ dir }))
  t.equal(again?.state, 'fetched', 'the history was not stored: fetched again (the sealed store keeps it for warm runs)')
  t.same(evidenceOf(again).history, evidenceOf(o).history)
  t.same(s.registry.requests.map((q) => q.route), ['packument'])
  t.notOk(packLines(dir).some((l) => JSON.parse(l.text).evidence.history !== undefined), 'no entry holds a history')

  // An entry forged (or written by an older verify-deps) to say the line has no earlier version is never read as one.
  const line = packLines(dir).filter((l) => l.id === packLines(dir)[0]!.id).sort((x, y) => (x.storedAt < y.storedAt ? -1 : 1)).at(-1)!
  const good = JSON.parse(line.text)
  rewritePackLine(line, JSON.stringify({ ...good, evidence: { ...good.evidence, history: { state: 'listed', count: 0, versions: [] } } }))
  const [forgedOffline] = await withHistory(new EvidenceCache({ dir }), true)
  t.equal(forgedOffline?.state, 'cached')
  t.equal(evidenceOf(forgedOffline).history, undefined, 'offline: the forged history is ignored (history unavailable, never "none")')

  const fresh = t.testdir({})
  s.registry.addFault({ path: '/c', type: 'status', status: 503 })
  const [failed] = await withHistory(new EvidenceCache({ dir: fresh }))
  s.registry.faults.clear()
  t.match(evidenceOf(failed).history, { state: 'unavailable', failed: true }, 'the packument failed: the version document from its endpoint, history unavailable')
  const [retried] = await withHistory(new EvidenceCache({ dir: fresh }))
  t.equal(retried?.state, 'fetched', 'a failure is not stored: the next run asks again')
  t.match(evidenceOf(retried).history, { state: 'listed' })
})

t.test('only fully fetched evidence about the key is stored; no integrity, no cache', async (t) => {
  const root = t.testdir({ checked: {}, scratch: {} })
  const dir = join(root, 'checked')
  const cache = new EvidenceCache({ dir })
  const [o] = await run(new EvidenceCache({ dir: join(root, 'scratch') }), only('a'))
  const evidence = evidenceOf(o)
  const key: CacheKey = cache.keyFor(only('a')[0]!, registry)!
  const refuse = (what: string, e: PackageEvidence, k: CacheKey = key) => t.equal(cache.put(k, e), false, what)
  refuse('no version data', { ...evidence, versionData: undefined })
  refuse('attestations failed', { ...evidence, attestations: { state: 'failed', reason: 'HTTP 500' } })
  refuse('evidence about another integrity', evidence, { ...key, integrity: 'sha512-other' })
  refuse('evidence about another package', { ...evidence, name: 'b' })
  cache.close()
  t.same(packLines(dir), [])

  const noIntegrity = { ...only('a')[0]!, integrity: undefined }
  await fetchEvidence([noIntegrity], { config, registryKeys: keys, cache, ...FAST })
  cache.close()
  t.same(packLines(dir), [], 'nothing stored without a lockfile integrity')

  s.registry.addFault({ path: '/a/1.0.0', type: 'status', status: 500 })
  t.teardown(() => s.registry.faults.clear())
  const [failure] = await run(cache, only('a'))
  t.equal(failure?.state, 'failed')
  t.same(packLines(dir), [], 'a failure leaves no entry')
})

t.test('a cache folder that cannot be written only costs time', async (t: Test) => {
  const file = join(t.testdir({ 'not-a-dir': 'x' }), 'not-a-dir')
  const [o] = await run(new EvidenceCache({ dir: file }), only('c'))
  t.equal(o?.state, 'fetched')
})
