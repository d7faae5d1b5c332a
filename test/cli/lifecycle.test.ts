import t from 'tap'
import { hookCheckValues, npmIgnoresLockfile, npmOmitted } from '../../lib/cli/lifecycle.js'
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
