// Termination signals during verify-deps install on the loopback registry with the real npm: npm
// is stopped, package.json and the lockfile are put back byte for byte (until the check has
// passed), and the exit code is 128 + the signal's number.
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createScenario, type Scenario } from '../helpers/scenario/index.js'
import { gateEnv } from './gate-env.js'
import { cliCommand, pinnedTrust, type RunResult } from './run.js'
import { signalExitCode } from '../../lib/cli/exit-codes.js'

async function scenario(t: Parameters<typeof createScenario>[0]) {
  const s: Scenario = await createScenario(t, {
    packages: [
      { name: 'base', version: '1.0.0' },
      { name: 'good', version: '1.0.0' },
    ],
    project: { dependencies: { base: '1.0.0' } },
  })
  const env = gateEnv(join(s.dir, 'home'))
  const trust = pinnedTrust(s)
  const file = (name: string) => join(s.projectDir, name)
  const bytes = (name: string) => (existsSync(file(name)) ? readFileSync(file(name)) : null)
  return { s, env, trust, file, bytes }
}

/** The CLI as a child the test can send signals to. */
function startCli(args: string[], options: { cwd: string; env: Record<string, string> }) {
  const child = spawn(...cliCommand(args), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const result = new Promise<RunResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }))
  })
  return { child, result }
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  for (const start = Date.now(); !condition(); await sleep(50)) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
  }
}

// Each way a stop request ends the transaction is a library test (test/gate/install.test.ts); here the
// real signals, npm and exit codes, once for a signal during npm and once during the check.
t.test('a termination signal exits 128 + its number, as a shell reports it', async (t) => {
  t.same((['SIGHUP', 'SIGINT', 'SIGTERM'] as const).map(signalExitCode), [129, 130, 143])
})

t.test('install: a termination signal stops npm, puts package.json and the lockfile back and exits 128 + the signal', async (t) => {
  const { s, env, trust, file, bytes } = await scenario(t)
  const before = { pkg: bytes('package.json'), lock: bytes('package-lock.json') }
  // Each case holds one registry request (DELAY_MS) so the signal comes while that step runs.
  const DELAY_MS = 4000
  const cases = [
    { signal: 'SIGTERM', code: 143, step: 'npm writes the lockfile', hold: { path: '/good' } },
    { signal: 'SIGINT', code: 130, step: 'the check runs', hold: { prefix: '/-/npm/v1/attestations/' } },
  ] as const
  for (const { signal, code, step, hold } of cases) {
    s.registry.clearRequests()
    const fault = s.registry.addFault({ ...hold, type: 'delay', delayMs: DELAY_MS, times: 1 })
    const run = startCli(['install', ...trust, '--no-cache', 'good'], { cwd: s.projectDir, env })
    await waitFor(`the held request (${signal})`, () => fault.hits > 0)
    run.child.kill(signal)
    const r = await run.result
    t.equal(r.status, code, `${signal} while ${step}: exit ${code} (${r.stderr})`)
    t.match(r.stderr, new RegExp(`interrupted by ${signal}\\. Nothing was installed`), `${signal}: says so`)
    // A stopped npm must not write anything later: wait out its held request before looking.
    if (step.startsWith('npm')) await sleep(DELAY_MS + 2000)
    t.same(bytes('package.json'), before.pkg, `${signal} while ${step}: package.json byte-identical`)
    t.same(bytes('package-lock.json'), before.lock, `${signal} while ${step}: package-lock.json byte-identical`)
    t.notOk(existsSync(file('node_modules')), `${signal}: node_modules was never created`)
    s.registry.faults.remove(fault)
  }
})

t.test('install: a termination signal during npm ci after a passing check stops npm and exits 128 + the signal', async (t) => {
  const { s, env, trust, bytes } = await scenario(t)
  const fault = s.registry.addFault({ prefix: '/good/-/', type: 'delay', delayMs: 4000, times: 1 })
  const run = startCli(['install', ...trust, '--no-cache', 'good'], { cwd: s.projectDir, env })
  await waitFor('npm ci to fetch the tarball', () => fault.hits > 0)
  const verified = bytes('package-lock.json')
  run.child.kill('SIGTERM')
  const r = await run.result
  t.equal(r.status, 143, r.stderr)
  t.match(r.stderr, /interrupted by SIGTERM; npm ci was stopped and node_modules may be incomplete; the verified package\.json and lockfile are kept/)
  t.same(bytes('package-lock.json'), verified, 'the verified lockfile is kept')
})
