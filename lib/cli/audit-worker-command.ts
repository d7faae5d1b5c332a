/**
 * `verify-deps audit worker --database URL [--concurrency N]`: claims audit jobs (batches of
 * packages) from the PostgreSQL job queue and audits them until SIGTERM or SIGINT, which let the
 * current jobs finish. `verify-deps audit status --database URL [--json]`: the queue's depth,
 * throughput and latest errors. The queue is lib/audit/queue.ts; what a job does is the handler the
 * caller's factory builds (the audit's collect-verify-upsert), so this file parses, prints and
 * handles signals only.
 */
import { parseArgs } from 'node:util'
import { queueStatus, redactDatabase, runWorker, type BatchHandler, type JobEvent, type QueueStatus } from '../audit/queue.js'
import { inputError } from '../errors.js'
import { plainText, stringifyJSON } from '../report/describe.js'
import type { CheckContext } from './check-command.js'
import { EXIT, type ExitCode } from './exit-codes.js'
import { onTerminationSignal } from './signals.js'
import type { Terminal } from './terminal.js'

const MAX_CONCURRENCY = 64

export const AUDIT_WORKER_HELP = `Usage: verify-deps audit worker --database URL [--concurrency N]

Claim audit jobs (batches of packages queued by "verify-deps audit --database URL") from the
PostgreSQL job queue and audit them: collect, verify and store each version, as the audit does on
one machine. Run it on as many machines as you like against the same database. It runs until
stopped: SIGTERM or Ctrl-C lets the current jobs finish, then it exits 0.

A worker killed outright (SIGKILL, a lost machine) loses nothing: its jobs go back on the queue
once they expire, and the rows they had written are written again, never twice. docs/audit.md.

Options:
  --database URL      postgres://user@host:5432/db (the password may come from PGPASSWORD
                      instead of the URL, which other users of the machine can see in ps)
  --concurrency N     jobs at once in this process (default 1, at most ${MAX_CONCURRENCY})
  -h, --help          show this help

Exit codes: 0 stopped by a signal after its current jobs · 2 usage error, or the queue library
(pg-boss) is not installed · 3 the database cannot be reached or used
`

export const AUDIT_STATUS_HELP = `Usage: verify-deps audit status --database URL [--json]

Show the audit job queue: jobs queued (and of those, waiting for a retry), active, completed
and failed (out of retries: their packages were not audited), the throughput over the last
minutes, and the latest errors.

Options:
  --database URL      postgres://user@host:5432/db (or the password in PGPASSWORD)
  --json              print the numbers as JSON (docs/audit.md)
  -h, --help          show this help

Exit codes: 0 shown · 2 usage error, or pg-boss is not installed · 3 the database cannot be
reached, or holds no audit queue
`


/** What a worker runs for each job, built once per worker from its database and context; `close` when it stops. */
export interface AuditWorkerHandler {
  handle: BatchHandler
  close?: () => Promise<void>
}
/** `values`: the caller's own options (`extra`), as parseArgs read them: how each job is audited. */
export type AuditWorkerHandlerFactory = (options: { database: string; ctx: CheckContext; values: Record<string, unknown> }) => Promise<AuditWorkerHandler>

/** Options the caller adds to the worker's own (`audit worker` takes the audit's: registry, trust material, versions), with their help lines. */
export interface AuditWorkerExtra {
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>
  help: string
}

export async function runAuditWorkerCommand(argv: readonly string[], term: Terminal, ctx: CheckContext, handlerFactory: AuditWorkerHandlerFactory, extra?: AuditWorkerExtra): Promise<ExitCode> {
  const { values: all, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: { ...extra?.options, database: { type: 'string' }, concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  })
  const values = all as { database?: string; concurrency?: string; help?: boolean } & Record<string, unknown>
  if (values.help) {
    term.out(extra ? AUDIT_WORKER_HELP.replace('  -h, --help          show this help\n', `${extra.help}  -h, --help          show this help\n`) : AUDIT_WORKER_HELP)
    return EXIT.OK
  }
  refusePositionals(positionals, 'worker')
  const database = databaseOption(values.database, 'worker')
  const concurrency = concurrencyOption(values.concurrency)
  const shown = redactDatabase(database, database)
  const handler = await handlerFactory({ database, ctx, values })
  const controller = new AbortController()
  const release = onTerminationSignal((signal) => {
    term.err(`audit worker: ${signal}: finishing the current jobs, then stopping\n`)
    controller.abort()
  })
  try {
    term.err(`audit worker: claiming jobs from ${plainText(shown)} (concurrency ${concurrency}); SIGTERM or Ctrl-C stops after the current jobs\n`)
    const summary = await runWorker(database, handler.handle, {
      concurrency,
      signal: controller.signal,
      onJob: (event) => term.err(jobLine(event)),
      onError: (message) => term.err(`audit worker: ${plainText(message)}\n`),
    })
    term.err(`audit worker: stopped; ${summary.completed} job${summary.completed === 1 ? '' : 's'} completed, ${summary.failed} failed\n`)
    return EXIT.OK
  } finally {
    release()
    await handler.close?.()
  }
}

/** One line per job, for the operator's log: names from the database are counted, never printed raw. */
export function jobLine(event: JobEvent): string {
  const what = `job ${event.id} (${event.names.length} package${event.names.length === 1 ? '' : 's'}${event.retryCount > 0 ? `, retry ${event.retryCount}` : ''})`
  const time = `${(event.ms / 1000).toFixed(1)} s`
  return event.outcome === 'completed' ? `audit worker: ${what} completed in ${time}\n` : `audit worker: ${what} failed after ${time}: ${plainText(event.error ?? '')}\n`
}

export async function runAuditStatusCommand(argv: readonly string[], term: Terminal, _ctx: CheckContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: { database: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  })
  if (values.help) {
    term.out(AUDIT_STATUS_HELP)
    return EXIT.OK
  }
  refusePositionals(positionals, 'status')
  const status = await queueStatus(databaseOption(values.database, 'status'))
  term.out(values.json ? `${stringifyJSON(status)}\n` : formatQueueStatus(status))
  return EXIT.OK
}

/** The status as text: one line of depth, one of throughput, then the latest errors. */
export function formatQueueStatus(s: QueueStatus): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  const lines = [
    `jobs: ${s.queued} queued${s.retrying > 0 ? ` (${s.retrying} waiting for a retry)` : ''}, ${s.active} active, ${s.completed} completed, ${s.failed} failed${s.failed > 0 ? ' (out of retries: rerun their packages)' : ''}${s.dropped > 0 ? `, ${s.dropped} dropped unrun (queued longer than their retention: rerun their packages)` : ''}`,
    `throughput: ${rate(s.throughputPerMinute)} jobs/min, ${rate(s.packagesPerMinute)} packages/min (last ${s.windowMinutes} minutes)`,
  ]
  if (s.recentErrors.length > 0) {
    lines.push('recent errors:')
    for (const e of s.recentErrors) lines.push(`  ${e.at} ${e.state === 'failed' ? 'failed' : 'will retry'} ${plural(e.packages, 'package')} (job ${e.id}): ${plainText(e.error)}`)
  }
  return `${lines.join('\n')}\n`
}

const rate = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1))

function refusePositionals(positionals: string[], command: string): void {
  if (positionals.length > 0) throw inputError('EUSAGE', `audit ${command}: unexpected argument "${plainText(positionals[0]!)}"`, `Run "verify-deps audit ${command} --help" for usage.`)
}

/** --database: required, a postgres:// or postgresql:// URL. */
function databaseOption(value: string | undefined, command: string): string {
  const hint = `Run "verify-deps audit ${command} --help" for usage.`
  if (value === undefined) throw inputError('EUSAGE', `audit ${command}: --database postgres://… is required (the PostgreSQL database of the job queue)`, hint)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw inputError('EUSAGE', `audit ${command}: --database must be a postgres:// URL, not "${plainText(redactDatabase(value, value))}"`, hint)
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw inputError('EUSAGE', `audit ${command}: --database must be a postgres:// URL, not ${url.protocol}//…`, hint)
  return value
}

function concurrencyOption(value: string | undefined): number {
  if (value === undefined) return 1
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_CONCURRENCY) throw inputError('EUSAGE', `audit worker: --concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, not "${plainText(value)}"`, 'Run "verify-deps audit worker --help" for usage.')
  return n
}
