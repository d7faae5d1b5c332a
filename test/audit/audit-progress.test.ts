/**
 * `verify-deps audit` on a terminal and off it (lib/cli/audit-command.ts, in process): a progress
 * line on stderr when it is a TTY (versions done / known, with the errors so far), erased at the
 * end; one summary line on stdout either way, and nothing on stderr off a terminal.
 */
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runAuditCommand } from '../../lib/cli/audit-command.js'
import type { Terminal } from '../../lib/cli/terminal.js'
import { createScenario } from '../helpers/scenario/index.js'
import { cleanEnv, pinnedTrust } from '../cli/run.js'

t.test('progress on a TTY, one summary line otherwise', async (t) => {
  const s = await createScenario(t, {
    lockfile: false,
    packages: [
      { name: 'a', version: '1.0.0' },
      { name: 'a', version: '1.1.0' },
      { name: 'b', version: '2.0.0' },
    ],
  })
  s.registry.addFault({ path: '/-/npm/v1/attestations/b@2.0.0', type: 'status', status: 503 })
  const file = join(s.dir, 'p.txt')
  writeFileSync(file, 'a\nb\n')
  const env = cleanEnv(join(s.dir, 'home'))
  const ctx = { env, cwd: s.dir, toolVersion: '0.0.0-test' }
  const args = (db: string) => ['--packages', file, '--db', join(s.dir, db), '--registry', s.registry.url, ...pinnedTrust(s), '--fetch-retries', '0']
  const terminal = (tty: boolean) => {
    const out: string[] = []
    const err: string[] = []
    const term: Terminal = { out: (x) => void out.push(x), err: (x) => void err.push(x), stderrIsTTY: tty, columns: 200 }
    return { term, out, err }
  }

  const tty = terminal(true)
  t.equal(await runAuditCommand(args('tty'), tty.term, ctx), 3, 'a version not fetched: could not verify')
  const drawn = tty.err.join('')
  t.match(drawn, /verify-deps: verifying( \(1 not fetched\))? \d\/3/, 'versions done / known so far')
  t.match(drawn, /verifying \(1 not fetched\) 3\/3 \(100%\)/, 'and the errors so far')
  t.equal(tty.err.at(-2), '\r\x1b[2K', 'erased at the end')
  t.match(tty.err.at(-1), /^audit: could not fetch or verify 1 version and 0 packuments \(stored as unverifiable, retried by the next run\); for example:\n  b@2\.0\.0: the advertised attestations could not be fetched: GET http:\/\/127\.0\.0\.1:\d+\/-\/npm\/v1\/attestations\/b@2\.0\.0: HTTP 503\n$/, 'then why a version was not fetched')
  t.match(tty.out.join(''), /^audited 3 versions of 2 packages in [\d.]+s \(0 already stored, 1 not fetched, 0 packuments not fetched\) → /)

  const plain = terminal(false)
  t.equal(await runAuditCommand(args('plain'), plain.term, ctx), 3)
  t.equal(plain.err.length, 1, 'no progress on stderr off a terminal')
  t.match(plain.err[0], /^audit: could not fetch or verify 1 version /, 'only why a version was not fetched')
  t.equal(plain.out.length, 1, 'one summary line')
})
