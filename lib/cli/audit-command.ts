/**
 * `verify-deps audit`: collect and verify a population into the audit store, `audit report` its
 * metrics, `audit export` its records (docs/audit.md). The store's drivers (PGlite, pg) are optional
 * peer dependencies loaded only here, on demand (lib/audit/db.ts).
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { inputError } from '../errors.js'
import { parseRegistryKeysArgs } from '../fetch/registry-keys/by-registry.js'
import { FileReadError, readRegularFile } from '../tree/files.js'
import type { AuditMetrics, AuditPackage } from '../model/audit-metrics.js'
import type { AuditRecord } from '../model/audit.js'
import type { AuditContext, AuditOptions, BatchSummary, VersionSelection } from '../audit/collect.js'
import type { AuditStore } from '../audit/store.js'
import { plainText, stringifyJSON } from '../report/describe.js'
import { checkOutputWritable, upstreamOption, wholeNumberFlag, type CheckContext } from './check-command.js'
import { EXIT, type ExitCode } from './exit-codes.js'
import { createProgress } from './progress.js'
import type { Terminal } from './terminal.js'
import { openFileAtomic, writeFileAtomic } from './output-file.js'
import { runAuditStatusCommand, runAuditWorkerCommand, type AuditWorkerHandler } from './audit-worker-command.js'

const STORE_HELP = `  --db DIR               the embedded store's folder (PGlite; default .verify-deps-audit/)
  --database URL         a PostgreSQL server instead (postgres://user:password@host/db)`

export const AUDIT_HELP = `Usage: verify-deps audit <population> [options]
       verify-deps audit <population> --database URL --enqueue [--batch-size N] [--job-timeout S]
       verify-deps audit worker --database URL [options]      (verify-deps audit worker --help)
       verify-deps audit status --database URL [--json]
       verify-deps audit report --format json|html|csv [--output FILE] [--downloads FILE] [--table-rows N]
       verify-deps audit export --format csv|jsonl [--output FILE]

Verify every version of a population of packages with the check's own engine and
store one record per version (docs/audit.md). Resumable: versions already stored
verified with the same trust material and verify-deps version are not fetched
again; versions that could not be fetched (FETCH_FAILED) are retried.

Population (one of):
  --packages FILE        one package a line: name (its versions: see --versions) or
                         name@version; blank lines and # comments are ignored
  --lockfile DIR         every registry package of the project in DIR (its lockfile,
                         read as the check reads it; npm config read from DIR)
  --changes              follow the registry's replication feed
                         (<feed>/_changes?since=SEQ) from the sequence stored by the last run
  --feed URL             the feed (default: replicate.npmjs.com for registry.npmjs.org,
                         else the registry itself)
  --versions WHICH       all (default), latest, or since:YYYY-MM-DD (published on or after)

Options:
${STORE_HELP}
  --enqueue              with --database: queue the population as jobs (batches of
                         packages) for "verify-deps audit worker" processes instead of
                         auditing it here; queuing the same batch again is one job
  --batch-size N         packages per job (default 200)
  --job-timeout S        seconds a job may run before another worker takes it over
                         (default 900): above the slowest batch
  --reverify             verify stored versions again (after a trust-material change)
  --concurrency N        requests in flight at most (default 16)
  --rate N               requests a second at most (default: no limit); 429/503 answers
                         are retried after their Retry-After
  --registry URL         the registry (default: npm config, as the check reads it)
  --upstream URL         the registry it mirrors, as for the check (npm config
                         verify-deps-upstream; docs/mirrors.md): its keys check the
                         mirror's versions, its evidence fills what the mirror strips
  --offline              no request to Sigstore TUF: the embedded trust material
  --trusted-root FILE    --registry-keys [<registry-url>=]FILE    as for the check
  --fetch-timeout MS     --fetch-retries N                        as for the check

Subcommands:
  worker                 claim queued jobs and audit them (takes the options above that say
                         how: --registry, --upstream, --offline, --trusted-root, --registry-keys,
                         --versions, --reverify, --rate, --fetch-timeout, --fetch-retries)
  status                 the job queue: depth, throughput, latest errors
  report --format json   the metrics document (schemaVersion 1, docs/audit.md) of the store;
         --format html   one self-contained page (charts, the package table);
         --format csv    the metrics as metric,value rows
         --output FILE   write it there instead of stdout
         --downloads FILE  a JSON object name -> weekly downloads: download-weighted shares
         --table-rows N  html: packages in the table at most (default 10000): those with
                         downgrades, then the most downloaded (or with the most versions)
  export --format csv|jsonl   every stored record, one per line (csv: with a header)

Exit codes: 0 done · 2 usage or store error · 3 could not verify (some versions or
packuments could not be fetched: stored as unverifiable, retried on the next run;
or the database cannot be reached)
`

const AUDIT_OPTIONS = {
  packages: { type: 'string' },
  lockfile: { type: 'string' },
  changes: { type: 'boolean' },
  feed: { type: 'string' },
  versions: { type: 'string' },
  db: { type: 'string' },
  database: { type: 'string' },
  reverify: { type: 'boolean' },
  enqueue: { type: 'boolean' },
  'batch-size': { type: 'string' },
  'job-timeout': { type: 'string' },
  concurrency: { type: 'string' },
  rate: { type: 'string' },
  registry: { type: 'string' },
  upstream: { type: 'string' },
  offline: { type: 'boolean' },
  'trusted-root': { type: 'string' },
  'registry-keys': { type: 'string', multiple: true },
  'fetch-timeout': { type: 'string' },
  'fetch-retries': { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string' },
  downloads: { type: 'string' },
  'table-rows': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

type AuditValues = ReturnType<typeof parseArgs<{ options: typeof AUDIT_OPTIONS; allowPositionals: true; strict: true }>>['values']

export async function runAuditCommand(argv: readonly string[], term: Terminal, ctx: CheckContext): Promise<ExitCode> {
  // The queue's subcommands parse their own options (lib/cli/audit-worker-command.ts).
  if (argv[0] === 'worker') return runAuditWorkerCommand(argv.slice(1), term, ctx, workerHandler, { options: WORKER_OPTIONS, help: WORKER_HELP })
  if (argv[0] === 'status') return runAuditStatusCommand(argv.slice(1), term, ctx)
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: AUDIT_OPTIONS })
  if (values.help) {
    term.out(AUDIT_HELP)
    return EXIT.OK
  }
  const [sub, ...extra] = positionals
  if (extra.length > 0 || (sub !== undefined && sub !== 'report' && sub !== 'export')) throw inputError('EUSAGE', `audit: unknown subcommand "${positionals.join(' ')}"`, 'Run "verify-deps audit --help" for usage.')
  if (values.db !== undefined && values.database !== undefined) throw inputError('EUSAGE', 'audit: --db and --database cannot be combined (one store)')
  if (sub === 'report') return auditReport(values, term, ctx)
  if (sub === 'export') return auditExport(values, term, ctx)
  return auditCollect(values, term, ctx)
}

/** Refuses options of another subcommand: never silently ignored. */
function refuse(values: AuditValues, names: ReadonlyArray<keyof AuditValues>, what: string): void {
  const given = names.find((k) => values[k] !== undefined)
  if (given !== undefined) throw inputError('EUSAGE', `audit${what}: --${given} does not apply here`, 'Run "verify-deps audit --help" for usage.')
}

const COLLECT_ONLY = ['packages', 'lockfile', 'changes', 'feed', 'versions', 'reverify', 'enqueue', 'batch-size', 'job-timeout', 'concurrency', 'rate', 'registry', 'upstream', 'offline', 'trusted-root', 'registry-keys', 'fetch-timeout', 'fetch-retries'] as const

/** The audit's context (collect.ts), with the registry it audits recorded in the store (the report names it). */
async function startAudit(options: AuditOptions): Promise<AuditContext> {
  const { createAuditContext } = await import('../audit/collect.js')
  const audit = await createAuditContext(options)
  await options.store.setState('registry', audit.config.redact(audit.config.registry))
  return audit
}

/** The store the options name; `existing`: report and export read a store, they never create an empty one. */
async function openStore(values: Pick<AuditValues, 'db' | 'database'>, ctx: CheckContext, existing = false): Promise<AuditStore> {
  const [{ openAuditStore }, { DEFAULT_AUDIT_DB_DIR }] = await Promise.all([import('../audit/store.js'), import('../audit/db.js')])
  const dir = resolve(ctx.cwd, values.db ?? DEFAULT_AUDIT_DB_DIR)
  if (existing && values.database === undefined && !existsSync(dir)) {
    throw inputError('EAUDITDB', `${values.db ?? DEFAULT_AUDIT_DB_DIR}: no audit store there`, 'Run "verify-deps audit" first, or name the store with --db DIR / --database URL.')
  }
  return openAuditStore({ ...(values.database !== undefined && { database: values.database }), dir })
}

async function auditCollect(values: AuditValues, term: Terminal, ctx: CheckContext): Promise<ExitCode> {
  refuse(values, ['format', 'output', 'downloads', 'table-rows'], '')
  const sources = (['packages', 'lockfile', 'changes'] as const).filter((k) => values[k] !== undefined)
  if (sources.length !== 1) throw inputError('EAUDITPOPULATION', sources.length === 0 ? 'audit: name the population: --packages FILE, --lockfile DIR or --changes' : `audit: --${sources[0]} and --${sources[1]} cannot be combined (one population)`, 'Run "verify-deps audit --help" for usage.')
  if (values.feed !== undefined && !values.changes) throw inputError('EUSAGE', 'audit: --feed is for --changes')
  if (values.enqueue && values.database === undefined) throw inputError('EUSAGE', 'audit: --enqueue needs --database postgres://… (the job queue lives in PostgreSQL)', 'Run "verify-deps audit --help" for usage.')
  if (!values.enqueue) for (const flag of ['batch-size', 'job-timeout'] as const) if (values[flag] !== undefined) throw inputError('EUSAGE', `audit: --${flag} is for --enqueue`)
  const batchSize = wholeNumberFlag('batch-size', values['batch-size'], 1)
  const jobTimeout = wholeNumberFlag('job-timeout', values['job-timeout'], 1)
  const { readPackagesFile, readProjectPackages, defaultFeed } = await import('../audit/population.js')
  // The population file is read before anything is opened or fetched: a bad line stops the run at once.
  const specs = values.packages !== undefined ? readPackagesFile(resolve(ctx.cwd, values.packages), values.packages) : undefined
  const cwd = values.lockfile !== undefined ? resolve(ctx.cwd, values.lockfile) : ctx.cwd
  const options = auditOptions(values, ctx, cwd)
  const { runAudit, enqueueAudit } = await import('../audit/run.js')
  const store = await openStore(values, ctx)
  const progress = createProgress(term, true)
  const started = Date.now()
  try {
    progress.start('starting the audit')
    const audit = await startAudit({ ...options, store, onProgress: (done, total, label) => progress.update(done, total, label) })
    const population = values.changes
      ? { kind: 'changes' as const, feed: values.feed ?? defaultFeed(audit.config.registry) }
      : { kind: 'specs' as const, specs: specs ?? (await readProjectPackages(audit.config)) }
    if (values.enqueue) {
      const queued = await enqueueAudit(population, audit, values.database!, { ...(batchSize !== undefined && { batchSize }), ...(jobTimeout !== undefined && { expireInSeconds: jobTimeout }) })
      progress.done()
      term.out(
        `queued ${queued.enqueued} job${queued.enqueued === 1 ? '' : 's'} of ${queued.packages} package${queued.packages === 1 ? '' : 's'}` +
          `${queued.existing ? ` (${queued.existing} already on the queue)` : ''}${queued.seq !== undefined ? `; feed sequence ${queued.seq}` : ''}` +
          '; run "verify-deps audit worker --database …" on any number of machines, "verify-deps audit status" to follow\n',
      )
      return EXIT.OK
    }
    const summary = await runAudit(population, audit)
    progress.done()
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    const failed = summary.fetchFailed + summary.packagesFailed
    term.out(
      `audited ${summary.versions} version${summary.versions === 1 ? '' : 's'} of ${summary.packages} package${summary.packages === 1 ? '' : 's'} in ${seconds}s` +
        ` (${summary.skipped} already stored, ${summary.fetchFailed} not fetched${summary.retried ? ` of which ${summary.retried} retried` : ''}, ${summary.packagesFailed} packument${summary.packagesFailed === 1 ? '' : 's'} not fetched)` +
        `${summary.seq !== undefined ? `; feed sequence ${summary.seq}` : ''} → ${store.db.where}\n`,
    )
    // Not fetched: stored as unverifiable and retried by the next run; this run could not verify them.
    // The names and versions are the registry's: control characters are shown, never sent to the terminal.
    if (failed > 0) term.err(`audit: could not fetch or verify ${describeFailed(summary)} (stored as unverifiable, retried by the next run); for example:\n${summary.failures.map((reason) => `  ${plainText(reason)}\n`).join('')}`)
    return failed > 0 ? EXIT.COULD_NOT_VERIFY : EXIT.OK
  } finally {
    progress.done()
    await store.close()
  }
}

/** `audit report` formats: the metrics document itself, one self-contained page, the metrics as CSV. */
const REPORT_FORMATS = ['json', 'html', 'csv'] as const

async function auditReport(values: AuditValues, term: Terminal, ctx: CheckContext): Promise<ExitCode> {
  refuse(values, COLLECT_ONLY, ' report')
  const format = values.format ?? 'json'
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw inputError('EUSAGE', `audit report: --format must be one of ${REPORT_FORMATS.join(', ')} (got "${format}")`)
  if (values['table-rows'] !== undefined && format !== 'html') throw inputError('EUSAGE', 'audit report: --table-rows is for --format html')
  const maxRows = wholeNumberFlag('table-rows', values['table-rows'], 1)
  if (values.output) checkOutputWritable(resolve(ctx.cwd, values.output), values.output)
  const downloads = values.downloads === undefined ? undefined : readDownloadsFile(resolve(ctx.cwd, values.downloads), values.downloads)
  const store = await openStore(values, ctx, true)
  let text: string
  try {
    // A page of packages at a time, into the metrics (and the page's donuts and bounded table): the store is never held whole.
    const { auditMetricsAccumulator } = await import('../model/audit-metrics.js')
    const metrics = auditMetricsAccumulator({ generatedAt: new Date().toISOString(), registry: (await store.state('registry')) ?? '', ...(downloads && { downloads }) })
    const html = format === 'html' ? await import('../report/audit-html.js') : undefined
    const page = html?.auditPageAccumulator({ ...(maxRows !== undefined && { maxRows }), ...(downloads && { downloads }) })
    for await (const { name, pkg, records } of store.packageGroups()) {
      metrics.add(name, pkg, records)
      page?.add(name, pkg, records)
    }
    const document = metrics.finish()
    if (html && page) text = html.renderAuditHtml({ metrics: document, page: page.finish() })
    else if (format === 'csv') text = (await import('../report/audit-csv.js')).formatAuditMetricsCsv(document)
    else text = stringifyJSON(document) + '\n'
  } finally {
    await store.close()
  }
  writeOut(values, text, term, ctx)
  return EXIT.OK
}

async function auditExport(values: AuditValues, term: Terminal, ctx: CheckContext): Promise<ExitCode> {
  refuse(values, [...COLLECT_ONLY, 'downloads', 'table-rows'], ' export')
  const format = values.format
  if (format !== 'csv' && format !== 'jsonl') throw inputError('EUSAGE', `audit export: --format must be csv or jsonl (got ${format === undefined ? 'none' : `"${format}"`})`)
  if (values.output) checkOutputWritable(resolve(ctx.cwd, values.output), values.output)
  const { CSV_HEADER, formatCsvRows, formatRecordsJsonl } = await import('../audit/export.js')
  const store = await openStore(values, ctx, true)
  // A page of records at a time, to the file (through a temporary file and a rename) or stdout.
  const output = values.output ? openFileAtomic(resolve(ctx.cwd, values.output)) : undefined
  const write = async (text: string): Promise<void> => {
    if (output) output.write(text)
    else {
      term.out(text)
      if (term.outDrained) await term.outDrained()
    }
  }
  try {
    if (format === 'csv') await write(CSV_HEADER)
    for await (const page of store.recordPages()) await write(format === 'csv' ? formatCsvRows(page) : formatRecordsJsonl(page))
    output?.commit()
  } finally {
    output?.abandon()
    await store.close()
  }
  return EXIT.OK
}

function writeOut(values: AuditValues, text: string, term: Terminal, ctx: CheckContext): void {
  if (values.output) writeFileAtomic(resolve(ctx.cwd, values.output), text)
  else term.out(text)
}

/** `--downloads FILE`: a JSON object of package name → weekly downloads (a whole number ≥ 0). */
export function readDownloadsFile(path: string, shown: string): Record<string, number> {
  let doc: unknown
  try {
    doc = JSON.parse(readRegularFile(path, 256 * 1024 * 1024).toString('utf8'))
  } catch (err) {
    throw inputError('EINPUTFILE', `${shown}: --downloads cannot be read: ${err instanceof FileReadError ? err.reason : (err as Error).message}`)
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw inputError('EINPUTFILE', `${shown}: --downloads must be a JSON object of package name -> weekly downloads`)
  const downloads: Record<string, number> = {}
  for (const [name, n] of Object.entries(doc)) {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw inputError('EINPUTFILE', `${shown}: --downloads: ${JSON.stringify(name)} has ${JSON.stringify(n)}, not a whole number of downloads`)
    downloads[name] = n
  }
  return downloads
}

export function parseVersions(value: string | undefined): VersionSelection {
  if (value === undefined || value === 'all') return { kind: 'all' }
  if (value === 'latest') return { kind: 'latest' }
  const since = /^since:(\d{4}-\d{2}-\d{2})$/.exec(value)
  if (since && !Number.isNaN(Date.parse(`${since[1]}T00:00:00Z`)) && new Date(`${since[1]}T00:00:00Z`).toISOString().startsWith(since[1]!)) return { kind: 'since', since: `${since[1]}T00:00:00.000Z` }
  throw inputError('EUSAGE', `--versions must be all, latest or since:YYYY-MM-DD (got "${value}")`)
}

function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw inputError('EUSAGE', `--${flag} must be a number > 0 (got "${value}")`)
  return n
}

/**
 * The collector's options from the command line, shared by `audit` and `audit worker` (minus the
 * store and progress, which each sets).
 */
function auditOptions(values: Partial<AuditValues>, ctx: CheckContext, cwd: string): Omit<AuditOptions, 'store'> {
  const versions = parseVersions(values.versions)
  const concurrency = wholeNumberFlag('concurrency', values.concurrency, 1)
  const rate = positiveNumber('rate', values.rate)
  const timeoutMs = wholeNumberFlag('fetch-timeout', values['fetch-timeout'], 1)
  const retries = wholeNumberFlag('fetch-retries', values['fetch-retries'], 0)
  const pins = parseRegistryKeysArgs(values['registry-keys'] ?? [], (file) => resolve(ctx.cwd, file))
  return {
    cwd,
    env: ctx.env,
    toolVersion: ctx.toolVersion,
    ...(values.registry !== undefined && { registry: values.registry }),
    ...(values.upstream !== undefined && { upstream: upstreamOption(values.upstream) }),
    offline: Boolean(values.offline),
    ...(values['trusted-root'] !== undefined && { trustedRootFile: resolve(ctx.cwd, values['trusted-root']) }),
    registryKeysPins: pins,
    versions,
    reverify: Boolean(values.reverify),
    ...(concurrency !== undefined && { concurrency }),
    ...(rate !== undefined && { rate }),
    ...(timeoutMs !== undefined && { timeoutMs }),
    ...(retries !== undefined && { retries }),
  }
}

/** `audit worker` takes the collector's options that say how to audit (its own --concurrency is jobs at once). */
const WORKER_OPTIONS = Object.fromEntries(
  (['versions', 'reverify', 'rate', 'registry', 'upstream', 'offline', 'trusted-root', 'registry-keys', 'fetch-timeout', 'fetch-retries'] as const).map((k) => [k, AUDIT_OPTIONS[k]]),
)

const WORKER_HELP = `  --versions WHICH    all (default), latest or since:YYYY-MM-DD, for each package of a job
  --reverify          verify stored versions again
  --rate N            requests a second at most, per process
  --registry URL  --upstream URL  --offline  --trusted-root FILE  --registry-keys [<url>=]FILE
  --fetch-timeout MS  --fetch-retries N      as for "verify-deps audit"
`

/** `N versions and M packuments`: what a run or a job could not fetch. */
function describeFailed(summary: BatchSummary): string {
  return `${summary.fetchFailed} version${summary.fetchFailed === 1 ? '' : 's'} and ${summary.packagesFailed} packument${summary.packagesFailed === 1 ? '' : 's'}`
}

/**
 * What an `audit worker` does with a job: audit its packages into the job's database (the store's
 * tables beside the queue's), exactly as `verify-deps audit` does on one machine. A batch with
 * versions or packuments that could not be fetched fails the job after writing what it could, so
 * the queue retries it later (only what is not settled is fetched again).
 */
async function workerHandler({ database, ctx, values }: { database: string; ctx: CheckContext; values: Record<string, unknown> }): Promise<AuditWorkerHandler> {
  const options = auditOptions(values as Partial<AuditValues>, ctx, ctx.cwd)
  const { auditBatch } = await import('../audit/collect.js')
  const store = await openStore({ database }, ctx)
  try {
    const audit = await startAudit({ ...options, store })
    return {
      handle: async (names) => {
        const summary = await auditBatch(names, audit)
        const failed = summary.fetchFailed + summary.packagesFailed
        // Its message is shown by the worker's log and `audit status`, each through plainText.
        if (failed > 0) throw new Error(`could not fetch or verify ${describeFailed(summary)} (stored as unverifiable; the job is retried); first: ${summary.failures[0]}`)
      },
      close: () => store.close(),
    }
  } catch (err) {
    await store.close()
    throw err
  }
}
