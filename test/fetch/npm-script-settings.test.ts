// The npm settings that decide install scripts, read from the npm configuration in one place
// (lib/fetch/npm-script-settings.ts): where each was set, and values that fail closed.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadNpmConfig } from '../../lib/fetch/npm-config.js'
import { readInstallScriptConfig, type NpmConfigReader } from '../../lib/fetch/npm-script-settings.js'

const reader = (values: Record<string, { value: unknown; layer?: string; source?: string }>): NpmConfigReader => ({
  get: (key) => values[key]?.value,
  where: (key) => (values[key] ? { layer: values[key].layer ?? 'project', source: values[key].source ?? '/p/.npmrc' } : undefined),
})

t.test('a project .npmrc: each setting with its file, allow-scripts as the .npmrc list', async (t) => {
  const dir = t.testdir({ '.npmrc': 'ignore-scripts=true\nstrict-allow-scripts=true\nallow-scripts=esbuild,sharp\n' })
  writeFileSync(join(dir, 'user.npmrc'), '')
  const config = await loadNpmConfig({ cwd: dir, projectDir: dir, env: { HOME: dir, PREFIX: join(dir, 'none'), npm_config_userconfig: join(dir, 'user.npmrc') } })
  const read = readInstallScriptConfig(config)
  t.same(read.settings.ignoreScripts, { value: true, from: join(dir, '.npmrc') })
  t.same(read.settings.strictAllowScripts, { value: true, from: join(dir, '.npmrc') })
  t.same(read.settings.dangerouslyAllowAllScripts, { value: false, from: 'default' })
  t.same(read.npmrcAllowScripts, { value: ['esbuild,sharp'], file: join(dir, '.npmrc') }, 'as npm parses it: a list, split at commas by the tree')
})

t.test('values that are not plainly true or false count the way that lets scripts run', async (t) => {
  const read = readInstallScriptConfig(reader({ 'ignore-scripts': { value: 'yes' }, 'strict-allow-scripts': { value: '1' }, 'dangerously-allow-all-scripts': { value: 'no' } }))
  t.equal(read.settings.ignoreScripts.value, false, 'ignore-scripts=yes does not stop scripts')
  t.equal(read.settings.strictAllowScripts.value, false)
  t.equal(read.settings.dangerouslyAllowAllScripts.value, true, 'dangerously-allow-all-scripts=no is not plainly false')
  t.equal(readInstallScriptConfig(reader({ 'dangerously-allow-all-scripts': { value: 'false' } })).settings.dangerouslyAllowAllScripts.value, false)
})

t.test('allow-scripts from the environment or command line allows nothing in a project install', async (t) => {
  t.equal(readInstallScriptConfig(reader({ 'allow-scripts': { value: 'esbuild', layer: 'env', source: 'environment' } })).npmrcAllowScripts, undefined)
  t.equal(readInstallScriptConfig(reader({ 'allow-scripts': { value: '', layer: 'project' } })).npmrcAllowScripts, undefined, 'empty: nothing listed')
  t.equal(readInstallScriptConfig(reader({ 'allow-scripts': { value: 'esbuild', layer: 'default', source: 'default' } })).npmrcAllowScripts, undefined, "npm's default layer is no .npmrc")
  t.same(readInstallScriptConfig(reader({ 'ignore-scripts': { value: true, layer: 'default', source: 'default' } })).settings.ignoreScripts, { value: false, from: 'default' }, 'a default is not a setting that stops scripts')
  t.same(readInstallScriptConfig(reader({ 'allow-scripts': { value: ['a', 'b'], layer: 'user', source: '/home/u/.npmrc' } })).npmrcAllowScripts, { value: ['a', 'b'], file: '/home/u/.npmrc' })
})
