// Credentials never reach a report or an echoed command line: URL userinfo in the registry or in
// lockfile URLs, and npm's secret options on the install gate's npm command line.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkScenario } from '../helpers/check.js'
import { createScenario } from '../helpers/scenario/index.js'
import { redactArgs } from '../../lib/fetch/redact.js'
import { gateEnv } from './gate-env.js'
import { cleanEnv, runCli } from './run.js'

const USER = 'someuser'
const PASSWORD = 's3cretpassw0rd'

t.test('URL userinfo in the registry and the lockfile never enters the report, in any format', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }, { name: 'b', version: '1.0.0', provenance: 'missing' }] })
  const origin = s.registry.url.replace(/\/$/, '')
  const withUserinfo = origin.replace('http://', `http://${USER}:${PASSWORD}@`)
  for (const file of ['.npmrc', 'package-lock.json']) {
    const path = join(s.projectDir, file)
    writeFileSync(path, readFileSync(path, 'utf8').split(origin).join(withUserinfo))
  }
  // Every format, through the library (what each prints on stdout), then the real bin's stdout and stderr.
  const checked = await checkScenario(s, { trustedRootFile: s.trustedRootFile, cacheDir: false })
  t.equal(checked.status, 0)
  for (const format of ['json', 'text', 'sarif', 'github', 'html'] as const) {
    t.notMatch(checked.output(format), PASSWORD, `${format}: no password`)
    t.notMatch(checked.output(format), `${USER}:`, `${format}: no userinfo`)
  }
  t.match(checked.json.packages[0].registry, /^http:\/\/\*\*\*@127\.0\.0\.1:\d+\/$/, 'the registry is named, its userinfo redacted')
  const r = await runCli([s.projectDir, '--trusted-root', s.trustedRootFile, '--no-cache', '--format', 'text'], { cwd: s.dir, env: cleanEnv(join(s.dir, 'home')) })
  t.equal(r.status, 0, r.stderr)
  t.notMatch(r.stdout + r.stderr, PASSWORD, 'CLI: no password')
  t.notMatch(r.stdout + r.stderr, `${USER}:`, 'CLI: no userinfo')
})

t.test('the echoed npm command line of install and ci is redacted', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'good', version: '1.0.0' }], project: { dependencies: { good: '1.0.0' } } })
  const env = gateEnv(join(s.dir, 'home'))
  const secretArgs = ['--//127.0.0.1:1/:_authToken=tok-SECRET-1', '--//127.0.0.1:1/:_password=cGFzcy1TRUNSRVQtMg==']
  const r = await runCli(['ci', '--trusted-root', s.trustedRootFile, '--', ...secretArgs], { cwd: s.projectDir, env })
  t.equal(r.status, 0, r.stderr)
  t.match(r.stderr, /npm ci .*--\/\/127\.0\.0\.1:1\/:_authToken=\*\*\*/)
  t.notMatch(r.stderr, /SECRET|cGFzcy1TRUNSRVQtMg/)
})

t.test('redactArgs hides npm secret options in both spellings, and URL userinfo', async (t) => {
  t.same(
    redactArgs(['install', '--//r.example/:_authToken=abc123', '--_auth', 'dXNlcjpwYXNz', '--registry=https://u:p@r.example/', '--_password=cA==', 'pkg']),
    ['install', '--//r.example/:_authToken=***', '--_auth', '***', '--registry=https://***@r.example/', '--_password=***', 'pkg'],
  )
})
