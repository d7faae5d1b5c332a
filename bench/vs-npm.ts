// Benchmark: verify-deps against `npm audit signatures`, run unmodified, on the same generated world
// (bench/world.ts) on the loopback registry: cold and warm medians, ratios, peak RSS, registry
// requests per package, optionally through a delay proxy (--rtt), and `verify-deps --version`.
// Run: npm run bench:vs-npm -- --tree 1000   (builds first; no network; --help for the options)
import { mkdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { cleanEnv } from '../test/cli/run.js'
import { startDelayProxy, type DelayProxy } from '../test/helpers/delay-proxy.js'
import { NpmAuditContender, VerifyDepsContender, type Contender, type RunKind } from './contenders.js'
import { measure, median } from './measure.js'
import { compareVerdicts, decisionsOf } from './verdicts.js'
import { createWorld, type World } from './world.js'
import { formatTable, type BenchResult, type ToolResult } from './vs-npm-table.js'

const BIN = fileURLToPath(new URL('../bin/verify-deps.js', import.meta.url))
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url))
/** Above this, `npm install --package-lock-only` takes minutes: the lockfile is written directly (same shape). */
const NPM_LOCKFILE_MAX = 2000

const HELP = `Usage: npm run bench:vs-npm -- [options]

verify-deps against \`npm audit signatures\` on the same generated world (loopback registry, test PKI).
  --tree N             packages in the tree (default 1000)
  --rounds N           rounds per measurement, each a fresh process; medians are printed (default 3)
  --rtt MS             put a delay proxy adding MS ms per request between both tools and the registry
  --only TOOL          verify-deps | npm: measure one tool (e.g. --tree 10000 --only verify-deps for peak RSS)
  --lockfile HOW       npm | direct: how to write package-lock.json (default npm up to ${NPM_LOCKFILE_MAX} packages)
  --version-spawns N   spawns of \`verify-deps --version\` and \`node -e 0\` (default 20; 0 to skip)
  --history N          versions per package (default 1): N - 1 earlier ones in its release line, which
                       the trust-over-time step reads and verifies (docs/continuity.md)
  --json               print the results as JSON instead of the table
Progress goes to stderr. Ctrl-C stops the bench and removes its servers and temp files (while the
world is being generated, once it is: the generator does not yield).
`

interface Options {
  tree: number
  rounds: number
  rttMs: number
  only: 'verify-deps' | 'npm' | null
  lockfile: 'npm' | 'direct'
  versionSpawns: number
  history: number
  json: boolean
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      tree: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '3' },
      rtt: { type: 'string', default: '0' },
      only: { type: 'string' },
      lockfile: { type: 'string' },
      'version-spawns': { type: 'string', default: '20' },
      history: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(HELP)
    process.exit(0)
  }
  const tree = integer('--tree', values.tree, 1)
  const only = values.only ?? null
  if (only !== null && only !== 'verify-deps' && only !== 'npm') throw new UsageError(`--only must be verify-deps or npm, got ${only}`)
  const lockfile = values.lockfile ?? (tree <= NPM_LOCKFILE_MAX ? 'npm' : 'direct')
  if (lockfile !== 'npm' && lockfile !== 'direct') throw new UsageError(`--lockfile must be npm or direct, got ${lockfile}`)
  return {
    tree,
    rounds: integer('--rounds', values.rounds, 1),
    rttMs: integer('--rtt', values.rtt, 0),
    only,
    lockfile,
    versionSpawns: integer('--version-spawns', values['version-spawns'], 0),
    history: integer('--history', values.history, 1),
    json: values.json,
  }
}

class UsageError extends Error {}

function integer(flag: string, value: string, min: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got ${value}`)
  return n
}

const log = (line: string): void => void process.stderr.write(`${line}\n`)

/** The environment both tools run in: no user or global npmrc, no proxy but the delay proxy. */
function baseEnv(home: string, proxy: DelayProxy | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = cleanEnv(home, { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_color: 'false' })
  for (const name of Object.keys(env)) if (/^(https?_proxy|no_proxy|proxy)$/i.test(name)) delete env[name]
  if (proxy) env.npm_config_proxy = proxy.url
  return env
}

interface Counters {
  registry: () => number
  /** Requests the delay proxy forwarded; null without --rtt. */
  proxy: (() => number) | null
}

/**
 * `rounds` rounds of `kind` runs, the tools taking turns within each round so that a change in the
 * machine's load falls on both; before a cold run the tool's caches are emptied, a warm run uses
 * what the runs before it left.
 */
async function runRounds(kind: RunKind, contenders: readonly Contender[], rounds: number, world: World, counters: Counters): Promise<ToolResult[]> {
  const runs = contenders.map(() => ({ ms: [] as number[], rss: [] as number[], requests: [] as number[] }))
  for (let round = 1; round <= rounds; round++) {
    for (const [i, contender] of contenders.entries()) {
      if (kind === 'cold') contender.clearCaches()
      world.scenario.registry.clearRequests()
      const proxied = counters.proxy?.()
      const m = await contender.run()
      contender.check(m, kind)
      const made = counters.registry()
      // A tool that bypassed the proxy would be measured without the round trips.
      if (counters.proxy && made > 0 && counters.proxy() === proxied) throw new Error(`${contender.name}: ${made} registry requests, none through the delay proxy`)
      runs[i]!.ms.push(m.ms)
      runs[i]!.rss.push(m.rssBytes)
      runs[i]!.requests.push(made)
      log(`  ${kind} round ${round} ${contender.name}: ${(m.ms / 1000).toFixed(2)} s, peak RSS ${(m.rssBytes / 1e6).toFixed(0)} MB, ${made} registry requests`)
    }
  }
  return runs.map((r) => ({
    medianMs: median(r.ms),
    runsMs: r.ms.map(Math.round),
    peakRssBytes: Math.max(...r.rss),
    requestsPerPackage: median(r.requests) / world.expected.length,
  }))
}

/**
 * Verdict identity across runs, and what verify-deps decided for the packages npm lists as missing
 * a signature (the world's unsigned ones; NpmAuditContender checks that list) and for those without
 * provenance, which npm does not count as verified attestations.
 */
function verdictSummary(world: World, verifyDeps: VerifyDepsContender): NonNullable<BenchResult['verifyDeps']>['verdicts'] {
  const first = verifyDeps.verdicts[0]!.verdicts
  const ids = (keep: (p: World['expected'][number]) => boolean) => world.expected.filter(keep).map((p) => `${p.name}@${p.version}`)
  return {
    identicalRuns: verifyDeps.verdicts.length,
    counts: first.counts,
    unsigned: decisionsOf(first, ids((p) => !p.signed)),
    withoutProvenance: decisionsOf(first, ids((p) => p.signed && !p.provenance)),
    withProvenance: decisionsOf(first, ids((p) => p.signed && p.provenance)),
    // The world's own verdicts: unsigned fail, signed without provenance warn, the rest pass.
    unexpected: world.expected
      .map((p) => ({ id: `${p.name}@${p.version}`, want: !p.signed ? 'fail' : p.provenance ? 'pass' : 'warn' }))
      .filter(({ id, want }) => first.byPackage.get(id)?.split(' ')[0] !== want)
      .slice(0, 10)
      .map(({ id, want }) => `${id}: ${first.byPackage.get(id) ?? 'absent'} (the world says ${want})`),
  }
}

async function benchVersion(spawns: number, env: NodeJS.ProcessEnv, cwd: string) {
  const tool: number[] = []
  const node: number[] = []
  for (let i = 0; i < spawns; i++) {
    const v = await measure(process.execPath, [BIN, '--version'], { cwd, env, maxrss: false })
    if (v.status !== 0) throw new Error(`verify-deps --version exited ${String(v.status)}: ${v.stderr}`)
    tool.push(v.ms)
    node.push((await measure(process.execPath, ['-e', '0'], { cwd, env, maxrss: false })).ms)
  }
  return { medianMs: median(tool), nodeMedianMs: median(node), spawns }
}

function npmVersion(): string {
  const result = spawnSync('npm', ['--version'], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`npm is not on PATH (npm --version: ${result.error?.message ?? result.stderr})`)
  return result.stdout.trim()
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  if (!existsSync(BUILT)) throw new UsageError('dist/ is missing: run `npm run build` (npm run bench:vs-npm builds first)')
  const withNpm = options.only !== 'verify-deps'
  const withVerifyDeps = options.only !== 'npm'
  const npm = withNpm ? npmVersion() : null

  const teardowns: (() => unknown)[] = []
  const owner = { teardown: (fn: () => unknown) => void teardowns.push(fn) }
  const teardown = async () => {
    for (const fn of teardowns.splice(0).reverse()) await fn()
  }
  const interrupted = () => void teardown().finally(() => process.exit(130))
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted)
  try {
    log(`generating ${options.tree} packages (lockfile by ${options.lockfile}) …`)
    const world = await createWorld(owner, options.tree, options.lockfile, options.history)
    log(`  world ready in ${(world.setupMs / 1000).toFixed(1)} s (lockfile ${(world.lockfile.ms / 1000).toFixed(1)} s by ${world.lockfile.by})`)
    let installMs: number | null = null
    if (withNpm) {
      log('installing node_modules with npm ci (npm audit signatures audits the installed tree) …')
      const started = performance.now()
      const ci = await world.scenario.npm(['ci', '--no-audit', '--no-fund'])
      if (ci.code !== 0) throw new Error(`npm ci exited ${String(ci.code)}:\n${ci.stderr.slice(0, 4000)}`)
      installMs = performance.now() - started
    }
    // The delay starts after setup: only the measured runs pay it.
    const proxy = options.rttMs > 0 ? await startDelayProxy({ delayMs: options.rttMs }) : null
    if (proxy) owner.teardown(() => proxy.close())
    const home = join(world.scenario.dir, 'bench-home')
    mkdirSync(home, { recursive: true })
    const env = baseEnv(home, proxy)
    const counters: Counters = { registry: () => world.scenario.registry.requests.length, proxy: proxy ? () => proxy.requests : null }

    const verifyDeps = withVerifyDeps ? new VerifyDepsContender(world, env) : null
    const npmAudit = withNpm ? new NpmAuditContender(world, env) : null
    const contenders = [verifyDeps, npmAudit].filter((c): c is NonNullable<typeof c> => c !== null)
    const cold = await runRounds('cold', contenders, options.rounds, world, counters)
    const warm = await runRounds('warm', contenders, options.rounds, world, counters)
    const results = new Map(contenders.map((c, i) => [c.name, { cold: cold[i]!, warm: warm[i]! }]))
    const vd = verifyDeps ? results.get(verifyDeps.name)! : null
    const npmResult = npmAudit ? results.get(npmAudit.name)! : null
    if (verifyDeps) compareVerdicts(verifyDeps.verdicts)
    const version = withVerifyDeps && options.versionSpawns > 0 ? await benchVersion(options.versionSpawns, env, world.scenario.projectDir) : null

    const result: BenchResult = {
      tree: world.expected.length,
      rounds: options.rounds,
      rttMs: options.rttMs,
      node: process.version,
      npm,
      world: {
        signed: world.expected.filter((p) => p.signed).length,
        withProvenance: world.expected.filter((p) => p.provenance).length,
        setupMs: Math.round(world.setupMs),
        lockfile: { by: world.lockfile.by, ms: Math.round(world.lockfile.ms) },
        npmCiMs: installMs === null ? null : Math.round(installMs),
      },
      verifyDeps: vd && verifyDeps && { ...vd, verdicts: verdictSummary(world, verifyDeps) },
      npmAuditSignatures: npmResult,
      ratios: vd && npmResult ? { cold: npmResult.cold.medianMs / vd.cold.medianMs, warm: npmResult.warm.medianMs / vd.warm.medianMs } : null,
      version,
    }
    process.stdout.write(options.json ? JSON.stringify(result, null, 2) + '\n' : formatTable(result))
  } finally {
    await teardown()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:vs-npm: ${err instanceof Error ? err.message : String(err)}\n`)
  if (err instanceof UsageError) process.stderr.write(HELP)
  process.exitCode = err instanceof UsageError ? 2 : 1
})
