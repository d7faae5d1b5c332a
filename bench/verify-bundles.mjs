#!/usr/bin/env node
// Benchmark: verify 400 real npm attestation bundles (from fixtures/corpus) with one Verifier built
// once per run, against building the trust material per bundle (what pacote does: each
// sigstore.verify() call loads the trusted root and builds a new Verifier).
// Run after `npm run build`:  node bench/verify-bundles.mjs [count]
// Prints times for both in the same run and their ratio; the ratio is what to compare across machines.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { loadTrustFiles } from '../dist/fetch/trust.js'
import { createTrustContext } from '../dist/verify/trust-context.js'

const COUNT = Number(process.argv[2] ?? 400)
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

function reused() {
  const ctx = createTrustContext(loadTrustFiles(files))
  let ok = 0
  for (const b of work) if (ctx.bundles.verify(b).ok) ok++
  return ok
}

function perBundle() {
  let ok = 0
  for (const b of work) if (createTrustContext(loadTrustFiles(files)).bundles.verify(b).ok) ok++
  return ok
}

function time(fn) {
  const start = performance.now()
  const ok = fn()
  return { ms: performance.now() - start, ok }
}

// Warm up both paths once (JIT, module loading), then alternate to spread machine noise evenly.
reused()
perBundle()
const rounds = 3
const results = { reused: [], perBundle: [] }
for (let r = 0; r < rounds; r++) {
  results.reused.push(time(reused))
  results.perBundle.push(time(perBundle))
}
const median = (xs) => xs.map((x) => x.ms).sort((a, b) => a - b)[Math.floor(xs.length / 2)]
for (const [name, runs] of Object.entries(results)) {
  if (runs.some((r) => r.ok !== COUNT)) throw new Error(`${name}: only ${runs[0].ok}/${COUNT} bundles verified`)
}
const a = median(results.reused)
const b = median(results.perBundle)
console.log(`bundles: ${COUNT} (${bundles.length} distinct real npm bundles, repeated)`)
console.log(`one reused Verifier:        ${a.toFixed(0)} ms  (${(a / COUNT).toFixed(2)} ms/bundle)`)
console.log(`trust setup per bundle:     ${b.toFixed(0)} ms  (${(b / COUNT).toFixed(2)} ms/bundle)`)
console.log(`ratio per-bundle / reused:  ${(b / a).toFixed(2)}x  (median of ${rounds} alternating rounds)`)
