// A worker process for the audit queue's tests (test/audit/queue.test.ts, test/cli/audit-worker.test.ts),
// on the compiled code (dist/), with a test handler that upserts one row per package into audit_rows —
// INSERT … ON CONFLICT, `runs` counting how often the row was written — pausing DELAY_MS before each
// row, so a test can kill the process between two rows of a job. Two modes:
//   worker URL CONCURRENCY DELAY_MS  lib/audit/queue.ts's runWorker with short polling and maintenance
//                                    (1 s), printing one JSON line per event on stdout: {"wrote":name},
//                                    {"job":…} after each job, {"stopped":summary} at the end; SIGTERM
//                                    or SIGINT: the current job finishes, then the process exits 0.
//   cli DELAY_MS ARGS…               runAuditWorkerCommand(ARGS) as `verify-deps audit worker ARGS`
//                                    would run it, exiting with its code; {"closed":true} once the
//                                    handler is closed.
import pg from 'pg'
import { runWorker } from '../../dist/audit/queue.js'
import { runAuditWorkerCommand } from '../../dist/cli/audit-worker-command.js'
import { processTerminal } from '../../dist/cli/terminal.js'

const say = (value) => process.stdout.write(`${JSON.stringify(value)}\n`)

function testHandler(url, delayMs, connections) {
  const pool = new pg.Pool({ connectionString: url, max: connections })
  return {
    handle: async (names) => {
      for (const name of names) {
        await new Promise((resolve) => setTimeout(resolve, delayMs))
        await pool.query('INSERT INTO audit_rows (name, runs) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET runs = audit_rows.runs + 1', [name])
        say({ wrote: name })
      }
    },
    close: async () => {
      await pool.end()
      say({ closed: true })
    },
  }
}

const [mode, ...args] = process.argv.slice(2)
if (mode === 'worker') {
  const [url, concurrency, delayMs] = args
  const handler = testHandler(url, Number(delayMs), Number(concurrency) + 1)
  const controller = new AbortController()
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => controller.abort())
  const summary = await runWorker(url, handler.handle, {
    concurrency: Number(concurrency),
    signal: controller.signal,
    pollIntervalSeconds: 0.5,
    maintenanceIntervalSeconds: 1,
    onJob: (event) => say({ job: event }),
    onError: (message) => say({ error: message }),
  })
  await handler.close()
  say({ stopped: summary })
} else {
  const [delayMs, ...argv] = args
  const ctx = { env: process.env, cwd: process.cwd(), toolVersion: 'test' }
  process.exitCode = await runAuditWorkerCommand(argv, processTerminal, ctx, async ({ database }) => testHandler(database, Number(delayMs), 4))
}
