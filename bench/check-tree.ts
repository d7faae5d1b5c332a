// Benchmark: `verify-deps` on a generated 1,000-package tree on the loopback registry, cold (no
// verification cache) and warm (cache filled by the cold run), with wall time and peak RSS.
// Run: npm run bench:check   (builds first; uses the test scenario builder; no network)
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { createScenario, type PackageSpec } from '../test/helpers/scenario/index.js'
import { cleanEnv } from '../test/cli/run.js'

const TOTAL = Number(process.argv[2] ?? 1000)
const FANOUT = 10
const BIN = fileURLToPath(new URL('../bin/verify-deps.js', import.meta.url))
const MAXRSS = fileURLToPath(new URL('./maxrss.cjs', import.meta.url))

// A tree TOTAL packages large: TOTAL/FANOUT top-level packages, each depending on FANOUT-1 leaves.
const packages: PackageSpec[] = []
for (let i = 0; i < TOTAL / FANOUT; i++) {
  const leaves = Array.from({ length: FANOUT - 1 }, (_, j) => `leaf-${i}-${j}`)
  packages.push({ name: `top-${i}`, version: '1.0.0', dependencies: Object.fromEntries(leaves.map((l) => [l, '^1.0.0'])) })
  for (const l of leaves) packages.push({ name: l, version: '1.0.0', ...(j(l) % 5 === 0 ? { provenance: 'missing' as const } : {}) })
}
function j(name: string): number {
  return Number(name.split('-').at(-1))
}

const teardowns: (() => unknown)[] = []
const started = performance.now()
const s = await createScenario({ teardown: (fn) => teardowns.push(fn) }, { packages })
console.log(`generated ${packages.length} packages and a real npm lockfile in ${((performance.now() - started) / 1000).toFixed(1)} s`)
const env = cleanEnv(join(s.dir, 'home'))
const cache = join(s.dir, 'bench-cache')

function run(label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, ['--require', MAXRSS, BIN, s.projectDir, '--offline', '--trusted-root', s.trustedRootFile, '--cache-dir', cache, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (status) => {
      const ms = performance.now() - t0
      const rss = Number(/BENCH_MAXRSS_KB=(\d+)/.exec(err)?.[1] ?? 0)
      const summary = JSON.parse(out).summary
      const requests = s.registry.requests.length
      console.log(`${label.padEnd(5)} exit ${status}  ${(ms / 1000).toFixed(2)} s  peak RSS ${(rss / 1024).toFixed(0)} MiB  registry requests ${requests}  ${JSON.stringify(summary)}`)
      s.registry.clearRequests()
      resolve()
    })
  })
}

try {
  s.registry.clearRequests()
  await run('cold')
  await run('warm')
} finally {
  for (const fn of teardowns.reverse()) await fn()
}
