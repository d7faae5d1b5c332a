/**
 * The layering the developer guide promises, checked on every import under lib/ (docs/architecture.md):
 *
 *   stage      does I/O   may import (besides itself and the shared modules)
 *   tree       yes        —
 *   fetch      yes        tree
 *   verify     no         —
 *   policy     no         verify
 *   report     no         verify, policy
 *   shared     no         (lib/model*, lib/findings.ts, lib/errors.ts, lib/types/): shared modules only
 *   orchestr.  yes        (lib/check.ts, lib/verify-tarball.ts, lib/gate/, lib/demo/, lib/audit/): stages, shared, other orchestrators
 *   cli        yes        anything
 *
 * No stage imports a later one; the pure stages (verify, policy, report) import no I/O stage (tree,
 * fetch: policy parses the text of a policy file, fetch reads it); and nothing under lib/ but lib/cli imports lib/cli (the public entry
 * lib/index.ts re-exports the exit codes, which the CLI owns: the one listed exception).
 */
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const STAGES = ['tree', 'fetch', 'verify', 'policy', 'report'] as const
const IO = new Set<Layer>(['tree', 'fetch'])
const PURE = new Set<Layer>(['verify', 'policy', 'report'])
type Layer = (typeof STAGES)[number] | 'shared' | 'orchestrator' | 'cli' | 'entry'

/** Imports the rules allow although their layers do not: `from → to`, each with its reason above. */
const EXCEPTIONS = new Set([
  // The public library API re-exports EXIT and exitCodeForReport; exit codes are defined by the CLI.
  'lib/index.ts → lib/cli/exit-codes.ts',
])

function layerOf(file: string): Layer {
  const parts = file.split('/')
  if (parts[0] !== 'lib') throw new Error(`not under lib/: ${file}`)
  if (file === 'lib/index.ts') return 'entry'
  const top = parts[1]!.replace(/\.ts$/, '')
  if ((STAGES as readonly string[]).includes(top) && parts.length > 2) return top as Layer
  if (top === 'cli' && parts.length > 2) return 'cli'
  if (top === 'model' || top === 'findings' || top === 'errors' || top === 'cjs' || (top === 'types' && parts.length > 2)) return 'shared'
  if (file === 'lib/check.ts' || file === 'lib/check-pipeline.ts' || file === 'lib/verify-tarball.ts' || ((top === 'gate' || top === 'demo' || top === 'audit') && parts.length > 2)) return 'orchestrator'
  throw new Error(`${file}: no layer: add it to test/architecture.test.ts and docs/architecture.md`)
}

function mayImport(from: Layer, to: Layer): boolean {
  if (from === to || from === 'cli' || to === 'shared') return true
  if (to === 'cli') return false
  if (from === 'entry' || from === 'orchestrator') return true
  if (from === 'shared') return false
  const f = STAGES.indexOf(from), i = STAGES.indexOf(to as (typeof STAGES)[number])
  return i >= 0 && i < f && !(PURE.has(from) && IO.has(to))
}

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = posix.join(dir, e.name)
    if (e.isDirectory()) return tsFiles(path)
    return e.name.endsWith('.ts') ? [path] : []
  })
}

/** `import … from 'x'` / `export … from 'x'` (also multi-line), `import 'x'`, `import('x')`. */
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

/** Every relative module specifier of a file: static imports and re-exports (also multi-line, type-only), dynamic import(). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8')
  const specs: string[] = []
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3]!
    if (spec.startsWith('.')) specs.push(posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts'))
  }
  return specs
}

/** Every import edge between lib/ files: [from, to]. */
function edges(): [string, string][] {
  return tsFiles('lib').flatMap((file) => importsOf(file).filter((to) => to.startsWith('lib/')).map((to): [string, string] => [file, to]))
}

t.test('the import scanner sees static, multi-line, type-only and dynamic imports and re-exports', async (t) => {
  const all = edges()
  t.ok(all.length > 200, `found ${all.length} imports under lib/`)
  const has = (from: string, to: string) => all.some(([f, x]) => f === from && x === to)
  t.ok(has('lib/index.ts', 'lib/check.ts'), 're-export')
  t.ok(has('lib/cli/main.ts', 'lib/cli/exit-codes.ts'), 'static import')
  const specs = (text: string) => [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3])
  t.same(specs("import type {\n  A,\n  B,\n} from './a.js'\nimport './b.js'\nconst c = await import('./c.js')\nexport * from './d.js'"), ['./a.js', './b.js', './c.js', './d.js'])
  t.same(specs("export const DIR = new URL('../x/', import.meta.url)\n// import of 'y' in a comment"), [], 'strings in other statements are not imports')
})

t.test('every lib/ file has a layer', async (t) => {
  for (const file of tsFiles('lib')) t.doesNotThrow(() => layerOf(file), file)
})

t.test('nothing under lib/ but lib/cli imports lib/cli', async (t) => {
  const bad = edges().filter(([from, to]) => to.startsWith('lib/cli/') && !from.startsWith('lib/cli/') && !EXCEPTIONS.has(`${from} → ${to}`))
  t.same(bad.map(([f, x]) => `${f} → ${x}`), [])
})

t.test('no stage imports a later stage, the CLI or an orchestrator; pure stages import no I/O stage; shared modules import only shared modules', async (t) => {
  const bad = edges().filter(([from, to]) => !mayImport(layerOf(from), layerOf(to)) && !EXCEPTIONS.has(`${from} → ${to}`))
  t.same(bad.map(([f, x]) => `${f} → ${x}`), [])
})

t.test('every listed exception still exists (remove it when the import goes)', async (t) => {
  const all = new Set(edges().map(([f, x]) => `${f} → ${x}`))
  for (const e of EXCEPTIONS) t.ok(all.has(e), e)
})

t.test('bin/ only launches the compiled CLI', async (t) => {
  const text = readFileSync(join(ROOT, 'bin/verify-deps.js'), 'utf8')
  const specs = [...text.matchAll(/\bimport\s*(?:\(\s*)?[^'"]*['"]([^'"]+)['"]/g)].map((m) => m[1])
  t.ok(specs.length > 0 && specs.every((s) => s!.startsWith('../dist/cli/')), `bin imports ${specs.join(', ')}`)
})
