// `audit worker` and `audit status` (lib/cli/audit-worker-command.ts), through their functions: help,
// the options refused, the status as text and JSON, and a worker process (the command with a test
// handler, test/helpers/audit-queue-worker.mjs) that drains the queue and stops cleanly on SIGTERM.
import t from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { enqueueBatches, runWorker, type QueueStatus } from '../../lib/audit/queue.js'
import { AUDIT_STATUS_HELP, AUDIT_WORKER_HELP, formatQueueStatus, jobLine, runAuditStatusCommand, runAuditWorkerCommand } from '../../lib/cli/audit-worker-command.js'
import { captureTerminal } from '../helpers/capture-terminal.js'
import { childCommand } from '../helpers/child.js'
import { freshDatabase, postgresRequired, postgresServer, sql, until } from '../helpers/postgres.js'

const ROOT = new URL('../../', import.meta.url).pathname
const CTX = { env: {}, cwd: ROOT, toolVersion: 'test' }
const noHandler = async () => {
  throw new Error('the handler is built only once the options are valid')
}

t.test('help', async (t) => {
  for (const [run, help] of [
    [(argv: string[], term: ReturnType<typeof captureTerminal>) => runAuditWorkerCommand(argv, term, CTX, noHandler), AUDIT_WORKER_HELP],
    [(argv: string[], term: ReturnType<typeof captureTerminal>) => runAuditStatusCommand(argv, term, CTX), AUDIT_STATUS_HELP],
  ] as const) {
    const term = captureTerminal()
    t.equal(await run(['--help'], term), 0)
    t.equal(term.stdout, help)
    t.match(help, /^Usage: verify-deps audit (worker|status) --database URL/)
  }
})

t.test('bad options are usage errors, before anything connects', async (t) => {
  const worker = (argv: string[]) => runAuditWorkerCommand(argv, captureTerminal(), CTX, noHandler)
  await t.rejects(worker([]), { code: 'EUSAGE', message: /--database postgres:\/\/… is required/ })
  await t.rejects(worker(['--database', 'mysql://db/x']), { code: 'EUSAGE', message: /must be a postgres:\/\/ URL, not mysql:/ })
  await t.rejects(worker(['--database', 'not a url']), { code: 'EUSAGE', message: /not "not a url"/ })
  await t.rejects(worker(['--database', 'postgres://h/db', 'extra']), { code: 'EUSAGE', message: /unexpected argument "extra"/ })
  for (const n of ['0', '65', '2x', '-1', '1.5', '']) await t.rejects(worker(['--database', 'postgres://h/db', `--concurrency=${n}`]), { code: 'EUSAGE', message: /--concurrency must be a whole number from 1 to 64/ }, n)
  await t.rejects(worker(['--database', 'postgres://h/db', '--bogus']), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' })
  await t.rejects(runAuditStatusCommand([], captureTerminal(), CTX), { code: 'EUSAGE', message: /audit status: --database/ })
  await t.rejects(runAuditStatusCommand(['--database', 'postgres://h/db', 'x'], captureTerminal(), CTX), { code: 'EUSAGE' })
})

t.test('a job line counts the names and escapes the error', async (t) => {
  t.equal(jobLine({ id: 'j1', names: ['a', 'b'], outcome: 'completed', retryCount: 0, ms: 1234 }), 'audit worker: job j1 (2 packages) completed in 1.2 s\n')
  t.equal(jobLine({ id: 'j2', names: ['a'], outcome: 'failed', retryCount: 2, ms: 50, error: 'bad\u001b[2Jthing' }), 'audit worker: job j2 (1 package, retry 2) failed after 0.1 s: bad\\u{1b}[2Jthing\n')
})

t.test('the status as text', async (t) => {
  const status: QueueStatus = {
    queued: 5, retrying: 2, active: 1, completed: 40, failed: 1, dropped: 3, throughputPerMinute: 2.25, packagesPerMinute: 90, windowMinutes: 5,
    recentErrors: [{ id: 'j9', state: 'failed', at: '2026-12-01T00:00:00.000Z', packages: 1, error: 'registry\u0007 said no' }, { id: 'j8', state: 'retry', at: '2026-11-30T23:59:00.000Z', packages: 25, error: 'timeout' }],
  }
  t.equal(formatQueueStatus(status), [
    'jobs: 5 queued (2 waiting for a retry), 1 active, 40 completed, 1 failed (out of retries: rerun their packages), 3 dropped unrun (queued longer than their retention: rerun their packages)',
    'throughput: 2.3 jobs/min, 90 packages/min (last 5 minutes)',
    'recent errors:',
    '  2026-12-01T00:00:00.000Z failed 1 package (job j9): registry\\u{7} said no',
    '  2026-11-30T23:59:00.000Z will retry 25 packages (job j8): timeout',
    '',
  ].join('\n'))
  t.equal(formatQueueStatus({ ...status, queued: 0, retrying: 0, failed: 0, dropped: 0, throughputPerMinute: 0, packagesPerMinute: 0, recentErrors: [] }), 'jobs: 0 queued, 1 active, 40 completed, 0 failed\nthroughput: 0 jobs/min, 0 packages/min (last 5 minutes)\n')
})

const server = await postgresServer()
if ('missing' in server) {
  if (postgresRequired()) t.fail(`VERIFY_DEPS_REQUIRE_POSTGRES=1 but ${server.missing}`)
  else t.comment(`skipped the PostgreSQL tests: ${server.missing}`)
} else {
  const serverUrl = server.url

  t.test('audit status on a real queue, text and JSON', async (t) => {
    const url = await freshDatabase(t, serverUrl)
    await enqueueBatches(url, [['a', 'b'], ['c']])
    await enqueueBatches(url, [['broken']], { retryLimit: 0 })
    const controller = new AbortController()
    let jobs = 0
    await runWorker(url, async (names) => {
      if (names[0] === 'broken') throw new Error('no such package')
    }, { signal: controller.signal, pollIntervalSeconds: 0.5, onJob: () => void (++jobs === 3 && controller.abort()) })
    const text = captureTerminal()
    t.equal(await runAuditStatusCommand(['--database', url], text, CTX), 0)
    t.match(text.stdout, /^jobs: 0 queued, 0 active, 2 completed, 1 failed \(out of retries: rerun their packages\)\nthroughput: 0\.4 jobs\/min, 0\.6 packages\/min \(last 5 minutes\)\nrecent errors:\n {2}\S+ failed 1 package \(job [0-9a-f-]+\): no such package\n$/)
    const json = captureTerminal()
    t.equal(await runAuditStatusCommand(['--database', url, '--json'], json, CTX), 0)
    t.match(JSON.parse(json.stdout), { queued: 0, retrying: 0, active: 0, completed: 2, failed: 1, dropped: 0, throughputPerMinute: 0.4, packagesPerMinute: 0.6, windowMinutes: 5, recentErrors: [{ state: 'failed', packages: 1, error: 'no such package' }] })
  })

  t.test('audit worker drains the queue, prints a line per job, and stops on SIGTERM with exit 0', async (t) => {
    const url = await freshDatabase(t, serverUrl)
    await sql(url, 'CREATE TABLE audit_rows (name text PRIMARY KEY, runs int NOT NULL)')
    const batches = Array.from({ length: 6 }, (_, b) => [`p${b}a`, `p${b}b`])
    await enqueueBatches(url, batches)
    // A password in the URL (the test cluster trusts loopback, so any will do) must never be printed.
    const withPassword = new URL(url)
    withPassword.password = 'topsecret'
    const child = spawn(...childCommand(process.execPath, [join(ROOT, 'test/helpers/audit-queue-worker.mjs'), 'cli', '0', '--database', withPassword.toString(), '--concurrency', '2'], { coverage: true }), { stdio: ['ignore', 'pipe', 'pipe'] })
    t.teardown(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')))
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const exit = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)))
    await until(async () => (await sql(url, `SELECT count(*)::int AS n FROM verify_deps_queue.job WHERE state = 'completed'`)).rows[0].n === 6, 20_000)
    child.kill('SIGTERM')
    t.equal(await exit, 0, stderr)
    t.match(stderr, /^audit worker: claiming jobs from postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/\w+ \(concurrency 2\); SIGTERM or Ctrl-C stops after the current jobs\n/)
    t.equal(stderr.match(/job [0-9a-f-]+ \(2 packages\) completed in \d+\.\d s\n/g)?.length, 6)
    t.match(stderr, /audit worker: SIGTERM: finishing the current jobs, then stopping\naudit worker: stopped; 6 jobs completed, 0 failed\n$/)
    t.notMatch(stderr + stdout, /topsecret/)
    t.match(stdout, /\{"closed":true\}\n$/, 'the handler was closed')
    const { rows } = await sql(url, 'SELECT name, runs FROM audit_rows ORDER BY name')
    t.same(rows, batches.flat().sort().map((name) => ({ name, runs: 1 })))
  })
}
