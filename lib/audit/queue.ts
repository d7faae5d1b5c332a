/**
 * The audit's job queue on PostgreSQL, over pg-boss 10 (an optional peer dependency, loaded only
 * here, on demand). A job is one batch of package names; `enqueueBatches` puts batches on the queue,
 * `runWorker` claims them one at a time per slot and runs the handler the caller gives (the audit's
 * collect-verify-upsert), `queueStatus` counts them.
 *
 * What a worker killed with SIGKILL loses: nothing. Its job stays `active` in the database until its
 * expiry (`expireInSeconds`, set per job at enqueue) has passed; the next maintenance pass of any
 * live worker (pg-boss supervision) then fails it by timeout and, while it has retries left, puts it
 * back on the queue, where another worker claims it. The handler's writes are idempotent upserts, so
 * the rows that job had already written are written again, not twice. A job that keeps failing ends
 * `failed` after `retryLimit` retries, with its last error, shown by `queueStatus`.
 *
 * The same batch enqueued twice is one job: a job's id is derived from its names (a UUID from their
 * SHA-256), and pg-boss inserts with ON CONFLICT DO NOTHING. That holds while the job is in pg-boss's
 * job table (queued, active, or finished within the archive delay, 12 hours by default); a batch
 * enqueued after that is a new job, which the idempotent upserts make harmless.
 */
import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type PgBoss from 'pg-boss'
import { VerifyDepsError } from '../errors.js'
import { optionalPeer, redactDatabase } from './db.js'

/** The pg-boss queue of the audit's jobs. */
export { redactDatabase }

export const AUDIT_QUEUE = 'verify-deps-audit'
/** The PostgreSQL schema pg-boss keeps its tables in (apart from the audit's own tables). */
export const QUEUE_SCHEMA = 'verify_deps_queue'

/** What a worker does with one job: audit these packages. Must be idempotent (a job may run again). */
export type BatchHandler = (names: readonly string[]) => Promise<void>

export interface EnqueueOptions {
  /**
   * How long a job may stay active before it is given to another worker (seconds; default 900). A
   * worker that dies with a job waits this long for it to come back: set it above the longest batch.
   */
  expireInSeconds?: number
  /** Retries after a failure or an expiry (default 5), each after `retryDelaySeconds` doubling (default 10). */
  retryLimit?: number
  retryDelaySeconds?: number
  /**
   * Days a job may wait on the queue before pg-boss drops it unrun (default 90; pg-boss's own is 14,
   * short for a registry-wide audit on a few workers). Dropped jobs show in `queueStatus().dropped`.
   */
  retentionDays?: number
}

export interface EnqueueResult {
  /** Batches newly queued. */
  enqueued: number
  /** Batches already on the queue (the same names): not queued again. */
  existing: number
}

export interface JobEvent {
  id: string
  names: readonly string[]
  outcome: 'completed' | 'failed'
  /** The run of this job: 0 the first, 1 the first retry, … */
  retryCount: number
  ms: number
  /** Why it failed (the handler's error message; credentials redacted). */
  error?: string
}

export interface WorkerOptions {
  /** Jobs run at once in this process (default 1). */
  concurrency?: number
  /** Aborted: each slot finishes its current job (completes or fails it), then the worker stops. */
  signal?: AbortSignal
  /** Called after each job. */
  onJob?: (event: JobEvent) => void
  /** A queue error that did not stop the worker (a lost connection, a failed completion). */
  onError?: (message: string) => void
  /** How often an idle slot asks for a job (seconds, ≥ 0.5; default 2). */
  pollIntervalSeconds?: number
  /** How often this worker runs pg-boss maintenance: expiring abandoned jobs (seconds; default 30). */
  maintenanceIntervalSeconds?: number
}

export interface WorkerSummary {
  completed: number
  failed: number
}

export interface QueueStatus {
  /** Waiting for a worker (never claimed, or failed or expired with retries left). */
  queued: number
  /** Of `queued`: waiting for a retry. */
  retrying: number
  active: number
  completed: number
  /** Out of retries: their packages were not audited (rerun them). */
  failed: number
  /** Never run: they waited longer than their retention, and pg-boss archived them (rerun them). */
  dropped: number
  /** Jobs completed per minute over the last `windowMinutes`. */
  throughputPerMinute: number
  /** Packages completed per minute over the same window. */
  packagesPerMinute: number
  windowMinutes: number
  /** The latest errors, newest first: jobs that failed for good or are waiting for a retry. */
  recentErrors: Array<{ id: string; state: 'retry' | 'failed'; at: string; packages: number; error: string }>
}

const DEFAULTS = { expireInSeconds: 900, retryLimit: 5, retryDelaySeconds: 10, retentionDays: 90, pollIntervalSeconds: 2, maintenanceIntervalSeconds: 30 }
const THROUGHPUT_WINDOW_MINUTES = 5
const RECENT_ERRORS = 10

/** pg-boss, or EAUDITDEPENDENCY naming what to install (10: 11 and later need Node 22). */
export async function loadPgBoss(): Promise<typeof PgBoss> {
  return (await optionalPeer<{ default: typeof PgBoss }>('pg-boss', () => import('pg-boss'), 'pg-boss@10')).default
}

/** A started pg-boss on `url` (schema created or migrated when `migrate`), or EAUDITDATABASE. */
async function openBoss(url: string, options: { migrate: boolean; supervise?: boolean; maintenanceIntervalSeconds?: number; onError?: (message: string) => void }): Promise<PgBoss> {
  const Boss = await loadPgBoss()
  const boss = new Boss({
    connectionString: url,
    schema: QUEUE_SCHEMA,
    application_name: 'verify-deps audit',
    migrate: options.migrate,
    supervise: options.supervise ?? false,
    schedule: false,
    ...(options.maintenanceIntervalSeconds !== undefined && { maintenanceIntervalSeconds: options.maintenanceIntervalSeconds }),
  })
  // An 'error' event with no listener would end the process: pg-boss reports failed polls and maintenance this way.
  boss.on('error', (err) => options.onError?.(redactDatabase(String((err as Error)?.message ?? err), url)))
  try {
    await boss.start()
  } catch (err) {
    await boss.stop({ graceful: false, wait: true }).catch(() => {})
    const message = (err as Error).message
    const hint = message === 'pg-boss is not installed' ? 'No audit jobs were ever queued in this database: queue them first (verify-deps audit --database …).' : undefined
    throw new VerifyDepsError('EAUDITDATABASE', `--database ${redactDatabase(url, url)}: ${redactDatabase(message, url)}`, hint, { cause: err })
  }
  return boss
}

/**
 * Creates the queue unless it exists. Workers starting together on a new database race here, and
 * pg-boss's createQueue is not locked: PostgreSQL ends the race by failing all but one (a deadlock,
 * or the queue's unique key), and the losers find the queue on their next look.
 */
async function ensureQueue(boss: PgBoss, url: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (!(await boss.getQueue(AUDIT_QUEUE))) await boss.createQueue(AUDIT_QUEUE)
      return
    } catch (err) {
      const code = (err as { code?: unknown }).code
      if (attempt < 5 && (code === '40P01' || code === '23505')) {
        await sleep(50 * attempt)
        continue
      }
      throw databaseError(err, url)
    }
  }
}

function databaseError(err: unknown, url: string): VerifyDepsError {
  if (err instanceof VerifyDepsError) return err
  return new VerifyDepsError('EAUDITDATABASE', `--database ${redactDatabase(url, url)}: ${redactDatabase((err as Error).message, url)}`, undefined, { cause: err })
}

/** The batch as queued: names deduplicated and sorted, so the same set is the same job. */
export function normalizeBatch(names: readonly string[]): string[] {
  return [...new Set(names)].sort()
}

/** The job id of a batch: a UUID (version 8, RFC 9562: custom) from the SHA-256 of its names. */
export function batchJobId(names: readonly string[]): string {
  const hash = createHash('sha256').update(JSON.stringify(normalizeBatch(names))).digest()
  hash[6] = (hash[6]! & 0x0f) | 0x80
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** Queues each batch once (idempotent: a batch already queued is not queued again). */
export async function enqueueBatches(url: string, batches: readonly (readonly string[])[], options: EnqueueOptions = {}): Promise<EnqueueResult> {
  const queue = await openEnqueuer(url, options)
  try {
    return await queue.send(batches)
  } finally {
    await queue.close()
  }
}

/** One connection to the queue for a whole enqueue run (a feed queues page after page): `send` as often as needed, then `close`. */
export interface Enqueuer {
  send(batches: readonly (readonly string[])[]): Promise<EnqueueResult>
  close(): Promise<void>
}

export async function openEnqueuer(url: string, options: EnqueueOptions = {}): Promise<Enqueuer> {
  const opts = { ...DEFAULTS, ...options }
  const boss = await openBoss(url, { migrate: true })
  try {
    await ensureQueue(boss, url)
  } catch (err) {
    await boss.stop({ graceful: false, wait: true })
    throw err
  }
  return {
    async send(batches) {
      let enqueued = 0
      let existing = 0
      for (const batch of batches) {
        const names = normalizeBatch(batch)
        if (names.length === 0) continue
        const id = await boss.send(AUDIT_QUEUE, { names }, {
          id: batchJobId(names),
          expireInSeconds: opts.expireInSeconds,
          retryLimit: opts.retryLimit,
          retryDelay: opts.retryDelaySeconds,
          retryBackoff: true,
          retentionDays: opts.retentionDays,
        })
        if (id === null) existing++
        else enqueued++
      }
      return { enqueued, existing }
    },
    // A failed stop must not hide the error a send threw (close runs in the callers' finally).
    close: () => boss.stop({ graceful: false, wait: true }).catch(() => {}),
  }
}

/** The longest spec: a 214-character name, `@`, a 256-character version (the handler, auditBatch, reads each spec itself). */
const MAX_SPEC_LENGTH = 214 + 1 + 256

/** The specs of a job (`name` or `name@version`, as queued), or undefined when its data is not a list of strings that could be (fail closed: never run). */
function jobNames(data: unknown): string[] | undefined {
  const names = (data as { names?: unknown } | null)?.names
  return Array.isArray(names) && names.length > 0 && names.every((n) => typeof n === 'string' && n.length > 0 && n.length <= MAX_SPEC_LENGTH) ? names : undefined
}

/**
 * Claims jobs and runs `handler` on each, `concurrency` at a time, until `signal` is aborted; then
 * every slot finishes the job it holds and the worker stops. A job whose handler resolves is
 * completed; one whose handler throws is failed with the error's message, and pg-boss retries it
 * (after a delay that doubles) until its retry limit.
 */
export async function runWorker(url: string, handler: BatchHandler, options: WorkerOptions = {}): Promise<WorkerSummary> {
  const concurrency = options.concurrency ?? 1
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, not ${concurrency}`)
  const pollMs = Math.max(0.5, options.pollIntervalSeconds ?? DEFAULTS.pollIntervalSeconds) * 1000
  const onError = options.onError ?? (() => {})
  const boss = await openBoss(url, { migrate: true, supervise: true, maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? DEFAULTS.maintenanceIntervalSeconds, onError })
  const summary: WorkerSummary = { completed: 0, failed: 0 }
  const signal = options.signal
  try {
    await ensureQueue(boss, url)
    const slot = async () => {
      while (!signal?.aborted) {
        // pg-boss's fetch answers [] when the database fails: the slot polls again, as on an empty queue.
        const [job] = await boss.fetch<unknown>(AUDIT_QUEUE, { batchSize: 1, includeMetadata: true })
        if (!job) {
          await sleep(pollMs, undefined, { signal }).catch(() => {})
          continue
        }
        await runJob(boss, job, handler, summary, options, url)
      }
    }
    await Promise.all(Array.from({ length: concurrency }, slot))
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch((err) => onError(redactDatabase((err as Error).message, url)))
  }
  return summary
}

async function runJob(boss: PgBoss, job: PgBoss.JobWithMetadata<unknown>, handler: BatchHandler, summary: WorkerSummary, options: WorkerOptions, url: string): Promise<void> {
  const started = Date.now()
  const names = jobNames(job.data)
  let error: string | undefined
  try {
    if (!names) throw new Error('the job is not a list of package names')
    await handler(names)
  } catch (err) {
    error = redactDatabase(err instanceof Error ? err.message : String(err), url)
  }
  try {
    // A job that expired meanwhile was given to another worker: completing or failing it here changes nothing (pg-boss matches state 'active').
    if (error === undefined) await boss.complete(AUDIT_QUEUE, job.id)
    else await boss.fail(AUDIT_QUEUE, job.id, { message: error })
  } catch (err) {
    // Not recorded: the job stays active and comes back after its expiry, nothing lost; not counted here either.
    options.onError?.(`job ${job.id}: ${redactDatabase((err as Error).message, url)}`)
    return
  }
  if (error === undefined) summary.completed++
  else summary.failed++
  options.onJob?.({ id: job.id, names: names ?? [], outcome: error === undefined ? 'completed' : 'failed', retryCount: job.retryCount, ms: Date.now() - started, ...(error !== undefined && { error }) })
}

/** The queue's numbers: depth by state, throughput over the last minutes, the latest errors. */
export async function queueStatus(url: string): Promise<QueueStatus> {
  const boss = await openBoss(url, { migrate: false })
  try {
    const db = boss.getDb()
    // Finished jobs move to the archive after 12 hours; a job archived before it finished was dropped unrun.
    const { rows: counts } = await db.executeSql(
      `SELECT CASE WHEN archived AND state NOT IN ('completed', 'failed', 'cancelled') THEN 'dropped' ELSE state END AS state,
         count(*)::int AS jobs,
         count(*) FILTER (WHERE completed_on > now() - make_interval(mins => $2))::int AS recent_jobs,
         coalesce(sum(jsonb_array_length(data->'names')) FILTER (WHERE completed_on > now() - make_interval(mins => $2)), 0)::int AS recent_packages
       FROM (SELECT false AS archived, state::text, data, completed_on FROM ${QUEUE_SCHEMA}.job WHERE name = $1
             UNION ALL SELECT true, state::text, data, completed_on FROM ${QUEUE_SCHEMA}.archive WHERE name = $1) j
       GROUP BY 1`,
      [AUDIT_QUEUE, THROUGHPUT_WINDOW_MINUTES],
    )
    const by = (state: string) => counts.find((r) => r.state === state) ?? { jobs: 0, recent_jobs: 0, recent_packages: 0 }
    const { rows: errors } = await db.executeSql(
      `SELECT id::text, state::text, coalesce(completed_on, created_on) AS at, jsonb_array_length(data->'names') AS packages,
         coalesce(output->>'message', output#>>'{value,message}') AS message
       FROM ${QUEUE_SCHEMA}.job WHERE name = $1 AND state IN ('retry', 'failed') AND output IS NOT NULL
       ORDER BY at DESC LIMIT $2`,
      [AUDIT_QUEUE, RECENT_ERRORS],
    )
    const retrying = by('retry').jobs
    return {
      queued: by('created').jobs + retrying,
      retrying,
      active: by('active').jobs,
      completed: by('completed').jobs,
      failed: by('failed').jobs,
      dropped: by('dropped').jobs,
      throughputPerMinute: by('completed').recent_jobs / THROUGHPUT_WINDOW_MINUTES,
      packagesPerMinute: by('completed').recent_packages / THROUGHPUT_WINDOW_MINUTES,
      windowMinutes: THROUGHPUT_WINDOW_MINUTES,
      recentErrors: errors.map((r) => ({ id: r.id, state: r.state, at: new Date(r.at).toISOString(), packages: Number(r.packages ?? 0), error: String(r.message ?? '(no message)') })),
    }
  } catch (err) {
    throw databaseError(err, url)
  } finally {
    await boss.stop({ graceful: false, wait: true })
  }
}
