import t from 'tap'
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { INSTALL_SCRIPT_SETTINGS, withInstallScriptSettings } from '../../lib/gate/npm-settings.js'
import { npmDefinitionsOnPath, npmMajorOnPath } from '../helpers/registry/index.js'
import { createScenario } from '../helpers/scenario/index.js'

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')

t.test('.npmrc.example and docs/install-gates.md carry the install-script settings from the one source', async (t) => {
  const example = read('.npmrc.example')
  t.ok(example.endsWith(INSTALL_SCRIPT_SETTINGS), '.npmrc.example ends with them: run `npm run docs` to regenerate')
  t.equal(withInstallScriptSettings(example), example, 'regenerating changes nothing')
  t.match(example, /^registry=https:\/\/registry\.npmjs\.org\/$/m, 'the rest of the file is kept')
  t.ok(read('docs/install-gates.md').includes('```ini\n' + INSTALL_SCRIPT_SETTINGS + '```'), 'docs/install-gates.md quotes them')
})

const active = INSTALL_SCRIPT_SETTINGS.split('\n').filter((l) => l && !l.startsWith(';'))

t.test('the settings enable strict-allow-scripts, no git or URL dependencies, and leave ignore-scripts commented out', async (t) => {
  t.same(active, ['strict-allow-scripts=true', 'allow-git=none', 'allow-remote=none'])
  t.match(INSTALL_SCRIPT_SETTINGS, /^;ignore-scripts=true$/m)
  t.ok(INSTALL_SCRIPT_SETTINGS.split('\n').every((l) => l.length <= 100), 'lines fit a terminal')
})

t.test('every setting is one the npm on PATH knows (npm 11 and npm 12 in CI; npm 12 warns on an unknown .npmrc key)', async (t) => {
  const { root, keys } = npmDefinitionsOnPath()
  t.ok(npmMajorOnPath() >= 11, 'npm 10 ignores these keys silently; CI runs npm 11 and 12')
  for (const line of active) t.ok(keys.has(line.split('=')[0]!), line)
  // The commands the text names exist in npm 11.16+ and 12.
  for (const command of ['approve-scripts', 'deny-scripts']) {
    t.match(INSTALL_SCRIPT_SETTINGS, `npm ${command} <pkg>`)
    t.ok(existsSync(join(root, 'lib/commands', `${command}.js`)), `npm ${command} exists`)
  }
})

t.test('a file without the section gets it appended', async (t) => {
  t.equal(withInstallScriptSettings('registry=x\n'), 'registry=x\n\n' + INSTALL_SCRIPT_SETTINGS)
})

t.test('a registry project installs under the recommended settings with the npm on PATH (npm 11 and npm 12 in CI)', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'dep', version: '1.0.0', dependencies: { leaf: '^1.0.0' } }, { name: 'leaf', version: '1.0.0' }] })
  appendFileSync(join(s.projectDir, '.npmrc'), active.join('\n') + '\n')
  // Scripts on, as a user's npm runs: allow-remote=none must not block the registry's own tarballs.
  const ci = await s.npm(['ci'], { 'ignore-scripts': 'false' })
  t.equal(ci.code, 0, ci.stderr)
  t.ok(existsSync(join(s.projectDir, 'node_modules/leaf/package.json')))
  t.notMatch(ci.stderr, /Unknown (project|cli) config/, 'npm knows every setting')
})
