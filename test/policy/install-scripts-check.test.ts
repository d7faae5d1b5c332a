// Install scripts only from verified builds (issue 10 point 3), end to end on the loopback registry:
// the lockfile's hasInstallScript, package.json allowScripts, the npm on PATH, and the policy's
// installScripts section, through the library's check.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { rulesOfVersion } from '../../lib/policy/npm-rules.js'
import { checkScenario, pinnedTrust } from '../helpers/check.js'
import { createScenario } from '../helpers/scenario/index.js'
import { cleanEnv } from '../cli/run.js'
import { askNpmVersion } from '../../lib/gate/npm.js'

const POSTINSTALL = { postinstall: 'node -e 0' }

/** The install-script finding codes of a package (PROVENANCE_MISSING and the like are another story). */
const scriptCodes = (r: { codes(name: string): string[] }, name: string) => r.codes(name).filter((c) => c.startsWith('INSTALL_SCRIPT_'))

t.test('install scripts: unverified, verified and pinned to another version', async (t) => {
  const s = await createScenario(t, {
    packages: [
      { name: 'scripted', version: '1.0.0', scripts: POSTINSTALL, provenance: 'missing' },
      { name: 'built', version: '1.0.0', scripts: POSTINSTALL },
      { name: 'pinned', version: '1.0.1', scripts: POSTINSTALL },
      { name: 'unlisted', version: '1.0.0', scripts: POSTINSTALL, provenance: 'missing' },
      { name: 'denied', version: '1.0.0', scripts: POSTINSTALL, provenance: 'missing' },
      { name: 'plain', version: '1.0.0', provenance: 'missing' },
    ],
    project: { packageJson: { allowScripts: { scripted: true, built: true, 'pinned@1.0.0': true, denied: false } } },
  })
  const env = cleanEnv(join(s.dir, 'home'))
  const npm = await askNpmVersion(env, s.projectDir)
  if (!('version' in npm)) throw new Error(`npm --version: ${npm.error}`)
  const rules = rulesOfVersion(npm.version)
  const policyFile = join(s.projectDir, 'verify-deps.policy.yaml')

  t.test('by default (no installScripts section): warn', async (t) => {
    const r = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false })
    t.equal(r.report.installScripts?.rules, rules, `the rules of npm ${npm.version} on PATH`)
    t.match(r.report.installScripts?.reason, new RegExp(`npm --version\` says ${npm.version.replace(/\./g, '\\.')}`))
    t.equal(r.report.installScripts?.allowScripts.source, 'package.json')

    t.same(scriptCodes(r, 'scripted'), ['INSTALL_SCRIPT_UNVERIFIED'], 'allowed, no provenance: unverified')
    t.equal(r.pkg('scripted').decision, 'warn')
    t.match(r.pkg('scripted').installScripts, { willRun: true, allowScripts: 'allowed', matched: ['scripted'], verified: { provenance: false, trustedPublisher: false } })

    t.same(scriptCodes(r, 'built'), [], 'allowed with verified provenance: nothing to say')
    t.equal(r.pkg('built').decision, 'pass')
    t.match(r.pkg('built').installScripts, { willRun: true, allowScripts: 'allowed', verified: { provenance: true } })

    t.ok(r.codes('pinned').includes('INSTALL_SCRIPT_NOT_ALLOWED'), 'allowed for 1.0.0, 1.0.1 locked')
    t.match(r.pkg('pinned').installScripts, { allowScripts: 'unreviewed', pinnedElsewhere: ['pinned@1.0.0'], willRun: rules !== 'npm12' })
    t.match(r.pkg('pinned').findings.find((f: { code: string }) => f.code === 'INSTALL_SCRIPT_NOT_ALLOWED'), { severity: 'warning', message: /"pinned@1\.0\.0"/ })

    t.match(r.pkg('unlisted').installScripts, { allowScripts: 'unreviewed', willRun: rules !== 'npm12' }, 'unreviewed: runs unless npm 12')
    t.same(scriptCodes(r, 'unlisted'), rules === 'npm12' ? [] : ['INSTALL_SCRIPT_UNVERIFIED'])

    t.match(r.pkg('denied').installScripts, { allowScripts: 'denied', willRun: rules === 'legacy', matched: ['denied'] })
    t.notOk(r.codes('denied').includes('INSTALL_SCRIPT_UNVERIFIED'), 'denied: its scripts do not run')

    t.equal(r.pkg('plain').installScripts, null, 'no install script: null')
    t.equal(r.status, 0, 'warnings only: exit 0')
    const text = r.output('text')
    t.match(text, /note: install scripts: npm 1\d rules/)
    t.match(text, new RegExp(`install scripts: ${rules === 'npm12' ? 2 : 4} of 5 packages with install scripts will run them \\(${rules === 'npm12' ? 1 : 2} with verified provenance\\), ${rules === 'npm12' ? 3 : 1} will not`))
    t.match(text, /install script +will run: allowed by "scripted" in /)
  })

  t.test('under enforce the unverified package fails; mode off checks nothing', async (t) => {
    writeFileSync(policyFile, 'version: 1\ninstallScripts:\n  mode: enforce\n')
    t.teardown(() => writeFileSync(policyFile, 'version: 1\n'))
    const enforce = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false })
    t.equal(enforce.pkg('scripted').decision, 'fail')
    t.match(enforce.pkg('scripted').findings.find((f: { code: string }) => f.code === 'INSTALL_SCRIPT_UNVERIFIED'), { severity: 'error', message: /without verified provenance/ })
    t.equal(enforce.pkg('pinned').decision, 'fail', 'a pin to another version fails under enforce')
    t.equal(enforce.pkg('built').decision, 'pass')
    t.equal(enforce.status, 1)

    writeFileSync(policyFile, 'version: 1\ninstallScripts: { mode: off }\n')
    const off = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false })
    t.same(scriptCodes(off, 'scripted'), [])
    t.same(scriptCodes(off, 'pinned'), [])
    t.match(off.pkg('scripted').installScripts, { willRun: true }, 'the report still says it runs')
  })

  t.test('require.trustedPublisher needs verified provenance and the registry claim', async (t) => {
    writeFileSync(policyFile, 'version: 1\ninstallScripts:\n  mode: enforce\n  require: { trustedPublisher: true }\n')
    t.teardown(() => writeFileSync(policyFile, 'version: 1\n'))
    const r = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false })
    t.match(r.pkg('built').findings, [{ code: 'INSTALL_SCRIPT_UNVERIFIED', message: /trusted publisher/ }], 'provenance alone is not a trusted publisher')
  })

  t.test('ignore-scripts in the project .npmrc: nothing runs', async (t) => {
    const npmrc = join(s.projectDir, '.npmrc')
    const { readFileSync } = await import('node:fs')
    const before = readFileSync(npmrc, 'utf8')
    writeFileSync(npmrc, `${before}\nignore-scripts=true\n`)
    t.teardown(() => writeFileSync(npmrc, before))
    const r = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false })
    t.match(r.pkg('scripted').installScripts, { willRun: false, reason: /ignore-scripts is set \(.*\.npmrc\)/ })
    t.same(scriptCodes(r, 'scripted'), [])
    t.ok(r.codes('pinned').includes('INSTALL_SCRIPT_NOT_ALLOWED'), 'a stale pin is still reported')
  })
})

t.test("a lockfile without hasInstallScript does not hide install scripts the registry declares", async (t) => {
  // binding.gyp: npm runs an implicit `node-gyp rebuild` (arborist rebuild.js isGyp). npm publish
  // writes it into the version document as `gypfile` and `scripts.install`; here only `gypfile`.
  const s = await createScenario(t, {
    packages: [
      { name: 'native', version: '1.0.0', manifest: { gypfile: true }, files: { 'index.js': 'module.exports = 1\n', 'binding.gyp': '{ "targets": [] }\n' }, provenance: 'missing' },
      { name: 'stripped', version: '1.0.0', scripts: POSTINSTALL, provenance: 'missing' },
      { name: 'plain', version: '1.0.0', provenance: 'missing' },
    ],
  })
  const lockPath = join(s.projectDir, 'package-lock.json')
  const { readFileSync } = await import('node:fs')
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages: Record<string, Record<string, unknown>> }
  for (const entry of Object.values(lock.packages)) delete entry.hasInstallScript
  writeFileSync(lockPath, JSON.stringify(lock, null, 2))
  const env = cleanEnv(join(s.dir, 'home'))
  const npm = await askNpmVersion(env, s.projectDir)
  if (!('version' in npm)) throw new Error(`npm --version: ${npm.error}`)
  const rules = rulesOfVersion(npm.version)

  const r = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false })
  for (const name of ['native', 'stripped']) {
    t.match(r.pkg(name).installScripts, { allowScripts: 'unreviewed', willRun: rules !== 'npm12', reason: /the lockfile does not flag it, but the registry's version document says it has install scripts/ }, `${name}: the registry's word raises the flag`)
    t.same(scriptCodes(r, name), rules === 'npm12' ? [] : ['INSTALL_SCRIPT_UNVERIFIED'])
  }
  t.equal(r.pkg('plain').installScripts, null, 'no install script anywhere: null')
})
