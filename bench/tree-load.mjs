// Benchmark: the tree stage alone (loadPackages, lockfile mode) on a generated flat lockfile of N
// packages (lockfileVersion 3, written directly: the packages need not exist), each depending on up
// to three others, as large flat trees are. Prints wall time, CPU time and heap per size.
// Run: npm run build && node bench/tree-load.mjs 1000 5000 10000
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadPackages } from '../dist/tree/index.js'

/** A project folder with package.json and a flat package-lock.json of `n` registry packages. */
function writeFlatProject(n) {
  const dir = mkdtempSync(join(tmpdir(), 'verify-deps-bench-tree-'))
  const name = (i) => (i % 5 === 0 ? `@s${i % 7}/pkg-${i}` : `pkg-${i}`)
  const dependencies = Object.fromEntries(Array.from({ length: Math.min(n, 200) }, (_, i) => [name(i), '^1.0.0']))
  const packages = { '': { name: 'app', version: '1.0.0', dependencies } }
  for (let i = 0; i < n; i++) {
    const deps = {}
    for (let k = 1; k <= 3; k++) {
      const j = (i * 7 + k * 13) % n
      if (j !== i) deps[name(j)] = '^1.0.0'
    }
    const base = name(i).split('/').pop()
    packages[`node_modules/${name(i)}`] = {
      version: '1.0.0',
      resolved: `https://registry.npmjs.org/${name(i)}/-/${base}-1.0.0.tgz`,
      integrity: `sha512-${createHash('sha512').update(name(i)).digest('base64')}`,
      ...(Object.keys(deps).length > 0 && { dependencies: deps }),
    }
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', dependencies }))
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }))
  return dir
}

for (const n of process.argv.slice(2).map(Number)) {
  const dir = writeFlatProject(n)
  try {
    const cpu = process.cpuUsage()
    const start = performance.now()
    const result = await loadPackages({ projectDir: dir, registryFor: () => 'https://registry.npmjs.org/' })
    const wallMs = performance.now() - start
    const { user, system } = process.cpuUsage(cpu)
    const heapMiB = process.memoryUsage().heapUsed / 2 ** 20
    console.log(`${String(n).padStart(6)} packages: ${result.packages.length} found, wall ${wallMs.toFixed(0)} ms, cpu ${((user + system) / 1000).toFixed(0)} ms, heap ${heapMiB.toFixed(0)} MiB`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
