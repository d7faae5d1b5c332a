// Setting a project up for the preinstall hook (lib/gate/setup.ts): what is written, and that nothing
// is written when the hook cannot be set. Messages and exit codes: test/cli/setup.test.ts.
import t, { type Test } from 'tap'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setUpProject } from '../../lib/gate/setup.js'
import { starterPolicy } from '../../lib/policy/starter.js'
import { runNpm } from '../helpers/registry/index.js'
import { tempProject } from '../helpers/temp-project.js'

function project(t: Test, packageJson: string) {
  const { dir, projectDir } = tempProject(t, packageJson)
  const read = (name: string) => (existsSync(join(projectDir, name)) ? readFileSync(join(projectDir, name), 'utf8') : null)
  return { dir, projectDir, read }
}

t.test('a different preinstall is a conflict and nothing is written; with force it is replaced', async (t) => {
  const text = JSON.stringify({ name: 'app', private: true, scripts: { preinstall: 'node check-env.js', test: 'tap' } }, null, 2) + '\n'
  const p = project(t, text)
  const outcome = setUpProject(p.projectDir)
  t.same(outcome, { kind: 'hook-conflict', packageJson: join(p.projectDir, 'package.json'), existing: 'node check-env.js' })
  t.equal(p.read('package.json'), text, 'package.json unchanged')
  t.equal(p.read('verify-deps.policy.yaml'), null, 'no policy written either')

  const forced = setUpProject(p.projectDir, { force: true })
  t.match(forced, { kind: 'set-up', hook: { kind: 'replaced', previous: 'node check-env.js' }, policy: { written: true }, isDependency: false, isPrivate: true })
  t.same(JSON.parse(p.read('package.json')!).scripts, { preinstall: 'verify-deps', test: 'tap' })
  t.equal(p.read('verify-deps.policy.yaml'), starterPolicy(), 'the starter policy')
})

t.test('a preinstall that already runs verify-deps with options is kept, even with force', async (t) => {
  const text = JSON.stringify({ name: 'app', scripts: { preinstall: 'npx verify-deps --offline' } }) // one line, no newline
  const p = project(t, text)
  const outcome = setUpProject(p.projectDir, { force: true })
  t.match(outcome, { kind: 'set-up', hook: { kind: 'unchanged', existing: 'npx verify-deps --offline' }, isPrivate: false })
  t.equal(p.read('package.json'), text)
})

t.test('never overwrites an existing policy file of any name', async (t) => {
  const p = project(t, '{"name": "app"}\n')
  writeFileSync(join(p.projectDir, 'verify-deps.policy.json'), '{"version": 1}\n')
  const outcome = setUpProject(p.projectDir)
  t.match(outcome, { kind: 'set-up', policy: { path: join(p.projectDir, 'verify-deps.policy.json'), written: false } })
  t.equal(p.read('verify-deps.policy.yaml'), null)
  t.equal(p.read('verify-deps.policy.json'), '{"version": 1}\n')
})

t.test('no package.json, or one that is not JSON: nothing written', async (t) => {
  const p = project(t, '{ "name": ')
  t.match(setUpProject(p.projectDir), { kind: 'invalid-package-json', reason: /not valid JSON/ })
  t.equal(p.read('verify-deps.policy.yaml'), null)
  t.match(setUpProject(join(p.projectDir, 'nowhere')), { kind: 'no-package-json' })
})

t.test('package.json is written exactly as npm pkg set writes it (indent, line endings, BOM, one line)', async (t) => {
  const cases: Record<string, string> = {
    'tabs and CRLF': '{\r\n\t"name": "app",\r\n\t"scripts": {\r\n\t\t"test": "tap"\r\n\t}\r\n}\r\n',
    'four spaces, no final newline': '{\n    "name": "app",\n    "version": "1.0.0"\n}',
    'one line': '{"name":"app","scripts":{"build":"tsc"}}',
    'BOM': '\uFEFF{\n  "name": "app"\n}\n',
    'empty object': '{}\n',
  }
  for (const [name, text] of Object.entries(cases)) {
    const ours = project(t, text)
    t.equal(setUpProject(ours.projectDir).kind, 'set-up', name)
    const npms = project(t, text)
    const n = await runNpm(['pkg', 'set', 'scripts.preinstall=verify-deps'], { cwd: npms.projectDir, scratchDir: join(npms.dir, 'npm') })
    t.equal(n.code, 0, n.stderr)
    t.equal(ours.read('package.json'), npms.read('package.json'), name)
  }
})
