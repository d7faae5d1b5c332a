// Benchmark of the fetch → verify pipeline (issue 11, area "pipe"): a flat world of N packages on
// the loopback registry, every package signed, 4 in 5 with SLSA provenance and a publish
// attestation, its lockfile written directly (no npm run, so 10,000 packages take seconds to set
// up). Runs one or more builds of verify-deps on it cold (empty verification cache), one after the
// other, and prints wall time, peak RSS, registry requests per package and the report's digest
// (identical digests: identical reports, so identical verdicts).
// Run: npm run build && TS_NODE_TRANSPILE_ONLY=1 node --import=./node_modules/@tapjs/typescript/dist/esm/import.mjs \
//        bench/pipe-world.ts --packages 10000 --keys tuf [--bin other/bin/verify-deps.js …] [--concurrency N]
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { createScenario, type PackageSpec } from '../test/helpers/scenario/index.js'
import { cleanEnv } from '../test/cli/run.js'

const { values } = parseArgs({
  options: {
    packages: { type: 'string', default: '2000' },
    keys: { type: 'string', default: 'tuf' },
    bin: { type: 'string', multiple: true },
    concurrency: { type: 'string' },
    format: { type: 'string', default: 'json' },
    // e.g. --node-arg=--cpu-prof --node-arg=--cpu-prof-dir=/tmp/prof
    'node-arg': { type: 'string', multiple: true },
  },
})
const TOTAL = Number(values.packages)
const BINS = values.bin?.length ? values.bin : [fileURLToPath(new URL('../bin/verify-deps.js', import.meta.url))]

const packages: PackageSpec[] = Array.from({ length: TOTAL }, (_, i) => ({ name: `p-${i}`, version: '1.0.0', ...(i % 5 === 4 ? { provenance: 'missing' as const } : {}) }))
const teardowns: (() => unknown)[] = []
let started = performance.now()
const s = await createScenario({ teardown: (fn) => teardowns.push(fn) }, { packages, lockfile: false })
// The lockfile npm would write for a flat tree: one entry per package, resolved and integrity from the registry.
const root = JSON.parse(readFileSync(join(s.projectDir, 'package.json'), 'utf8')) as { name: string; version?: string; dependencies?: Record<string, string> }
const lock = {
  name: root.name,
  version: root.version ?? '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: root.name, version: root.version ?? '1.0.0', dependencies: root.dependencies ?? {} },
    ...Object.fromEntries(packages.map((p) => {
      const v = s.version(`${p.name}@${p.version}`)
      return [`node_modules/${p.name}`, { version: p.version, resolved: `${s.registry.url}${p.name}/-/${p.name}-${p.version}.tgz`, integrity: v.integrity }]
    })),
  },
}
writeFileSync(join(s.projectDir, 'package-lock.json'), JSON.stringify(lock, null, 2) + '\n')
const keysFile = values.keys === 'tuf' ? s.writeRegistryKeysFile(s.trustedKeys, 'tuf') : s.registryKeysFile
console.log(`world: ${TOTAL} packages, ${values.keys} keys, generated in ${((performance.now() - started) / 1000).toFixed(1)} s`)
const env = cleanEnv(join(s.dir, 'home'))
// Peak RSS and CPU time of the child (the machine may be shared: CPU time compares builds better than wall time).
const USAGE = join(s.dir, 'usage.cjs')
writeFileSync(USAGE, "process.on('exit', () => process.stderr.write('\\nBENCH_USAGE=' + JSON.stringify(process.resourceUsage()) + '\\n'))\n")

function run(bin: string): Promise<void> {
  const cache = join(s.dir, 'bench-cache')
  rmSync(cache, { recursive: true, force: true })
  s.registry.clearRequests()
  const args = [
    ...(values['node-arg'] ?? []), '--require', USAGE, bin, s.projectDir, `--format=${values.format}`, '--trusted-root', s.trustedRootFile,
    '--registry-keys', `${s.registry.url}=${keysFile}`, '--cache-dir', cache,
    ...(values.concurrency ? ['--concurrency', values.concurrency] : []),
  ]
  return new Promise((resolve, reject) => {
    started = performance.now()
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const digest = createHash('sha256')
    let bytes = 0
    let err = ''
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length
      digest.update(d)
    })
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (status) => {
      const ms = performance.now() - started
      const usage = JSON.parse(/BENCH_USAGE=(.*)/.exec(err)?.[1] ?? '{}') as Partial<NodeJS.ResourceUsage>
      const rss = usage.maxRSS ?? 0
      const cpuS = ((usage.userCPUTime ?? 0) + (usage.systemCPUTime ?? 0)) / 1e6
      const requests = s.registry.requests.length
      const routes = new Map<string, number>()
      for (const r of s.registry.requests) routes.set(r.route, (routes.get(r.route) ?? 0) + 1)
      const byRoute = [...routes].map(([route, n]) => `${route} ${n}`).join(', ')
      console.log(`${bin}\n  exit ${status}  ${(ms / 1000).toFixed(2)} s wall  ${cpuS.toFixed(2)} s CPU  peak RSS ${(rss / 1024).toFixed(0)} MiB  requests ${requests} (${(requests / TOTAL).toFixed(2)}/package: ${byRoute})  report ${bytes} bytes sha256 ${digest.digest('hex').slice(0, 16)}`)
      if (status !== 0 && status !== 1) console.log(err.slice(-2000))
      if (process.env.BENCH_STDERR) console.log(err.slice(-4000))
      resolve()
    })
  })
}

try {
  for (const bin of BINS) await run(bin)
} finally {
  for (const fn of teardowns.reverse()) await fn()
}
