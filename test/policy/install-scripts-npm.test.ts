// verify-deps' "will its install scripts run" against what real npm does with the same project on the
// loopback registry: `npm ci` with scripts on, each dependency's postinstall leaving a marker file,
// under the npm on PATH (npm 11 here) and under npm 12 (the CI toolchain's Node 24 folder).
// allowScripts covers every matching rule: allowed, denied, unlisted, pinned to another version, a
// semver range (which npm ignores), an exact-version disjunction, a scoped name, and an npm: alias
// whose installed name is listed (npm matches the real name only).
import t from 'tap'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import { checkScenario, pinnedTrust } from '../helpers/check.js'
import { runNpm } from '../helpers/registry/npm.js'
import { createScenario, LOOPBACK_NPM_CONFIG } from '../helpers/scenario/index.js'
import { cleanEnv } from '../cli/run.js'

const MARK = "require('fs').writeFileSync(require('path').join(process.env.INIT_CWD, 'ran-' + require('./package.json').name.replace('/', '+')), '')\n"
const scripted = (name: string, version = '1.0.0') => ({ name, version, scripts: { postinstall: 'node mark.js' }, files: { 'mark.js': MARK } })

const NPM12_BIN = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'verify-deps-ci', 'node24', 'bin')

t.test('verify-deps says which install scripts npm runs, as npm does', async (t) => {
  const s = await createScenario(t, {
    packages: [
      scripted('allowed'),
      scripted('denied'),
      scripted('unlisted'),
      scripted('pinned', '1.0.1'),
      scripted('ranged', '1.0.1'),
      scripted('either', '1.0.1'),
      scripted('@scope/scoped'),
      scripted('real'),
    ],
    project: {
      dependencies: { allowed: '1.0.0', denied: '1.0.0', unlisted: '1.0.0', pinned: '1.0.1', ranged: '1.0.1', either: '1.0.1', '@scope/scoped': '1.0.0', aliased: 'npm:real@1.0.0' },
      packageJson: {
        allowScripts: { allowed: true, denied: false, 'pinned@1.0.0': true, 'ranged@^1.0.0': true, 'either@1.0.0 || 1.0.1': true, '@scope/scoped': true, aliased: true },
      },
    },
  })
  const names = ['allowed', 'denied', 'unlisted', 'pinned', 'ranged', 'either', '@scope/scoped', 'real']

  const npms: { label: string; binDir?: string }[] = [{ label: 'npm on PATH' }]
  if (existsSync(join(NPM12_BIN, 'npm'))) npms.push({ label: 'npm 12', binDir: NPM12_BIN })
  else t.comment(`npm 12 not found in ${NPM12_BIN}: only the npm on PATH is compared`)

  for (const { label, binDir } of npms) {
    t.test(label, async (t) => {
      for (const n of names) rmSync(join(s.projectDir, `ran-${n.replace('/', '+')}`), { force: true })
      rmSync(join(s.projectDir, 'node_modules'), { recursive: true, force: true })
      const env = cleanEnv(join(s.dir, 'home'), binDir ? { PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` } : {})
      const r = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false, env })
      t.comment(`${label}: ${r.report.installScripts?.reason}`)

      const npm = await runNpm(['ci', '--no-audit', '--no-fund'], { cwd: s.projectDir, scratchDir: join(s.dir, `npm-${binDir ? '12' : 'path'}`), config: { ...LOOPBACK_NPM_CONFIG, 'ignore-scripts': 'false' }, ...(binDir && { binDir }) })
      t.equal(npm.code, 0, `npm ci succeeds: ${npm.stderr.slice(-500)}`)
      const lock = JSON.parse(readFileSync(join(s.projectDir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> }
      t.equal(lock.packages['node_modules/allowed']?.hasInstallScript, true, 'the lockfile records hasInstallScript')

      for (const name of names) {
        const ran = existsSync(join(s.projectDir, `ran-${name.replace('/', '+')}`))
        t.equal(r.pkg(name).installScripts?.willRun, ran, `${name}: verify-deps says ${String(r.pkg(name).installScripts?.willRun)}, npm ${ran ? 'ran' : 'did not run'} its postinstall (${r.pkg(name).installScripts?.reason})`)
      }
      // The rules that explain the answers (which npm is which does not change these).
      t.equal(r.pkg('allowed').installScripts.allowScripts, 'allowed')
      t.equal(r.pkg('denied').installScripts.allowScripts, 'denied')
      t.equal(r.pkg('either').installScripts.allowScripts, 'allowed', 'exact versions joined by || match')
      t.equal(r.pkg('@scope/scoped').installScripts.allowScripts, 'allowed')
      t.equal(r.pkg('real').installScripts.allowScripts, 'unreviewed', 'the alias name does not match the real package')
      t.equal(r.pkg('ranged').installScripts.allowScripts, 'unreviewed', 'npm ignores a semver range')
      t.match(r.report.installScripts?.allowScripts.ignored, [/"ranged@\^1\.0\.0" is a semver range/])
      t.match(r.pkg('pinned').installScripts, { allowScripts: 'unreviewed', pinnedElsewhere: ['pinned@1.0.0'] })
      t.ok(r.codes('pinned').includes('INSTALL_SCRIPT_NOT_ALLOWED'))
    })
  }

  t.test('a lockfile entry without hasInstallScript: npm ci does not run the script either', async (t) => {
    // npm decides a plain postinstall from the flag; verify-deps cannot tell it from a binding.gyp
    // (which npm builds whatever the flag says), so the registry's word counts: fail closed.
    const lockPath = join(s.projectDir, 'package-lock.json')
    const before = readFileSync(lockPath, 'utf8')
    const lock = JSON.parse(before) as { packages: Record<string, { hasInstallScript?: boolean }> }
    delete lock.packages['node_modules/allowed']!.hasInstallScript
    writeFileSync(lockPath, JSON.stringify(lock, null, 2))
    t.teardown(() => writeFileSync(lockPath, before))
    rmSync(join(s.projectDir, 'ran-allowed'), { force: true })
    rmSync(join(s.projectDir, 'node_modules'), { recursive: true, force: true })
    const r = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false })
    const npm = await runNpm(['ci', '--no-audit', '--no-fund'], { cwd: s.projectDir, scratchDir: join(s.dir, 'npm-noflag'), config: { ...LOOPBACK_NPM_CONFIG, 'ignore-scripts': 'false' } })
    t.equal(npm.code, 0)
    t.equal(existsSync(join(s.projectDir, 'ran-allowed')), false, 'npm did not run it')
    t.match(r.pkg('allowed').installScripts, { reason: /the lockfile does not flag it, but the registry's version document says it has install scripts/ }, 'verify-deps assumes it runs (fail closed)')
  })

  t.test('strict-allow-scripts: npm refuses the install, so nothing runs', async (t) => {
    const npmrc = join(s.projectDir, '.npmrc')
    const before = readFileSync(npmrc, 'utf8')
    writeFileSync(npmrc, `${before}\nstrict-allow-scripts=true\n`)
    t.teardown(() => writeFileSync(npmrc, before))
    for (const n of names) rmSync(join(s.projectDir, `ran-${n.replace('/', '+')}`), { force: true })
    rmSync(join(s.projectDir, 'node_modules'), { recursive: true, force: true })
    const r = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false })
    const npm = await runNpm(['ci', '--no-audit', '--no-fund'], { cwd: s.projectDir, scratchDir: join(s.dir, 'npm-strict'), config: { ...LOOPBACK_NPM_CONFIG, 'ignore-scripts': 'false' } })
    t.not(npm.code, 0, 'npm ci fails (ESTRICTALLOWSCRIPTS)')
    t.match(npm.stderr + npm.stdout, /ESTRICTALLOWSCRIPTS|strict-allow-scripts/)
    t.equal(existsSync(join(s.projectDir, 'ran-unlisted')), false)
    t.match(r.pkg('unlisted').installScripts, { willRun: false, reason: /strict-allow-scripts/ })
  })
})
