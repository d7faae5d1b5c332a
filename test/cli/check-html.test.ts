// `verify-deps --format html` through the real bin: the page written to --output with a summary line
// on stderr and the exit code of the check; html in --help's format list and in the usage error.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createScenario } from '../helpers/scenario/index.js'
import { cleanEnv, pinnedTrust, runCli } from './run.js'

t.test('--format html --output report.html: a self-contained page, the summary on stderr, exit 1 for a failure', async (t) => {
  const s = await createScenario(t, {
    packages: [
      { name: '@acme/util', version: '2.1.0' },
      { name: 'bad-sig', version: '3.0.0', signature: 'invalid' },
    ],
  })
  const env = cleanEnv(join(s.dir, 'home'))
  const r = await runCli([s.projectDir, ...pinnedTrust(s), '--no-cache', '--format', 'html', '--output', 'report.html'], { cwd: s.dir, env })
  t.equal(r.status, 1, r.stderr)
  t.equal(r.stdout, '', 'nothing on stdout')
  t.match(r.stderr, /verify-deps: 2 packages: 1 pass, 0 warn, 1 fail, 0 skipped; report written to report\.html/)
  const page = readFileSync(join(s.dir, 'report.html'), 'utf8')
  t.match(page, /^<!DOCTYPE html>\n/)
  t.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/)
  t.match(page, '<code class="pkg">bad-sig@3.0.0</code>')
  t.match(page, 'data-search="SIGNATURE_INVALID"')
  t.match(page, '<a href="https://github.com/acme/util" rel="noopener noreferrer">acme/util</a>')
  t.notMatch(page, /<(link|img|iframe)\b|src=|url\(/, 'nothing to load')
})

t.test('--help lists html; an unknown format names it', async (t) => {
  const dir = t.testdir({})
  const env = cleanEnv(join(dir, 'home'))
  const help = await runCli(['check', '--help'], { cwd: dir, env })
  t.match(help.stdout, /--format NAME\s+text \| json \| sarif \| github \| html/)
  const bad = await runCli(['--format', 'htm'], { cwd: dir, env })
  t.equal(bad.status, 2)
  t.match(bad.stderr, /--format must be one of text, json, sarif, github, html \(got "htm"\)/)
})
