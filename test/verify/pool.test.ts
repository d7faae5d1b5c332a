/**
 * The verify pool (lib/verify/pool.ts): a worker gives the same facts as verifying inline, byte for
 * byte, on the real corpus (trust inputs with KeyObjects and Dates, tarball bytes crossing); a worker
 * that throws, crashes or exits, evidence that cannot be sent, and a closed pool each give "failed"
 * (the caller verifies inline), never facts and never a hang; idle workers do not keep a process alive.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { corpusPath, loadCorpusCases, readCorpusJSON } from '../helpers/corpus.js'
import { loadTrustFiles } from '../../lib/fetch/trust.js'
import type { PackageEvidence } from '../../lib/model/evidence.js'
import { createTaskHandler } from '../../lib/verify/pool-protocol.js'
import { createVerifyPool, defaultWorkerCount, defaultWorkerURL, DEFAULT_WORKER_RESOURCE_LIMITS, type PoolResult } from '../../lib/verify/pool.js'
import { verifyPackage } from '../../lib/verify/package.js'
import { createTrustContext, type TrustInput } from '../../lib/verify/trust-context.js'

const loaded = loadTrustFiles({
  trustedRootFile: corpusPath('trust/sigstore-public-good.trusted_root.json'),
  registryKeysFile: corpusPath('trust/npm-registry-keys.tuf-keys.json'),
})
const trustInput: TrustInput = { trustedRoot: loaded.trustedRoot, trustedRootSource: loaded.trustedRootSource, registryKeys: loaded.registryKeys }
const inlineContext = createTrustContext(trustInput)
const REGISTRY = 'https://registry.npmjs.org/'

/** Every attestation case of the corpus as evidence, with its tarball's bytes. */
const corpusEvidence: PackageEvidence[] = loadCorpusCases()
  .filter((c) => c.kind === 'attestations')
  .map((c) => ({
    name: c.name!,
    version: c.version!,
    integrity: c.integrity!,
    tarball: readFileSync(corpusPath(c.tarball!)),
    attestations: { state: 'fetched', document: readCorpusJSON(c.file) },
  }))

/** The built worker (dist/), which plain node runs without the test's TypeScript loader: quicker to start. */
const builtWorker = new URL('../../dist/verify/worker.js', import.meta.url)

/** A worker entry written for a test: plain JavaScript, so no loader is needed. */
const scriptWorker = (source: string): URL => new URL(`data:text/javascript,${encodeURIComponent(source)}`)

const settled = (result: Promise<PoolResult> | undefined): Promise<PoolResult> => {
  if (!result) throw new Error('the pool had no room')
  return result
}

t.test('one worker per core but one, at most 4; none on one core', async (t) => {
  t.same([1, 2, 3, 4, 5, 16].map((cores) => defaultWorkerCount(cores)), [0, 1, 2, 3, 4, 4])
  t.ok(defaultWorkerCount() >= 0)
})

t.test('the worker entry is the built worker.js, or worker.ts under a TypeScript loader', async (t) => {
  t.equal(defaultWorkerURL('file:///x/dist/verify/pool.js').href, 'file:///x/dist/verify/worker.js')
  t.equal(defaultWorkerURL('file:///x/lib/verify/pool.ts').href, 'file:///x/lib/verify/worker.ts')
})

t.test('the built pool (dist/, what the package ships) starts the built worker', async (t) => {
  const built = new URL('../../dist/verify/pool.js', import.meta.url)
  t.ok(existsSync(built), 'dist/ is built (npm run build; CI builds before testing)')
  const { createVerifyPool: createBuiltPool, defaultWorkerURL: builtWorkerURL } = (await import(built.href)) as typeof import('../../lib/verify/pool.js')
  t.equal(builtWorkerURL().href, builtWorker.href)
  // Without the test's TypeScript loader: plain node, as the installed package runs.
  const pool = createBuiltPool({ size: 1, trustInputFor: () => trustInput, execArgv: [] })
  t.teardown(() => pool.close())
  t.same(await settled(pool.tryVerify(corpusEvidence[0]!, REGISTRY)), { facts: verifyPackage(corpusEvidence[0]!, inlineContext) })
})

t.test('the task handler gives the facts verifyPackage gives, and an error reply for what it cannot use', async (t) => {
  const handle = createTaskHandler()
  const evidence = corpusEvidence[0]!
  // The tarball arrives as a Uint8Array (what structured clone makes of a Buffer).
  const { tarball, ...rest } = evidence
  const asCloned = { ...rest, tarball: new Uint8Array(tarball!) as Buffer }
  t.same(handle({ id: 1, registry: REGISTRY, trust: trustInput, evidence: asCloned }), { id: 1, facts: verifyPackage(evidence, inlineContext) })
  t.same(handle({ id: 2, registry: REGISTRY, evidence }), { id: 2, facts: verifyPackage(evidence, inlineContext) }, 'the context is kept per registry')
  t.same(handle({ id: 3, registry: 'https://other.example/', evidence }), { id: 3, error: 'no trust input for https://other.example/' })
  t.match(handle({ id: 4, registry: 'https://bad.example/', trust: { ...trustInput, trustedRoot: { nonsense: true } }, evidence }), { id: 4, error: String })
})

t.test('a worker gives byte-identical facts to inline verification on every corpus case', async (t) => {
  t.ok(corpusEvidence.length >= 20)
  // The built worker, as the CLI runs it (dist/): a worker on lib/*.ts would compile every verify
  // module through the test runner's TypeScript loader under coverage, and with every corpus case
  // queued at once can run out of the worker's heap (CI, node 20: 'reached memory limit'). The inline
  // side stays lib/*.ts, so this also holds the built worker to the source.
  const pool = createVerifyPool({ size: 2, trustInputFor: () => trustInput, maxQueuedPerWorker: 1000, workerURL: builtWorker, execArgv: [] })
  t.teardown(() => pool.close())
  const results = await Promise.all(corpusEvidence.map((e) => settled(pool.tryVerify(e, REGISTRY))))
  for (const [i, result] of results.entries()) {
    const inline = verifyPackage(corpusEvidence[i]!, inlineContext)
    if (!('facts' in result)) throw new Error(`case ${i}: ${result.failed}`)
    t.equal(JSON.stringify(result.facts), JSON.stringify(inline), `${inline.name}@${inline.version}: same JSON`)
    t.same(result.facts, inline, `${inline.name}@${inline.version}: same values`)
  }
})

t.test('no room: every live worker has its queue full', async (t) => {
  // A worker that never answers: the first task fills its queue of one.
  const silent = scriptWorker("import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => {})")
  const pool = createVerifyPool({ size: 1, trustInputFor: () => trustInput, maxQueuedPerWorker: 1, workerURL: silent, execArgv: [] })
  const first = pool.tryVerify(corpusEvidence[0]!, REGISTRY)
  t.ok(first, 'the first task is taken')
  t.equal(pool.tryVerify(corpusEvidence[0]!, REGISTRY), undefined, 'the second is not')
  await pool.close()
  t.same(await first, { failed: 'verify pool closed' }, 'closing settles what was waiting')
  t.equal(pool.tryVerify(corpusEvidence[0]!, REGISTRY), undefined, 'a closed pool takes nothing')
})

t.test('a worker that fails settles its tasks as failed, and takes no more', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['throws', "require('node:worker_threads').parentPort.on('message', () => { throw new Error('boom') })", /^verify worker failed: boom$/],
    ['exits', "require('node:worker_threads').parentPort.on('message', () => process.exit(7))", /^verify worker exited \(code 7\)$/],
    ['replies with an error', "const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage({ id: m.id, error: 'no' }))", /^no$/],
    ['does not start', "throw new Error('cannot load')", /^verify worker failed: cannot load$/],
  ]
  for (const [what, source, reason] of cases) {
    // A data: URL worker is an ES module: give it require.
    const url = scriptWorker(`import { createRequire } from 'node:module'; const require = createRequire(${JSON.stringify(import.meta.url)}); ${source}`)
    const pool = createVerifyPool({ size: 1, trustInputFor: () => trustInput, workerURL: url, execArgv: [] })
    const result = await settled(pool.tryVerify(corpusEvidence[0]!, REGISTRY))
    t.match(result, { failed: reason }, `${what}: failed`)
    t.notOk('facts' in result, `${what}: no facts`)
    if (what !== 'replies with an error') t.equal(pool.tryVerify(corpusEvidence[0]!, REGISTRY), undefined, `${what}: the dead worker takes nothing`)
    await pool.close()
  }
})

t.test('workers run with heap limits, DEFAULT_WORKER_RESOURCE_LIMITS unless told', async (t) => {
  // A worker that answers every task with the limits it runs under.
  const url = scriptWorker("import { parentPort, resourceLimits } from 'node:worker_threads'; parentPort.on('message', (m) => parentPort.postMessage({ id: m.id, error: JSON.stringify(resourceLimits) }))")
  const limitsOf = async (resourceLimits?: { maxOldGenerationSizeMb: number }): Promise<unknown> => {
    const pool = createVerifyPool({ size: 1, trustInputFor: () => trustInput, workerURL: url, execArgv: [], ...(resourceLimits && { resourceLimits }) })
    const result = await settled(pool.tryVerify(corpusEvidence[0]!, REGISTRY))
    await pool.close()
    return 'failed' in result ? JSON.parse(result.failed) : result
  }
  t.match(await limitsOf(), DEFAULT_WORKER_RESOURCE_LIMITS, 'the defaults')
  t.match(await limitsOf({ maxOldGenerationSizeMb: 200 }), { maxOldGenerationSizeMb: 200 }, 'the given limits')
})

t.test('a worker that runs out of heap settles its tasks as failed, and takes no more', async (t) => {
  // A task whose verification needs more heap than the limit (as an oversized attestation bundle would).
  const hungry = scriptWorker("import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => { const kept = []; for (;;) kept.push(new Array(100000).fill(kept.length)) })")
  const pool = createVerifyPool({ size: 1, trustInputFor: () => trustInput, workerURL: hungry, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } })
  const waiting = [pool.tryVerify(corpusEvidence[0]!, REGISTRY), pool.tryVerify(corpusEvidence[0]!, REGISTRY)]
  for (const result of await Promise.all(waiting.map(settled))) t.match(result, { failed: /^verify worker failed: .*out of memory/i }, 'failed, no facts')
  t.equal(pool.tryVerify(corpusEvidence[0]!, REGISTRY), undefined, 'the worker takes nothing more')
  await pool.close()
})

t.test('evidence that cannot be sent is failed at once, and the worker stays usable', async (t) => {
  const pool = createVerifyPool({ size: 1, trustInputFor: () => trustInput, workerURL: builtWorker, execArgv: [] })
  t.teardown(() => pool.close())
  const unsendable = { ...corpusEvidence[0]!, attestations: { state: 'fetched', document: () => 1 } } as PackageEvidence
  t.match(await settled(pool.tryVerify(unsendable, REGISTRY)), { failed: /^cannot be sent to a verify worker: / })
  const result = await settled(pool.tryVerify(corpusEvidence[0]!, REGISTRY))
  t.same(result, { facts: verifyPackage(corpusEvidence[0]!, inlineContext) }, 'the trust input is sent with the next task')
})

t.test('idle workers never keep the process alive', async (t) => {
  // A process that starts a pool (the built one, in plain node), uses it, and never closes it still ends on its own.
  const pool = new URL('../../dist/verify/pool.js', import.meta.url).href
  const script = `
    import { createVerifyPool } from ${JSON.stringify(pool)}
    const p = createVerifyPool({ size: 1, trustInputFor: () => ({ trustedRoot: {}, trustedRootSource: 'x', registryKeys: null }) })
    const r = await p.tryVerify({ name: 'x', version: '1.0.0', attestations: { state: 'not-requested' } }, 'r')
    console.log(Object.keys(r).join())`
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 })
  t.equal(child.signal, null, 'not killed by the timeout')
  t.equal(child.status, 0, child.stderr)
  t.equal(child.stdout.trim(), 'failed', 'an unusable trust input is a failure, not facts')
})
