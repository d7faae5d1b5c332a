import t from 'tap'
import { NPM_OPTIONS, npmOptionsOnly, refuseNpmSettings, refusedNpmSetting, splitGateArgs } from '../../lib/gate/args.js'
import { CI_FLAGS, LOCKFILE_ONLY_FLAGS, NPM_INSTALL_FLAGS } from '../../lib/gate/install.js'
import { npmDefinitionsOnPath } from '../helpers/registry/index.js'
import { CI_OPTIONS, INSTALL_OPTIONS } from '../../lib/cli/install-command.js'
import { runsVerifyDepsCheck } from '../../lib/gate/package-json.js'

const split = (...argv: string[]) => {
  const { own, npm } = splitGateArgs(argv, INSTALL_OPTIONS, new Set(['registry']))
  return { own, npm }
}
/** The usage error (exit 2) for an install / ci command line, or null when it is accepted. */
const refusal = (command: 'install' | 'ci', ...argv: string[]): string | null => {
  try {
    refuseNpmSettings(splitGateArgs(argv, command === 'install' ? INSTALL_OPTIONS : CI_OPTIONS, new Set(['registry'])).settings, command)
    return null
  } catch (err) {
    t.equal((err as { kind?: string }).kind, 'usage', `${argv.join(' ')}: a usage error`)
    return (err as Error).message
  }
}

t.test('verify-deps options are taken out; package specs and npm options go to npm in order, each option as one argument', async (t) => {
  t.same(split('--offline', 'lodash', '--save-dev', '--policy', 'p.yaml', '-E', 'left-pad@1'), {
    own: ['--offline', '--policy', 'p.yaml'],
    npm: ['lodash', '--save-dev', '--save-exact', 'left-pad@1'],
  })
  t.same(split('--trusted-root=root.json', '--json', 'a'), { own: ['--trusted-root=root.json', '--json'], npm: ['a'] })
  t.same(split('-h'), { own: ['-h'], npm: [] })
  t.same(split('a', '--omit', 'dev', '-w', 'ws', '--save-exact', 'false', '-DE', '--before=2025-01-01'), {
    own: [],
    npm: ['a', '--omit=dev', '--workspace=ws', '--no-save-exact', '--save-dev', '--save-exact', '--before=2025-01-01'],
  })
  t.same(split('-d', '--silent', '--ws'), { own: [], npm: ['--loglevel=info', '--loglevel=silent', '--workspaces'] }, "npm's shorthands, expanded")
})

t.test('--registry goes to both, as one argument for npm', async (t) => {
  t.same(split('--registry', 'http://r.test/', 'a'), { own: ['--registry', 'http://r.test/'], npm: ['--registry=http://r.test/', 'a'] })
  t.equal(refusal('install', '--registry', 'http://r.test/', 'a'), null)
})

t.test('after -- everything is npm\'s, even names verify-deps knows', async (t) => {
  t.same(split('--json', 'a', '--', '--offline', '--json', '--foo=bar', '--no-color'), { own: ['--json'], npm: ['a', '--offline', '--json', '--foo=bar', '--no-color'] })
})

t.test('unknown or misspelled options before -- are a usage error, never passed to npm', async (t) => {
  t.match(refusal('install', '--polcy', 'p.yaml', 'a'), /unknown option "--polcy".*did you mean --policy\?/)
  t.match(refusal('ci', '--trusted-rot=x'), /unknown option "--trusted-rot=x".*did you mean --trusted-root\?/)
  t.match(refusal('install', '--some-npm-thing'), /unknown option "--some-npm-thing"/)
  t.match(refusal('install', '-x'), /unknown option "-x"/)
  t.match(refusal('install', '-ignore-scripts=false'), /unknown option/, 'a single-dash long option (npm reads it as --ignore-scripts=false)')
})

t.test('after -- an option npm may give a value to must carry it, so it cannot swallow the gate\'s flags', async (t) => {
  t.match(refusal('install', 'a', '--', '--some-npm-thing', 'b'), /npm may take the next argument as its value/)
  t.match(refusal('install', '--before'), /"--before" needs a value/)
  t.equal(refusal('install', 'a', '--', '--some-npm-thing=1', '--no-other'), null)
  t.match(refusal('install', 'a', '--', 'b', '--'), /"--" may be given once/)
})

t.test('npm arguments that undo the gate\'s own flags are refused (exit 2)', async (t) => {
  const undoing = [
    '--package-lock-only=false', '--no-package-lock-only', '--package-lock-only', '--package-lock-only false',
    '--ignore-scripts=false', '--no-ignore-scripts', '--ignore-scripts false',
    '--dry-run', '--dry-run=true', '--package-lock=false', '--no-package-lock', '--save=false', '--no-save', '-S false',
    '--lockfile-version=1', '-g', '--global', '--global=true', '-gE', '--location=global', '--location user', '-L global', '--prefix=/tmp', '-C /tmp',
    '--ignore-scripts=0',
  ]
  for (const args of undoing) t.ok(refusal('install', 'a', ...args.split(' ')), `install a ${args}`)
  // After --, too, and abbreviations npm would expand to them.
  for (const args of ['--ignore-scripts=false', '--no-package-lock-only', '--ignore-scr=false', '--no-package-lock-o', '--dry=true', '--glob=true', '--pref=/tmp', '--reg=http://evil.test/', '--registry=http://evil.test/', '--@acme:registry=http://evil.test/', '--userconfig=x.npmrc', '-gE']) {
    t.ok(refusal('install', 'a', '--', args), `install a -- ${args}`)
  }
  for (const args of ['--dry-run', '--no-package-lock', '--package-lock-only', '-g', '--prefix=/tmp']) t.ok(refusal('ci', ...args.split(' ')), `ci ${args}`)
  t.match(refusal('install', '-g', 'good'), /"-g" is not supported by verify-deps install/)
})

t.test('settings that agree with the gate, or only narrow what is installed, are accepted', async (t) => {
  for (const args of ['--ignore-scripts', '--save', '--package-lock', '--no-dry-run', '--no-global', '--location=project', '--lockfile-version=3', '--omit=dev', '--include optional', '--save-dev', '--foreground-scripts', '--strict-allow-scripts', '-w ws']) {
    t.equal(refusal('install', 'a', ...args.split(' ')), null, `install a ${args}`)
  }
  // npm ci runs install scripts unless told not to: asking for them is no contradiction there.
  t.equal(refusal('ci', '--ignore-scripts=false'), null)
  t.equal(refusedNpmSetting({ name: 'save', value: false, given: '--no-save' }, 'ci'), null)
})

t.test('--allow-scripts is refused: npm 11.16+ and 12 refuse it in a project install', async (t) => {
  t.match(refusal('install', 'a', '--allow-scripts=esbuild'), /npm refuses --allow-scripts in a project install: list the packages in package\.json "allowScripts"/)
  t.ok(refusal('ci', '--', '--allow-scripts=esbuild'))
})

t.test('every option the gate passes or forwards is one the npm on PATH defines, with its shorthands (npm 12 errors on an unknown flag)', async (t) => {
  const { keys, shorthands } = npmDefinitionsOnPath()
  const gateFlags = new Set([...LOCKFILE_ONLY_FLAGS, ...CI_FLAGS, ...NPM_INSTALL_FLAGS, '--no-audit', '--no-fund'].map((f) => f.replace(/^--(no-)?/, '').split('=')[0]!))
  for (const name of gateFlags) t.ok(keys.has(name), `the gate's --${name}`)
  for (const [name, spec] of Object.entries(NPM_OPTIONS)) {
    t.ok(keys.has(name), `--${name}`)
    if (spec.short) t.same(shorthands[spec.short], [`--${name}`], `-${spec.short} is --${name}`)
  }
})

t.test('npm ci after npm install gets the options, not the package specs', async (t) => {
  const { npm } = splitGateArgs(['lodash', '--save-dev', '--omit', 'dev', '-E', '--registry', 'http://r.test/', 'a@1'], INSTALL_OPTIONS, new Set(['registry']))
  t.same(npmOptionsOnly(npm), ['--save-dev', '--omit=dev', '--save-exact', '--registry=http://r.test/'])
})

t.test('a preinstall that runs the check is recognised; other verify-deps commands are not', async (t) => {
  for (const s of ['verify-deps', 'verify-deps --offline', 'npx verify-deps', 'npx --yes verify-deps check', ' verify-deps  ']) t.ok(runsVerifyDepsCheck(s), s)
  for (const s of ['verify-deps install', 'verify-deps ci', 'node check.js', 'verify-deps-other', 'echo verify-deps']) t.notOk(runsVerifyDepsCheck(s), s)
})
