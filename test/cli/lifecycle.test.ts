import t from 'tap'
import { join } from 'node:path'
import { formatStoppedBeforeInstall, hookCheckValues, hookTiming, npmIgnoresLockfile, npmMajorVersion, npmOmitted } from '../../lib/cli/lifecycle.js'
import type { Terminal } from '../../lib/cli/terminal.js'

t.test('npm settings that leave the lockfile on disk stale are read from the script environment', async (t) => {
  // @npmcli/config exports a non-default false as an empty string.
  t.equal(npmIgnoresLockfile({ npm_config_package_lock: '' }), 'package-lock=false')
  t.equal(npmIgnoresLockfile({ npm_config_package_lock: 'false' }), 'package-lock=false')
  t.equal(npmIgnoresLockfile({ npm_config_save: '' }), 'save=false')
  t.equal(npmIgnoresLockfile({ npm_config_package_lock: 'true', npm_config_save: 'true' }), null)
  t.equal(npmIgnoresLockfile({}), null)
})

t.test('the packages npm left out are those --omit names, minus --include; NODE_ENV=production omits dev', async (t) => {
  t.same(npmOmitted({}), [])
  t.same(npmOmitted({ npm_config_omit: 'dev\n\noptional' }), ['dev', 'optional'])
  t.same(npmOmitted({ npm_config_omit: 'dev\n\noptional', npm_config_include: 'optional' }), ['dev'])
  t.same(npmOmitted({ NODE_ENV: 'production' }), ['dev'])
  t.same(npmOmitted({ NODE_ENV: 'production', npm_config_omit: '' }), [], 'an explicit empty omit wins over NODE_ENV')
  t.same(npmOmitted({ npm_config_omit: 'nonsense' }), [])
})

t.test('the hook checks node_modules against the lockfile when npm ignored the lockfile', async (t) => {
  const said: string[] = []
  const term: Terminal = { out: () => {}, err: (s) => void said.push(s), stderrIsTTY: false }
  t.same(hookCheckValues({ offline: true }, {}, term), { offline: true }, 'unchanged when npm installs from the lockfile')
  t.same(hookCheckValues({ ideal: true }, { npm_config_package_lock: '', npm_config_omit: 'dev' }, term), { installed: true, omit: ['dev'] })
  t.match(said.join(''), /npm is installing with package-lock=false/)
})

t.test("npm's major version comes from the npm-cli.js npm_execpath names, else from the user agent", async (t) => {
  const dir = t.testdir({ npm: { bin: { 'npm-cli.js': '' }, 'package.json': JSON.stringify({ name: 'npm', version: '12.2.2' }) }, other: { bin: { 'npm-cli.js': '' }, 'package.json': JSON.stringify({ name: 'not-npm', version: '99.0.0' }) } })
  const agent = 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false'
  t.equal(npmMajorVersion({ npm_execpath: join(dir, 'npm/bin/npm-cli.js'), npm_config_user_agent: agent }), 12, 'the npm package wins over a user agent an .npmrc can set')
  t.equal(npmMajorVersion({ npm_execpath: join(dir, 'other/bin/npm-cli.js'), npm_config_user_agent: agent }), 11, 'a package.json that is not npm\'s is not believed')
  t.equal(npmMajorVersion({ npm_execpath: join(dir, 'missing/bin/npm-cli.js'), npm_config_user_agent: agent }), 11)
  t.equal(npmMajorVersion({ npm_execpath: '/usr/lib/node_modules/yarn/bin/yarn.js', npm_config_user_agent: 'yarn/1.22.22 npm/? node/v20.20.2' }), null, 'not npm')
  t.equal(npmMajorVersion({}), null)
})

t.test('npm 12 runs the preinstall hook before the install; every other script and npm run after it', async (t) => {
  const npm12 = { npm_config_user_agent: 'npm/12.2.2 node/v24.22.3' }
  t.equal(hookTiming('preinstall', npm12), 'before-install')
  t.equal(hookTiming('postinstall', npm12), 'after-install')
  t.equal(hookTiming('preinstall', { npm_config_user_agent: 'npm/11.19.1 node/v20.20.2' }), 'after-install')
  t.equal(hookTiming('preinstall', {}), 'after-install', 'an unknown runner keeps the npm ≤ 11 reading')
})

t.test('before the install the hook checks the lockfile, and refuses when npm will not install from it', async (t) => {
  const said: string[] = []
  const term: Terminal = { out: () => {}, err: (s) => void said.push(s), stderrIsTTY: false }
  t.same(hookCheckValues({ offline: true }, { npm_config_save: '' }, term, 'before-install'), { offline: true }, 'save=false: npm still installs from the lockfile')
  t.throws(() => hookCheckValues({}, { npm_config_package_lock: '' }, term, 'before-install'), { code: 'EHOOKUNLOCKED' })
  const shrinkwrapOnly = t.testdir({ 'npm-shrinkwrap.json': '{}' })
  t.throws(() => hookCheckValues({}, {}, term, 'before-install', shrinkwrapOnly), { code: 'EHOOKUNLOCKED', message: /npm 12 does not read npm-shrinkwrap\.json/ })
  const both = t.testdir({ 'npm-shrinkwrap.json': '{}', 'package-lock.json': '{}' })
  t.same(hookCheckValues({}, {}, term, 'before-install', both), {}, 'with package-lock.json there, the check reads it (and refuses two that differ)')
  t.same(hookCheckValues({}, {}, term, 'after-install', shrinkwrapOnly), {}, 'npm 11 installs from npm-shrinkwrap.json')
  t.same(said, [], 'nothing said about --installed')
})

t.test('npm 12: the hook says the install stopped before anything was written, and what an earlier install left', async (t) => {
  const installed = { nodeModules: true, failing: [{ name: 'bad', version: '1.0.0', installedAt: ['node_modules/bad'], installScripts: ['postinstall'] }] }
  const install = formatStoppedBeforeInstall('preinstall', installed, { npm_command: 'install' })
  t.match(install, /npm 12 runs that script BEFORE it installs/)
  t.match(install, /node_modules\/ is as it was before this install; package-lock\.json is unchanged/)
  t.match(install, /bad@1\.0\.0, which failed, is still at node_modules\/bad from an earlier install/)
  const ci = formatStoppedBeforeInstall('preinstall', { nodeModules: true, failing: [] }, { npm_command: 'ci' })
  t.match(ci, /npm ci empties node_modules\/ before it runs the script: nothing is installed now/)
  t.notMatch(ci, /package-lock\.json is unchanged/)
  t.notMatch(install, /To update it, checked/)
  t.match(formatStoppedBeforeInstall('preinstall', { nodeModules: false, failing: [] }, { npm_command: 'install' }, true), /runs this hook on package-lock\.json as it is[\s\S]*To update it, checked, use  verify-deps install/, 'a lockfile behind package.json: how to update it')
})
