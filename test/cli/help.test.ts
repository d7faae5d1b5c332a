import t from 'tap'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/verify-deps.js', import.meta.url))

t.test('prints help with the exit codes and exits 0', async (t) => {
  const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' })
  t.equal(r.status, 0)
  t.match(r.stdout, /Exit codes:/)
  t.match(r.stdout, /3 +could not verify/)
})

t.test('rejects an unknown command with exit 2 and no stack trace', async (t) => {
  const r = spawnSync(process.execPath, [BIN, '--no-such-flag'], { encoding: 'utf8' })
  t.equal(r.status, 2)
  t.match(r.stderr, /unknown command or option "--no-such-flag"/)
  t.notMatch(r.stderr, /\n\s+at /)
})
