// The audit's job queue (lib/audit/queue.ts) on a real PostgreSQL (test/helpers/postgres.ts): idempotent
// enqueue, workers in-process and as 1 and 4 child processes draining every batch exactly once, a worker
// SIGKILLed mid-job whose job the others finish with no duplicate rows, the status numbers, and the
// errors (pg-boss missing, a database that cannot be reached).
import t, { type Test } from 'tap'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { VerifyDepsError } from '../../lib/errors.js'
import { batchJobId, enqueueBatches, normalizeBatch, openEnqueuer, queueStatus, redactDatabase, runWorker, type JobEvent } from '../../lib/audit/queue.js'
import { childCommand } from '../helpers/child.js'
import { freshDatabase, postgresRequired, postgresServer, sql, until } from '../helpers/postgres.js'

const ROOT = new URL('../../', import.meta.url).pathname
const WORKER = join(ROOT, 'test/helpers/audit-queue-worker.mjs')

/** `count` batches of `size` names: pkg-0 … pkg-(count*size-1). */
const batchesOf = (count: number, size: number) => Array.from({ length: count }, (_, b) => Array.from({ length: size }, (_, i) => `pkg-${b * size + i}`))

t.test('a batch\'s job id is a UUID of its names, whatever their order or repeats', async (t) => {
  const id = batchJobId(['b', 'a', 'c'])
  t.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  t.equal(batchJobId(['c', 'a', 'b', 'a']), id)
  t.not(batchJobId(['a', 'b']), id)
  t.not(batchJobId(['a,b']), batchJobId(['a', 'b']), 'names are not joined ambiguously')
  t.same(normalizeBatch(['b', 'a', 'b']), ['a', 'b'])
})

t.test('database credentials never reach a message', async (t) => {
  const url = 'postgres://audit:s3cr%40t@db.example:5432/audit'
  t.equal(redactDatabase(`connect to ${url} failed; password s3cr@t`, url), 'connect to postgres://***@db.example:5432/audit failed; password ***')
  t.equal(redactDatabase('plain', 'not a url'), 'plain')
})

t.test('without pg-boss installed: EAUDITDEPENDENCY naming `npm install pg-boss`', async (t) => {
  // The compiled code in a folder with no node_modules: `import('pg-boss')` finds nothing, as for an `npx verify-deps` user.
  const dir = mkdtempSync(join(tmpdir(), 'verify-deps-no-pgboss-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true })
  symlinkSync(join(ROOT, 'lib'), join(dir, 'lib')) // the source maps' sources, for coverage
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}')
  const script = `import('./dist/audit/queue.js').then((q) => q.enqueueBatches('postgres://127.0.0.1:1/x', [['a']])).then(() => console.log('no error'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message, hint: e.hint })))`
  const result = spawnSync(...childCommand(process.execPath, ['--input-type=module', '-e', script], { coverage: true }), { cwd: dir, encoding: 'utf8' })
  const error = JSON.parse(result.stdout)
  t.equal(error.code, 'EAUDITDEPENDENCY')
  t.match(error.message, /needs pg-boss/)
  t.match(error.hint, /npm install pg-boss/)
})

t.test('a database that cannot be reached: EAUDITDATABASE, without the password', async (t) => {
  const url = 'postgres://audit:hunter22@127.0.0.1:1/audit'
  for (const call of [() => enqueueBatches(url, [['a']]), () => queueStatus(url), () => runWorker(url, async () => {})]) {
    const err = await call().then(() => undefined, (e: unknown) => e)
    t.type(err, VerifyDepsError)
    t.equal((err as VerifyDepsError).code, 'EAUDITDATABASE')
    t.notMatch((err as Error).message, /hunter22/)
  }
})

const server = await postgresServer()
if ('missing' in server) {
  if (postgresRequired()) t.fail(`VERIFY_DEPS_REQUIRE_POSTGRES=1 but ${server.missing}`)
  else t.comment(`skipped the PostgreSQL tests: ${server.missing}`)
} else {
  await withPostgres(server.url)
}

async function withPostgres(serverUrl: string): Promise<void> {
  /** A fresh database with the test handler's table. */
  const database = async (t: Test) => {
    const url = await freshDatabase(t, serverUrl)
    await sql(url, 'CREATE TABLE audit_rows (name text PRIMARY KEY, runs int NOT NULL)')
    return url
  }

  t.test('one enqueuer sends page after page on one pg-boss, idempotent across pages; closed, it holds no connection', async (t) => {
    const url = await database(t)
    const queue = await openEnqueuer(url, { retryLimit: 1 })
    // Its connections' server processes (in this test's database: other tests run beside it): a new pg-boss per page would show new ones.
    const mine = async () => (await sql(url, "SELECT pid FROM pg_stat_activity WHERE application_name = 'verify-deps audit' AND datname = current_database() ORDER BY pid")).rows.map((r: { pid: number }) => r.pid)
    t.same(await queue.send(batchesOf(2, 2)), { enqueued: 2, existing: 0 })
    const first = await mine()
    t.ok(first.length > 0, `connected (${first.length})`)
    t.same(await queue.send(batchesOf(3, 2)), { enqueued: 1, existing: 2 })
    t.same(await mine(), first, 'the second page on the same connections')
    await queue.close()
    await until(async () => (await mine()).length === 0, 10_000)
    t.match(await queueStatus(url), { queued: 3 })
    t.same((await sql(url, 'SELECT DISTINCT retry_limit FROM verify_deps_queue.job')).rows, [{ retry_limit: 1 }], 'its options on every page')
  })

  t.test('enqueueing the same batches again queues nothing new', async (t) => {
    const url = await database(t)
    t.same(await enqueueBatches(url, batchesOf(3, 2)), { enqueued: 3, existing: 0 })
    t.same(await enqueueBatches(url, [...batchesOf(3, 2).map((b) => [...b].reverse()), []]), { enqueued: 0, existing: 3 }, 'same names in another order; an empty batch is no job')
    t.same(await enqueueBatches(url, batchesOf(4, 2)), { enqueued: 1, existing: 3 })
    t.match(await queueStatus(url), { queued: 4, retrying: 0, active: 0, completed: 0, failed: 0, dropped: 0, throughputPerMinute: 0, recentErrors: [] })
    const { rows } = await sql(url, `SELECT DISTINCT extract(day FROM keep_until - start_after)::int AS days, extract(epoch FROM expire_in)::int AS expire, retry_limit, retry_delay, retry_backoff FROM verify_deps_queue.job`)
    t.same(rows, [{ days: 90, expire: 900, retry_limit: 5, retry_delay: 10, retry_backoff: true }], 'the defaults: kept 90 days, 15 minutes to run, 5 retries from 10 s doubling')
  })

  t.test('a queued job pg-boss archived unrun (past its retention) is counted as dropped, not queued', async (t) => {
    const url = await database(t)
    await enqueueBatches(url, batchesOf(2, 1))
    // What pg-boss's maintenance does to a job whose keep_until has passed (plans.archive).
    const columns = 'id, name, priority, data, state, retry_limit, retry_count, retry_delay, retry_backoff, start_after, started_on, singleton_key, singleton_on, expire_in, created_on, completed_on, keep_until, dead_letter, policy, output'
    await sql(url, `WITH d AS (DELETE FROM verify_deps_queue.job WHERE id = $1 RETURNING *) INSERT INTO verify_deps_queue.archive (${columns}) SELECT ${columns} FROM d`, [batchJobId(['pkg-0'])])
    t.match(await queueStatus(url), { queued: 1, dropped: 1, completed: 0 })
  })

  t.test('status before anything was queued: EAUDITDATABASE saying to queue first', async (t) => {
    const url = await freshDatabase(t, serverUrl)
    await t.rejects(queueStatus(url), { code: 'EAUDITDATABASE', hint: /queue them first/ })
  })

  t.test('an in-process worker: handler errors are retried, then failed for good; status counts them', async (t) => {
    const url = await database(t)
    await enqueueBatches(url, [['ok-1', 'ok-2'], ['flaky'], ['ok-3']], { retryLimit: 2, retryDelaySeconds: 1 })
    await enqueueBatches(url, [['broken']], { retryLimit: 0 })
    const controller = new AbortController()
    const events: JobEvent[] = []
    let flakyRuns = 0
    const handler = async (names: readonly string[]) => {
      if (names[0] === 'broken') throw new Error('registry said no (postgres://u:pw-in-url@x)')
      if (names[0] === 'flaky' && flakyRuns++ === 0) throw new Error('transient')
      for (const name of names) await sql(url, 'INSERT INTO audit_rows VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET runs = audit_rows.runs + 1', [name])
    }
    const worker = runWorker(url, handler, {
      concurrency: 2,
      signal: controller.signal,
      pollIntervalSeconds: 0.5,
      onJob: (event) => {
        events.push(event)
        if (events.filter((e) => e.outcome === 'completed').length === 3) controller.abort()
      },
    })
    t.same(await worker, { completed: 3, failed: 2 }, 'the flaky batch failed once, then completed; the broken one failed once')
    t.same((await sql(url, 'SELECT name, runs FROM audit_rows ORDER BY name')).rows, ['flaky', 'ok-1', 'ok-2', 'ok-3'].map((name) => ({ name, runs: 1 })))
    t.match(events.find((e) => e.names[0] === 'flaky' && e.outcome === 'completed'), { retryCount: 1 })
    t.match(events.find((e) => e.names[0] === 'broken'), { outcome: 'failed', retryCount: 0, error: 'registry said no (postgres://***@x)' })
    const status = await queueStatus(url)
    t.match(status, { queued: 0, active: 0, completed: 3, failed: 1, throughputPerMinute: 3 / 5, packagesPerMinute: 4 / 5, windowMinutes: 5 })
    t.match(status.recentErrors, [{ state: 'failed', packages: 1, error: 'registry said no (postgres://***@x)' }])
  })

  t.test('a job runs name@version specs (a 214-character name and its version); one that is not a list of specs fails unrun', async (t) => {
    const url = await database(t)
    const long = `@${'s'.repeat(100)}/${'n'.repeat(112)}@1.0.0-rc.1`
    await enqueueBatches(url, [[long, 'plain@2.0.0']])
    await enqueueBatches(url, [[''], ['x'.repeat(472)]], { retryLimit: 0 })
    const controller = new AbortController()
    const events: JobEvent[] = []
    const handled: string[][] = []
    const worker = runWorker(url, async (names) => void handled.push([...names]), {
      signal: controller.signal,
      pollIntervalSeconds: 0.5,
      onJob: (event) => {
        events.push(event)
        if (events.length === 3) controller.abort()
      },
    })
    t.same(await worker, { completed: 1, failed: 2 })
    t.same(handled, [[long, 'plain@2.0.0']], 'only the job of specs reached the handler')
    t.same(events.filter((e) => e.outcome === 'failed').map((e) => e.error), ['the job is not a list of package names', 'the job is not a list of package names'])
  })

  t.test('a job whose outcome cannot be recorded stays active (it comes back after its expiry) and is not counted', async (t) => {
    const url = await database(t)
    await enqueueBatches(url, [['a']])
    const controller = new AbortController()
    const errors: string[] = []
    const events: JobEvent[] = []
    // The handler takes the queue's tables away, so completing the job fails.
    const handler = async () => void (await sql(url, 'ALTER SCHEMA verify_deps_queue RENAME TO moved_away'))
    const summary = await runWorker(url, handler, {
      signal: controller.signal,
      pollIntervalSeconds: 0.5,
      onJob: (e) => events.push(e),
      onError: (message) => {
        errors.push(message)
        controller.abort()
      },
    })
    await sql(url, 'ALTER SCHEMA moved_away RENAME TO verify_deps_queue')
    t.same(summary, { completed: 0, failed: 0 })
    t.same(events, [])
    t.match(errors, [new RegExp(`^job ${batchJobId(['a'])}: relation "verify_deps_queue.job" does not exist`)])
    t.same((await sql(url, 'SELECT state::text FROM verify_deps_queue.job')).rows, [{ state: 'active' }])
  })

  t.test('connections lost while a worker runs are reported, and it carries on', async (t) => {
    const url = await database(t)
    await enqueueBatches(url, [['a']])
    const controller = new AbortController()
    const errors: string[] = []
    const done: string[] = []
    const worker = runWorker(url, async (names) => void done.push(...names), { signal: controller.signal, pollIntervalSeconds: 0.5, onError: (m) => errors.push(m) })
    await until(async () => done.length === 1, 10_000)
    const { rowCount } = await sql(url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'verify-deps audit'`)
    t.ok(rowCount! >= 1, `${rowCount} connection(s) of the worker ended by the server`)
    await until(async () => errors.length > 0, 10_000)
    t.match(errors, [/terminating connection due to administrator command/])
    await enqueueBatches(url, [['b']])
    await until(async () => done.length === 2, 10_000)
    controller.abort()
    t.same(await worker, { completed: 2, failed: 0 })
  })

  t.test('status on a queue whose tables are broken: EAUDITDATABASE', async (t) => {
    const url = await database(t)
    await enqueueBatches(url, [['a']])
    await sql(url, 'ALTER TABLE verify_deps_queue.archive RENAME TO gone')
    await t.rejects(queueStatus(url), { code: 'EAUDITDATABASE', message: /^--database postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/\w+: relation "verify_deps_queue.archive" does not exist$/ })
  })

  t.test('workers and enqueuers starting together on a new database all find one queue', async (t) => {
    // pg-boss's createQueue is not locked: started together, they deadlock or collide; ensureQueue looks again.
    for (let round = 0; round < 3; round++) {
      const url = await freshDatabase(t, serverUrl)
      const controller = new AbortController()
      const errors: string[] = []
      const workers = [1, 2, 3, 4].map(() => runWorker(url, async () => {}, { signal: controller.signal, pollIntervalSeconds: 0.5, onError: (m) => errors.push(m) }))
      const enqueued = await Promise.all([enqueueBatches(url, [['a'], ['b'], ['c']]), enqueueBatches(url, [['a'], ['d']])])
      t.equal(enqueued.reduce((n, r) => n + r.enqueued, 0), 4, 'a is one job')
      await until(async () => (await queueStatus(url)).completed === 4, 10_000)
      controller.abort()
      t.equal((await Promise.all(workers)).reduce((n, w) => n + w.completed, 0), 4)
      t.same(errors, [])
    }
  })

  t.test('one worker process drains every batch; SIGTERM stops it cleanly', async (t) => {
    const url = await database(t)
    await enqueueBatches(url, batchesOf(10, 5))
    const worker = startWorker(t, url, 2, 0)
    await until(async () => (await queueStatus(url)).completed === 10, 20_000)
    worker.child.kill('SIGTERM')
    t.equal(await worker.exit, 0)
    t.match(worker.lines.at(-1), { stopped: { completed: 10, failed: 0 } })
    await assertEveryRowOnce(t, url, 50)
  })

  t.test('four worker processes, one SIGKILLed mid-job: its job is finished by the others, no row twice, none lost', async (t) => {
    const url = await database(t)
    // Short expiry so the killed worker's job comes back within seconds; a job here takes ~150 ms, so 4 s leaves room on a loaded machine (a live job that expired would run twice).
    await enqueueBatches(url, batchesOf(40, 5), { expireInSeconds: 4, retryDelaySeconds: 1 })
    // The victim writes slowly (1 s a row: 4 s of its job are left after its first row), so the kill surely lands inside its job.
    const workers = [1000, 20, 20, 20].map((delayMs) => startWorker(t, url, 1, delayMs))
    const victim = workers[0]!
    // Killed right after its first row: that job has written part of its batch and is still active.
    const first = await victim.firstWrite
    victim.child.kill('SIGKILL')
    t.equal(await victim.exit, 'SIGKILL')
    await until(async () => (await queueStatus(url)).completed === 40, 30_000)
    for (const w of workers.slice(1)) w.child.kill('SIGTERM')
    t.same(await Promise.all(workers.slice(1).map((w) => w.exit)), [0, 0, 0])
    // The killed job's batch runs again whole: its rows are upserted again (runs 2), the others once.
    const killedBatch = batchesOf(40, 5).find((b) => b.includes(first))!
    const rows = await assertEveryRowOnce(t, url, 200, killedBatch)
    t.ok(rows.get(first)! >= 2, `${first}, written before the kill, was written again by the retry (runs ${rows.get(first)})`)
    const retried = workers.slice(1).flatMap((w) => w.lines).filter((l) => l.job?.names.includes(first))
    t.match(retried, [{ job: { outcome: 'completed', retryCount: 1 } }], 'another worker ran the expired job as its first retry')
    t.match(await queueStatus(url), { queued: 0, active: 0, completed: 40, failed: 0 })
  })
}

interface WorkerLine {
  wrote?: string
  job?: JobEvent
  stopped?: { completed: number; failed: number }
  error?: string
}

/** A worker child process (test/helpers/audit-queue-worker.mjs), its output lines, its first written row, its exit. */
function startWorker(t: Test, url: string, concurrency: number, delayMs: number) {
  const child: ChildProcess = spawn(...childCommand(process.execPath, [WORKER, 'worker', url, String(concurrency), String(delayMs)]), { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  const lines: WorkerLine[] = []
  let resolveFirst: (name: string) => void
  const firstWrite = new Promise<string>((resolve) => (resolveFirst = resolve))
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const parsed = JSON.parse(line) as WorkerLine
    lines.push(parsed)
    if (parsed.wrote) resolveFirst(parsed.wrote)
  })
  const exit = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)))
  void exit.then((how) => {
    if (how !== 0 && how !== 'SIGKILL') t.comment(`worker stderr: ${stderr}`)
  })
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return { child, lines, firstWrite, exit }
}

/** Every expected name has exactly one row (the primary key: never two), written once unless it is in `rewritten`. */
async function assertEveryRowOnce(t: Test, url: string, count: number, rewritten: readonly string[] = []): Promise<Map<string, number>> {
  const { rows } = await sql(url, 'SELECT name, runs FROM audit_rows')
  const runs = new Map(rows.map((r: { name: string; runs: number }) => [r.name, r.runs]))
  t.equal(rows.length, count, `${count} rows`)
  t.same([...runs.keys()].sort(), Array.from({ length: count }, (_, i) => `pkg-${i}`).sort(), 'every name of every batch, none lost')
  const again = [...runs].filter(([name, n]) => n !== 1 && !rewritten.includes(name))
  t.same(again, [], 'no other batch ran twice')
  return runs
}
