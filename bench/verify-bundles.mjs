#!/usr/bin/env node
// Benchmark: verify real npm attestation bundles (from fixtures/corpus) in milliseconds per bundle.
// Run after `npm run build`:
//   node bench/verify-bundles.mjs [count] [--baseline <other build's dist/>]
// e.g. `git worktree add ../base main && (cd ../base && npm run build)` then
//   node bench/verify-bundles.mjs --baseline ../base/dist
// measures both builds in one process, alternating rounds, and prints their ratio: the ratio is what
// to compare across machines, never the absolute times.
//
// Three ways to verify:
// - reused:     one trust context for every bundle (a run); the corpus has few distinct bundles, so
//               this repeats them, and per-run caches see the same leaf certificates again;
// - new leaves: each distinct bundle once with a fresh trust context warmed by one other bundle, so
//               every leaf certificate is new to the caches, as in a real run (packages' leaves differ);
// - per bundle: trust material built for every bundle (what pacote does: each sigstore.verify() call
//               loads the trusted root and builds a new Verifier).
// "new leaves, least" is the mean over the distinct bundles of each one's least time across every
// pass and round: what a bundle costs when nothing else wants the CPU. On a shared 2-core machine the
// medians can be twice that while other processes run; compare the floor to the signature checks'.
import { readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { resolve } from 'node:path'
import { performance } from 'node:perf_hooks'

const args = process.argv.slice(2)
const baselineAt = args.indexOf('--baseline')
const baselineDist = baselineAt >= 0 ? args.splice(baselineAt, 2)[1] : undefined
if (baselineAt >= 0 && !baselineDist) throw new Error('--baseline needs a dist directory')
const COUNT = Number(args[0] ?? 400)

const corpus = fileURLToPath(new URL('../fixtures/corpus/', import.meta.url))
const files = {
  trustedRootFile: `${corpus}trust/sigstore-public-good.trusted_root.json`,
  registryKeysFile: `${corpus}trust/npm-registry-keys.tuf-keys.json`,
}
const { cases } = JSON.parse(readFileSync(`${corpus}cases.json`, 'utf8'))
const bundles = cases
  .filter((c) => c.kind === 'attestations' && c.expect === 'verify')
  .flatMap((c) => JSON.parse(readFileSync(corpus + c.file, 'utf8')).attestations.map((a) => a.bundle))
const work = Array.from({ length: COUNT }, (_, i) => bundles[i % bundles.length])
const hasCertificate = (b) => !b.verificationMaterial.publicKey

async function load(name, dist) {
  const at = (file) => pathToFileURL(resolve(dist, file)).href
  const { loadTrustFiles } = await import(at('fetch/trust.js'))
  const { createTrustContext } = await import(at('verify/trust-context.js'))
  const trust = loadTrustFiles(files)
  return { name, dist, context: () => createTrustContext(trust), setup: () => createTrustContext(loadTrustFiles(files)) }
}

function reused(impl) {
  const ctx = impl.context()
  let ok = 0
  const start = performance.now()
  for (const b of work) if (ctx.bundles.verify(b).ok) ok++
  return { ms: performance.now() - start, ok, n: work.length }
}

function newLeaves(impl) {
  let ms = 0
  let ok = 0
  let n = 0
  impl.least ??= bundles.map(() => Infinity)
  for (let pass = 0; n < COUNT; pass++) {
    for (let i = 0; i < bundles.length && n < COUNT; i++) {
      // Warm a fresh context with one other certificate bundle and one key bundle (untimed).
      const ctx = impl.context()
      const warm = bundles.filter((b, j) => j !== i)
      ctx.bundles.verify(warm.find(hasCertificate))
      ctx.bundles.verify(warm.find((b) => !hasCertificate(b)))
      const start = performance.now()
      if (ctx.bundles.verify(bundles[i]).ok) ok++
      const took = performance.now() - start
      impl.least[i] = Math.min(impl.least[i], took)
      ms += took
      n++
    }
  }
  return { ms, ok, n }
}

/** Mean over the distinct bundles (those matching `which`) of each one's least "new leaves" time. */
function least(impl, which = () => true) {
  const times = impl.least.filter((_, i) => which(bundles[i]))
  return times.reduce((a, b) => a + b, 0) / times.length
}

function perBundle(impl) {
  let ok = 0
  const start = performance.now()
  for (const b of work) if (impl.setup().bundles.verify(b).ok) ok++
  return { ms: performance.now() - start, ok, n: work.length }
}

const impls = [await load('this build', fileURLToPath(new URL('../dist/', import.meta.url)))]
if (baselineDist) impls.push(await load(`baseline (${baselineDist})`, baselineDist))
const modes = { reused, 'new leaves': newLeaves, 'per bundle': perBundle }

// Warm up every path once (JIT, module loading), then alternate to spread machine noise evenly.
for (const impl of impls) for (const run of Object.values(modes)) run(impl)
const rounds = 3
const results = new Map()
for (let r = 0; r < rounds; r++) {
  for (const [mode, run] of Object.entries(modes)) {
    for (const impl of impls) {
      const key = `${impl.name}/${mode}`
      const res = run(impl)
      if (res.ok !== res.n) throw new Error(`${key}: only ${res.ok}/${res.n} bundles verified`)
      results.set(key, [...(results.get(key) ?? []), res.ms / res.n])
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
console.log(`bundles: ${COUNT} per mode (${bundles.length} distinct real npm bundles, ${bundles.filter(hasCertificate).length} with certificates); median of ${rounds} alternating rounds`)
console.log(['ms/bundle'.padEnd(14), ...impls.map((i) => i.name.padStart(Math.max(12, i.name.length))), ...(impls.length > 1 ? ['baseline/this'] : [])].join('  '))
for (const mode of Object.keys(modes)) {
  const ms = impls.map((i) => median(results.get(`${i.name}/${mode}`)))
  const cells = ms.map((m, k) => m.toFixed(2).padStart(Math.max(12, impls[k].name.length)))
  console.log([mode.padEnd(14), ...cells, ...(ms.length > 1 ? [`${(ms[1] / ms[0]).toFixed(2)}x`.padStart(13)] : [])].join('  '))
}
const leastCells = impls.map((i, k) => least(i).toFixed(2).padStart(Math.max(12, impls[k].name.length)))
console.log(['new, least'.padEnd(14), ...leastCells, ...(impls.length > 1 ? [`${(least(impls[1]) / least(impls[0])).toFixed(2)}x`.padStart(13)] : [])].join('  '))
for (const impl of impls) {
  console.log(`${impl.name}: least with a certificate ${least(impl, hasCertificate).toFixed(2)} ms, with a key ${least(impl, (b) => !hasCertificate(b)).toFixed(2)} ms`)
}
const [self] = impls
console.log(`per bundle / reused (this build): ${(median(results.get(`${self.name}/per bundle`)) / median(results.get(`${self.name}/reused`))).toFixed(2)}x`)
