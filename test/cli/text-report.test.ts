// The text report through the real CLI on the loopback registry: the summary, an npm: alias, colour
// (--color, NO_COLOR, FORCE_COLOR, pipes, --output), explain by an alias name and its exit codes, and
// once under a real pseudo-terminal (util-linux `script`) for the progress line and auto colour.
// How the report summarises 1,000 packages is tested through the library (test/report/text.test.ts).
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FINDINGS } from '../../lib/findings.js'
import { createScenario } from '../helpers/scenario/index.js'
import { BIN, cleanEnv, pinnedTrust, runCli, runCommand } from './run.js'

const ANSI = /\u001b\[\d+m/
const strip = (text: string) => text.replace(/\u001b\[\d+m/g, '')

t.test('text report, colour and explain on the loopback registry, with an npm: alias', async (t) => {
  const s = await createScenario(t, {
    packages: [
      { name: 'real-name', version: '1.0.0' },
      { name: 'broken', version: '2.0.0', signature: 'invalid' },
      { name: 'fine', version: '1.0.0' },
    ],
    project: { dependencies: { nick: 'npm:real-name@1.0.0', broken: '2.0.0', fine: '1.0.0' } },
  })
  const env = cleanEnv(join(s.dir, 'home'))
  const args = [s.projectDir, ...pinnedTrust(s)]
  const run = (extra: string[], more: Record<string, string> = {}) => runCli([...args, ...extra], { cwd: s.dir, env: { ...env, ...more } })

  const r = await run([])
  t.equal(r.status, 1, r.stderr)
  t.notMatch(r.stdout, ANSI, 'no colour into a pipe')
  t.equal(r.stderr, '', 'no progress line when stderr is not a terminal')
  const lines = r.stdout.split('\n')
  t.equal(lines[0], 'verify-deps: 3 packages: 2 pass, 0 warn, 1 fail, 0 skipped')
  t.equal(lines.at(-2), lines[0], 'the summary again as the last line')
  t.equal(lines[2], 'lockfile: package-lock.json (npm)')
  t.match(r.stdout, `\n  x SIGNATURE_INVALID  1 package: broken@2.0.0\n      fix: ${FINDINGS.SIGNATURE_INVALID.fix}\n`)
  t.match(r.stdout, '\nx broken@2.0.0\n')
  t.match(r.stdout, '\nAliases (1)\n  nick → real-name@1.0.0  pass\n')

  // Colour: FORCE_COLOR forces it into a pipe; the flag wins; NO_COLOR turns auto off; never in JSON.
  const forced = await run([], { FORCE_COLOR: '1' })
  t.match(forced.stdout, ANSI, 'FORCE_COLOR')
  t.equal(strip(forced.stdout), r.stdout, 'colour changes nothing else')
  t.notMatch((await run(['--color=never'], { FORCE_COLOR: '1' })).stdout, ANSI, '--color=never wins over FORCE_COLOR')
  t.notMatch((await run(['--no-color'], { FORCE_COLOR: '1' })).stdout, ANSI, '--no-color')
  t.match((await run(['--color', 'always'], { NO_COLOR: '1' })).stdout, ANSI, '--color=always wins over NO_COLOR')
  const json = await run(['--format', 'json', '--color=always'])
  t.notMatch(json.stdout, ANSI, 'JSON is never coloured')
  t.equal(JSON.parse(json.stdout).summary.fail, 1)
  const file = join(s.dir, 'report.txt')
  t.equal((await run(['--output', file], { FORCE_COLOR: '1' })).status, 1)
  t.notMatch(readFileSync(file, 'utf8'), ANSI, 'a file is not coloured by the environment')
  t.equal((await run(['--output', file, '--color=always'])).status, 1)
  t.match(readFileSync(file, 'utf8'), ANSI, '--color=always colours the file')
  const bad = await run(['--color=sometimes'])
  t.equal(bad.status, 2)
  t.match(bad.stderr, '--color must be one of auto, always, never (got "sometimes")')

  // explain: by the alias name; the whole why-path; exit 1 for a failing package, 0 for a passing one.
  const nick = await runCli(['explain', 'nick', ...args], { cwd: s.dir, env })
  t.equal(nick.status, 0, nick.stderr)
  t.match(nick.stdout, /^real-name@1\.0\.0: pass\n {2}why {9}\S+ → real-name@1\.0\.0 {2}\(installed as nick, at node_modules\/nick\)\n/)
  const broken = await runCli(['explain', 'broken', ...args], { cwd: s.dir, env })
  t.equal(broken.status, 1, 'a failing package exits 1')
  t.match(broken.stdout, /^broken@2\.0\.0: fail\n {2}why {9}\S+ → broken@2\.0\.0 {2}\(at node_modules\/broken\)\n/)
  t.match(broken.stdout, 'SIGNATURE_INVALID')
  const brokenJson = await runCli(['explain', 'broken', ...args, '--json'], { cwd: s.dir, env })
  t.equal(brokenJson.status, 1, 'with --json too')
  t.equal(JSON.parse(brokenJson.stdout).explanations[0].package.decision, 'fail')
  const missing = await runCli(['explain', 'nobody', ...args], { cwd: s.dir, env })
  t.equal(missing.status, 2, 'not in the tree: 2, as before')

  // A real pseudo-terminal: the progress line moves and is erased; auto colour is on.
  // Skipped only where util-linux script cannot open a pseudo-terminal at all.
  const hasPty = spawnSync('script', ['-qec', 'true', '/dev/null'], { stdio: 'ignore' }).status === 0
  t.test('under a pseudo-terminal (util-linux script)', { skip: hasPty ? false : 'util-linux script cannot open a pseudo-terminal here' }, async (t) => {
    const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`
    const command = [process.execPath, BIN, ...args, '--no-cache'].map(quote).join(' ')
    const { NO_COLOR: _no, FORCE_COLOR: _force, ...plain } = env
    const pty = await runCommand(['script', ['-qefc', command, '/dev/null']], { cwd: s.dir, env: { ...plain, TERM: 'xterm' } })
    t.equal(pty.status, 1, pty.stderr)
    t.match(pty.stdout, /\r\u001b\[2Kverify-deps: (fetching|verifying) \d+\/3/, 'a progress line')
    const erased = pty.stdout.lastIndexOf('\r\u001b[2K')
    t.ok(erased >= 0 && pty.stdout.indexOf('verify-deps: 3 packages') > erased, 'erased before the report')
    t.match(pty.stdout, ANSI, 'coloured on a terminal')
    t.match(strip(pty.stdout), 'Aliases (1)')
  })
})
