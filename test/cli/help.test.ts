import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/verify-deps.js', import.meta.url))

/** The real bin with `args`; the runs of a test start together (each is mostly node start-up). */
function run(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

t.test('prints help with the commands and exit codes and exits 0', async (t) => {
  const [r, check] = await Promise.all([run('--help'), run('check', '--help')])
  t.equal(r.status, 0)
  t.match(r.stdout, /verify-deps \[check\] \[dir\]/)
  t.match(r.stdout, /verify-deps verify <file\.tgz>/)
  t.match(r.stdout, /Exit codes:/)
  t.match(r.stdout, /3 +could not verify/)
  t.match(check.stdout, /--no-cache/)
})

t.test('rejects an unknown command or option with exit 2 and no stack trace', async (t) => {
  const cases = [
    [['--no-such-flag'], /Unknown option '--no-such-flag'/],
    [['frobnicate'], /unknown command or option "frobnicate"/],
  ] as const
  const runs = await Promise.all(cases.map(([args]) => run(...args)))
  for (const [i, [args, message]] of cases.entries()) {
    const r = runs[i]!
    t.equal(r.status, 2, args.join(' '))
    t.match(r.stderr, message)
    t.notMatch(r.stderr, /\n\s+at /)
  }
})
