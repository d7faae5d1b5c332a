// `--version`, `--help` and a usage error must cost little more than starting node: they load the
// CLI's entry and its error reporting, never a command or a heavy dependency (arborist, npm config,
// npm-registry-fetch, sigstore, yaml). Asserted on what the process loaded, not on time; the time is
// in bench/ (docs/check.md, "Performance").
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { childCommand } from '../helpers/child.js'
import { BIN, cleanEnv } from './run.js'
import { createScenario } from '../helpers/scenario/index.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PRELOAD = fileURLToPath(new URL('../helpers/module-log.mjs', import.meta.url))

/** Everything `verify-deps <args>` loads (paths relative to the repository; `node:` built-ins left out). */
async function loadedBy(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ status: number | null; modules: string[]; builtins: string[]; imported: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'vd-startup-'))
  const log = join(dir, 'modules.log')
  try {
    const status = await new Promise<number | null>((resolve, reject) => {
      // Without tap's coverage loader (childCommand), which would be in the log too.
      const [file, argv] = childCommand(process.execPath, ['--import', PRELOAD, BIN, ...args])
      const child = spawn(file, argv, { ...(options.cwd && { cwd: options.cwd }), env: { ...(options.env ?? process.env), VERIFY_DEPS_MODULE_LOG: log }, stdio: 'ignore' })
      child.on('error', reject)
      child.on('close', resolve)
    })
    const all = readFileSync(log, 'utf8').split('\n')
    const lines = all.filter((l) => l && !l.startsWith('node:') && !l.startsWith('builtin:'))
    const paths = lines.map((l) => (l.startsWith('file:') ? fileURLToPath(l) : l))
    const builtins = [...new Set(all.filter((l) => l.startsWith('builtin:')).map((l) => l.slice('builtin:'.length)))].sort()
    // Dependencies resolved by node's ESM loader (the hook sees `import`, not `require`).
    const imported = [...new Set(lines.filter((l) => l.startsWith('file:') && l.includes('/node_modules/')).map((l) => relative(ROOT, fileURLToPath(l))))].sort()
    return { status, modules: [...new Set(paths.map((p) => relative(ROOT, p)))].sort(), builtins, imported }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The CLI entry, its exit codes and its error reporting: all `--version` and `--help` may load. */
const LIGHT = ['bin/verify-deps.js', 'package.json', 'dist/cli/main.js', 'dist/cli/exit-codes.js', 'dist/cli/terminal.js', 'dist/errors.js', 'dist/policy/errors.js', 'dist/report/describe.js']

for (const args of [['--version'], ['-v'], ['--version', 'check']]) {
  t.test(`verify-deps ${args.join(' ')} loads the launcher and its version module, nothing else`, async (t) => {
    const { status, modules } = await loadedBy(args)
    t.equal(status, 0)
    t.same(modules, ['bin/verify-deps.js', 'dist/cli/version.js'])
  })
}

const cases: [string[], number][] = [
  [['--help'], 0],
  [['help'], 0],
  [['frobnicate'], 2],
]

for (const [args, exit] of cases) {
  t.test(`verify-deps ${args.join(' ')} loads no command and no dependency`, async (t) => {
    const { status, modules } = await loadedBy(args)
    t.equal(status, exit)
    t.ok(modules.includes('dist/cli/main.js'), 'the module log saw the CLI load')
    t.same(modules.filter((m) => m.includes('node_modules')), [], 'no dependency is loaded')
    t.same(modules.filter((m) => !LIGHT.includes(m)), [], 'only the CLI entry and its error reporting')
  })
}

t.test('a command is loaded when it runs', async (t) => {
  const { status, modules } = await loadedBy(['policy', 'check', join(ROOT, 'no-such-policy.yaml')])
  t.equal(status, 2)
  t.ok(modules.includes('dist/cli/policy-commands.js'), 'the policy command was loaded for "policy check"')
  t.notOk(modules.includes('dist/cli/install-command.js'), 'other commands were not')
})

t.test('a warm check (the sealed store holds the tree and every package) loads no verifier and no tree, fetch or other report module', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'good', version: '1.0.0' }, { name: 'scripted', version: '1.0.0', scripts: { postinstall: 'node x.js' } }] })
  // As registry.npmjs.org says of its keys (the loopback registry's default is no-cache): remembered too.
  s.registry.keysCacheControl = 'public, max-age=300'
  const env = cleanEnv(join(s.dir, 'home'))
  const args = [s.projectDir, '--trusted-root', s.trustedRootFile, '--cache-dir', join(s.dir, 'cache'), '--json']
  const cold = await loadedBy(args, { cwd: s.dir, env })
  t.equal(cold.status, 0)
  t.ok(cold.modules.some((m) => m.includes('node_modules/@sigstore/verify/')), 'the cold run verified (the module log sees @sigstore)')
  s.registry.clearRequests()
  const warm = await loadedBy(args, { cwd: s.dir, env })
  t.equal(warm.status, 0)
  t.same(s.registry.requests, [], 'warm: no request')
  const heavy = (m: string) => /node_modules\/(@sigstore|sigstore|@npmcli\/arborist|npm-registry-fetch|make-fetch-happen|yaml|pacote)\//.test(m)
  t.same(warm.modules.filter(heavy), [], 'no verifier, arborist, npm-registry-fetch or yaml')
  const own = (prefix: string) => warm.modules.filter((m) => m.startsWith(prefix))
  t.same(own('dist/verify/').filter((m) => m !== 'dist/verify/pool.js'), [], 'no verify module but the (idle) pool')
  t.same(own('dist/tree/').filter((m) => m !== 'dist/tree/files.js'), [], 'no tree module but the file reader')
  t.same(own('dist/report/').filter((m) => !['dist/report/describe.js', 'dist/report/format-names.js', 'dist/report/json.js', 'dist/report/identity-fields.js', 'dist/report/registries.js'].includes(m)), [], 'the JSON writer only (not the report schema)')
  t.notOk(warm.modules.includes('dist/policy/explain.js'), "no explanation steps (explain's JSON is not a check's)")
})

t.test('a warm check with no install scripts and no version range in its policy loads no semver range, no npm gate or lifecycle handling and no HTTP client', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'good', version: '1.0.0' }] })
  s.registry.keysCacheControl = 'public, max-age=300'
  const env = cleanEnv(join(s.dir, 'home'))
  const args = [s.projectDir, '--trusted-root', s.trustedRootFile, '--cache-dir', join(s.dir, 'cache'), '--json']
  t.equal((await loadedBy(args, { cwd: s.dir, env })).status, 0)
  const warm = await loadedBy(args, { cwd: s.dir, env })
  t.equal(warm.status, 0)
  // npm's configuration loads semver's version parser (type-defs.js); nothing loads its ranges.
  t.same(warm.modules.filter((m) => /node_modules\/semver\/(ranges\/|classes\/(range|comparator)\.js|functions\/(satisfies|gte)\.js)/.test(m)), [], 'no semver range (the built-in policy names none)')
  t.same(warm.modules.filter((m) => ['dist/gate/npm.js', 'dist/policy/npm-rules.js'].includes(m)), [], 'npm --version is not asked, and its rules are not loaded')
  t.same(warm.modules.filter((m) => ['dist/cli/lifecycle.js', 'dist/gate/written.js'].includes(m)), [], 'not run by npm as a script: no lifecycle handling')
  t.ok(warm.builtins.includes('fs'), 'the module log sees built-ins')
  t.same(warm.builtins.filter((m) => ['http', 'https', 'tls', 'child_process'].includes(m)), [], 'no HTTP client (no request is made) and no child process')
  // The lockfile's integrities are one canonical sha512 each: recognised without npm's parser (model/integrity.ts).
  t.same(warm.modules.filter((m) => /node_modules\/(ssri|minipass)\//.test(m)), [], 'no ssri (nor its minipass)')
  // Through `import`, node's ESM loader would parse each with cjs-module-lexer (~20 ms; lib/cjs.ts).
  t.ok(warm.modules.some((m) => m.endsWith('node_modules/@npmcli/config/lib/index.js')), 'npm config was loaded')
  t.same(warm.imported, [], "npm's CommonJS libraries (proc-log, ssri, @npmcli/config) are required, not imported")
})
