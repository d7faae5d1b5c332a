/**
 * fetchEvidence against the loopback registry: what is requested (and what is not), that the
 * evidence verifies, and that every failure ends as a FetchFailure.
 */
import t, { type Test } from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fetchEvidence, evidenceKey, escapedName, type EvidenceOutcome, type FetchedEvidence } from '../../lib/fetch/evidence.js'
import { fetchKeysForRegistries } from '../../lib/fetch/registry-keys/by-registry.js'
import type { PackageRef } from '../../lib/model.js'
import { verifyPackage } from '../../lib/verify/package.js'
import { createTrustContext } from '../../lib/verify/trust-context.js'
import { attestationsPath, startRegistry, type RegistryServer } from '../helpers/registry/index.js'
import { createFetchWorld, FAST, isolatedConfig, scenarioKeys } from './world.js'

// a → @acme/b (both with provenance); c without attestations.
const { s, refs, config, keys, trustedRoot } = await createFetchWorld(t)

function outcome(results: Map<string, EvidenceOutcome>, name: string): EvidenceOutcome {
  const ref = refs.find((r) => r.name === name)!
  return results.get(evidenceKey(ref))!
}

function fetched(t: Test, o: EvidenceOutcome | undefined): FetchedEvidence {
  if (o?.state !== 'fetched') throw new Error(`expected fetched evidence, got ${JSON.stringify(o)}`)
  return o
}

function requestsFor(registry: RegistryServer, route: string) {
  return registry.requests.filter((r) => r.route === route)
}

t.beforeEach(() => {
  s.registry.clearRequests()
  s.registry.faults.clear()
})

t.test('fetches each version document and the advertised attestations; the evidence verifies', async (t) => {
  const results = await fetchEvidence(refs, { config, registryKeys: keys, ...FAST })
  t.equal(results.size, 3)
  const trust = createTrustContext({ trustedRoot, trustedRootSource: s.trustedRootFile, registryKeys: fetched(t, outcome(results, 'a')).registryKeys })
  for (const name of ['a', '@acme/b']) {
    const { evidence } = fetched(t, outcome(results, name))
    t.equal(evidence.attestations.state, 'fetched', `${name}: attestations fetched`)
    const facts = verifyPackage(evidence, trust)
    t.equal(facts.signature.status, 'verified', `${name}: signature`)
    t.equal(facts.provenance.status, 'verified', `${name}: provenance`)
    t.equal(facts.publish.status, 'verified', `${name}: publish attestation`)
    t.same(facts.findings, [], `${name}: no findings`)
  }
  t.same(
    requestsFor(s.registry, 'manifest').map((r) => r.url).sort(),
    ['/@acme%2fb/1.2.0', '/a/1.0.0', '/c/2.0.0'],
    'one version document each, scoped names escaped',
  )
  t.same(requestsFor(s.registry, 'attestations').map((r) => r.url).sort(), [attestationsPath('@acme/b', '1.2.0'), attestationsPath('a', '1.0.0')])
  t.same(requestsFor(s.registry, 'packument'), [], 'no packument: the keys have no validity bounds')
})

t.test('attestations that are not advertised are not requested', async (t) => {
  const results = await fetchEvidence(refs.filter((r) => r.name === 'c'), { config, registryKeys: keys, ...FAST })
  t.same(fetched(t, outcome(results, 'c')).evidence.attestations, { state: 'not-requested' })
  t.same(requestsFor(s.registry, 'attestations'), [])
})

t.test('advertised attestations that the registry does not have are evidence: not-found', async (t) => {
  const record = s.version('a')
  const document = record.attestations
  record.attestations = undefined
  record.dist = { attestations: { url: s.registry.origin + attestationsPath('a', '1.0.0'), provenance: { predicateType: 'https://slsa.dev/provenance/v1' } } }
  t.teardown(() => {
    record.attestations = document
    record.dist = {}
  })
  const results = await fetchEvidence(refs.filter((r) => r.name === 'a'), { config, registryKeys: keys, ...FAST })
  t.same(fetched(t, outcome(results, 'a')).evidence.attestations, { state: 'not-found' })
})

t.test('the packument is fetched only when a signing key has validity bounds, for the publish time', async (t) => {
  const tufKeys = await scenarioKeys(s, config, 'tuf')
  const results = await fetchEvidence(refs, { config, registryKeys: tufKeys, ...FAST })
  const packuments = requestsFor(s.registry, 'packument')
  t.same(packuments.map((r) => r.path).sort(), ['/@acme/b', '/a', '/c'])
  for (const r of packuments) t.match(r.headers.accept, /application\/json/, 'the full packument, not the corgi')
  const a = fetched(t, outcome(results, 'a'))
  t.equal(a.evidence.publishTime, s.version('a').publishTime)
  const trust = createTrustContext({ trustedRoot, trustedRootSource: 'test', registryKeys: a.registryKeys })
  t.equal(verifyPackage(a.evidence, trust).signature.status, 'verified', 'the key was valid at the publish time')
})

t.test('a foreign dist.attestations.url is not followed: attestations come from the configured registry', async (t) => {
  const foreign = await startRegistry()
  t.teardown(() => foreign.close())
  const record = s.version('a')
  record.dist = { attestations: { url: foreign.url + '-/npm/v1/attestations/a@1.0.0', provenance: { predicateType: 'https://slsa.dev/provenance/v1' } } }
  t.teardown(() => {
    record.dist = {}
  })
  const results = await fetchEvidence(refs.filter((r) => r.name === 'a'), { config, registryKeys: keys, ...FAST })
  t.equal(fetched(t, outcome(results, 'a')).evidence.attestations.state, 'fetched')
  t.same(foreign.requests, [], 'the foreign host got no request')
  t.same(requestsFor(s.registry, 'attestations').map((r) => r.url), [attestationsPath('a', '1.0.0')])
})

t.test('a token goes only to the registry it is configured for', async (t) => {
  const privateRegistry = await startRegistry({ token: 'private-token' })
  const publicRegistry = await startRegistry()
  t.teardown(() => Promise.all([privateRegistry.close(), publicRegistry.close()]))
  privateRegistry.addVersion({ name: '@priv/x', version: '1.0.0' })
  publicRegistry.addVersion({ name: 'pub', version: '1.0.0' })
  const nerfDart = privateRegistry.url.replace(/^http:/, '')
  const projectDir = t.testdir({
    '.npmrc': `registry=${publicRegistry.url}\n@priv:registry=${privateRegistry.url}\n${nerfDart}:_authToken=private-token\n`,
  })
  const { config } = await isolatedConfig(t, projectDir)
  const packages: PackageRef[] = ['@priv/x', 'pub'].map((name) => ({ name, version: '1.0.0', registry: config.registryFor(name), source: 'registry', locations: [] }))
  const registryKeys = await fetchKeysForRegistries(
    packages.map((p) => p.registry!),
    { trust: { registryKeys: [], registryKeysSource: 'none' }, config, retries: 0 },
  )
  t.same([...registryKeys.values()].map((k) => k.state), ['fetched', 'fetched'], 'both answered the keys endpoint (404: no keys)')
  const results = await fetchEvidence(packages, { config, registryKeys, ...FAST })
  t.same([...results.values()].map((o) => o.state), ['fetched', 'fetched'])
  t.ok(privateRegistry.requests.length >= 2)
  t.ok(privateRegistry.requests.every((r) => r.tokenMatched), 'the private registry got its token on every request')
  t.ok(publicRegistry.requests.length >= 2)
  t.same(publicRegistry.requests.filter((r) => r.hasAuthorization), [], 'the other registry never saw an Authorization header')
})

t.test('faults: transient errors are retried, everything else ends as a FetchFailure', async (t) => {
  const onlyA = refs.filter((r) => r.name === 'a')
  const run = (extra: Partial<Parameters<typeof fetchEvidence>[1]> = {}) =>
    fetchEvidence(onlyA, { config, registryKeys: keys, ...FAST, ...extra }).then((r) => outcome(r, 'a'))
  const failed = (t: Test, o: EvidenceOutcome, reason: RegExp) => {
    t.equal(o.state, 'failed')
    t.notOk('evidence' in o, 'no evidence')
    if (o.state === 'failed') t.match(o.reason, reason)
  }

  t.test('500 once, then success', async (t) => {
    s.registry.addFault({ path: '/a/1.0.0', type: 'status', status: 500, times: 1 })
    t.equal((await run()).state, 'fetched')
    t.equal(requestsFor(s.registry, 'manifest').length, 2)
  })

  t.test('429 with Retry-After is retried after the time it asks', async (t) => {
    s.registry.addFault({ path: '/a/1.0.0', type: 'rate-limit', retryAfterSeconds: 1, times: 1 })
    t.equal((await run()).state, 'fetched')
    const [first, second] = requestsFor(s.registry, 'manifest')
    t.ok(second!.time.getTime() - first!.time.getTime() >= 950, 'waited for Retry-After, not the 5 ms backoff')
  })

  t.test('a Retry-After beyond the cap fails at once', async (t) => {
    s.registry.addFault({ path: '/a/1.0.0', type: 'rate-limit', retryAfterSeconds: 3600 })
    failed(t, await run(), /a@1\.0\.0: GET http:\/\/127\.0\.0\.1:\d+\/a\/1\.0\.0: HTTP 429; Retry-After 3600s/)
    t.equal(requestsFor(s.registry, 'manifest').length, 1)
  })

  t.test('500 every time: retried, then a failure', async (t) => {
    s.registry.addFault({ path: '/a/1.0.0', type: 'status', status: 503 })
    failed(t, await run(), /HTTP 503 \(after 3 attempts\)/)
    t.equal(requestsFor(s.registry, 'manifest').length, 3)
  })

  t.test('a response slower than the timeout is a failure, not a hang', async (t) => {
    s.registry.addFault({ path: '/a/1.0.0', type: 'delay', delayMs: 3000 })
    const started = Date.now()
    failed(t, await run({ timeoutMs: 150, retries: 1 }), /no complete response within 150ms \(after 2 attempts\)/)
    t.ok(Date.now() - started < 2500, 'gave up before the registry answered')
  })

  t.test('a truncated body is a failure', async (t) => {
    s.registry.addFault({ path: '/a/1.0.0', type: 'truncate' })
    failed(t, await run(), /^a@1\.0\.0: GET http:\/\/127\.0\.0\.1:\d+\/a\/1\.0\.0: the response body was cut off/)
    t.equal(requestsFor(s.registry, 'manifest').length, 3, 'retried: a cut-off body is a network failure')
  })

  t.test('a connection reset is a failure', async (t) => {
    s.registry.addFault({ path: '/a/1.0.0', type: 'reset' })
    failed(t, await run(), /^a@1\.0\.0: GET http:\/\/127\.0\.0\.1:\d+\/a\/1\.0\.0: connection failed \(ECONNRESET\) \(after 3 attempts\)$/)
  })

  t.test('404 for the version is a failure, not retried', async (t) => {
    s.registry.addFault({ path: '/a/1.0.0', type: 'status', status: 404 })
    failed(t, await run(), /has no such version \(GET .*\/a\/1\.0\.0: HTTP 404\)/)
    t.equal(requestsFor(s.registry, 'manifest').length, 1)
  })

  t.test('a failed attestations request fails the package', async (t) => {
    s.registry.addFault({ prefix: '/-/npm/v1/attestations/', type: 'status', status: 500 })
    const o = await run()
    failed(t, o, /advertised attestations could not be fetched: GET .*attestations\/a@1\.0\.0: HTTP 500/)
    t.match(o, { url: /\/-\/npm\/v1\/attestations\/a@1\.0\.0$/ })
  })

  t.test('a failed packument request fails the package when the publish time is needed', async (t) => {
    const tufKeys = await scenarioKeys(s, config, 'tuf')
    s.registry.addFault({ path: '/a', type: 'status', status: 500 })
    failed(t, await run({ registryKeys: tufKeys }), /the publish time is needed and the packument could not be fetched/)
  })

  t.test('a registry whose keys could not be obtained: its packages fail without a request', async (t) => {
    const broken = new Map([[s.registry.url, { state: 'failed' as const, reason: 'HTTP 500' }]])
    failed(t, await run({ registryKeys: broken }), /signing keys of .* could not be obtained: HTTP 500/)
    t.same(s.registry.requests, [])
  })
})

t.test('malformed JSON names the package and the URL, and is not retried', async (t) => {
  let hits = 0
  const server = createServer((req, res) => {
    hits++
    const body = req.url === '/-/npm/v1/keys' ? '{"keys": []}' : '{"name": "broken", "versi'
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  const ref: PackageRef = { name: 'broken', version: '1.0.0', registry, source: 'registry', locations: [] }
  const results = await fetchEvidence([ref], { config, registryKeys: new Map([[registry, { state: 'fetched', keys: null, source: 'test' }]]), ...FAST })
  t.match(results.get(evidenceKey(ref)), { state: 'failed', reason: /^broken@1\.0\.0: GET http:\/\/127\.0\.0\.1:\d+\/broken\/1\.0\.0: the response is not valid JSON/ })
  t.equal(hits, 1)
})

t.test('a dist.integrity that is not a string is malformed evidence: a FetchFailure, never ignored', async (t) => {
  // Found by the fault-proxy suite (test/cli/check-faults.test.ts): served as a number, it was
  // read as "the registry states no integrity" and the package passed.
  const record = s.version('c')
  t.teardown(() => {
    record.dist = {}
  })
  for (const integrity of [512, { sha512: 'x' }, ['sha512-x'], null]) {
    record.dist = { integrity }
    const results = await fetchEvidence(refs.filter((r) => r.name === 'c'), { config, registryKeys: keys, ...FAST })
    t.match(outcome(results, 'c'), { state: 'failed', reason: /c@2\.0\.0: the version document from GET .*\/c\/2\.0\.0 has a dist\.integrity that is not a string/ }, JSON.stringify(integrity))
  }
})

t.test('never more requests in flight than the concurrency bound', async (t) => {
  const registry = await startRegistry()
  t.teardown(() => registry.close())
  const names = Array.from({ length: 9 }, (_, i) => `pkg-${i}`)
  for (const name of names) registry.addVersion({ name, version: '1.0.0' })
  const delayMs = 300
  registry.addFault({ pattern: /^\/pkg-\d\/1\.0\.0$/, type: 'delay', delayMs })
  const packages: PackageRef[] = names.map((name) => ({ name, version: '1.0.0', registry: registry.url, source: 'registry', locations: [] }))
  const registryKeys = new Map([[registry.url, { state: 'fetched' as const, keys: null, source: 'test' }]])
  const results = await fetchEvidence(packages, { config, registryKeys, ...FAST, concurrency: 3 })
  t.same([...results.values()].map((o) => o.state), names.map(() => 'fetched'))
  // Each request is answered delayMs after it arrives: requests that arrived within less than
  // that of each other were in flight together.
  const arrivals = registry.requests.map((r) => r.time.getTime()).sort((a, b) => a - b)
  const inFlight = Math.max(...arrivals.map((start) => arrivals.filter((a) => a >= start && a < start + delayMs * 0.8).length))
  t.equal(arrivals.length, 9)
  t.equal(inFlight, 3, 'three at a time: bounded, and actually concurrent')
})

t.test('only registry packages are fetched; duplicates once', async (t) => {
  const a = refs.find((r) => r.name === 'a')!
  const git: PackageRef = { name: 'g', version: '1.0.0', source: 'git', locations: [] }
  const results = await fetchEvidence([a, { ...a }, git], { config, registryKeys: keys, ...FAST })
  t.same([...results.keys()], [evidenceKey(a)])
  t.equal(requestsFor(s.registry, 'manifest').length, 1)
})

t.test('names that could leave the package path are refused without a request', async (t) => {
  t.equal(escapedName('@acme/b'), '@acme%2fb')
  t.equal(escapedName('plain'), 'plain')
  for (const bad of ['..', '@acme/..', '../x', 'a/b', '@/x', 'a b', '@a/b/c', 'x@1']) t.equal(escapedName(bad), undefined, bad)
  const ref: PackageRef = { name: '..', version: '1.0.0', registry: s.registry.url, source: 'registry', locations: [] }
  const results = await fetchEvidence([ref], { config, registryKeys: keys, ...FAST })
  t.match(results.get(evidenceKey(ref)), { state: 'failed', reason: /not a valid package name/ })
  t.same(s.registry.requests, [])
})

t.test('offline: no request at all; a package not in the cache is a failure saying so', async (t) => {
  s.registry.clearRequests()
  const results = await fetchEvidence(refs, { config, registryKeys: keys, ...FAST, offline: true })
  for (const ref of refs) t.match(results.get(evidenceKey(ref)), { state: 'failed', reason: /offline: no evidence for it in the verification cache/ }, ref.name)
  t.same(s.registry.requests, [])
})

t.test('dist.signatures from a registry that said it has no keys: asked once more, then a failure, whatever the answer', async (t) => {
  const a = refs.find((r) => r.name === 'a')!
  const noKeys = new Map([[s.registry.url, { state: 'fetched' as const, keys: null, source: 'test' }]])
  for (const [again, told] of [
    [{ state: 'fetched' as const, keys: null, source: 'test' }, /and not when asked again either: contradictory evidence/],
    [keys.get(s.registry.url)!, /then served keys when asked again: contradictory evidence/],
  ] as const) {
    let asked = 0
    const recheckKeys = async () => {
      asked++
      return again
    }
    const results = await fetchEvidence([a], { config, registryKeys: noKeys, ...FAST, recheckKeys })
    t.match(results.get(evidenceKey(a)), { state: 'failed', reason: told })
    t.equal(asked, 1)
  }
})
