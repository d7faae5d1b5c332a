import t from 'tap'
import { npmOptionsOnly, splitGateArgs } from '../../lib/gate/args.js'
import { INSTALL_OPTIONS } from '../../lib/cli/install-command.js'
import { runsVerifyDepsCheck } from '../../lib/gate/package-json.js'

const split = (...argv: string[]) => splitGateArgs(argv, INSTALL_OPTIONS, new Set(['registry']))

t.test('verify-deps options are taken out; package specs and other options go to npm in order', async (t) => {
  t.same(split('--offline', 'lodash', '--save-dev', '--policy', 'p.yaml', '-E', 'left-pad@1'), {
    own: ['--offline', '--policy', 'p.yaml'],
    npm: ['lodash', '--save-dev', '-E', 'left-pad@1'],
  })
  t.same(split('--trusted-root=root.json', '--json', 'a'), { own: ['--trusted-root=root.json', '--json'], npm: ['a'] })
  t.same(split('-h'), { own: ['-h'], npm: [] })
})

t.test('--registry goes to both, as one argument for npm', async (t) => {
  t.same(split('--registry', 'http://r.test/', 'a'), { own: ['--registry', 'http://r.test/'], npm: ['--registry=http://r.test/', 'a'] })
})

t.test('after -- everything is npm\'s, even names verify-deps knows', async (t) => {
  t.same(split('--json', 'a', '--', '--offline', '--json'), { own: ['--json'], npm: ['a', '--offline', '--json'] })
})

t.test('npm ci after npm install gets the options, not the package specs', async (t) => {
  t.same(npmOptionsOnly(['lodash', '--save-dev', '--omit=dev', '-E', '--registry=http://r.test/', 'a@1']), ['--save-dev', '--omit=dev', '-E', '--registry=http://r.test/'])
})

t.test('a preinstall that runs the check is recognised; other verify-deps commands are not', async (t) => {
  for (const s of ['verify-deps', 'verify-deps --offline', 'npx verify-deps', 'npx --yes verify-deps check', ' verify-deps  ']) t.ok(runsVerifyDepsCheck(s), s)
  for (const s of ['verify-deps install', 'verify-deps ci', 'node check.js', 'verify-deps-other', 'echo verify-deps']) t.notOk(runsVerifyDepsCheck(s), s)
})
