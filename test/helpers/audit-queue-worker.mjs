// A worker process for test/audit/queue.test.ts: runs lib/audit/queue.ts's runWorker (compiled,
// dist/) with a test handler that upserts one row per package into audit_rows — INSERT … ON
// CONFLICT, `runs` counting how often the row was written — pausing DELAY_MS before each row, so a
// test can kill the process between two rows of a job. Prints one JSON line per event on stdout:
// {"wrote":name}, {"job":…} after each job, {"stopped":summary} at the end. SIGTERM/SIGINT: the
// current job finishes, then the process exits 0.
// argv: databaseUrl concurrency delayMs
import pg from 'pg'
import { runWorker } from '../../dist/audit/queue.js'

const [url, concurrency = '1', delayMs = '0'] = process.argv.slice(2)
const pool = new pg.Pool({ connectionString: url, max: Number(concurrency) + 1 })
const say = (value) => process.stdout.write(`${JSON.stringify(value)}\n`)
const controller = new AbortController()
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => controller.abort())

const handler = async (names) => {
  for (const name of names) {
    await new Promise((resolve) => setTimeout(resolve, Number(delayMs)))
    await pool.query('INSERT INTO audit_rows (name, runs) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET runs = audit_rows.runs + 1', [name])
    say({ wrote: name })
  }
}

const summary = await runWorker(url, handler, {
  concurrency: Number(concurrency),
  signal: controller.signal,
  pollIntervalSeconds: 0.5,
  maintenanceIntervalSeconds: 1,
  onJob: (event) => say({ job: event }),
  onError: (message) => say({ error: message }),
})
await pool.end()
say({ stopped: summary })
