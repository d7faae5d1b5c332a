/**
 * bench:audit's options, its result (also its --json output), the table printed from it, and the
 * registry-scale extrapolation: pure, so test/bench/audit-table.test.ts can check them without a world.
 */
import { isDeepStrictEqual, parseArgs } from 'node:util'

export const AUDIT_BENCH_HELP = `Usage: npm run bench:audit -- [options]

verify-deps audit on a generated population (test/helpers/population) on the loopback registry,
behind a delay proxy, in three modes, each on a fresh store: one process on PGlite (--db), one
process on PostgreSQL (--database), and the population queued (--enqueue) for N \`audit worker\`
processes on PostgreSQL. Each mode's report must equal the others' and the generator's truth.
  --packages N      packages in the population (default 300)
  --max-versions N  versions per package: 1 to N, most packages few (default 10)
  --seed N          the generator's seed (default 13)
  --rtt MS          ms the delay proxy adds to each registry request (default 20; 0: no proxy)
  --workers N       audit worker processes (default 4)
  --batch-size N    packages per job (default: the packages over 4 jobs per worker)
  --concurrency N   requests in flight of the one-process modes (audit --concurrency; default the
                    audit's, 16). A worker always runs one job at a time at the audit's default.
  --only MODES      comma-separated: pglite,postgres,workers (default all three)
  --json            print the results as JSON instead of the table
PostgreSQL: VERIFY_DEPS_TEST_DATABASE_URL, else a throwaway cluster from /usr/lib/postgresql/*/bin
(test/helpers/postgres.ts). Progress goes to stderr.
`

export const AUDIT_MODES = ['pglite', 'postgres', 'workers'] as const
export type AuditMode = (typeof AUDIT_MODES)[number]

export interface AuditBenchOptions {
  packages: number
  maxVersions: number
  seed: number
  rttMs: number
  workers: number
  /** null: derived from packages and workers (batchSizeFor). */
  batchSize: number | null
  concurrency: number | null
  modes: AuditMode[]
  json: boolean
  help: boolean
}

export class UsageError extends Error {}

function integer(flag: string, value: string, min: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < min || !Number.isSafeInteger(n)) throw new UsageError(`${flag} must be an integer ≥ ${min}, got ${value}`)
  return n
}

export function parseAuditBenchOptions(argv: readonly string[]): AuditBenchOptions {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        packages: { type: 'string', default: '300' },
        'max-versions': { type: 'string', default: '10' },
        seed: { type: 'string', default: '13' },
        rtt: { type: 'string', default: '20' },
        workers: { type: 'string', default: '4' },
        'batch-size': { type: 'string' },
        concurrency: { type: 'string' },
        only: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values } = parsed
  const modes = values.only === undefined ? [...AUDIT_MODES] : values.only.split(',').map((m) => m.trim())
  for (const m of modes) if (!(AUDIT_MODES as readonly string[]).includes(m)) throw new UsageError(`--only takes ${AUDIT_MODES.join(', ')}, got ${m}`)
  if (modes.length === 0 || new Set(modes).size !== modes.length) throw new UsageError(`--only: each mode once, got ${values.only}`)
  return {
    packages: integer('--packages', values.packages, 1),
    maxVersions: integer('--max-versions', values['max-versions'], 1),
    seed: integer('--seed', values.seed, 0),
    rttMs: integer('--rtt', values.rtt, 0),
    workers: integer('--workers', values.workers, 1),
    batchSize: values['batch-size'] === undefined ? null : integer('--batch-size', values['batch-size'], 1),
    concurrency: values.concurrency === undefined ? null : integer('--concurrency', values.concurrency, 1),
    modes: modes as AuditMode[],
    json: values.json,
    help: values.help,
  }
}

/** About four jobs per worker, so that every worker has work and a slow last job holds up little. */
export function batchSizeFor(packages: number, workers: number): number {
  return Math.max(1, Math.ceil(packages / (workers * 4)))
}

export interface ModeResult {
  mode: AuditMode
  /** Audit processes that did the work (1, or the workers). */
  processes: number
  /** From the first audit process's start until the store holds every version (workers: until the queue drained). */
  wallMs: number
  /** Workers only: the `audit --enqueue` step, part of wallMs. */
  enqueueMs: number | null
  versionsPerSecond: number
  registryRequests: number
  requestsPerVersion: number
  /** user + sys of the audit processes (not PostgreSQL's server, not the registry's). */
  cpuMs: number
  peakRssBytes: number
  /** Registry requests × RTT / (requests in flight × processes): the wait the latency alone forces. */
  latencyFloorMs: number
  bound: string
}

export interface AuditBenchResult {
  node: string
  cores: number
  population: { packages: number; versions: number; maxVersions: number; seed: number; setupMs: number }
  rttMs: number
  workers: number
  batchSize: number
  concurrency: number
  modes: ModeResult[]
  /** Every mode's report (metrics JSON but generatedAt) equals the others' and the generator's truth. */
  reportsIdentical: boolean
  extrapolation: Extrapolation | null
}

/**
 * What bounds a run, from its CPU and the latency it must wait: the CPU the processes used against
 * what the machine's cores (or the processes, if fewer) could give in the wall time; else the
 * registry round trips, if they alone account for half the wall time; else waits elsewhere (the
 * store, the store's start-up — PGlite's is seconds — and, with `queue`, the workers' polling).
 */
export function boundOf(r: { wallMs: number; cpuMs: number; processes: number; latencyFloorMs: number; queue?: boolean }, cores: number): string {
  const cpuShare = r.cpuMs / (r.wallMs * Math.max(1, Math.min(cores, r.processes)))
  if (cpuShare >= 0.75) return `CPU (${pct(cpuShare)} of ${Math.min(cores, r.processes)} core${Math.min(cores, r.processes) === 1 ? '' : 's'}: verification, the store)`
  if (r.latencyFloorMs >= 0.5 * r.wallMs) return `registry latency (${pct(r.latencyFloorMs / r.wallMs)} of wall; CPU ${pct(cpuShare)})`
  return `waits: database writes, ${r.queue ? 'queue polling' : 'start-up'} (CPU ${pct(cpuShare)}, latency floor ${pct(r.latencyFloorMs / r.wallMs)})`
}

const pct = (x: number): string => `${Math.round(x * 100)}%`

/**
 * What differs among the modes' reports (metrics JSON, generatedAt already set aside) and from the
 * truth (whose `registry` is 'R'): one line each, none when every report is the truth.
 */
export function reportDifferences(reports: ReadonlyMap<AuditMode, unknown>, truth: unknown): string[] {
  const problems: string[] = []
  if (reports.size === 0) return ['no report to compare']
  const [firstMode, first] = [...reports][0]!
  for (const [mode, report] of reports) {
    if (typeof report !== 'object' || report === null) {
      problems.push(`${mode}: the report is not a JSON object`)
      continue
    }
    if (!isDeepStrictEqual({ ...report, registry: 'R' }, truth)) problems.push(`${mode}: the report is not the generator's truth`)
    if (mode !== firstMode && !isDeepStrictEqual(report, first)) problems.push(`${mode}: the report differs from ${firstMode}'s`)
  }
  return problems
}

/** The figure for the public registry's size. */
export const REGISTRY_VERSIONS = 50_000_000
export const EXTRAPOLATED_WORKERS = [8, 32] as const

export interface Extrapolation {
  versions: number
  perWorkerVersionsPerSecond: number
  hours: Array<{ workers: number; hours: number }>
  assumptions: string[]
}

/** Linear: the workers mode's rate per worker, times W workers. */
export function extrapolate(workersMode: ModeResult, rttMs: number, versions = REGISTRY_VERSIONS): Extrapolation {
  const perWorker = workersMode.versionsPerSecond / workersMode.processes
  return {
    versions,
    perWorkerVersionsPerSecond: perWorker,
    hours: EXTRAPOLATED_WORKERS.map((workers) => ({ workers, hours: versions / (perWorker * workers) / 3600 })),
    assumptions: [
      `linear: W workers audit W × ${perWorker.toFixed(1)} versions/s (the measured rate per worker, ${workersMode.processes} workers on this machine)`,
      `the same ${workersMode.requestsPerVersion.toFixed(2)} registry requests per version and ${rttMs} ms added per request`,
      'no registry rate limit (429s, --rate) and a PostgreSQL that keeps up with every worker\'s writes',
      'each worker has as much CPU as here; the population\'s mix of versions, provenance and sizes is the real registry\'s',
    ],
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
const MODE_LABEL: Record<AuditMode, string> = { pglite: '1 process, PGlite', postgres: '1 process, PostgreSQL', workers: 'workers, PostgreSQL' }

export function formatAuditTable(r: AuditBenchResult): string {
  const header = ['mode', 'wall', 'versions/s', 'req/version', 'CPU (user+sys)', 'peak RSS', 'bound (heuristic)']
  const rows = r.modes.map((m) => [
    m.mode === 'workers' ? `${m.processes} ${MODE_LABEL.workers}` : MODE_LABEL[m.mode],
    seconds(m.wallMs) + (m.enqueueMs === null ? '' : ` (enqueue ${seconds(m.enqueueMs)})`),
    m.versionsPerSecond.toFixed(1),
    m.requestsPerVersion.toFixed(2),
    seconds(m.cpuMs),
    `${(m.peakRssBytes / 1e6).toFixed(0)} MB`,
    m.bound,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
  const out = [
    `verify-deps audit: ${r.population.packages} packages, ${r.population.versions} versions (seed ${r.population.seed}, ≤ ${r.population.maxVersions} versions a package), ` +
      `${r.rttMs} ms added per registry request, ${r.cores} cores, node ${r.node}`,
    `one process: ${r.concurrency} requests in flight; workers: ${r.workers}, ${r.batchSize} packages a job`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    r.reportsIdentical ? 'reports: every mode\'s metrics JSON (but generatedAt) is identical, and equals the generator\'s truth' : 'reports: DIFFER (see stderr)',
  ]
  if (r.extrapolation) {
    const e = r.extrapolation
    out.push(
      '',
      `Registry scale, LINEAR EXTRAPOLATION (not measured): ${(e.versions / 1e6).toFixed(0)}M versions at ${e.perWorkerVersionsPerSecond.toFixed(1)} versions/s per worker`,
      ...e.hours.map((h) => `  ${String(h.workers).padStart(2)} workers: ${h.hours.toFixed(1)} hours (${(h.hours / 24).toFixed(1)} days)`),
      '  assuming:',
      ...e.assumptions.map((a) => `  - ${a}`),
    )
  }
  return out.join('\n') + '\n'
}
