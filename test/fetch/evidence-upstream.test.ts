/**
 * fetchEvidence behind a mirror (docs/mirrors.md): the mirror's evidence when complete, else the
 * upstream's, always checked with the upstream's keys; what happens when the mirror or the upstream
 * cannot answer.
 */
import t from 'tap'
import { fetchEvidence, evidenceKey, type EvidenceOutcome } from '../../lib/fetch/evidence.js'
import type { PackageRef } from '../../lib/model.js'
import { startRegistry } from '../helpers/registry/index.js'
import { startMirrorProxy } from '../helpers/mirror-proxy.js'
import { createFetchWorld, FAST } from './world.js'

// a → @acme/b (both with provenance); c without attestations.
const { s, refs, config, keys } = await createFetchWorld(t)
const upstream = s.registry.url

/** The world's refs as installed from `registry`. */
function from(registry: string): PackageRef[] {
  return refs.map((ref) => ({ ...ref, registry }))
}

function outcomeOf(results: Map<string, EvidenceOutcome>, list: PackageRef[], name: string): EvidenceOutcome {
  return results.get(evidenceKey(list.find((r) => r.name === name)!))!
}

t.test('a mirror without the version: the upstream answers; the outcome stays on the mirror, checked with the upstream keys', async (t) => {
  const empty = await startRegistry()
  t.teardown(() => empty.close())
  const mirrored = from(empty.url)
  const results = await fetchEvidence(mirrored, { config, registryKeys: keys, upstreamFor: () => upstream, ...FAST })
  for (const name of ['a', '@acme/b', 'c']) {
    const o = outcomeOf(results, mirrored, name)
    t.match(o, { state: 'fetched', registry: empty.url, keysRegistry: upstream, evidence: { origin: { registry: upstream, role: 'upstream', keys: upstream } } }, name)
  }
  t.ok(empty.requests.length > 0, 'the mirror was asked first')
})

t.test('neither the mirror nor the upstream: a failure that names both', async (t) => {
  const empty = await startRegistry()
  t.teardown(() => empty.close())
  const mirrored = from(empty.url)
  s.registry.faults.add({ path: '/a', type: 'status', status: 404 })
  s.registry.faults.add({ path: '/a/1.0.0', type: 'status', status: 404 })
  t.teardown(() => s.registry.faults.clear())
  const results = await fetchEvidence(mirrored, { config, registryKeys: keys, upstreamFor: () => upstream, ...FAST })
  const o = outcomeOf(results, mirrored, 'a')
  t.match(o, { state: 'failed', registry: empty.url })
  t.match(o.state === 'failed' && o.reason, new RegExp(`a@1\\.0\\.0: ${empty.url.replaceAll('.', '\\.')} has no such version.*; and from the upstream: a@1\\.0\\.0: ${upstream.replaceAll('.', '\\.')} has no such version`))
})

t.test("the upstream's keys could not be obtained: nothing is fetched, the package could not be verified", async (t) => {
  const mirror = await startMirrorProxy({ target: upstream, kind: 'keyless' })
  t.teardown(() => mirror.close())
  const mirrored = from(mirror.url)
  const other = 'http://127.0.0.1:9/'
  const results = await fetchEvidence(mirrored, { config, registryKeys: new Map([...keys, [other, { state: 'failed', reason: 'no route' }]]), upstreamFor: () => other, ...FAST })
  const failed = outcomeOf(results, mirrored, 'a')
  t.match(failed, { state: 'failed', registry: mirror.url, reason: /^a@1\.0\.0: the signing keys of http:\/\/127\.0\.0\.1:9\/ could not be obtained: no route$/ }, 'said once')
  t.same(mirror.requests, [], 'no request at all')
})

t.test("the mirror's word that a package has install scripts counts when the evidence comes from the upstream", async (t) => {
  const mirror = await startMirrorProxy({
    target: upstream,
    kind: 'stripping',
    transform: (route, doc) => {
      if (route.kind === 'manifest' && doc.name === 'c') doc.scripts = { install: 'node-gyp rebuild' }
    },
  })
  t.teardown(() => mirror.close())
  const mirrored = from(mirror.url)
  const results = await fetchEvidence(mirrored, { config, registryKeys: keys, upstreamFor: () => upstream, ...FAST })
  t.match(outcomeOf(results, mirrored, 'c'), { state: 'fetched', evidence: { versionData: { installScripts: true }, origin: { role: 'upstream' } } })
  t.match(outcomeOf(results, mirrored, 'a'), { state: 'fetched', evidence: { origin: { role: 'upstream' } } })
  const a = outcomeOf(results, mirrored, 'a')
  t.notOk(a.state === 'fetched' && a.evidence.versionData?.installScripts, 'only where the mirror says so')
})

t.test('without an upstream for a ref (or one equal to its registry), evidence comes from its registry with its own keys', async (t) => {
  const results = await fetchEvidence(refs, { config, registryKeys: keys, upstreamFor: (ref) => (ref.name === 'a' ? upstream : undefined), ...FAST })
  for (const name of ['a', 'c']) t.match(outcomeOf(results, refs, name), { state: 'fetched', keysRegistry: upstream, evidence: { origin: { registry: upstream, role: 'registry', keys: upstream } } }, name)
})
