// verify-deps as the project's own "preinstall" script under the real npm on PATH: the order npm
// runs things in (npm ≤ 11: node_modules and dependency install scripts first, then the hook;
// npm 12: the hook first), the failed install, what the hook says is on disk, and the
// install-script settings it recommends. CI runs this file under npm 11 and npm 12.
import t, { type Test } from 'tap'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { npmMajorOnPath } from '../helpers/registry/index.js'
import { createScenario, type Scenario } from '../helpers/scenario/index.js'
import { BIN } from './run.js'

const NPM_12 = npmMajorOnPath() >= 12
// npm ≤ 11 prints a script it runs as "> pkg@1.0.0 preinstall\n> command"; npm 12 as "npm notice run command".
const RAN_HOOK = /(^> |npm notice run ).*verify-deps\.js/m

// A dependency install script that leaves a mark in the folder npm was started in.
const MARK = 'dependency-install-script-ran'
const MARKING_SCRIPT = `node -e "require('fs').writeFileSync(require('path').join(process.env.INIT_CWD, '${MARK}'), '')"`

// verify-deps is not on PATH in the test project: the hook names the built bin and the trust files.
const hook = (s: Scenario) =>
  `node ${JSON.stringify(BIN)} --trusted-root ${JSON.stringify(s.trustedRootFile)} --registry-keys ${JSON.stringify(`${s.registry.url}=${s.registryKeysFile}`)} --no-cache`

async function projectWithHook(t: Test, packages: Parameters<typeof createScenario>[1]['packages'], extraPackageJson: Record<string, unknown> = {}, project?: Parameters<typeof createScenario>[1]['project']) {
  // The hook is added after the lockfile is made (the scenario's npm run has scripts off anyway).
  const s = await createScenario(t, { packages, ...(project && { project }) })
  const path = join(s.projectDir, 'package.json')
  const pkg = JSON.parse(readFileSync(path, 'utf8'))
  writeFileSync(path, JSON.stringify({ ...pkg, scripts: { preinstall: hook(s) }, ...extraPackageJson }, null, 2) + '\n')
  return { s, file: (name: string) => join(s.projectDir, name), install: (args: string[] = ['install'], config: Record<string, string> = {}) => s.npm(args, { 'ignore-scripts': 'false', ...config }) }
}

t.test('npm ≤ 11 runs the hook after writing node_modules; a failing package fails the install and the hook says what is on disk', { skip: NPM_12 && 'npm 12 runs the hook first (next test)' }, async (t) => {
  const { file, install } = await projectWithHook(t, [
    { name: 'good', version: '1.0.0' },
    { name: 'bad', version: '1.0.0', signature: 'invalid', scripts: { postinstall: MARKING_SCRIPT } },
  ])
  const r = await install()
  const output = r.stdout + r.stderr
  t.not(r.code, 0, 'npm install fails')
  t.match(output, /SIGNATURE_INVALID/, 'the report names the finding')
  t.ok(existsSync(file('node_modules/bad/package.json')), 'npm wrote the failing package before the hook ran')
  t.ok(existsSync(file(MARK)), "and ran its install script before the hook ran")
  t.ok(existsSync(file('package-lock.json')))
  t.match(output, /verify-deps ran as this project's "preinstall" script\. npm runs that script only AFTER it has installed/)
  t.match(output, /package-lock\.json may have been updated by npm/)
  t.match(output, /node_modules\/ is already populated/)
  t.match(output, /bad@1\.0\.0, which failed, is installed at node_modules\/bad\./)
  t.match(output, /It has install scripts \(postinstall\): npm has run them already/)
  t.match(output, /verify-deps ci +instead of +npm ci/)
  t.match(output, /verify-deps install \[<pkg> \.\.\.\] +instead of +npm install/)
  t.notMatch(output, /good@1\.0\.0, which failed/, 'only failing packages are listed')

  // With the recommended settings (strict-allow-scripts, the script denied in allowScripts) the
  // hook still runs and fails the install, and the dependency's script never ran.
  rmSync(file('node_modules'), { recursive: true })
  rmSync(file(MARK))
  const pkg = JSON.parse(readFileSync(file('package.json'), 'utf8'))
  writeFileSync(file('package.json'), JSON.stringify({ ...pkg, allowScripts: { bad: false } }, null, 2) + '\n')
  const strict = await install(['ci'], { 'strict-allow-scripts': 'true' })
  t.not(strict.code, 0, 'npm ci fails')
  t.match(strict.stdout + strict.stderr, /ran as this project's "preinstall" script/, 'the hook ran')
  t.match(strict.stdout + strict.stderr, /strict-allow-scripts is on/)
  t.notMatch(strict.stdout + strict.stderr, /package-lock\.json may have been updated/, 'npm ci does not change the lockfile')
  t.notOk(existsSync(file(MARK)), 'the denied install script did not run')

  // strict-allow-scripts with the script not reviewed: npm stops before writing anything, the hook never runs.
  rmSync(file('node_modules'), { recursive: true })
  writeFileSync(file('package.json'), JSON.stringify(pkg, null, 2) + '\n')
  const unreviewed = await install(['ci'], { 'strict-allow-scripts': 'true' })
  t.not(unreviewed.code, 0)
  t.match(unreviewed.stderr, /ESTRICTALLOWSCRIPTS/)
  t.notOk(existsSync(file('node_modules')), 'nothing written')
  t.notOk(existsSync(file(MARK)))
})

t.test('npm 12 runs the hook before it installs: a failing package stops the install before anything is fetched or run', { skip: !NPM_12 && 'npm ≤ 11 runs the hook after reify (previous test)' }, async (t) => {
  const { file, install } = await projectWithHook(t, [
    { name: 'good', version: '1.0.0' },
    { name: 'bad', version: '1.0.0', signature: 'invalid', scripts: { postinstall: MARKING_SCRIPT } },
  ])
  const lockfile = readFileSync(file('package-lock.json'))
  const r = await install()
  const output = r.stdout + r.stderr
  t.not(r.code, 0, 'npm install fails')
  t.match(output, /SIGNATURE_INVALID/, 'the report names the finding')
  t.notOk(existsSync(file('node_modules')), 'npm wrote nothing before the hook ran')
  t.notOk(existsSync(file(MARK)), 'and ran no install script')
  t.same(readFileSync(file('package-lock.json')), lockfile, 'the lockfile is as it was')
  t.match(output, /verify-deps ran as this project's "preinstall" script\. npm 12 runs that script BEFORE it installs/)
  t.match(output, /no dependency was fetched, unpacked or run/)
  t.match(output, /node_modules\/ does not exist: nothing was installed; package-lock\.json is unchanged/)
  t.match(output, /verify-deps install <pkg> \.\.\. +checks it before anything is written/)
  t.notMatch(output, /already populated|has run them already/)

  // A failing package left in node_modules by an earlier install is named, with how to remove it.
  const earlier = await install(['install'], { 'ignore-scripts': 'true' })
  t.equal(earlier.code, 0, earlier.stderr)
  const again = await install()
  t.not(again.code, 0)
  t.match(again.stdout + again.stderr, /node_modules\/ is as it was before this install/)
  t.match(again.stdout + again.stderr, /bad@1\.0\.0, which failed, is still at node_modules\/bad from an earlier install: delete node_modules\/ to remove it/)

  // npm ci runs the hook after validating the lockfile and emptying node_modules, before reify: the
  // denied script never runs, and nothing is installed.
  const pkg = JSON.parse(readFileSync(file('package.json'), 'utf8'))
  writeFileSync(file('package.json'), JSON.stringify({ ...pkg, allowScripts: { bad: false } }, null, 2) + '\n')
  const ci = await install(['ci'], { 'strict-allow-scripts': 'true' })
  t.not(ci.code, 0, 'npm ci fails')
  t.match(ci.stdout + ci.stderr, /ran as this project's "preinstall" script/, 'the hook ran')
  t.match(ci.stdout + ci.stderr, /npm ci empties node_modules\/ before it runs the script: nothing is installed now/)
  t.notOk(existsSync(file('node_modules/bad')), 'npm ci removed the earlier install and installed nothing')
  t.notOk(existsSync(file(MARK)))

  // strict-allow-scripts with the script not reviewed: npm ci stops before the hook, as npm 11 does.
  writeFileSync(file('package.json'), JSON.stringify(pkg, null, 2) + '\n')
  const unreviewed = await install(['ci'], { 'strict-allow-scripts': 'true' })
  t.not(unreviewed.code, 0)
  t.match(unreviewed.stderr, /ESTRICTALLOWSCRIPTS/)
  t.notMatch(unreviewed.stdout + unreviewed.stderr, /ran as this project's/)
  t.notOk(existsSync(file(MARK)))

  // package.json asks for what the lockfile does not have: npm install would resolve it after the
  // hook, so the hook refuses the old lockfile (ELOCKSYNC) and says how to update it, checked.
  writeFileSync(file('package.json'), JSON.stringify({ ...pkg, dependencies: { ...pkg.dependencies, good: '^2.0.0' } }, null, 2) + '\n')
  const lockfileBefore = readFileSync(file('package-lock.json'))
  const behind = await install()
  t.not(behind.code, 0)
  t.match(behind.stdout + behind.stderr, /package-lock\.json: does not match package\.json: "good": "\^2\.0\.0"/)
  t.match(behind.stdout + behind.stderr, /To update it, checked, use  verify-deps install/)
  t.same(readFileSync(file('package-lock.json')), lockfileBefore, 'the lockfile is as it was')
})

t.test('a lockfile entry naming a dependency the lockfile does not place: npm ci refuses it, npm 12\'s hook refuses it (ELOCKSYNC) before npm install fetches it unchecked', async (t) => {
  // extra and opt are published but in no lockfile entry; only good's entry (edited below) asks for them.
  const { file, install } = await projectWithHook(t, [
    { name: 'good', version: '1.0.0' },
    { name: 'extra', version: '1.0.0' },
    { name: 'opt', version: '1.0.0' },
  ], {}, { dependencies: { good: '1.0.0' } })
  const lockfile = readFileSync(file('package-lock.json'), 'utf8')
  for (const [type, name] of [['dependencies', 'extra'], ['optionalDependencies', 'opt']] as const) {
    const lock = JSON.parse(lockfile)
    lock.packages['node_modules/good'][type] = { [name]: '1.0.0' }
    writeFileSync(file('package-lock.json'), JSON.stringify(lock, null, 2) + '\n')
    rmSync(file('node_modules'), { recursive: true, force: true })

    const ci = await install(['ci'])
    t.not(ci.code, 0, `npm ci refuses the lockfile (${type})`)
    t.match(ci.stderr, new RegExp(`Missing: ${name}@1\\.0\\.0 from lock file`))

    const r = await install()
    if (NPM_12) {
      t.not(r.code, 0, `npm 12: the hook fails the install (${type})`)
      t.match(r.stdout + r.stderr, new RegExp(`"${name}": "1\\.0\\.0" \\((prod|optional)\\) in the lockfile entry packages\\["node_modules/good"\\] is missing from the lockfile`))
      t.notOk(existsSync(file(`node_modules/${name}`)), 'npm installed nothing')
    } else {
      // npm 11 runs the hook after install, on the lockfile npm just updated: what it added is checked.
      t.equal(r.code, 0, r.stdout + r.stderr)
      t.match(r.stdout + r.stderr, /verify-deps: 2 packages: 2 pass/, `npm 11: the hook checked the ${name} npm added`)
    }
  }
})

t.test('a passing hook lets npm install finish; npm install <pkg> does not run the hook at all', async (t) => {
  const { file, install } = await projectWithHook(t, [{ name: 'good', version: '1.0.0', scripts: { postinstall: MARKING_SCRIPT } }])
  const r = await install()
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout + r.stderr, RAN_HOOK, 'the hook ran')
  t.ok(existsSync(file('node_modules/good/package.json')))
  // npm 12 runs no dependency install script that package.json "allowScripts" does not approve;
  // npm 11 runs it with a notice.
  t.equal(existsSync(file(MARK)), !NPM_12, NPM_12 ? 'npm 12 did not run the unapproved install script' : 'npm 11 ran the install script')

  // This is why `verify-deps install` exists: npm runs no project script for `npm install <pkg>`.
  const add = await install(['install', 'good@1.0.0', '--no-save'])
  t.equal(add.code, 0, add.stderr)
  t.notMatch(add.stdout + add.stderr, /verify-deps/, 'the hook did not run')
})

t.test('with package-lock=false the hook compares node_modules with the lockfile (npm ≤ 11) or refuses (npm 12): it never passes what npm resolved afresh', async (t) => {
  // The lockfile pins good@1.0.0, which passes; the registry's latest good@1.0.1 is badly signed.
  // package.json asks for ^1.0.0, so npm installing from the lockfile keeps 1.0.0.
  const { file, install } = await projectWithHook(t, [
    { name: 'good', version: '1.0.0' },
    { name: 'good', version: '1.0.1', signature: 'invalid' },
  ], {}, { dependencies: { good: '1.0.0' } })
  const pkg = JSON.parse(readFileSync(file('package.json'), 'utf8'))
  writeFileSync(file('package.json'), JSON.stringify({ ...pkg, dependencies: { good: '^1.0.0' } }, null, 2) + '\n')
  const lockfile = readFileSync(file('package-lock.json'))

  // With package-lock=false npm ignores that lockfile, resolves good@1.0.1 and writes no lockfile:
  // the lockfile on disk is no longer what npm installed, so checking it alone would pass.
  writeFileSync(file('.npmrc'), readFileSync(file('.npmrc'), 'utf8') + 'package-lock=false\n')
  const r = await install()
  const output = r.stdout + r.stderr
  if (NPM_12) {
    // npm 12 runs the hook before it resolves anything: what it will install is on no file yet.
    t.not(r.code, 0, 'npm install fails')
    t.match(output, /package-lock=false: npm 12 runs the preinstall hook before it resolves the dependencies/)
    t.notOk(existsSync(file('node_modules')), 'npm installed nothing')
    t.same(readFileSync(file('package-lock.json')), lockfile)
  } else {
    t.equal(JSON.parse(readFileSync(file('node_modules/good/package.json'), 'utf8')).version, '1.0.1', 'npm installed what the lockfile does not say')
    t.same(readFileSync(file('package-lock.json')), lockfile, 'and left the lockfile as it was')
    t.not(r.code, 0, 'npm install fails')
    t.match(output, /package-lock=false/, 'the hook says why it checks node_modules')
    t.match(output, /INSTALLED_MISMATCH/, 'node_modules is compared with the lockfile')
    // The installed good@1.0.1 is what is checked (not the lockfile's 1.0.0), and it cannot pass: nothing
    // on disk records an integrity for it to bind evidence to.
    t.match(output, /x good@1\.0\.1[\s\S]*(INTEGRITY_MISSING|SIGNATURE_INVALID)/, 'and what is installed is what is checked, and fails')
    rmSync(file('node_modules'), { recursive: true })
  }

  // From the lockfile (package-lock on), npm keeps good@1.0.0 and the hook passes.
  writeFileSync(file('.npmrc'), readFileSync(file('.npmrc'), 'utf8').replace('package-lock=false\n', ''))
  const locked = await install()
  t.equal(locked.code, 0, locked.stdout + locked.stderr)
  t.equal(JSON.parse(readFileSync(file('node_modules/good/package.json'), 'utf8')).version, '1.0.0')
})
