// Usage errors found late are still usage errors; a closed pipe ends quietly; under --json every
// error is a JSON document on stdout, as npm prints them.
import t, { type Test } from 'tap'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exitCodeForError } from '../../lib/cli/exit-codes.js'
import { isErrorCode } from '../../lib/errors.js'
import { createScenario } from '../helpers/scenario/index.js'
import { cleanEnv, cliCommand, runCli, type RunResult } from './run.js'

const NO_CRASH = /internal error|\n\s+at /

/** docs/error.schema.json: what every command prints on stdout under --json when it cannot finish. */
const validateErrorDocument = new Ajv2020({ allErrors: true, strict: true }).compile(
  JSON.parse(readFileSync(new URL('../../docs/error.schema.json', import.meta.url), 'utf8')) as object,
)

/** The JSON error on stdout: the documented shape, a registered code, and the exit code the registry gives that code. */
function checkJSONError(t: Test, r: RunResult, code: string, what: string): { code: string; summary: string; detail: string } {
  let doc: { error: { code: string; summary: string; detail: string } }
  try {
    doc = JSON.parse(r.stdout)
  } catch {
    t.fail(`${what}: stdout is not one JSON document: ${r.stdout}${r.stderr}`)
    return { code: '', summary: '', detail: '' }
  }
  t.ok(validateErrorDocument(doc), `${what}: matches docs/error.schema.json ${JSON.stringify(validateErrorDocument.errors)}`)
  t.equal(doc.error.code, code, `${what}: ${code}`)
  t.ok(isErrorCode(doc.error.code), `${what}: ${doc.error.code} is in the registry`)
  if (isErrorCode(doc.error.code)) t.equal(r.status, exitCodeForError(doc.error.code), `${what}: the exit code the registry gives ${doc.error.code}`)
  t.notMatch(r.stderr, NO_CRASH, `${what}: no stack trace`)
  return doc.error
}

// One project for the tests that need a registry and trust files (writing its lockfile runs npm).
const s = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }] })

t.test('an unwritable --output is exit 2 naming the file, found before any registry request', async (t) => {
  const env = cleanEnv(join(s.dir, 'home'))
  const base = [s.projectDir, '--trusted-root', s.trustedRootFile, '--no-cache']
  for (const [output, reason] of [[join(s.dir, 'no-such-dir', 'report.json'), /no-such-dir.*does not exist/], [s.dir, /it is a directory/]] as const) {
    s.registry.clearRequests()
    const r = await runCli([...base, '--output', output], { cwd: s.dir, env })
    t.equal(r.status, 2, r.stderr)
    t.match(r.stderr, output)
    t.match(r.stderr, reason)
    t.notMatch(r.stderr, NO_CRASH)
    t.same(s.registry.requests, [], 'checked before the run')
  }
})

t.test('a reader that closes the pipe early (verify-deps | head) ends the run quietly', async (t) => {
  const dir = t.testdir({})
  const result = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(...cliCommand(['--help']), { cwd: dir, env: cleanEnv(join(dir, 'home')), stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.destroy()
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stderr }))
  })
  t.equal(result.status, 0)
  t.notMatch(result.stderr, /EPIPE|\n\s+at /)
})

t.test('under --json and --format json, errors are {"error":{code,summary,detail}} on stdout with the documented exit code', async (t) => {
  const env = cleanEnv(join(s.dir, 'home'))
  const cases: [string[], string, number][] = [
    [[s.projectDir, '--json', '--polcy', 'x'], 'EUSAGE', 2],
    [[s.projectDir, '--format', 'json', '--policy', join(s.dir, 'missing.yaml')], 'EPOLICY', 2],
    [[s.projectDir, '--json', '--no-cache', '--trusted-root', s.registryKeysFile], 'ETRUSTEDROOT', 2],
    [['verify', join(s.dir, 'missing.tgz'), '--json'], 'EINPUTFILE', 2],
  ]
  for (const [args, code, status] of cases) {
    const r = await runCli(args, { cwd: s.dir, env })
    t.equal(r.status, status, `${args.join(' ')}: exit ${status}`)
    checkJSONError(t, r, code, args.join(' '))
    if (code === 'ETRUSTEDROOT') t.match(r.stderr, `${s.registryKeysFile}: invalid trusted root`, 'a --trusted-root of the wrong shape names the file, never an internal error')
  }
})

t.test('a refused lockfile still prints a JSON error on stdout under --json', async (t) => {
  const dir = t.testdir({ 'package.json': JSON.stringify({ name: 'x', version: '1.0.0' }), 'package-lock.json': '<<<<<<< HEAD\n{' })
  const r = await runCli([dir, '--json'], { cwd: dir, env: cleanEnv(join(dir, 'home')) })
  t.equal(r.status, 2, r.stderr)
  t.match(checkJSONError(t, r, 'EJSONPARSE', 'merge conflict'), { summary: /package-lock\.json/ })
  const missing = t.testdir({ 'package.json': JSON.stringify({ name: 'x', version: '1.0.0' }) })
  const r2 = await runCli([missing, '--json'], { cwd: missing, env: cleanEnv(join(missing, 'home')) })
  t.equal(r2.status, 2)
  t.match(checkJSONError(t, r2, 'ENOLOCK', 'no lockfile'), { detail: /npm install --package-lock-only/ })
})

t.test('every command prints its errors under --json as the documented JSON document, with the exit code the registry gives', async (t) => {
  // Outside the repository (os.tmpdir()), so install and ci find no package.json above the folder either.
  const dir = mkdtempSync(join(tmpdir(), 'verify-deps-errors-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'bad.policy.yaml'), 'version: 1\nrules: 3\n')
  const env = cleanEnv(join(dir, 'home'))
  const cases: [string, string[], string, RegExp, Record<string, string>?][] = [
    ['check', ['--json'], 'ENOLOCK', /No package-lock\.json/],
    ['verify', ['verify', join(dir, 'missing.tgz'), '--json'], 'EINPUTFILE', /missing\.tgz: cannot read tarball: no such file/],
    ['explain', ['explain', '--json'], 'EUSAGE', /explain: name one package/],
    ['policy check', ['policy', 'check', join(dir, 'bad.policy.yaml'), '--json'], 'EPOLICY', /bad\.policy\.yaml:2:\d+: rules/],
    ['policy check (no file)', ['policy', 'check', '--json'], 'ENOPOLICY', /no verify-deps\.policy\.yaml/],
    ['install', ['install', '--json'], 'ELIFECYCLE', /cannot be the project's "preinstall" script/, { npm_lifecycle_event: 'preinstall' }],
    ['ci', ['ci', '--json'], 'ENOPACKAGEJSON', /no package\.json in/],
    ['demo', ['demo', 'extra', '--json'], 'EUSAGE', /demo: takes no arguments/],
  ]
  const results = await Promise.all(cases.map(([, args, , , extra]) => runCli(args, { cwd: dir, env: { ...env, ...extra } })))
  cases.forEach(([what, , code, summary], i) => {
    const r = results[i]!
    t.match(checkJSONError(t, r, code, what), { summary }, what)
    t.match(r.stderr, summary, `${what}: the same message on stderr`)
  })
})

t.test('policy check --json prints the result of a valid policy as JSON', async (t) => {
  const dir = t.testdir({ 'verify-deps.policy.yaml': 'version: 1\nrules: []\n' })
  const r = await runCli(['policy', 'check', '--json'], { cwd: dir, env: cleanEnv(join(dir, 'home')) })
  t.equal(r.status, 0, r.stderr)
  t.match(JSON.parse(r.stdout), { file: join(dir, 'verify-deps.policy.yaml'), valid: true, version: 1, rules: 0, exceptions: 0, deny: 0 })
})
