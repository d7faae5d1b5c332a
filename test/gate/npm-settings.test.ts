import t from 'tap'
import { readFileSync } from 'node:fs'
import { INSTALL_SCRIPT_SETTINGS, withInstallScriptSettings } from '../../lib/gate/npm-settings.js'

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')

t.test('.npmrc.example and docs/install-gates.md carry the install-script settings from the one source', async (t) => {
  const example = read('.npmrc.example')
  t.ok(example.endsWith(INSTALL_SCRIPT_SETTINGS), '.npmrc.example ends with them: run `npm run docs` to regenerate')
  t.equal(withInstallScriptSettings(example), example, 'regenerating changes nothing')
  t.match(example, /^registry=https:\/\/registry\.npmjs\.org\/$/m, 'the rest of the file is kept')
  t.ok(read('docs/install-gates.md').includes('```ini\n' + INSTALL_SCRIPT_SETTINGS + '```'), 'docs/install-gates.md quotes them')
})

t.test('the settings enable strict-allow-scripts and leave ignore-scripts commented out', async (t) => {
  const active = INSTALL_SCRIPT_SETTINGS.split('\n').filter((l) => l && !l.startsWith(';'))
  t.same(active, ['strict-allow-scripts=true'])
  t.match(INSTALL_SCRIPT_SETTINGS, /^;ignore-scripts=true$/m)
})

t.test('a file without the section gets it appended', async (t) => {
  t.equal(withInstallScriptSettings('registry=x\n'), 'registry=x\n\n' + INSTALL_SCRIPT_SETTINGS)
})
