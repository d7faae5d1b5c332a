import t from 'tap'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/verify-deps.js', import.meta.url))
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })

t.test('prints help with the commands and exit codes and exits 0', async (t) => {
  const r = run('--help')
  t.equal(r.status, 0)
  t.match(r.stdout, /verify-deps \[check\] \[dir\]/)
  t.match(r.stdout, /verify-deps verify <file\.tgz>/)
  t.match(r.stdout, /Exit codes:/)
  t.match(r.stdout, /3 +could not verify/)
  t.match(run('check', '--help').stdout, /--no-cache/)
})

t.test('rejects an unknown command or option with exit 2 and no stack trace', async (t) => {
  for (const [args, message] of [
    [['--no-such-flag'], /Unknown option '--no-such-flag'/],
    [['frobnicate'], /unknown command or option "frobnicate"/],
  ] as const) {
    const r = run(...args)
    t.equal(r.status, 2, args.join(' '))
    t.match(r.stderr, message)
    t.notMatch(r.stderr, /\n\s+at /)
  }
})
