/**
 * fetchEvidence with keys that all bound their validity (npm's keys from Sigstore TUF): the version
 * document is read from the packument it needs for the publish time anyway (one request, not two),
 * and every way that packument can fall short falls back to the version endpoint or fails closed.
 */
import t, { type Test } from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { everyKeyBounded, evidenceKey, fetchEvidence, readPackumentVersion } from '../../lib/fetch/evidence.js'
import type { RegistryKeysResult } from '../../lib/fetch/registry-keys/by-registry.js'
import type { PackageRef } from '../../lib/model.js'
import type { RegistryKey } from '../../lib/model/evidence.js'
import { verifyPackage } from '../../lib/verify/package.js'
import { createTrustContext } from '../../lib/verify/trust-context.js'
import { createFetchWorld, FAST, scenarioKeys } from './world.js'

const { s, refs, config, keys: endpointKeys, trustedRoot } = await createFetchWorld(t)
const tufKeys = await scenarioKeys(s, config, 'tuf')

t.beforeEach(() => {
  s.registry.clearRequests()
  s.registry.faults.clear()
})

const routes = () => s.registry.requests.map((r) => `${r.route} ${r.path}`).sort()

t.test('every key bounded: one packument per package gives the version document and the publish time; the evidence verifies', async (t) => {
  const results = await fetchEvidence(refs, { config, registryKeys: tufKeys, ...FAST })
  t.same(routes().filter((r) => !r.startsWith('attestations')), ['packument /@acme/b', 'packument /a', 'packument /c'], 'no version document requests')
  for (const ref of refs) {
    const outcome = results.get(evidenceKey(ref))
    if (outcome?.state !== 'fetched') throw new Error(`${ref.name}: ${JSON.stringify(outcome)}`)
    t.equal(outcome.evidence.publishTime, s.version(ref.name).publishTime, `${ref.name}: time[version]`)
    const facts = verifyPackage(outcome.evidence, createTrustContext({ trustedRoot, trustedRootSource: 'test', registryKeys: outcome.registryKeys }))
    t.equal(facts.signature.status, 'verified', `${ref.name}: signature verified with the packument's version document`)
    t.equal(facts.provenance.status, ref.name === 'c' ? 'none' : 'verified', `${ref.name}: provenance`)
  }
})

t.test('keys without validity bounds: the version document, and no packument, as before', async (t) => {
  await fetchEvidence(refs, { config, registryKeys: endpointKeys, ...FAST })
  t.same(routes().filter((r) => r.startsWith('packument')), [])
  t.equal(routes().filter((r) => r.startsWith('manifest')).length, 3)
})

t.test('a packument that fails falls back to the version document; the publish time is still needed, so the package fails', async (t) => {
  const a = refs.filter((r) => r.name === 'a')
  s.registry.addFault({ path: '/a', type: 'status', status: 503 })
  const results = await fetchEvidence(a, { config, registryKeys: tufKeys, ...FAST })
  t.match(results.get(evidenceKey(a[0]!)), { state: 'failed', reason: /the publish time is needed and the packument could not be fetched: .*HTTP 503/ })
  t.equal(routes().filter((r) => r === 'manifest /a/1.0.0').length, 1, 'asked the version endpoint')
})

t.test('history wanted: the packument is read with unbounded keys too, and one that fails gives history unavailable and the version document', async (t) => {
  const a = refs.filter((r) => r.name === 'a')
  const ok = await fetchEvidence(a, { config, registryKeys: endpointKeys, ...FAST, historyFor: () => ({}) })
  t.match(ok.get(evidenceKey(a[0]!)), { state: 'fetched', evidence: { history: { state: 'listed', versions: [] }, publishTime: s.version('a').publishTime } })
  t.same(routes().filter((r) => !r.startsWith('attestations')), ['packument /a'], 'one request for both')
  s.registry.clearRequests()
  s.registry.addFault({ path: '/a', type: 'status', status: 503 })
  const failed = await fetchEvidence(a, { config, registryKeys: endpointKeys, ...FAST, historyFor: () => ({}) })
  t.match(failed.get(evidenceKey(a[0]!)), { state: 'fetched', evidence: { history: { state: 'unavailable', reason: /the packument could not be fetched: .*HTTP 503/, failed: true } } })
  t.ok(routes().includes('manifest /a/1.0.0'), 'the version document from its endpoint')
  s.registry.clearRequests()
  s.registry.faults.clear()
  s.registry.addFault({ path: '/a', type: 'status', status: 503, times: 1 })
  s.registry.addFault({ path: '/a', type: 'status', status: 503, times: 1 })
  s.registry.addFault({ path: '/a', type: 'status', status: 503, times: 1 })
  const late = await fetchEvidence(a, { config, registryKeys: tufKeys, ...FAST, historyFor: () => ({}) })
  t.match(late.get(evidenceKey(a[0]!)), { state: 'fetched', evidence: { history: { state: 'listed' } } }, 'read from the packument step 3 fetches when the first attempt failed')
})

t.test('a version document already read from a packument in this run is not asked for again; its attestations are', async (t) => {
  const a = refs.filter((r) => r.name === 'a')
  const record = s.version('a')
  const versionData = { dist: { integrity: record.integrity, signatures: record.signatures, attestations: { url: 'https://elsewhere.example/', provenance: { predicateType: 'https://slsa.dev/provenance/v1' } } } }
  const results = await fetchEvidence(a, { config, registryKeys: tufKeys, ...FAST, knownVersion: () => ({ versionData, publishTime: record.publishTime }) })
  t.match(results.get(evidenceKey(a[0]!)), { state: 'fetched', evidence: { versionData, publishTime: record.publishTime, attestations: { state: 'fetched' } } })
  t.same(routes(), ['attestations /-/npm/v1/attestations/a@1.0.0'], 'only the attestations, from the configured registry (never the advertised URL)')
})

t.test('a packument that fails once: retried, and read from it', async (t) => {
  const a = refs.filter((r) => r.name === 'a')
  s.registry.addFault({ path: '/a', type: 'status', status: 500, times: 1 })
  const results = await fetchEvidence(a, { config, registryKeys: tufKeys, ...FAST })
  t.equal(results.get(evidenceKey(a[0]!))?.state, 'fetched')
  t.same(routes().filter((r) => !r.startsWith('attestations')), ['packument /a', 'packument /a'])
})

/** A registry that serves `packument` for /p and `version` for /p/1.0.0 (null: 404). */
async function fakeRegistry(t: Test, packument: unknown, version: unknown): Promise<{ registry: string; paths: string[] }> {
  const paths: string[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    paths.push(req.url ?? '')
    const body = req.url === '/p' ? packument : req.url === '/p/1.0.0' ? version : null
    const text = JSON.stringify(body ?? { error: 'not found' })
    res.writeHead(body === null ? 404 : 200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) })
    res.end(text)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return { registry: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, paths }
}

const p = (registry: string): PackageRef => ({ name: 'p', version: '1.0.0', registry, source: 'registry', locations: [] })
const boundedKeysFor = (registry: string) => new Map<string, RegistryKeysResult>([[registry, tufKeys.get(s.registry.url)!]])
const doc = { name: 'p', version: '1.0.0', dist: { integrity: 'sha512-x' } }

t.test('a packument without the version (npm may hold an older one) falls back to the version document', async (t) => {
  const fake = await fakeRegistry(t, { name: 'p', versions: { '0.9.0': { ...doc, version: '0.9.0' } }, time: {} }, doc)
  const results = await fetchEvidence([p(fake.registry)], { config, registryKeys: boundedKeysFor(fake.registry), ...FAST })
  t.match(results.get(evidenceKey(p(fake.registry))), { state: 'fetched', evidence: { versionData: { dist: { integrity: 'sha512-x' } } } })
  t.same(fake.paths, ['/p', '/p/1.0.0'])
})

t.test('a version neither the packument nor the version endpoint has is a failure', async (t) => {
  const fake = await fakeRegistry(t, { name: 'p', versions: {} }, null)
  const results = await fetchEvidence([p(fake.registry)], { config, registryKeys: boundedKeysFor(fake.registry), ...FAST })
  t.match(results.get(evidenceKey(p(fake.registry))), { state: 'failed', reason: /has no such version \(GET .*\/p\/1\.0\.0: HTTP 404\)/ })
})

t.test('a malformed packument fails the package, naming it and what is wrong', async (t) => {
  for (const [packument, problem] of [
    [{ name: 'other', versions: { '1.0.0': doc } }, /is about "other", not p/],
    [{ name: 'p', versions: [doc] }, /has a versions field that is not an object/],
    [{ name: 'p', versions: { '1.0.0': { ...doc, dist: { integrity: 512 } } } }, /has a versions\["1\.0\.0"\] that has a dist\.integrity that is not a string/],
    [{ name: 'p', versions: { '1.0.0': { ...doc, version: '2.0.0' } } }, /has a versions\["1\.0\.0"\] that is about version "2\.0\.0"/],
    [{ name: 'p', versions: { '1.0.0': doc }, time: 'yesterday' }, /has a time field that is not an object/],
  ] as const) {
    const fake = await fakeRegistry(t, packument, doc)
    const results = await fetchEvidence([p(fake.registry)], { config, registryKeys: boundedKeysFor(fake.registry), ...FAST })
    t.match(results.get(evidenceKey(p(fake.registry))), { state: 'failed', reason: new RegExp(`^p@1\\.0\\.0: the packument from GET http://127\\.0\\.0\\.1:\\d+/p ${problem.source}`) }, problem.source)
    t.same(fake.paths, ['/p'], 'no fallback: the registry said something false')
  }
})

t.test('readPackumentVersion keeps only the version asked for and its time', async (t) => {
  const read = readPackumentVersion({ name: 'p', versions: { '1.0.0': { ...doc, _npmUser: { name: 'x' }, readme: 'big' }, '2.0.0': doc }, time: { '1.0.0': '2024-01-01T00:00:00.000Z' } }, 'p', '1.0.0')
  t.same(read, { versionData: { dist: { integrity: 'sha512-x' }, _npmUser: { name: 'x' } }, publishTime: '2024-01-01T00:00:00.000Z' })
  t.equal(readPackumentVersion({ name: 'p' }, 'p', '1.0.0'), undefined, 'no versions: not listed')
  t.equal(readPackumentVersion({ name: 'p', versions: { toString: doc } }, 'p', 'constructor'), undefined, 'inherited names are not versions')
  t.equal(readPackumentVersion('x', 'p', '1.0.0'), 'is not a JSON object')
})

t.test('everyKeyBounded: only when every signing key has a validity bound', async (t) => {
  const key = (usages: RegistryKey['usages']) => ({ keyid: 'k', usages }) as RegistryKey
  t.equal(everyKeyBounded(null), false)
  t.equal(everyKeyBounded([]), false)
  t.equal(everyKeyBounded([key({ 'npm:attestations': { validFrom: new Date(0) } })]), false, 'no signing key')
  t.equal(everyKeyBounded([key({ 'npm:signatures': { validFrom: new Date(0) } })]), true)
  t.equal(everyKeyBounded([key({ 'npm:signatures': { expires: new Date(0) } }), key({ 'npm:signatures': {} })]), false, 'one unbounded key')
})
