// bench:audit's options, its bound heuristic, the table and the registry-scale extrapolation.
import t from 'tap'
import { AUDIT_BENCH_HELP, UsageError, batchSizeFor, boundOf, extrapolate, formatAuditTable, parseAuditBenchOptions, reportDifferences, type AuditBenchResult, type ModeResult } from '../../bench/audit-table.js'

t.test('options: the defaults, each flag, and bad values named', async (t) => {
  t.same(parseAuditBenchOptions([]), { packages: 300, maxVersions: 10, seed: 13, rttMs: 20, workers: 4, batchSize: null, concurrency: null, modes: ['pglite', 'postgres', 'workers'], json: false, help: false })
  t.match(parseAuditBenchOptions(['--packages', '60', '--rtt', '0', '--workers', '8', '--batch-size', '5', '--concurrency', '32', '--only', 'pglite,workers', '--json', '--seed', '0']), {
    packages: 60, rttMs: 0, workers: 8, batchSize: 5, concurrency: 32, modes: ['pglite', 'workers'], json: true, seed: 0,
  })
  t.throws(() => parseAuditBenchOptions(['--packages', '0']), new UsageError('--packages must be an integer ≥ 1, got 0'))
  t.throws(() => parseAuditBenchOptions(['--rtt', '2.5']), /--rtt must be an integer ≥ 0, got 2.5/)
  t.throws(() => parseAuditBenchOptions(['--only', 'pglite,mysql']), /--only takes pglite, postgres, workers, got mysql/)
  t.throws(() => parseAuditBenchOptions(['--only', 'pglite,pglite']), /each mode once/)
  t.throws(() => parseAuditBenchOptions(['--tree', '5']), /Unknown option '--tree'/)
  t.ok(((): unknown => {
    try {
      parseAuditBenchOptions(['--tree', '5'])
    } catch (err) {
      return err
    }
  })() instanceof UsageError, 'an unknown flag is a usage error (exit 2, with the help)')
  t.equal(parseAuditBenchOptions(['--help']).help, true)
  t.match(AUDIT_BENCH_HELP, /--workers N/)
})

t.test('batch size: about four jobs per worker, at least one package', async (t) => {
  t.equal(batchSizeFor(300, 4), 19)
  t.equal(batchSizeFor(3, 4), 1)
})

t.test('bound: CPU, then latency, then the rest', async (t) => {
  t.match(boundOf({ wallMs: 1000, cpuMs: 900, processes: 1, latencyFloorMs: 100 }, 2), /^CPU \(90% of 1 core/)
  t.match(boundOf({ wallMs: 1000, cpuMs: 1000, processes: 4, latencyFloorMs: 100, queue: true }, 2), /^waits: database writes, queue polling/, '4 processes on 2 cores: the share is of 2 cores')
  t.match(boundOf({ wallMs: 1000, cpuMs: 500, processes: 1, latencyFloorMs: 100 }, 2), /^waits: database writes, start-up \(CPU 50%/)
  t.match(boundOf({ wallMs: 1000, cpuMs: 1800, processes: 4, latencyFloorMs: 100 }, 2), /^CPU \(90% of 2 cores/)
  t.match(boundOf({ wallMs: 1000, cpuMs: 200, processes: 1, latencyFloorMs: 600 }, 2), /^registry latency \(60% of wall; CPU 20%\)/)
})

const mode = (over: Partial<ModeResult>): ModeResult => ({
  mode: 'pglite', processes: 1, wallMs: 10_000, enqueueMs: null, versionsPerSecond: 50, registryRequests: 1100, requestsPerVersion: 2.2,
  cpuMs: 8000, peakRssBytes: 150e6, latencyFloorMs: 1375, bound: 'CPU (80% of 1 core: verification)', ...over,
})

t.test('extrapolation: linear in the workers, at the measured rate per worker', async (t) => {
  const e = extrapolate(mode({ mode: 'workers', processes: 4, versionsPerSecond: 200 }), 20, 36_000_000)
  t.equal(e.perWorkerVersionsPerSecond, 50)
  t.same(e.hours, [{ workers: 8, hours: 25 }, { workers: 32, hours: 6.25 }])
  t.match(e.assumptions.join('\n'), /linear/)
  t.match(e.assumptions.join('\n'), /2\.20 registry requests per version and 20 ms/)
})

t.test('the table: one row a mode, the check of the reports, the extrapolation labelled', async (t) => {
  const workers = mode({ mode: 'workers', processes: 4, wallMs: 4000, enqueueMs: 900, versionsPerSecond: 125 })
  const r: AuditBenchResult = {
    node: 'v20.0.0', cores: 2, population: { packages: 100, versions: 500, maxVersions: 10, seed: 13, setupMs: 1 }, rttMs: 20, workers: 4, batchSize: 7, concurrency: 16,
    modes: [mode({}), mode({ mode: 'postgres', wallMs: 12_000 }), workers], reportsIdentical: true, extrapolation: extrapolate(workers, 20),
  }
  const table = formatAuditTable(r)
  t.match(table, /100 packages, 500 versions/)
  t.match(table, /^1 process, PGlite\s+10\.00 s\s+50\.0\s+2\.20\s+8\.00 s\s+150 MB\s+CPU/m)
  t.match(table, /^1 process, PostgreSQL\s+12\.00 s/m)
  t.match(table, /^4 workers, PostgreSQL\s+4\.00 s \(enqueue 0\.90 s\)\s+125\.0/m)
  t.match(table, /metrics JSON \(but generatedAt\) is identical, and equals the generator's truth/)
  t.match(table, /LINEAR EXTRAPOLATION \(not measured\): 50M versions at 31\.3 versions\/s per worker/)
  t.match(table, /^ {3}8 workers: 55\.6 hours/m)
  t.match(table, /^ {2}32 workers: 13\.9 hours/m)
  const bad = formatAuditTable({ ...r, reportsIdentical: false, extrapolation: null })
  t.match(bad, /reports: DIFFER/)
  t.notMatch(bad, /EXTRAPOLATION/)
})

t.test('the reports: each the truth, and all the same', async (t) => {
  const truth = { schemaVersion: 1, registry: 'R', versions: { total: 3, signed: 2 } }
  const at = (registry: string, signed = 2) => ({ schemaVersion: 1, registry, versions: { total: 3, signed } })
  t.same(reportDifferences(new Map([['pglite', at('http://127.0.0.1:1/')], ['postgres', at('http://127.0.0.1:1/')], ['workers', at('http://127.0.0.1:1/')]]), truth), [])
  t.same(reportDifferences(new Map([['pglite', at('http://127.0.0.1:1/')], ['workers', at('http://127.0.0.1:1/', 3)]]), truth), [
    "workers: the report is not the generator's truth",
    "workers: the report differs from pglite's",
  ])
  t.same(reportDifferences(new Map([['pglite', at('http://127.0.0.1:1/')], ['postgres', at('http://127.0.0.1:2/')]]), truth), ["postgres: the report differs from pglite's"], 'another registry: not the same report')
  t.same(reportDifferences(new Map([['pglite', null]]), truth), ['pglite: the report is not a JSON object'])
  t.same(reportDifferences(new Map(), truth), ['no report to compare'])
})
