/**
 * One audit run on one machine (`verify-deps audit`): the population in batches through auditBatch
 * (collect.ts), the same call a queue worker makes per job. A killed run loses at most the packages
 * in flight: everything written is kept, and the next run skips what is settled.
 */
import { auditBatch, noteFailure, type AuditContext, type BatchSummary } from './collect.js'
import { changesStateKey, fetchChangesPage } from './population.js'
import type { EnqueueOptions } from './queue.js'

/** Packages per batch: each batch is fetched concurrently and written package by package. */
export const AUDIT_BATCH_SIZE = 200
/** Changes asked per page of the feed (`limit`). */
export const DEFAULT_CHANGES_LIMIT = 1000

export type AuditPopulation = { kind: 'specs'; specs: readonly string[] } | { kind: 'changes'; feed: string; limit?: number; maxPages?: number }

export interface AuditRunSummary extends BatchSummary {
  /** With `--changes`: the sequence stored for the next run. */
  seq?: string
}

export async function runAudit(population: AuditPopulation, ctx: AuditContext): Promise<AuditRunSummary> {
  const total: AuditRunSummary = { packages: 0, packagesFailed: 0, versions: 0, fetchFailed: 0, retried: 0, skipped: 0, failures: [] }
  const add = ({ failures, ...counts }: BatchSummary) => {
    for (const k of Object.keys(counts) as Array<keyof typeof counts>) total[k] += counts[k]
    for (const reason of failures) noteFailure(total.failures, reason)
  }
  const seq = await eachBatch(population, ctx, AUDIT_BATCH_SIZE, async (batch) => add(await auditBatch(batch, ctx)))
  return seq === undefined ? total : { ...total, seq }
}

export interface EnqueueSummary {
  /** Packages (specs) of the population. */
  packages: number
  /** Jobs newly queued. */
  enqueued: number
  /** Jobs already on the queue with the same packages: not queued again. */
  existing: number
  /** With `--changes`: the sequence stored for the next run. */
  seq?: string
}

/**
 * `verify-deps audit --database URL --enqueue`: the population as jobs of `batchSize` packages on the
 * database's job queue (lib/audit/queue.ts), for `verify-deps audit worker` processes; nothing is
 * audited here. With the feed, its sequence is stored once a page's jobs are queued, as runAudit
 * stores it once a page's packages are written.
 */
export async function enqueueAudit(population: AuditPopulation, ctx: AuditContext, database: string, options: { batchSize?: number } & EnqueueOptions = {}): Promise<EnqueueSummary> {
  const { openEnqueuer } = await import('./queue.js')
  const { batchSize = AUDIT_BATCH_SIZE, ...enqueueOptions } = options
  const total: EnqueueSummary = { packages: 0, enqueued: 0, existing: 0 }
  const batches: string[][] = []
  // One queue connection for the whole run: a feed is queued page by page (each page's sequence stored once its batches are queued).
  const queue = await openEnqueuer(database, enqueueOptions)
  try {
    const flush = async () => {
      if (batches.length === 0) return
      const queued = await queue.send(batches.splice(0))
      total.enqueued += queued.enqueued
      total.existing += queued.existing
    }
    const seq = await eachBatch(population, ctx, batchSize, async (batch) => {
      total.packages += batch.length
      batches.push([...batch])
    }, flush)
    await flush()
    return seq === undefined ? total : { ...total, seq }
  } finally {
    await queue.close()
  }
}

/**
 * The population in batches of `size`, to `each`: the specs as listed, or the feed page by page from
 * the stored sequence, which is stored once a page's batches are done (and `afterPage` ran). Returns
 * the feed's sequence, or undefined for specs.
 */
async function eachBatch(population: AuditPopulation, ctx: AuditContext, size: number, each: (batch: readonly string[]) => Promise<void>, afterPage?: () => Promise<void>): Promise<string | undefined> {
  if (population.kind === 'specs') {
    for (let i = 0; i < population.specs.length; i += size) await each(population.specs.slice(i, i + size))
    return undefined
  }
  const key = changesStateKey(population.feed)
  let since = (await ctx.store.state(key)) ?? '0'
  // A feed whose last_seq comes back to one it gave before would page forever: it ends the run.
  const seen = new Set([since])
  for (let page = 0; population.maxPages === undefined || page < population.maxPages; page++) {
    await ctx.take()
    const { names, lastSeq, changes } = await fetchChangesPage(population.feed, since, population.limit ?? DEFAULT_CHANGES_LIMIT, ctx.config, { ...(ctx.timeoutMs !== undefined && { timeoutMs: ctx.timeoutMs }), ...(ctx.retries !== undefined && { retries: ctx.retries }) })
    for (let i = 0; i < names.length; i += size) await each(names.slice(i, i + size))
    await afterPage?.()
    await ctx.store.setState(key, lastSeq)
    const done = changes === 0 || seen.has(lastSeq)
    seen.add(lastSeq)
    since = lastSeq
    if (done) break
  }
  return since
}
