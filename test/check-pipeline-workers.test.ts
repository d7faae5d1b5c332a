/**
 * fetchAndVerify with verify workers (lib/check-pipeline.ts + lib/verify/pool.ts): on a test world
 * with every signature, provenance, publish-attestation and tarball variant, the outcomes are the
 * same, byte for byte, as with every package verified inline; a worker that cannot verify (here:
 * trust inputs it cannot use) costs nothing but time: the package is verified inline.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { fetchAndVerify, outcomeOf, type FetchAndVerifyOptions } from '../lib/check-pipeline.js'
import { EvidenceCache } from '../lib/fetch/cache.js'
import type { PackageRef } from '../lib/model.js'
import { createTrustContext, type TrustContext, type TrustInput } from '../lib/verify/trust-context.js'
import { createScenario } from './helpers/scenario/index.js'
import type { PackageSpec } from './helpers/scenario/options.js'
import { FAST, isolatedConfig, refsFromLockfile, scenarioKeys } from './fetch/world.js'

const variants: Array<Omit<PackageSpec, 'name' | 'version'>> = [
  {},
  ...(['missing', 'invalid', 'unknown-key', 'expired-key'] as const).map((signature) => ({ signature })),
  ...(['missing', 'tampered', 'untrusted-ca', 'wrong-subject-name', 'wrong-subject-digest', 'advertised-missing'] as const).map((provenance) => ({ provenance })),
  { provenance: { slsaVersion: 'v0.2' as const } },
  ...(['missing', 'tampered', 'unknown-key'] as const).map((publishAttestation) => ({ publishAttestation })),
  { tarball: 'tampered' as const },
]
const packages: PackageSpec[] = variants.map((knobs, i) => ({ name: `p${i}`, version: '1.0.0', ...knobs }))
const s = await createScenario(t, { packages, project: { dependencies: Object.fromEntries(packages.map((p) => [p.name, p.version])) } })
const refs = refsFromLockfile(s)
const { config } = await isolatedConfig(t, s.projectDir)
const keys = await scenarioKeys(s, config)
const trustedRoot = JSON.parse(readFileSync(s.trustedRootFile, 'utf8')) as unknown
const trustInputFor = (registry: string): TrustInput => {
  const k = keys.get(registry)
  return { trustedRoot, trustedRootSource: 'test', registryKeys: k?.state === 'fetched' ? k.keys : null }
}

// The workers run the built verifier (dist/, as the CLI does), not lib/*.ts through the test runner's
// TypeScript loader: under that loader (and coverage) each worker compiles every verify module and
// needs far more heap than the CLI's, and a worker pushed past its limits is verified inline, which is
// right for the CLI but makes "none verified on the main thread" depend on the machine's load. The
// inline outcomes are lib/*.ts's own, so the comparisons also hold the built worker to the source.
const BUILT_WORKER = { workerURL: new URL('../dist/verify/worker.js', import.meta.url), execArgv: [] }

/** Each ref's outcome as JSON, in ref order, and how many trust contexts were built on the main thread. */
async function outcomes(over: Partial<FetchAndVerifyOptions>): Promise<{ json: string[]; inlineContexts: number }> {
  const contexts = new Map<string, TrustContext>()
  const verified = await fetchAndVerify(refs, {
    fetch: { config, registryKeys: keys, ...FAST, concurrency: 4 },
    // As check.ts does: built once per registry, on first use.
    contextFor: (registry) => {
      if (!contexts.has(registry)) contexts.set(registry, createTrustContext(trustInputFor(registry)))
      return contexts.get(registry)!
    },
    worker: BUILT_WORKER,
    ...over,
  })
  return { json: refs.map((ref: PackageRef) => JSON.stringify(outcomeOf(ref, verified))), inlineContexts: contexts.size }
}

const inline = await outcomes({ workers: 0 })

t.test('the test world gives every kind of outcome', async (t) => {
  t.equal(refs.length, variants.length)
  const statuses = new Set(inline.json.flatMap((o) => {
    const parsed = JSON.parse(o) as { facts: { signature: { status: string }; provenance: { status: string }; publish: { status: string } } }
    return [`signature:${parsed.facts.signature.status}`, `provenance:${parsed.facts.provenance.status}`, `publish:${parsed.facts.publish.status}`]
  }))
  for (const s of ['signature:verified', 'signature:missing', 'signature:invalid', 'signature:key-unknown', 'signature:key-expired', 'provenance:verified', 'provenance:invalid', 'provenance:missing', 'publish:invalid']) {
    t.ok(statuses.has(s), s)
  }
})

t.test('verified in workers: the same outcomes as inline, none verified on the main thread', async (t) => {
  let sent = 0
  const pooled = await outcomes({ workers: 2, workerThreshold: 0, trustInputFor: (registry) => (sent++, trustInputFor(registry)) })
  t.ok(sent >= 1 && sent <= 2, 'trust inputs sent once per worker that got a task')
  t.equal(pooled.inlineContexts, 0, 'no trust context built inline: every package went to a worker')
  t.same(pooled.json, inline.json)
})

t.test('below the threshold, or without trust inputs, everything is verified inline', async (t) => {
  let sent = 0
  const few = await outcomes({ workers: 2, workerThreshold: refs.length + 1, trustInputFor: (registry) => (sent++, trustInputFor(registry)) })
  t.equal(sent, 0, 'no worker was given anything')
  t.same(few.json, inline.json)
  const none = await outcomes({ workers: 2, workerThreshold: 0 })
  t.ok(none.inlineContexts >= 1)
  t.same(none.json, inline.json)
})

t.test('a worker that cannot verify: the package is verified inline, with the same outcome', async (t) => {
  const broken = await outcomes({ workers: 1, workerThreshold: 0, trustInputFor: () => ({ trustedRoot: { not: 'a trusted root' }, trustedRootSource: 'broken', registryKeys: null }) })
  t.equal(broken.inlineContexts, 1, 'verified inline, with the context built once')
  t.same(broken.json, inline.json)
})

t.test('a worker that runs out of heap: its packages are verified inline, with the same outcomes', async (t) => {
  // Too little heap for the verifier's modules and a package's evidence: the worker fails with ERR_WORKER_OUT_OF_MEMORY
  // (the verifier needs more than 10 MB on node 20–26). Not less than ~6 MB: with 2 MB, node 24's V8 cannot even deserialize
  // the worker's start-up snapshot, and that out-of-memory is fatal to the whole process, not the worker.
  const starved = await outcomes({ workers: 1, workerThreshold: 0, trustInputFor, worker: { ...BUILT_WORKER, resourceLimits: { maxOldGenerationSizeMb: 6, maxYoungGenerationSizeMb: 1 } } })
  t.equal(starved.inlineContexts, 1, 'verified inline')
  t.same(starved.json, inline.json)
})

t.test('a package a worker could not verify, that then fails inline too, fails the run as it would without workers', async (t) => {
  const broken = (): TrustInput => ({ trustedRoot: { not: 'a trusted root' }, trustedRootSource: 'broken', registryKeys: null })
  const noContext = (): TrustContext => {
    throw new Error('no trust context for this registry')
  }
  await t.rejects(outcomes({ workers: 0, contextFor: noContext }), /no trust context/, 'inline')
  await t.rejects(outcomes({ workers: 1, workerThreshold: 0, trustInputFor: broken, contextFor: noContext }), /no trust context/, 'after the worker failed')
})

t.test('a package waiting for a worker does not hold its fetch slot: with one slot, the next fetch starts first', async (t) => {
  const events: string[] = []
  // The cache is asked for each package as its fetch starts (a cold cache: every package is fetched).
  class Watched extends EvidenceCache {
    override keyFor(ref: { name: string; version: string; integrity?: string }, registry: string) {
      events.push(`fetch ${ref.name}`)
      return super.keyFor(ref, registry)
    }
  }
  const cache = new Watched({ dir: t.testdir() })
  const contexts = new Map<string, TrustContext>()
  const verified = await fetchAndVerify(refs, {
    fetch: { config, registryKeys: keys, ...FAST, concurrency: 1, cache },
    contextFor: (registry) => contexts.get(registry) ?? contexts.set(registry, createTrustContext(trustInputFor(registry))).get(registry)!,
    trustInputFor,
    workers: 1,
    workerThreshold: 0,
    worker: BUILT_WORKER,
    onVerified: (ref) => events.push(`verified ${ref.name}`),
  })
  cache.close()
  t.same(refs.map((ref: PackageRef) => JSON.stringify(outcomeOf(ref, verified))), inline.json, 'the same outcomes')
  const overtaken = refs.slice(1).some((ref, i) => events.indexOf(`fetch ${ref.name}`) < events.indexOf(`verified ${refs[i]!.name}`))
  t.ok(overtaken, 'a fetch started while the package before it was still being verified')
})
