import t from 'tap'
import { runCli } from './run.js'

/** The real bin with `args`; the runs of a test start together (each is mostly node start-up). */
const run = (...args: string[]) => runCli(args, { cwd: process.cwd(), env: { ...process.env } as Record<string, string> })

t.test('prints help with the commands and exit codes and exits 0', async (t) => {
  const [r, check] = await Promise.all([run('--help'), run('check', '--help')])
  t.equal(r.status, 0)
  t.match(r.stdout, /verify-deps \[check\] \[dir\]/)
  t.match(r.stdout, /verify-deps verify <file\.tgz> .*\[--format NAME\]/, 'verify takes --format like check')
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
