/**
 * The verification cache: a re-run on an unchanged lockfile asks the registry nothing; a change of
 * trust material, an expired or a corrupt entry means fetching again; failures are never cached.
 */
import t, { type Test } from 'tap'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { VerificationCache, digestEvidence, type CacheKey } from '../../lib/fetch/cache.js'
import { fetchEvidence, type EvidenceOutcome } from '../../lib/fetch/evidence.js'
import type { PackageRef } from '../../lib/model.js'
import type { PackageEvidence } from '../../lib/verify/types.js'
import { verifyPackage } from '../../lib/verify/package.js'
import { createTrustContext } from '../../lib/verify/trust-context.js'
import { createScenario } from '../helpers/scenario/index.js'
import { FAST, isolatedConfig, refsFromLockfile, scenarioKeys } from './world.js'

const s = await createScenario(t, {
  packages: [
    { name: 'a', version: '1.0.0', dependencies: { '@acme/b': '^1.0.0' } },
    { name: '@acme/b', version: '1.2.0' },
    { name: 'c', version: '2.0.0', provenance: 'missing' },
  ],
})
const refs = refsFromLockfile(s)
const { config } = isolatedConfig(t, s.projectDir)
const keys = await scenarioKeys(s, config)
const trustedRoot = JSON.parse(readFileSync(s.trustedRootFile, 'utf8')) as unknown
const TOOL = '0.1.0-test'

/** One run as the pipeline does it: fetch (cache first), verify what was fetched, store the facts. */
async function run(cache: VerificationCache, packages: PackageRef[] = refs): Promise<EvidenceOutcome[]> {
  const results = [...(await fetchEvidence(packages, { config, registryKeys: keys, cache, ...FAST })).values()]
  for (const o of results) {
    if (o.state !== 'fetched' || !o.cacheKey) continue
    const trust = createTrustContext({ trustedRoot, trustedRootSource: 'test', registryKeys: o.registryKeys })
    cache.put(o.cacheKey, o.evidence, verifyPackage(o.evidence, trust))
  }
  return results
}

function entryFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.json')).map((f) => join(dir, f))
}

t.beforeEach(() => s.registry.clearRequests())

t.test('a re-run on an unchanged lockfile makes no registry request', async (t) => {
  const dir = t.testdir({})
  const first = await run(new VerificationCache({ dir, trustedRoot, toolVersion: TOOL }))
  t.same(first.map((o) => o.state), ['fetched', 'fetched', 'fetched'])
  t.equal(entryFiles(dir).length, 3)
  s.registry.clearRequests()

  const second = await run(new VerificationCache({ dir, trustedRoot, toolVersion: TOOL }))
  t.same(second.map((o) => o.state), ['cached', 'cached', 'cached'])
  t.same(s.registry.requests, [], 'zero requests')
  const a = second.find((o) => o.state === 'cached' && o.facts.name === 'a')
  t.match(a, { state: 'cached', facts: { name: 'a', version: '1.0.0', signature: { status: 'verified' }, provenance: { status: 'verified' } } })
  const fetchedA = first.find((o) => o.state === 'fetched' && o.evidence.name === 'a')
  if (fetchedA?.state === 'fetched' && a?.state === 'cached') t.equal(a.evidenceDigest, digestEvidence(fetchedA.evidence), 'the entry records the evidence it was made from')
})

t.test('changed trust material is a miss: another trusted root, rotated registry keys, another tool version', async (t) => {
  const dir = t.testdir({})
  await run(new VerificationCache({ dir, trustedRoot, toolVersion: TOOL }))
  const variants: Array<[string, VerificationCache, PackageRef[]?]> = [
    ['trusted root', new VerificationCache({ dir, trustedRoot: { ...(trustedRoot as object), changed: true }, toolVersion: TOOL })],
    ['tool version', new VerificationCache({ dir, trustedRoot, toolVersion: '9.9.9' })],
  ]
  for (const [what, cache] of variants) {
    s.registry.clearRequests()
    const states = (await fetchEvidence(refs, { config, registryKeys: keys, cache, ...FAST })).values()
    t.same([...states].map((o) => o.state), ['fetched', 'fetched', 'fetched'], `${what}: fetched again`)
    t.ok(s.registry.requests.length >= 3)
  }
  const cache = new VerificationCache({ dir, trustedRoot, toolVersion: TOOL })
  const rotated = await scenarioKeys(s, config, 'tuf') // the same key with a validity window: other trust material
  const states = [...(await fetchEvidence(refs, { config, registryKeys: rotated, cache, ...FAST })).values()].map((o) => o.state)
  t.same(states, ['fetched', 'fetched', 'fetched'], 'registry keys: fetched again')
  t.not(cache.trustDigest(null), cache.trustDigest([]), 'no keys differs from an empty key list')
})

t.test('a corrupt or mismatched entry is ignored and then overwritten', async (t) => {
  const dir = t.testdir({})
  const onlyA = refs.filter((r) => r.name === 'a')
  const cache = new VerificationCache({ dir, trustedRoot, toolVersion: TOOL })
  await run(cache, onlyA)
  const [file] = entryFiles(dir)
  const good = readFileSync(file!, 'utf8')
  const corruptions: Record<string, string> = {
    'not JSON': '{"format": 1, "na',
    'not an object': '[]',
    'another package': good.replace('"name":"a"', '"name":"evil"'),
    'facts about another package': JSON.stringify({ ...JSON.parse(good), facts: { ...JSON.parse(good).facts, name: 'evil' } }),
    'malformed facts': JSON.stringify({ ...JSON.parse(good), facts: { name: 'a', version: '1.0.0' } }),
    'an unknown finding code': JSON.stringify({ ...JSON.parse(good), facts: { ...JSON.parse(good).facts, findings: [{ code: 'ALL_GOOD', message: '' }] } }),
    'a bad date': JSON.stringify({ ...JSON.parse(good), storedAt: 'yesterday' }),
  }
  for (const [what, content] of Object.entries(corruptions)) {
    writeFileSync(file!, content)
    s.registry.clearRequests()
    const [o] = await run(cache, onlyA)
    t.equal(o?.state, 'fetched', `${what}: ignored, fetched again`)
    t.ok(s.registry.requests.length > 0)
    t.ok(JSON.parse(readFileSync(file!, 'utf8')).facts, `${what}: overwritten with a good entry`)
  }
  s.registry.clearRequests()
  const [o] = await run(cache, onlyA)
  t.equal(o?.state, 'cached')
  t.same(s.registry.requests, [])
})

t.test('entries expire', async (t) => {
  const dir = t.testdir({})
  let now = new Date('2025-06-01T00:00:00Z')
  const cache = new VerificationCache({ dir, trustedRoot, toolVersion: TOOL, maxAgeMs: 3600_000, now: () => now })
  const onlyC = refs.filter((r) => r.name === 'c')
  await run(cache, onlyC)
  now = new Date('2025-06-01T00:59:00Z')
  t.equal((await run(cache, onlyC))[0]?.state, 'cached', 'within maxAge')
  now = new Date('2025-06-01T01:01:00Z')
  t.equal((await run(cache, onlyC))[0]?.state, 'fetched', 'after maxAge')
})

t.test('only facts from fully fetched evidence are stored; no integrity, no cache', async (t) => {
  const root = t.testdir({ checked: {}, scratch: {} })
  const dir = join(root, 'checked')
  const cache = new VerificationCache({ dir, trustedRoot, toolVersion: TOOL })
  const [o] = await run(new VerificationCache({ dir: join(root, 'scratch'), trustedRoot, toolVersion: TOOL }), refs.filter((r) => r.name === 'a'))
  if (o?.state !== 'fetched' || !o.cacheKey) throw new Error('expected fetched evidence with a cache key')
  const facts = verifyPackage(o.evidence, createTrustContext({ trustedRoot, trustedRootSource: 'test', registryKeys: o.registryKeys }))
  const key: CacheKey = o.cacheKey
  const refuse = (what: string, evidence: PackageEvidence, k: CacheKey = key) => t.equal(cache.put(k, evidence, facts), false, what)
  refuse('no version data', { ...o.evidence, versionData: undefined })
  refuse('attestations failed', { ...o.evidence, attestations: { state: 'failed', reason: 'HTTP 500' } })
  refuse('evidence about another integrity', o.evidence, { ...key, integrity: 'sha512-other' })
  t.same(entryFiles(dir), [])

  const noIntegrity = { ...refs.find((r) => r.name === 'a')!, integrity: undefined }
  t.equal(cache.keyFor(noIntegrity, null), undefined)
  const results = await fetchEvidence([noIntegrity], { config, registryKeys: keys, cache, ...FAST })
  t.match([...results.values()][0], { state: 'fetched', cacheKey: undefined })

  const failedRun = new VerificationCache({ dir, trustedRoot, toolVersion: TOOL })
  s.registry.addFault({ path: '/a/1.0.0', type: 'status', status: 500 })
  t.teardown(() => s.registry.faults.clear())
  const [failure] = await run(failedRun, refs.filter((r) => r.name === 'a'))
  t.equal(failure?.state, 'failed')
  t.same(entryFiles(dir), [], 'a failure leaves no entry')
})

t.test('a cache folder that cannot be written only costs time', async (t: Test) => {
  const file = join(t.testdir({ 'not-a-dir': 'x' }), 'not-a-dir')
  const cache = new VerificationCache({ dir: file, trustedRoot, toolVersion: TOOL })
  const [o] = await run(cache, refs.filter((r) => r.name === 'c'))
  t.equal(o?.state, 'fetched')
})
