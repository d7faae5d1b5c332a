// verify-deps install and verify-deps ci on the loopback registry with the real npm: a refused
// package never reaches node_modules and package.json / the lockfile are put back byte for byte.
import t, { type Test } from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createScenario } from '../helpers/scenario/index.js'
import { gateEnv } from './gate-env.js'
import { cleanEnv, runCli } from './run.js'

async function scenario(t: Test) {
  const s = await createScenario(t, {
    packages: [
      { name: 'base', version: '1.0.0' },
      { name: 'good', version: '1.0.0' },
      { name: 'bad', version: '1.0.0', signature: 'invalid' },
    ],
    project: { dependencies: { base: '1.0.0' } },
  })
  const env = gateEnv(join(s.dir, 'home'))
  const trust = ['--trusted-root', s.trustedRootFile, '--registry-keys', `${s.registry.url}=${s.registryKeysFile}`]
  const file = (name: string) => join(s.projectDir, name)
  const bytes = (name: string) => (existsSync(file(name)) ? readFileSync(file(name)) : null)
  const cli = (args: string[]) => runCli(args, { cwd: s.projectDir, env })
  return { s, env, trust, file, bytes, cli }
}

// The transaction's other ways of ending (no lockfile before, a check that cannot run, npm creating
// node_modules, signals, --npm-install arguments) are library tests: test/gate/install.test.ts.
t.test('install: a refused package never reaches node_modules; package.json and the lockfile are restored (exit 1); an unresolvable one is exit 3', async (t) => {
  const { s, trust, file, bytes, cli } = await scenario(t)
  const before = { pkg: bytes('package.json'), lock: bytes('package-lock.json') }

  s.registry.clearRequests()
  const r = await cli(['install', ...trust, 'bad'])
  t.same(s.registry.requests.filter((q) => q.route === 'tarball').map((q) => q.path), [], 'no tarball was downloaded')
  t.equal(r.status, 1, r.stderr)
  t.match(r.stdout, /SIGNATURE_INVALID/, 'the report names the finding')
  t.match(r.stderr, /npm install --no-audit --no-fund bad --package-lock-only --ignore-scripts/, 'npm resolved the lockfile first')
  t.match(r.stderr, /Nothing was installed; restored package\.json, package-lock\.json/, 'says what was restored')
  t.notOk(existsSync(file('node_modules')), 'node_modules was never created')
  t.same(bytes('package.json'), before.pkg, 'package.json byte-identical')
  t.same(bytes('package-lock.json'), before.lock, 'package-lock.json byte-identical')

  // npm cannot resolve: nothing to verify (exit 3), nothing changed.
  const missing = await cli(['install', ...trust, 'no-such-package'])
  t.equal(missing.status, 3, missing.stderr)
  t.match(missing.stderr, /npm could not write the lockfile \(exit \d+\)\. Nothing was installed; (restored package\.json, package-lock\.json|package\.json and the lockfile are unchanged)\./)
  t.same(bytes('package.json'), before.pkg)
  t.same(bytes('package-lock.json'), before.lock)
  t.notOk(existsSync(file('node_modules')))

  // Under --json the refusal is a run error on stdout, with its registered code and exit code.
  const json = await cli(['install', ...trust, '--json', 'no-such-package'])
  t.equal(json.status, 3, json.stderr)
  const { error } = JSON.parse(json.stdout) as { error: { code: string; summary: string; detail: string } }
  t.equal(error.code, 'ENPMLOCKFILE')
  t.match(error.summary, /npm could not write the lockfile/)
  t.same(bytes('package.json'), before.pkg)
})

t.test('install: a package that passes is installed with npm ci, exit 0', async (t) => {
  const { s, trust, file, cli } = await scenario(t)
  const r = await cli(['install', ...trust, 'good'])
  t.equal(r.status, 0, r.stderr)
  t.match(r.stderr, /the check passed; npm ci/)
  t.notMatch(r.stdout, /added \d+ package/, "npm's output goes to stderr, stdout is the report's")
  t.match(r.stdout, /verify-deps: 2 packages: 2 pass/)
  t.ok(existsSync(file('node_modules/good/package.json')), 'node_modules/good installed')
  t.ok(existsSync(file('node_modules/base/package.json')), 'and the rest of the lockfile')
  t.same(JSON.parse(readFileSync(file('package.json'), 'utf8')).dependencies, { base: '1.0.0', good: '^1.0.0' }, 'package.json has the dependency')
  t.ok(s.readLockfile().packages['node_modules/good'], 'the lockfile has it')
})

t.test('ci: a lockfile that fails the check is not installed (exit 1), and the lockfile is left as it is', async (t) => {
  const { s, trust, file, bytes, cli } = await scenario(t)
  const locked = await s.npm(['install', '--package-lock-only', 'bad'])
  t.equal(locked.code, 0, locked.stderr)
  const before = bytes('package-lock.json')
  const bad = await cli(['ci', ...trust])
  t.equal(bad.status, 1, bad.stderr)
  t.match(bad.stdout, /SIGNATURE_INVALID/)
  t.match(bad.stderr, /npm ci was not run, nothing was installed/)
  t.notOk(existsSync(file('node_modules')), 'nothing installed')
  t.same(bytes('package-lock.json'), before, 'the lockfile is left as it is')

  // --upstream is the check's (docs/mirrors.md), validated before npm runs, and reported with where it came from.
  const badUrl = await cli(['ci', ...trust, '--upstream', 'registry.npmjs.org'])
  t.equal(badUrl.status, 2, badUrl.stderr)
  t.match(badUrl.stderr, /--upstream/)
  const upstream = await cli(['ci', ...trust, '--json', '--upstream', 'http://127.0.0.1:9/'])
  t.equal(upstream.status, 3, 'the upstream (nothing listens there) has no keys: could not verify, never a pass')
  const report = JSON.parse(upstream.stdout) as { project: { settings: Array<{ key: string; value: unknown; from: string }> } }
  t.same(report.project.settings.filter((setting) => setting.key === 'verify-deps-upstream'), [{ key: 'verify-deps-upstream', value: 'http://127.0.0.1:9/', from: 'command line' }])
  t.notOk(existsSync(file('node_modules')), 'nothing installed')
})

t.test('help: each command has its own, and the top-level help lists them', async (t) => {
  const env = cleanEnv(t.testdir())
  const top = await runCli(['--help'], { cwd: process.cwd(), env })
  t.match(top.stdout, /verify-deps install \[<pkg> \.\.\.\]/)
  t.match(top.stdout, /verify-deps ci \[options\]/)
  t.match(top.stdout, /verify-deps setup \[dir\] \[--force\]/)
  for (const [command, text] of [['install', /--npm-install/], ['ci', /npm ci <npm args>/], ['setup', /--force/]] as const) {
    const r = await runCli([command, '--help'], { cwd: process.cwd(), env })
    t.equal(r.status, 0, command)
    t.match(r.stdout, text, command)
  }
})

t.test('install and ci refuse to run as an npm install script, and a global install', async (t) => {
  // Refused before npm or the registry is involved: a bare project folder is enough.
  const dir = t.testdir({ 'package.json': '{"name": "app"}\n' })
  const env = cleanEnv(join(dir, '.home'))
  for (const command of ['install', 'ci']) {
    const r = await runCli([command], { cwd: dir, env: { ...env, npm_lifecycle_event: 'preinstall' } })
    t.equal(r.status, 2, command)
    t.match(r.stderr, /cannot be the project's "preinstall" script/)
  }
  const g = await runCli(['install', '-g', 'good'], { cwd: dir, env })
  t.equal(g.status, 2)
  t.match(g.stderr, /"-g" is not supported/)
  t.equal(readFileSync(join(dir, 'package.json'), 'utf8'), '{"name": "app"}\n')
})
