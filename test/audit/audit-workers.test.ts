/**
 * `verify-deps audit` at registry scale, through bin/: the population queued as jobs on a real
 * PostgreSQL (`audit --database URL --enqueue`), audited by one `verify-deps audit worker` process,
 * or by several — one of them SIGKILLed in the middle of a job, then four more — gives the same report as one PGlite
 * process, and the generator's truth: every version stored once, the killed worker's job finished by
 * the others (its rows written again, never twice). Then `audit status`, and the html and csv reports
 * of the same store.
 */
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { queueStatus } from '../../lib/audit/queue.js'
import { generatePopulation, servePopulation, truthMetrics, truthVersions } from '../helpers/population/index.js'
import { freshDatabase, postgresRequired, postgresServer, sql, until } from '../helpers/postgres.js'
import { cleanEnv, cliCommand, pinnedTrust, runCli } from '../cli/run.js'

const server = await postgresServer()
if ('missing' in server && !postgresRequired()) {
  t.test('audit workers on PostgreSQL', { skip: `no PostgreSQL: ${server.missing}` }, async () => {})
} else {
  if ('missing' in server) throw new Error(server.missing)
  // No lasting fetch faults: every job can complete (a batch with a version not fetched fails its job, to be retried).
  const population = generatePopulation({ seed: 7, packages: 48, maxVersions: 10, mix: { fetchFault: 0, transientFault: 0 } })
  const truth = truthVersions(population)
  const s = await servePopulation(t, population)
  const registry = s.registry.url
  const env = cleanEnv(join(s.dir, 'home'))
  const how = ['--registry', registry, ...pinnedTrust(s)]
  const packagesFile = join(s.dir, 'packages.txt')
  writeFileSync(packagesFile, population.packages.map((p) => p.name).join('\n') + '\n')
  const run = (args: string[]) => runCli(args, { cwd: s.dir, env })
  const report = async (store: string[], format = 'json') => {
    const r = await run(['audit', 'report', '--format', format, ...store])
    if (r.status !== 0) throw new Error(`audit report: exit ${r.status}: ${r.stderr}`)
    return r.stdout
  }
  const normalised = (json: string) => ({ ...JSON.parse(json), generatedAt: 'T' })

  t.test('four worker processes on PostgreSQL, one SIGKILLed mid-job, report what one PGlite process reports', async (t) => {
    const local = await run(['audit', '--packages', packagesFile, '--db', join(s.dir, 'pglite'), ...how])
    t.equal(local.status, 0, local.stderr)
    const single = normalised(await report(['--db', join(s.dir, 'pglite')]))
    t.same({ ...single, registry: 'R' }, truthMetrics(population, { generatedAt: 'T', registry: 'R' }), 'one PGlite process: the truth')

    const url = await freshDatabase(t, server.url)
    const batchSize = 6
    const jobs = Math.ceil(population.packages.length / batchSize)
    const queued = await run(['audit', '--packages', packagesFile, '--database', url, '--enqueue', '--batch-size', String(batchSize), '--job-timeout', '5', ...how])
    t.equal(queued.status, 0, queued.stderr)
    t.match(queued.stdout, `queued ${jobs} jobs of ${population.packages.length} packages`)
    const again = await run(['audit', '--packages', packagesFile, '--database', url, '--enqueue', '--batch-size', String(batchSize), ...how])
    t.match(again.stdout, `queued 0 jobs of ${population.packages.length} packages (${jobs} already on the queue)`, 'queued again: the same jobs')

    const workers: Array<{ child: ChildProcess; exit: Promise<number | string> }> = []
    const startWorker = () => {
      const [file, args] = cliCommand(['audit', 'worker', '--database', url, ...how])
      const child = spawn(file, args, { cwd: s.dir, env, stdio: ['ignore', 'ignore', 'pipe'] })
      child.stderr!.resume()
      const exit = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)))
      workers.push({ child, exit })
      t.teardown(() => void child.kill('SIGKILL'))
      return { child, exit }
    }
    // The victim works alone until it holds a job, and is killed while it does. The registry holds
    // every package document and tarball request meanwhile, so the job cannot finish before the kill
    // (polling alone raced: a small job could complete between the poll and the signal).
    const hold = s.registry.addFault({ pattern: /^\/(?!-\/)/, type: 'delay', delayMs: 600_000 })
    const victim = startWorker()
    await until(async () => hold.hits > 0 && (await queueStatus(url)).active > 0, 60_000)
    victim.child.kill('SIGKILL')
    t.equal(await victim.exit, 'SIGKILL')
    s.registry.faults.remove(hold)
    const afterKill = await queueStatus(url)
    t.equal(afterKill.active, 1, 'the killed worker left its job active: it died mid-job')
    t.equal(afterKill.completed, 0, 'and completed none')
    const four = Array.from({ length: 4 }, startWorker)
    // Its job comes back once it expires (--job-timeout 5, then pg-boss maintenance) and another worker finishes it.
    await until(async () => {
      const q = await queueStatus(url)
      return q.completed === jobs && q.queued === 0 && q.active === 0
    }, 150_000)
    for (const w of four) w.child.kill('SIGTERM')
    t.same(await Promise.all(four.map((w) => w.exit)), [0, 0, 0, 0], 'SIGTERM: each worker stops after its current job, exit 0')
    const status = await run(['audit', 'status', '--database', url, '--json'])
    t.match(JSON.parse(status.stdout), { queued: 0, active: 0, completed: jobs, failed: 0 })

    const rows = await sql(url, 'SELECT count(*)::int AS n, count(DISTINCT (name, version))::int AS d FROM audit_versions')
    t.same(rows.rows[0], { n: truth.length, d: truth.length }, 'every version stored exactly once')
    t.same(normalised(await report(['--database', url])), single, 'the same report as the single PGlite process')

    const html = await report(['--database', url], 'html')
    t.match(html, /^<!doctype html>/i, 'html: a page')
    const csv = await report(['--database', url], 'csv')
    t.match(csv.split('\n')[0], /^metric,value/, 'csv: the metrics')
  })

  t.test('one worker process drains the queue alone: the truth', async (t) => {
    const url = await freshDatabase(t, server.url)
    const queued = await run(['audit', '--packages', packagesFile, '--database', url, '--enqueue', '--batch-size', '16', ...how])
    t.equal(queued.status, 0, queued.stderr)
    const jobs = Math.ceil(population.packages.length / 16)
    const [file, args] = cliCommand(['audit', 'worker', '--database', url, ...how])
    const child = spawn(file, args, { cwd: s.dir, env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
    const exit = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)))
    t.teardown(() => void child.kill('SIGKILL'))
    await until(async () => (await queueStatus(url)).completed === jobs, 120_000)
    child.kill('SIGTERM')
    t.equal(await exit, 0, stderr)
    t.match(stderr, new RegExp(`stopped; ${jobs} jobs completed, 0 failed`))
    t.same({ ...normalised(await report(['--database', url])), registry: 'R' }, truthMetrics(population, { generatedAt: 'T', registry: 'R' }))
  })

  t.test('--changes --enqueue queues the feed page by page from the stored sequence; a worker drains it', async (t) => {
    const url = await freshDatabase(t, server.url)
    s.registry.clearRequests()
    const queued = await run(['audit', '--changes', '--database', url, '--enqueue', '--batch-size', '10', ...how])
    t.equal(queued.status, 0, queued.stderr)
    const jobs = Math.ceil(population.packages.length / 10)
    t.match(queued.stdout, `queued ${jobs} jobs of ${population.packages.length} packages; feed sequence ${population.specs.length}`)
    t.same(s.registry.requests.filter((q) => q.path === '/_changes').map((q) => new URL(q.url, 'http://x').searchParams.get('since')), ['0', String(population.specs.length)])
    const again = await run(['audit', '--changes', '--database', url, '--enqueue', ...how])
    t.match(again.stdout, `queued 0 jobs of 0 packages; feed sequence ${population.specs.length}`, 'the next run starts from the stored sequence')
    const [file, args] = cliCommand(['audit', 'worker', '--database', url, ...how])
    const child = spawn(file, args, { cwd: s.dir, env, stdio: ['ignore', 'ignore', 'pipe'] })
    child.stderr!.resume()
    const exit = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)))
    t.teardown(() => void child.kill('SIGKILL'))
    await until(async () => (await queueStatus(url)).completed === jobs, 120_000)
    child.kill('SIGTERM')
    t.equal(await exit, 0)
    t.same({ ...normalised(await report(['--database', url])), registry: 'R' }, truthMetrics(population, { generatedAt: 'T', registry: 'R' }))
  })

  t.test('a job with a package that cannot be fetched is retried, and audit status says why', async (t) => {
    const url = await freshDatabase(t, server.url)
    const name = population.packages[0]!.name
    const one = join(s.dir, 'one.txt')
    writeFileSync(one, `${name}\n`)
    const queued = await run(['audit', '--packages', one, '--database', url, '--enqueue', ...how])
    t.equal(queued.status, 0, queued.stderr)
    const down = s.registry.addFault({ path: `/${name}`, type: 'status', status: 503 })
    t.teardown(() => s.registry.faults.remove(down))
    const [file, args] = cliCommand(['audit', 'worker', '--database', url, '--fetch-retries', '0', ...how])
    const child = spawn(file, args, { cwd: s.dir, env, stdio: ['ignore', 'ignore', 'pipe'] })
    child.stderr!.resume()
    const exit = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)))
    t.teardown(() => void child.kill('SIGKILL'))
    await until(async () => (await queueStatus(url)).recentErrors.length > 0, 60_000)
    child.kill('SIGTERM')
    t.equal(await exit, 0)
    const status = await run(['audit', 'status', '--database', url, '--json'])
    const [error] = JSON.parse(status.stdout).recentErrors
    t.match(error, { state: 'retry', packages: 1 }, 'the job waits for a retry')
    t.match(error.error, new RegExp(`^could not fetch or verify 0 versions and 1 packument \\(stored as unverifiable; the job is retried\\); first: ${name.replace(/[/@]/g, '.')}: GET http://127\\.0\\.0\\.1:\\d+/\\S+: HTTP 503`), 'why, with the first reason')
  })

  t.test('audit --enqueue needs --database; --batch-size and --job-timeout need --enqueue', async (t) => {
    const noDb = await run(['audit', '--packages', packagesFile, '--enqueue', ...how])
    t.equal(noDb.status, 2)
    t.match(noDb.stderr, /--enqueue needs --database/)
    const noEnqueue = await run(['audit', '--packages', packagesFile, '--batch-size', '3', ...how])
    t.equal(noEnqueue.status, 2)
    t.match(noEnqueue.stderr, /--batch-size is for --enqueue/)
  })
}
