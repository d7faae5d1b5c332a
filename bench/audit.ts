// Benchmark: `verify-deps audit` on a generated population (test/helpers/population) on the
// loopback registry behind a delay proxy (--rtt): versions a second for one process on PGlite, one
// on PostgreSQL, and N `audit worker` processes on PostgreSQL draining the queue `audit --enqueue`
// filled; registry requests per version, CPU against wall time; every mode's report must equal the
// others' and the generator's truth. Then a linear extrapolation to the public registry's size.
// Run: npm run bench:audit -- --packages 300   (builds first; no network; --help for the options)
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { DEFAULT_AUDIT_CONCURRENCY } from '../lib/audit/collect.js'
import { queueStatus } from '../lib/audit/queue.js'
import { cleanEnv, pinnedTrust } from '../test/cli/run.js'
import { startDelayProxy } from '../test/helpers/delay-proxy.js'
import { generatePopulation, servePopulation, truthMetrics, truthVersions } from '../test/helpers/population/index.js'
import { freshDatabase, postgresServer } from '../test/helpers/postgres.js'
import { AUDIT_BENCH_HELP, UsageError, batchSizeFor, boundOf, extrapolate, formatAuditTable, parseAuditBenchOptions, reportDifferences, type AuditBenchResult, type AuditMode, type ModeResult } from './audit-table.js'
import { MAXRSS_PRELOAD } from './measure.js'

const BIN = fileURLToPath(new URL('../bin/verify-deps.js', import.meta.url))
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url))
const CPU_PRELOAD = fileURLToPath(new URL('./cpu.cjs', import.meta.url))
const log = (line: string): void => void process.stderr.write(`${line}\n`)
/** The workers mode gives up after this: a queue that does not drain is an error, never a hang. */
const DRAIN_TIMEOUT_MS = 60 * 60_000

interface Proc {
  stop: (signal: NodeJS.Signals) => void
  done: Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; cpuMs: number; rssBytes: number }>
}

/** bin/verify-deps.js with `args`, reporting its CPU and peak RSS on exit (bench/cpu.cjs, bench/maxrss.cjs). */
function start(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...env, NODE_OPTIONS: [MAXRSS_PRELOAD, CPU_PRELOAD].map((p) => `--require ${JSON.stringify(p)}`).join(' ') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (d: Buffer) => out.push(d))
  child.stderr.on('data', (d: Buffer) => err.push(d))
  const done = new Promise<Awaited<Proc['done']>>((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`could not start verify-deps: ${e.message}`)))
    child.on('close', (status, signal) => {
      const stderr = Buffer.concat(err).toString('utf8')
      const cpu = /\nBENCH_CPU_US=(\d+)\n/.exec(stderr)
      const rss = /\nBENCH_MAXRSS_KB=(\d+)\n/.exec(stderr)
      resolve({
        status,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: stderr.replace(/\nBENCH_(CPU_US|MAXRSS_KB)=\d+\n/g, '\n'),
        cpuMs: cpu ? Number(cpu[1]) / 1000 : 0,
        rssBytes: rss ? Number(rss[1]) * 1024 : 0,
      })
    })
  })
  return { stop: (signal) => void child.kill(signal), done }
}

async function finished(p: Proc, what: string): Promise<Awaited<Proc['done']>> {
  const r = await p.done
  if (r.status !== 0) throw new Error(`${what}: exit ${String(r.status ?? r.signal)}\n${r.stderr.slice(0, 4000)}`)
  return r
}

async function main(): Promise<void> {
  const options = parseAuditBenchOptions(process.argv.slice(2))
  if (options.help) {
    process.stdout.write(AUDIT_BENCH_HELP)
    return
  }
  if (!existsSync(BUILT)) throw new UsageError('dist/ is missing: run `npm run build` (npm run bench:audit builds first)')
  const teardowns: (() => unknown)[] = []
  const owner = { teardown: (fn: () => unknown) => void teardowns.push(fn) }
  const running = new Set<Proc>()
  const teardown = async () => {
    for (const p of running) p.stop('SIGKILL')
    for (const fn of teardowns.splice(0).reverse()) await fn()
  }
  const interrupted = () => void teardown().finally(() => process.exit(130))
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted)
  try {
    const needsPostgres = options.modes.some((m) => m !== 'pglite')
    const server = needsPostgres ? await postgresServer() : null
    if (server && 'missing' in server) throw new Error(`PostgreSQL: ${server.missing}`)

    log(`generating ${options.packages} packages (seed ${options.seed}, ≤ ${options.maxVersions} versions each) …`)
    const setupStarted = performance.now()
    // No lasting fetch faults: every version can be fetched, so every job completes and every mode stores the same.
    const population = generatePopulation({ seed: options.seed, packages: options.packages, maxVersions: options.maxVersions, mix: { fetchFault: 0, transientFault: 0 } })
    const s = await servePopulation(owner, population)
    const versions = truthVersions(population).length
    const setupMs = performance.now() - setupStarted
    log(`  ${versions} versions published in ${(setupMs / 1000).toFixed(1)} s`)
    const packagesFile = join(s.dir, 'packages.txt')
    writeFileSync(packagesFile, population.packages.map((p) => p.name).join('\n') + '\n')
    // The delay starts after setup: only the audits pay it.
    const proxy = options.rttMs > 0 ? await startDelayProxy({ delayMs: options.rttMs }) : null
    if (proxy) owner.teardown(() => proxy.close())

    const how = ['--registry', s.registry.url, ...pinnedTrust(s)]
    const concurrency = options.concurrency ?? DEFAULT_AUDIT_CONCURRENCY
    const batchSize = options.batchSize ?? batchSizeFor(options.packages, options.workers)
    const cores = availableParallelism()
    const truth = { ...truthMetrics(population, { generatedAt: 'T', registry: 'R' }) }
    const reports = new Map<AuditMode, unknown>()
    const results: ModeResult[] = []

    for (const mode of options.modes) {
      const home = join(s.dir, `bench-${mode}`)
      const env = cleanEnv(home, { npm_config_update_notifier: 'false', ...(proxy ? { npm_config_proxy: proxy.url } : {}) })
      for (const name of Object.keys(env)) if (/^(https?_proxy|no_proxy)$/i.test(name)) delete env[name]
      const store = mode === 'pglite' ? ['--db', join(home, 'store')] : ['--database', await freshDatabase(owner, server && 'url' in server ? server.url : '')]
      const run = (args: string[]) => {
        const p = start(args, home, env)
        running.add(p)
        void p.done.finally(() => running.delete(p))
        return p
      }
      s.registry.clearRequests()
      const proxied = proxy?.requests ?? 0
      log(`${mode}: auditing …`)
      const started = performance.now()
      let wallMs: number
      let enqueueMs: number | null = null
      let cpuMs = 0
      let rssBytes = 0
      let processes = 1
      if (mode !== 'workers') {
        const r = await finished(run(['audit', '--packages', packagesFile, ...store, ...how, ...(options.concurrency ? ['--concurrency', String(options.concurrency)] : [])]), `audit (${mode})`)
        wallMs = performance.now() - started
        cpuMs = r.cpuMs
        rssBytes = r.rssBytes
      } else {
        const q = await finished(run(['audit', '--packages', packagesFile, ...store, '--enqueue', '--batch-size', String(batchSize), ...how]), 'audit --enqueue')
        enqueueMs = performance.now() - started
        const jobs = Number(/queued (\d+) job/.exec(q.stdout)?.[1] ?? NaN)
        if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`audit --enqueue: no "queued N jobs" line in ${JSON.stringify(q.stdout)}`)
        processes = options.workers
        const workers = Array.from({ length: options.workers }, () => run(['audit', 'worker', ...store, ...how]))
        const url = store[1]!
        for (;;) {
          const status = await queueStatus(url)
          if (status.failed > 0 || status.dropped > 0) throw new Error(`workers: ${status.failed} jobs failed, ${status.dropped} dropped: ${JSON.stringify(status.recentErrors)}`)
          if (status.completed === jobs && status.queued === 0 && status.active === 0) break
          if (running.size === 0) throw new Error('workers: every worker exited before the queue drained')
          if (performance.now() - started > DRAIN_TIMEOUT_MS) throw new Error(`workers: the queue did not drain within ${DRAIN_TIMEOUT_MS / 60_000} minutes: ${JSON.stringify(status)}`)
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
        wallMs = performance.now() - started
        log(`  queue drained (${jobs} jobs); SIGTERM to the workers`)
        for (const w of workers) w.stop('SIGTERM')
        const ends = await Promise.all(workers.map((w, i) => finished(w, `audit worker ${i + 1}`)))
        cpuMs = q.cpuMs + ends.reduce((sum, e) => sum + e.cpuMs, 0)
        rssBytes = Math.max(...ends.map((e) => e.rssBytes))
      }
      const registryRequests = s.registry.requests.length
      // An audit that bypassed the proxy would be measured without the round trips.
      if (proxy && registryRequests > 0 && proxy.requests === proxied) throw new Error(`${mode}: ${registryRequests} registry requests, none through the delay proxy`)
      const report = await finished(run(['audit', 'report', '--format', 'json', ...store]), `audit report (${mode})`)
      reports.set(mode, { ...JSON.parse(report.stdout), generatedAt: 'T' })
      const inFlight = (mode === 'workers' ? DEFAULT_AUDIT_CONCURRENCY : concurrency) * processes
      const latencyFloorMs = (registryRequests * options.rttMs) / inFlight
      const result: ModeResult = {
        mode,
        processes,
        wallMs,
        enqueueMs,
        versionsPerSecond: versions / (wallMs / 1000),
        registryRequests,
        requestsPerVersion: registryRequests / versions,
        cpuMs,
        peakRssBytes: rssBytes,
        latencyFloorMs,
        bound: '',
      }
      result.bound = boundOf({ ...result, queue: mode === 'workers' }, cores)
      results.push(result)
      log(`  ${(wallMs / 1000).toFixed(2)} s, ${result.versionsPerSecond.toFixed(1)} versions/s, ${registryRequests} registry requests, CPU ${(cpuMs / 1000).toFixed(2)} s`)
    }

    // A bench that verifies nothing is worthless: every report is the truth, and the same.
    const differences = reportDifferences(reports, truth)
    for (const line of differences) log(line)
    if (differences.length > 0) log(`the truth: ${JSON.stringify(truth)}\n${[...reports].map(([mode, r]) => `${mode}: ${JSON.stringify(r)}`).join('\n')}`)
    const reportsIdentical = differences.length === 0
    const workersMode = results.find((r) => r.mode === 'workers')
    const result: AuditBenchResult = {
      node: process.version,
      cores,
      population: { packages: options.packages, versions, maxVersions: options.maxVersions, seed: options.seed, setupMs: Math.round(setupMs) },
      rttMs: options.rttMs,
      workers: options.workers,
      batchSize,
      concurrency,
      modes: results,
      reportsIdentical,
      extrapolation: workersMode ? extrapolate(workersMode, options.rttMs) : null,
    }
    process.stdout.write(options.json ? JSON.stringify(result, null, 2) + '\n' : formatAuditTable(result))
    if (!reportsIdentical) process.exitCode = 1
  } finally {
    await teardown()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:audit: ${err instanceof Error ? err.message : String(err)}\n`)
  if (err instanceof UsageError) process.stderr.write(AUDIT_BENCH_HELP)
  process.exitCode = err instanceof UsageError ? 2 : 1
})
