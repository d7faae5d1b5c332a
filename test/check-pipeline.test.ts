/**
 * fetchAndVerify (lib/check-pipeline.ts): each package is verified as soon as its evidence arrives,
 * while others are still being fetched; what is kept per package is its outcome and the registry's
 * install-scripts word; progress moves package by package.
 */
import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fetchAndVerify, outcomeOf } from '../lib/check-pipeline.js'
import { evidenceKey } from '../lib/fetch/evidence.js'
import type { RegistryKeysResult } from '../lib/fetch/registry-keys/by-registry.js'
import type { PackageRef } from '../lib/model.js'
import { createTrustContext, type TrustContext } from '../lib/verify/trust-context.js'
import { createFetchWorld, FAST } from './fetch/world.js'

const { s, refs, config, keys, trustedRoot } = await createFetchWorld(t, [
    { name: 'a', version: '1.0.0', dependencies: { b: '^1.0.0', c: '^1.0.0' } },
    { name: 'b', version: '1.0.0' },
    { name: 'c', version: '1.0.0', provenance: 'missing' },
  ])

t.test('a package is verified while another is still being fetched; outcomes, install scripts and progress', async (t) => {
  // A second registry whose one package is answered only when the test releases it: released by
  // the progress of the others (streaming), or after 10 s (a pipeline that waited for all evidence).
  let release!: (by: string) => void
  const released = new Promise<string>((resolve) => (release = resolve))
  const slowDoc = { name: 'slow', version: '1.0.0', scripts: { install: 'node build.js' }, dist: { integrity: 'sha512-' + 'A'.repeat(86) + '==' } }
  const server = createServer((req, res) => {
    void (req.url === '/slow/1.0.0' ? released : Promise.resolve('')).then(() => {
      const body = req.url === '/slow/1.0.0' ? JSON.stringify(slowDoc) : '{}'
      res.writeHead(req.url === '/slow/1.0.0' ? 200 : 404, { 'content-type': 'application/json' })
      res.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const slowRegistry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  const timer = setTimeout(() => release('timeout'), 10_000)
  t.teardown(() => clearTimeout(timer))

  const slow: PackageRef = { name: 'slow', version: '1.0.0', integrity: slowDoc.dist.integrity, registry: slowRegistry, source: 'registry', locations: [] }
  const git: PackageRef = { name: 'g', version: '1.0.0', source: 'git', locations: [] }
  const all = [slow, ...refs, { ...refs[0]! }, git]
  const registryKeys = new Map<string, RegistryKeysResult>([...keys, [slowRegistry, { state: 'fetched', keys: null, source: 'test' }]])
  const contexts: string[] = []
  const contextFor = (registry: string): TrustContext => {
    contexts.push(registry)
    const k = registryKeys.get(registry)
    return createTrustContext({ trustedRoot, trustedRootSource: 'test', registryKeys: k?.state === 'fetched' ? k.keys : null })
  }
  const progress: Array<[number, number, string]> = []
  const verified = await fetchAndVerify(all, {
    fetch: { config, registryKeys, ...FAST, concurrency: 4 },
    contextFor,
    onProgress: (done, total, label) => {
      progress.push([done, total, label])
      if (label === 'verifying' && done === total - 1) release('progress')
    },
  })
  t.equal(await released, 'progress', 'the other packages were verified before the slow one arrived')
  t.same(progress[0], [1, 6, 'fetching'], 'starts with the git package done')
  t.same(progress.slice(1).map(([done]) => done), [3, 4, 5, 6], 'a counts twice (it is listed twice)')
  t.same(contexts.at(-1), slowRegistry, 'verified last')

  t.same([...verified.keys()].sort(), [slow, ...refs].map(evidenceKey).sort(), 'one entry per distinct registry package')
  for (const ref of refs) {
    const outcome = outcomeOf(ref, verified)
    if (outcome.kind !== 'verified') throw new Error(`${ref.name}: ${JSON.stringify(outcome)}`)
    t.equal(outcome.facts.signature.status, 'verified', `${ref.name}: signature`)
    t.equal(verified.get(evidenceKey(ref))?.installScripts, false, `${ref.name}: no install scripts`)
  }
  t.equal(verified.get(evidenceKey(slow))?.installScripts, true, "the registry's word on install scripts is kept")
  t.match(outcomeOf(slow, verified), { kind: 'verified', facts: { name: 'slow', signature: { status: 'unsupported' } } })
  t.same(outcomeOf(git, verified), { kind: 'not-registry' })
  t.match(outcomeOf({ ...slow, version: '9.9.9' }, verified), { kind: 'fetch-failed', reason: 'slow@9.9.9: no evidence was fetched' })
})

t.test('a failure is an outcome, never a throw; the evidence itself is not kept', async (t) => {
  const a = refs.find((r) => r.name === 'a')!
  s.registry.addFault({ path: '/a/1.0.0', type: 'status', status: 404 })
  t.teardown(() => s.registry.faults.clear())
  const verified = await fetchAndVerify(refs, { fetch: { config, registryKeys: keys, ...FAST }, contextFor: () => createTrustContext({ trustedRoot, trustedRootSource: 'test', registryKeys: null }) })
  t.match(outcomeOf(a, verified), { kind: 'fetch-failed', reason: /a@1\.0\.0: .* has no such version/ })
  for (const entry of verified.values()) t.same(Object.keys(entry).sort(), ['installScripts', 'outcome'])
})
