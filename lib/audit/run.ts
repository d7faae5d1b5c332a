/**
 * One audit run on one machine (`verify-deps audit`): the population in batches through auditBatch
 * (collect.ts), the same call a queue worker makes per job. A killed run loses at most the packages
 * in flight: everything written is kept, and the next run skips what is settled.
 */
import { auditBatch, type AuditContext, type BatchSummary } from './collect.js'
import { changesStateKey, fetchChangesPage } from './population.js'

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
  const total: AuditRunSummary = { packages: 0, packagesFailed: 0, versions: 0, fetchFailed: 0, retried: 0, skipped: 0 }
  const add = (s: BatchSummary) => {
    for (const k of Object.keys(s) as Array<keyof BatchSummary>) total[k] += s[k]
  }
  if (population.kind === 'specs') {
    for (let i = 0; i < population.specs.length; i += AUDIT_BATCH_SIZE) add(await auditBatch(population.specs.slice(i, i + AUDIT_BATCH_SIZE), ctx))
    return total
  }
  // The feed, page by page from the stored sequence; the sequence is stored once a page's packages are written.
  const key = changesStateKey(population.feed)
  let since = (await ctx.store.state(key)) ?? '0'
  for (let page = 0; population.maxPages === undefined || page < population.maxPages; page++) {
    await ctx.take()
    const { names, lastSeq, changes } = await fetchChangesPage(population.feed, since, population.limit ?? DEFAULT_CHANGES_LIMIT, ctx.config, { ...(ctx.timeoutMs !== undefined && { timeoutMs: ctx.timeoutMs }), ...(ctx.retries !== undefined && { retries: ctx.retries }) })
    for (let i = 0; i < names.length; i += AUDIT_BATCH_SIZE) add(await auditBatch(names.slice(i, i + AUDIT_BATCH_SIZE), ctx))
    await ctx.store.setState(key, lastSeq)
    const done = changes === 0 || lastSeq === since
    since = lastSeq
    if (done) break
  }
  total.seq = since
  return total
}
