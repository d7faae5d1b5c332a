// Input files are read only if they are regular files within a size cap, and the registry keys
// request honours the fetch timeout: nothing a pull request can point verify-deps at makes it hang.
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { appendFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createScenario } from '../helpers/scenario/index.js'
import { cleanEnv, cliCommand, type RunResult } from './run.js'

/** runCli, but a run still going after `limitMs` is killed and reported as `status: null`: a hang fails the test instead of stalling it. */
function runWithin(limitMs: number, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<RunResult & { ms: number }> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(...cliCommand(args), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs)
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr, ms: Date.now() - started })
    })
  })
}

const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0

t.test('a symlink to /dev/zero or a FIFO as an input file is refused (exit 2 naming the file), never read', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }] })
  const env = cleanEnv(join(s.dir, 'home'))
  const zero = join(s.dir, 'zero.json')
  symlinkSync('/dev/zero', zero)
  const base = [s.projectDir, '--trusted-root', s.trustedRootFile, '--no-cache']
  const cases: [string, string[], RegExp][] = [
    ['--policy', [...base, '--policy', zero], /zero\.json.*not a regular file \(a character device\)/],
    ['--trusted-root', [s.projectDir, '--no-cache', '--trusted-root', zero], /zero\.json: cannot read trusted root: not a regular file/],
    ['--registry-keys', [...base, '--registry-keys', zero], /zero\.json: cannot read registry keys: not a regular file/],
    ['verify <tarball>', ['verify', zero], /zero\.json: cannot read tarball: not a regular file/],
    ['verify --attestations', ['verify', zero, '--attestations', zero], /zero\.json: cannot read/],
  ]
  for (const [what, args, message] of cases) {
    const r = await runWithin(30_000, args, { cwd: s.dir, env })
    t.equal(r.status, 2, `${what}: exit 2 (${r.stderr})`)
    t.match(r.stderr, message, what)
    t.notMatch(r.stderr, /internal error|\n\s+at /, `${what}: no crash`)
  }
})

t.test("a project .npmrc that is a symlink to /dev/zero is a configuration error naming it", async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }] })
  const env = cleanEnv(join(s.dir, 'home'))
  const npmrc = join(s.projectDir, '.npmrc')
  spawnSync('rm', [npmrc])
  symlinkSync('/dev/zero', npmrc)
  const r = await runWithin(30_000, [s.projectDir, '--trusted-root', s.trustedRootFile, '--no-cache'], { cwd: s.dir, env })
  t.equal(r.status, 2, r.stderr)
  t.match(r.stderr, /\.npmrc: cannot read npm configuration: not a regular file/)
})

t.test('a policy file that is a FIFO does not block the run', { skip: !hasMkfifo && 'no mkfifo' }, async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }] })
  const env = cleanEnv(join(s.dir, 'home'))
  const fifo = join(s.dir, 'policy.yaml')
  spawnSync('mkfifo', [fifo])
  const r = await runWithin(30_000, [s.projectDir, '--trusted-root', s.trustedRootFile, '--no-cache', '--policy', fifo], { cwd: s.dir, env })
  t.equal(r.status, 2, r.stderr)
  t.match(r.stderr, /policy\.yaml.*not a regular file \(a named pipe\)/)
})

t.test('an oversized policy file is refused by its size, not read', async (t) => {
  const dir = t.testdir({})
  const big = join(dir, 'big.yaml')
  writeFileSync(big, '')
  appendFileSync(big, Buffer.alloc(5 * 1024 * 1024, 0x20))
  const r = await runWithin(30_000, ['policy', 'check', big], { cwd: dir, env: cleanEnv(join(dir, 'home')) })
  t.equal(r.status, 2, r.stderr)
  t.match(r.stderr, /big\.yaml.*larger than 4 MiB/)
})

t.test('the registry keys request honours the fetch timeout: a keys endpoint that hangs is exit 3 at once', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }] })
  s.registry.addFault({ path: '/-/npm/v1/keys', type: 'delay', delayMs: 120_000 })
  const env = cleanEnv(join(s.dir, 'home'))
  const base = [s.projectDir, '--trusted-root', s.trustedRootFile, '--no-cache']

  const flag = await runWithin(60_000, [...base, '--fetch-timeout', '500', '--fetch-retries', '0'], { cwd: s.dir, env })
  t.equal(flag.status, 3, flag.stderr)
  t.match(flag.stdout, /signing keys.*no complete response within 500ms/)

  // npm's own fetch-timeout / fetch-retries, as every other request reads them.
  appendFileSync(join(s.projectDir, '.npmrc'), 'fetch-timeout=500\nfetch-retries=0\n')
  const npmrc = await runWithin(60_000, base, { cwd: s.dir, env })
  t.equal(npmrc.status, 3, npmrc.stderr)
  t.match(npmrc.stdout, /signing keys.*no complete response within 500ms/)
  t.ok(npmrc.ms < 20_000, `ended in ${npmrc.ms}ms, not after npm-registry-fetch's 30 s default`)
})
