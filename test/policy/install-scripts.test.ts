// The installScripts section and "will npm run it" (lib/policy/install-scripts.ts, npm-rules.ts):
// every npm rule set, setting and allowScripts verdict; the evidence a running package needs; how
// the section's mode, exceptions and a rule's severity decide the findings; the section's schema.
import t from 'tap'
import type { InstallScriptRef } from '../../lib/model/install-scripts.js'
import { evaluatePolicy, explainPackage } from '../../lib/policy/evaluate.js'
import { formatExplanation } from '../../lib/policy/explain.js'
import { checkInstallScripts, DEFAULT_INSTALL_SCRIPTS_POLICY, installScriptsOf, withUnflaggedInstallScript } from '../../lib/policy/install-scripts.js'
import { chooseNpmRules, rulesOfVersion } from '../../lib/policy/npm-rules.js'
import { parsePolicy } from '../../lib/policy/parse.js'
import { NOW, facts, noProvenance, policyFrom, ref, scriptContext, verified } from './helpers.js'

const script = (over: Partial<InstallScriptRef> = {}): InstallScriptRef => ({ allowScripts: 'unreviewed', matched: [], pinnedElsewhere: [], ...over })
const on = (from = '/p/.npmrc') => ({ value: true, from })
const scripted = (over: Partial<InstallScriptRef> = {}) => ref('@acme/app', '1.0.0', { installScript: script(over) })

t.test('whether npm runs the install scripts: every rule set, verdict and setting', async (t) => {
  const runs = (verdict: InstallScriptRef['allowScripts'], over: Parameters<typeof scriptContext>[0] = {}) =>
    installScriptsOf(scripted({ allowScripts: verdict, matched: verdict === 'allowed' || verdict === 'denied' ? ['@acme/app'] : [] }), facts(), scriptContext(over))!.willRun
  const table = {
    npm12: { allowed: true, denied: false, unreviewed: false, bundled: false },
    npm11: { allowed: true, denied: false, unreviewed: true, bundled: true },
    legacy: { allowed: true, denied: true, unreviewed: true, bundled: true },
  } as const
  for (const [rules, row] of Object.entries(table)) {
    for (const [verdict, expected] of Object.entries(row)) t.equal(runs(verdict as InstallScriptRef['allowScripts'], { rules: rules as 'npm12' }), expected, `${rules}, ${verdict}`)
  }
  const settings = scriptContext().settings
  for (const rules of ['npm12', 'npm11', 'legacy'] as const) {
    t.equal(runs('allowed', { rules, settings: { ...settings, ignoreScripts: on() } }), false, `${rules}: ignore-scripts wins`)
    t.equal(runs('denied', { rules, settings: { ...settings, ignoreScripts: on(), dangerouslyAllowAllScripts: on() } }), false, `${rules}: ignore-scripts wins over dangerously-allow-all-scripts`)
    t.equal(runs('denied', { rules, settings: { ...settings, dangerouslyAllowAllScripts: on() } }), true, `${rules}: dangerously-allow-all-scripts runs even denied ones`)
  }
  const strict = { ...settings, strictAllowScripts: on() }
  t.equal(runs('unreviewed', { rules: 'npm11', settings: strict }), false, 'npm 11 strict: the install fails')
  t.equal(runs('bundled', { rules: 'npm11', settings: strict }), true, 'strict does not check bundled dependencies')
  t.equal(runs('allowed', { rules: 'npm11', settings: strict }), true)
  t.equal(runs('unreviewed', { rules: 'legacy', settings: strict }), true, 'npm before 11.16 knows no strict-allow-scripts')

  const result = installScriptsOf(scripted({ allowScripts: 'unreviewed' }), facts(), scriptContext({ rules: 'npm11', settings: strict }))!
  t.match(result.reason, /strict-allow-scripts is set \(\/p\/\.npmrc\).*ESTRICTALLOWSCRIPTS/)
  t.equal(installScriptsOf(ref(), facts(), scriptContext()), undefined, 'no install script: nothing to say')
})

t.test('verified evidence: provenance bound to the locked integrity; a trusted publisher needs it too', async (t) => {
  const of = (f: ReturnType<typeof facts> | undefined, over = {}) => installScriptsOf(ref('@acme/app', '1.0.0', { installScript: script(), ...over }), f, scriptContext())!.verified
  t.same(of(facts()), { provenance: true, trustedPublisher: true })
  t.same(of(facts({ provenance: { status: 'none' } })), { provenance: false, trustedPublisher: false }, 'the registry claim alone is no trusted publisher')
  t.same(of(facts({ publisher: { trustedPublisher: undefined } })), { provenance: true, trustedPublisher: false })
  t.same(of({ ...facts(), integrity: { status: 'missing' } }), { provenance: false, trustedPublisher: false }, 'nothing bound to the locked bytes')
  t.same(of({ ...facts(), provenance: { status: 'mismatch' } }), { provenance: false, trustedPublisher: false })
  t.same(of(undefined), { provenance: false, trustedPublisher: false }, 'no facts (fetch failed)')
  t.same(of(facts(), { source: 'git' }), { provenance: false, trustedPublisher: false }, 'not from a registry')
})

t.test('checkInstallScripts raises by the section: require, mode off, pins', async (t) => {
  const ctx = scriptContext()
  const result = (o: Partial<InstallScriptRef>, f = facts({ provenance: { status: 'none' } })) => installScriptsOf(scripted(o), f, ctx)
  const codes = (section: typeof DEFAULT_INSTALL_SCRIPTS_POLICY, r = result({})) => checkInstallScripts(section, 'p@1.0.0', r).map((f) => f.code)
  t.same(codes(DEFAULT_INSTALL_SCRIPTS_POLICY), ['INSTALL_SCRIPT_UNVERIFIED'])
  t.same(codes({ mode: 'off', require: { provenance: true, trustedPublisher: true } }), [], 'off checks nothing')
  t.same(codes({ mode: 'enforce', require: { provenance: false, trustedPublisher: false } }), [], 'nothing required')
  t.same(codes(DEFAULT_INSTALL_SCRIPTS_POLICY, result({}, facts())), [], 'verified provenance meets the default')
  t.same(codes({ mode: 'warn', require: { provenance: false, trustedPublisher: true } }, result({}, facts({ publisher: { trustedPublisher: undefined } }))), ['INSTALL_SCRIPT_UNVERIFIED'])
  t.same(codes(DEFAULT_INSTALL_SCRIPTS_POLICY, result({ allowScripts: 'denied', matched: ['p'] })), [], 'a denied package does not run: no evidence needed')
  const pinned = checkInstallScripts(DEFAULT_INSTALL_SCRIPTS_POLICY, 'p@1.0.1', installScriptsOf(scripted({ pinnedElsewhere: ['p@1.0.0'] }), facts(), scriptContext({ rules: 'npm12' })))
  t.match(pinned, [{ code: 'INSTALL_SCRIPT_NOT_ALLOWED', message: /allows "p@1\.0\.0", not the locked version: npm will not run its install scripts/ }])
  t.same(checkInstallScripts(DEFAULT_INSTALL_SCRIPTS_POLICY, 'p', undefined), [])
})

t.test('the policy decides: section mode, exceptions waive, a rule severity names the code', async (t) => {
  const pkg = scripted()
  const decide = (text: string | null) => evaluatePolicy(text === null ? null : policyFrom(text), pkg, noProvenance(), NOW, scriptContext())
  const find = (r: ReturnType<typeof decide>) => r.findings.find((f) => f.code === 'INSTALL_SCRIPT_UNVERIFIED')
  t.match(find(decide(null)), { severity: 'warning' }, 'built-in default: warn')
  t.match(find(decide('version: 1\ninstallScripts: { mode: enforce }\n')), { severity: 'error', message: /\(required by installScripts\)$/ })
  t.equal(decide('version: 1\ninstallScripts: { mode: enforce }\n').decision, 'fail')
  t.equal(find(decide('version: 1\ninstallScripts: { mode: off }\n')), undefined)
  const waived = decide('version: 1\ninstallScripts: { mode: enforce }\nexceptions:\n  - package: "@acme/app@1.0.0"\n    allow: [INSTALL_SCRIPT_UNVERIFIED]\n    reason: "script reviewed"\n')
  t.match(find(waived), { severity: 'info' }, 'an exception waives it')
  t.equal(waived.decision, 'warn', 'PROVENANCE_MISSING still warns under the built-in default')
  const named = decide('version: 1\ninstallScripts: { mode: enforce }\nrules:\n  - packages: ["@acme/*"]\n    severity: { INSTALL_SCRIPT_UNVERIFIED: warning }\n')
  t.match(find(named), { severity: 'warning' }, "a rule's severity names it")
  t.equal(evaluatePolicy(null, pkg, noProvenance(), NOW).installScripts, undefined, 'without a run context (a lone tarball) nothing is said')
})

t.test('a bundled package with install scripts: skipped unless they run', async (t) => {
  const bundled = ref('inner', '1.0.0', { source: 'bundled', sourceDetail: 'bundled in outer@1.0.0', installScript: script({ allowScripts: 'bundled' }) })
  const npm12 = evaluatePolicy(null, bundled, { kind: 'not-registry' }, NOW, scriptContext({ rules: 'npm12' }))
  t.match(npm12, { decision: 'skipped', findings: [], installScripts: { willRun: false } })
  const npm11 = evaluatePolicy(null, bundled, { kind: 'not-registry' }, NOW, scriptContext({ rules: 'npm11' }))
  t.match(npm11, { decision: 'warn', findings: [{ code: 'INSTALL_SCRIPT_UNVERIFIED' }], installScripts: { willRun: true } })
})

t.test('explain shows whether the scripts run and what the section required', async (t) => {
  const e = explainPackage(null, scripted({ allowScripts: 'allowed', matched: ['@acme/app'] }), verified(), NOW, scriptContext({ rules: 'npm12' }))
  const text = formatExplanation(e)
  t.match(text, 'scripts     will run: allowed by "@acme/app" in package.json')
  t.match(text, 'allowScripts: allowed (@acme/app)')
  t.match(text, 'installScripts: mode warn, requires provenance; verified: provenance yes, trusted publisher yes')
})

t.test('the installScripts section: defaults, and errors that name the field', async (t) => {
  t.same(policyFrom('version: 1\n').installScripts, { mode: 'warn', require: { provenance: true, trustedPublisher: false } })
  t.same(policyFrom('version: 1\ninstallScripts:\n  require: { trustedPublisher: true }\n').installScripts, { mode: 'warn', require: { provenance: true, trustedPublisher: true } })
  const bad = parsePolicy('version: 1\ninstallScripts:\n  mode: block\n  require: { signature: true }\n', 'p.yaml')
  t.notOk(bad.ok)
  if (!bad.ok) {
    t.match(bad.errors.map((e) => e.message), [/installScripts\.mode.*enforce, warn, off/, /installScripts\.require\.signature/])
  }
})

t.test('which npm rules apply: only npm itself raises them, everything else can lower them', async (t) => {
  t.equal(rulesOfVersion('12.0.0'), 'npm12')
  t.equal(rulesOfVersion('11.16.0'), 'npm11')
  t.equal(rulesOfVersion('11.15.9'), 'legacy')
  t.equal(rulesOfVersion('12.0.0-pre.1'), 'npm11', 'a prerelease of 12 is not yet 12')
  const none = { declared: {} }
  t.match(chooseNpmRules({ npm: { version: '12.2.2' }, ...none }), { rules: 'npm12', npmVersion: '12.2.2', reason: /npm 12 rules.*says 12\.2\.2/ })
  t.match(chooseNpmRules({ npm: { error: 'spawn npm ENOENT' }, ...none }), { rules: 'legacy', reason: /could not be run \(spawn npm ENOENT\).*assumed to run/ })
  t.match(chooseNpmRules({ npm: { version: 'garbage' }, ...none }), { rules: 'legacy' })
  t.match(chooseNpmRules({ npm: { version: '11.19.1' }, userAgent: 'npm/12.2.2 node/v24.1.0 linux x64', declared: {} }), { rules: 'npm11' }, 'a user agent (a .npmrc can set it) cannot raise the rules')
  t.match(chooseNpmRules({ npm: { version: '12.2.2' }, userAgent: 'npm/11.4.0 node/v20 linux x64', declared: {} }), { rules: 'legacy', reason: /npm_config_user_agent names npm 11\.4\.0; the lowest npm that may install decides/ })
  t.match(chooseNpmRules({ npm: { version: '12.2.2' }, declared: { packageManager: 'npm@11.19.1+sha512.abc' } }), { rules: 'npm11', reason: /packageManager says "npm@11\.19\.1\+sha512\.abc"/ })
  t.match(chooseNpmRules({ npm: { version: '12.2.2' }, declared: { packageManager: 'npm@12.1.0' } }), { rules: 'npm12', reason: /\(package\.json packageManager says "npm@12\.1\.0"\)/ })
  t.match(chooseNpmRules({ npm: { version: '12.2.2' }, declared: { packageManager: 'pnpm@9.0.0' } }), { rules: 'npm12' }, 'another package manager says nothing about npm')
  t.match(chooseNpmRules({ npm: { version: '12.2.2' }, declared: { packageManager: 'npm@latest' } }), { rules: 'legacy' }, 'not a version: unsure')
  t.match(chooseNpmRules({ npm: { version: '12.2.2' }, declared: { packageManager: 12 } }), { rules: 'legacy' })
  t.match(chooseNpmRules({ npm: { version: '12.2.2' }, declared: { devEngines: { packageManager: { name: 'npm', version: '>=11.16.0' } } } }), { rules: 'npm11' })
  t.match(chooseNpmRules({ npm: { version: '12.2.2' }, declared: { devEngines: { packageManager: [{ name: 'pnpm' }, { name: 'npm', version: '^12.1.0' }] } } }), { rules: 'npm12' })
  t.match(chooseNpmRules({ npm: { version: '12.2.2' }, declared: { devEngines: { packageManager: { name: 'npm' } } } }), { rules: 'legacy' }, 'any npm version may install')
  t.match(chooseNpmRules({ npm: { version: '12.2.2' }, declared: { devEngines: 'npm' } }), { rules: 'npm12' }, 'a devEngines that is not an object names nothing')
})

t.test("the lockfile's hasInstallScript is a lower bound: the registry's word and bundled packages raise it", async (t) => {
  const latent = script({ allowScripts: 'unreviewed' })
  const unflagged = ref('@acme/app', '1.0.0', { unflaggedInstallScript: latent })
  t.equal(withUnflaggedInstallScript(unflagged, false), unflagged, 'no flag, nothing else says so: unchanged')
  const raised = withUnflaggedInstallScript(unflagged, true)
  t.match(raised.installScript, { allowScripts: 'unreviewed', unflagged: 'registry' }, 'the registry says it has install scripts')
  const result = installScriptsOf(raised, facts(), scriptContext({ rules: 'npm11' }))!
  t.match(result, { willRun: true, reason: /registry's version document says it has install scripts/ })
  t.same(checkInstallScripts(DEFAULT_INSTALL_SCRIPTS_POLICY, 'p@1.0.0', installScriptsOf(raised, undefined, scriptContext({ rules: 'npm11' }))).map((f) => f.code), ['INSTALL_SCRIPT_UNVERIFIED'])

  // A bundled package: npm 11 reads its package.json from the parent's tarball; the lockfile cannot tell.
  const bundled = ref('inner', '1.0.0', { source: 'bundled', sourceDetail: 'parent@1.0.0', unflaggedInstallScript: script({ allowScripts: 'bundled' }) })
  const assumed = withUnflaggedInstallScript(bundled, false)
  t.match(assumed.installScript, { allowScripts: 'bundled', unflagged: 'bundled' })
  const npm11 = installScriptsOf(assumed, undefined, scriptContext({ rules: 'npm11' }))!
  t.match(npm11, { willRun: true, reason: /assumed to have some/, verified: { provenance: false } })
  t.same(checkInstallScripts(DEFAULT_INSTALL_SCRIPTS_POLICY, 'inner@1.0.0', npm11).map((f) => f.code), ['INSTALL_SCRIPT_UNVERIFIED'], 'fails closed under npm 11')
  t.equal(installScriptsOf(assumed, undefined, scriptContext({ rules: 'npm12' }))!.willRun, false, 'npm 12 never runs a bundled package\'s scripts')

  const flagged = ref('@acme/app', '1.0.0', { installScript: script(), unflaggedInstallScript: latent })
  t.equal(withUnflaggedInstallScript(flagged, true), flagged, 'a flagged package is left as the lockfile says')
})
