#!/usr/bin/env node
// Line coverage per folder of lib/, from tap's json-summary report (c8), against the thresholds CI
// enforces (docs/testing.md): lib/verify/ and lib/policy/ at least 95%, lib/ as a whole at least 85%.
// A source file no test loads counts with all its code lines uncovered (tap only reports loaded
// files). Prints the table; exits 1 below a threshold or without a report.
//   node .ci/coverage.mjs [.tap/report/coverage-summary.json]
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..')
const THRESHOLDS = { 'lib/verify': 95, 'lib/policy': 95, lib: 85 }

const summaryFile = resolve(process.argv[2] ?? join(ROOT, '.tap/report/coverage-summary.json'))
let summary
try {
  summary = JSON.parse(readFileSync(summaryFile, 'utf8'))
} catch (err) {
  console.error(`coverage: no report at ${summaryFile} (${err.code ?? err.message}); run npm test with coverage on`)
  process.exit(1)
}

/** Every TypeScript source file of lib/ (declaration files hold no code). */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return sources(path)
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : []
  })
}

/**
 * Lines that are neither blank nor only a comment: about what c8 would count for a file never loaded.
 * A file of types only compiles to no code: 0.
 */
function codeLines(file) {
  const text = readFileSync(file, 'utf8')
  if (!/^(export\s+)?(default\s+)?(async\s+)?(function|const|let|class|enum)\b/m.test(text)) return 0
  let inBlock = false
  let n = 0
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (inBlock) {
      if (line.includes('*/')) inBlock = false
      continue
    }
    if (line === '' || line.startsWith('//')) continue
    if (line.startsWith('/*')) {
      inBlock = !line.includes('*/')
      continue
    }
    n++
  }
  return n
}

const files = new Map() // lib-relative path → { total, covered, loaded }
for (const file of sources(join(ROOT, 'lib'))) {
  const total = codeLines(file)
  if (total > 0) files.set(relative(ROOT, file), { total, covered: 0, loaded: false })
}
for (const [file, data] of Object.entries(summary)) {
  if (file === 'total') continue
  const rel = relative(ROOT, file)
  if (!rel.startsWith('lib/')) continue
  files.set(rel, { total: data.lines.total, covered: data.lines.covered, loaded: true })
}

const folders = new Map()
const add = (name, f) => {
  const entry = folders.get(name) ?? { total: 0, covered: 0, files: 0, unloaded: [] }
  entry.total += f.total
  entry.covered += f.covered
  entry.files++
  folders.set(name, entry)
  return entry
}
for (const [rel, f] of files) {
  const parts = rel.split('/')
  const folder = parts.length > 2 ? parts.slice(0, 2).join('/') : 'lib (top)'
  const entry = add(folder, f)
  if (!f.loaded) entry.unloaded.push(rel)
  add('lib', f)
}

const pct = (e) => (e.total === 0 ? 100 : (100 * e.covered) / e.total)
const rows = [...folders].filter(([name]) => name !== 'lib').sort(([a], [b]) => a.localeCompare(b))
rows.push(['lib', folders.get('lib')])
let failed = false
console.log('coverage (lines)                 files   covered/total       %   threshold')
for (const [name, e] of rows) {
  const threshold = THRESHOLDS[name]
  const low = threshold !== undefined && pct(e) < threshold
  if (low) failed = true
  const mark = threshold === undefined ? '' : `${low ? 'FAIL' : 'ok'}  >= ${threshold}%`
  console.log(`${(name === 'lib' ? 'lib (all)' : name).padEnd(32)} ${String(e.files).padStart(5)} ${`${e.covered}/${e.total}`.padStart(15)} ${pct(e).toFixed(2).padStart(7)}   ${mark}`)
}
const unloaded = rows.flatMap(([name, e]) => (name === 'lib' ? [] : e.unloaded))
if (unloaded.length) console.log(`not loaded by any test (counted as uncovered): ${unloaded.join(', ')}`)
if (failed) {
  console.log('coverage: below a threshold: add behaviour tests for the uncovered code (npx tap report text shows the lines)')
  process.exit(1)
}
