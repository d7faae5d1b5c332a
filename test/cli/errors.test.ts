// Usage errors found late are still usage errors; a closed pipe ends quietly; under --json every
// error is a JSON document on stdout, as npm prints them.
import t from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createScenario } from '../helpers/scenario/index.js'
import { BIN, cleanEnv, runCli } from './run.js'

const NO_CRASH = /internal error|\n\s+at /

t.test('an unwritable --output is exit 2 naming the file, found before any registry request', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }] })
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

t.test('a --trusted-root of the wrong shape is exit 2 naming the file, never an internal error', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }] })
  const env = cleanEnv(join(s.dir, 'home'))
  const r = await runCli([s.projectDir, '--trusted-root', s.registryKeysFile, '--no-cache'], { cwd: s.dir, env })
  t.equal(r.status, 2, r.stderr)
  t.match(r.stderr, `${s.registryKeysFile}: invalid trusted root`)
  t.notMatch(r.stderr, NO_CRASH)
})

t.test('a reader that closes the pipe early (verify-deps | head) ends the run quietly', async (t) => {
  const dir = t.testdir({})
  const result = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--help'], { cwd: dir, env: cleanEnv(join(dir, 'home')), stdio: ['ignore', 'pipe', 'pipe'] })
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
  const s = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }] })
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
    const doc = JSON.parse(r.stdout)
    t.match(doc, { error: { code, summary: String, detail: String } }, args.join(' '))
    t.same(Object.keys(doc.error).sort(), ['code', 'detail', 'summary'])
  }
})

t.test('a refused lockfile still prints a JSON error on stdout under --json', async (t) => {
  const dir = t.testdir({ 'package.json': JSON.stringify({ name: 'x', version: '1.0.0' }), 'package-lock.json': '<<<<<<< HEAD\n{' })
  const r = await runCli([dir, '--json'], { cwd: dir, env: cleanEnv(join(dir, 'home')) })
  t.equal(r.status, 2, r.stderr)
  t.match(JSON.parse(r.stdout), { error: { code: 'EJSONPARSE', summary: /package-lock\.json/ } })
  const missing = t.testdir({ 'package.json': JSON.stringify({ name: 'x', version: '1.0.0' }) })
  const r2 = await runCli([missing, '--json'], { cwd: missing, env: cleanEnv(join(missing, 'home')) })
  t.equal(r2.status, 2)
  t.match(JSON.parse(r2.stdout), { error: { code: 'ENOLOCK', detail: /npm install --package-lock-only/ } })
})
