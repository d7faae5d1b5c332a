// verify-deps setup on a plain project folder (no registry needed): what it prints, its exit codes,
// idempotence, never clobbering another preinstall, and the recommended npm settings printed from the
// one source. What is written (as npm pkg set would, never over a policy file) is a library test:
// test/gate/setup.test.ts.
import t, { type Test } from 'tap'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { INSTALL_SCRIPT_SETTINGS } from '../../lib/gate/npm-settings.js'
import { starterPolicy } from '../../lib/policy/starter.js'
import { cleanEnv, runCli } from './run.js'
import { tempProject } from '../helpers/temp-project.js'

function project(t: Test, packageJson: string) {
  const { dir, projectDir } = tempProject(t, packageJson)
  const env = cleanEnv(join(dir, 'home'))
  const read = (name: string) => (existsSync(join(projectDir, name)) ? readFileSync(join(projectDir, name)) : null)
  return { dir, projectDir, read, setup: (...args: string[]) => runCli(['setup', ...args], { cwd: projectDir, env }) }
}

const PACKAGE_JSON = JSON.stringify({ name: 'app', private: true, scripts: { test: 'tap', build: 'tsc' }, devDependencies: { 'verify-deps': '^0.1.0' } }, null, 2) + '\n'

t.test('adds the hook, keeps the other scripts, writes the starter policy and prints the npm settings', async (t) => {
  const p = project(t, PACKAGE_JSON)
  const r = await p.setup()
  t.equal(r.status, 0, r.stderr)
  const pkg = JSON.parse(p.read('package.json')!.toString())
  t.same(pkg.scripts, { test: 'tap', build: 'tsc', preinstall: 'verify-deps' }, 'the other scripts are kept')
  t.match(r.stdout, /package\.json: added "preinstall": "verify-deps"/)
  t.equal(p.read('verify-deps.policy.yaml')?.toString(), starterPolicy(), 'the starter policy')
  t.match(r.stdout, /verify-deps\.policy\.yaml: wrote a starter trust policy/)
  t.ok(r.stdout.endsWith(INSTALL_SCRIPT_SETTINGS), 'ends with the recommended npm settings, from the one source')
  t.match(r.stdout, /npm 12 runs this hook before it installs anything; npm 7 to 11 only AFTER they have written/, 'says when npm runs the hook')
  t.notMatch(r.stdout, /not "private"|not a dependency/, 'no warnings for a private project that depends on verify-deps')

  // Run twice: nothing changes.
  const before = { pkg: p.read('package.json'), policy: p.read('verify-deps.policy.yaml') }
  const again = await p.setup()
  t.equal(again.status, 0, again.stderr)
  t.match(again.stdout, /"preinstall" already runs verify-deps \("verify-deps"\); unchanged/)
  t.match(again.stdout, /verify-deps\.policy\.yaml: policy file already there; unchanged/)
  t.same(p.read('package.json'), before.pkg, 'package.json byte-identical')
  t.same(p.read('verify-deps.policy.yaml'), before.policy, 'policy byte-identical')
})

t.test('never clobbers a different preinstall; --force replaces it and says what it replaced', async (t) => {
  const text = JSON.stringify({ name: 'app', private: true, scripts: { preinstall: 'node check-env.js', test: 'tap' } }, null, 2) + '\n'
  const p = project(t, text)
  const r = await p.setup()
  t.equal(r.status, 2, 'exit 2')
  t.match(r.stderr, /already has a different "preinstall" script: "node check-env\.js"; nothing was changed/)
  t.match(r.stderr, /verify-deps setup --force/)
  t.match(r.stderr, /"preinstall": "verify-deps && node check-env\.js"/, 'suggests running both')
  t.equal(p.read('package.json')?.toString(), text, 'package.json unchanged')
  t.equal(p.read('verify-deps.policy.yaml'), null, 'no policy written either')

  const forced = await p.setup('--force')
  t.equal(forced.status, 0, forced.stderr)
  t.match(forced.stdout, /replaced "preinstall": "node check-env\.js" with "verify-deps" \(--force\)/)
  t.same(JSON.parse(p.read('package.json')!.toString()).scripts, { preinstall: 'verify-deps', test: 'tap' })
  t.match(forced.stdout, /not a dependency of this project/, 'warns that verify-deps must be installed for the hook')
})

t.test('no package.json, or one that is not JSON: exit 2, nothing written', async (t) => {
  const p = project(t, '{ "name": ')
  const r = await p.setup()
  t.equal(r.status, 2)
  t.match(r.stderr, /package\.json: not valid JSON/)
  t.equal(p.read('verify-deps.policy.yaml'), null)
  const none = await runCli(['setup', join(p.dir, 'nowhere')], { cwd: p.dir, env: cleanEnv(join(p.dir, 'home')) })
  t.equal(none.status, 2)
  t.match(none.stderr, /no package\.json in/)
})

t.test('from a sub-folder it sets up the project npm would install (the same root rule as check, install and ci)', async (t) => {
  const p = project(t, PACKAGE_JSON)
  const sub = join(p.projectDir, 'src', 'deep')
  mkdirSync(sub, { recursive: true })
  const r = await runCli(['setup'], { cwd: sub, env: cleanEnv(join(p.dir, 'home')) })
  t.equal(r.status, 0, r.stderr)
  t.equal(JSON.parse(p.read('package.json')!.toString()).scripts.preinstall, 'verify-deps')
  t.notOk(existsSync(join(sub, 'package.json')), 'nothing written in the sub-folder')
})
