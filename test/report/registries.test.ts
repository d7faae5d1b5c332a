// Per-registry accounting and the one banner per registry (docs/mirrors.md): pure functions of the
// package results and where each registry's keys came from.
import t from 'tap'
import type { PackageResult, RegistrySummary } from '../../lib/model.js'
import type { SignatureStatus } from '../../lib/model/facts.js'
import { diagnoseRegistry, registryDiagnoses, summarizeRegistries, type RegistryInfo } from '../../lib/report/registries.js'
import { formatReportGithub } from '../../lib/report/github.js'
import { formatReportText } from '../../lib/report/text.js'
import { facts, result, sampleReport } from './fixtures.js'

const MIRROR = 'https://mirror.corp.test/'
const NPM = 'https://registry.npmjs.org/'

/** A package from `registry` whose signature had `status`; nothing else verified. */
function pkg(name: string, status: SignatureStatus, registry = MIRROR, over: Partial<PackageResult> = {}): PackageResult {
  const f = facts(name, '1.0.0', { signature: { status }, provenance: { status: 'none' }, publish: { status: 'none' } })
  return result(name, '1.0.0', { registry, facts: f, decision: status === 'verified' ? 'pass' : 'warn', ...over })
}

const summarize = (packages: PackageResult[], info: RegistryInfo, options: { builtIn?: boolean; signedWithoutKeys?: (p: PackageResult) => boolean } = {}) =>
  summarizeRegistries(packages, new Map([[MIRROR, info]]), () => options.builtIn ?? true, options.signedWithoutKeys)[0]!

t.test('a registry with keys whose versions mostly carry no signature: an "unsigned" banner naming it, the counts and --upstream', async (t) => {
  const r = summarize([pkg('a', 'missing'), pkg('b', 'missing'), pkg('c', 'verified')], { keysSource: 'registry', keysFrom: `${MIRROR}-/npm/v1/keys` })
  t.match(r, { packages: 3, verified: 1, unsigned: 2, couldNotVerify: false, diagnosis: { kind: 'unsigned' } })
  t.equal(r.diagnosis!.message, `registry ${MIRROR} has signing keys, yet 2 of 3 packages from it carry no registry signature: it looks like a mirror or proxy that strips npm's signatures and attestations`)
  t.match(r.diagnosis!.fixes, [/--upstream https:\/\/registry\.npmjs\.org\//, /require: \{ signature: false \}/])

  const fewer = summarize([pkg('a', 'missing'), pkg('b', 'verified'), pkg('c', 'verified')], { keysSource: 'registry', keysFrom: null })
  t.equal(fewer.diagnosis, undefined, 'one unsigned package of three is not "most": no banner')
})

t.test('a registry without keys: "keyless" only while its packages are left to the built-in policy', async (t) => {
  const packages = [pkg('a', 'unsupported'), pkg('b', 'unsupported')]
  const keyless = summarize(packages, { keysSource: 'none', keysFrom: `${MIRROR}-/npm/v1/keys` })
  t.match(keyless, { couldNotVerify: true, unsigned: 2, diagnosis: { kind: 'keyless', message: `registry ${MIRROR} publishes no signing keys: 2 packages could not be verified` } })
  t.equal(keyless.diagnosis!.fixes.length, 3)
  t.equal(summarize(packages, { keysSource: 'none', keysFrom: null }, { builtIn: false }).diagnosis, undefined, 'a policy that accepts them: nothing to say')
})

t.test('signatures a registry publishes no keys for: "signed-without-keys", whatever the policy', async (t) => {
  const failed = (name: string) => result(name, '1.0.0', { registry: MIRROR, decision: 'fail', facts: undefined })
  const r = summarize([failed('a'), failed('b')], { keysSource: 'none', keysFrom: null }, { builtIn: false, signedWithoutKeys: () => true })
  t.match(r, { signedWithoutKeys: 2, unsigned: 2, diagnosis: { kind: 'signed-without-keys' } })
  t.match(r.diagnosis!.message, /publishes no signing keys, yet 2 of 2 packages from it carry registry signatures: it looks like a mirror/)
})

t.test('with an upstream: its keys, how many came from it, and a banner only about the upstream', async (t) => {
  const upstream = { keysSource: 'sigstore-tuf' as const, keysFrom: 'Sigstore TUF target registry.npmjs.org/keys.json', upstream: NPM }
  const fromUpstream = (name: string, status: SignatureStatus) =>
    pkg(name, status, MIRROR, { facts: { ...facts(name, '1.0.0', { signature: { status }, provenance: { status: 'none' }, publish: { status: 'none' } }), origin: { registry: NPM, role: 'upstream', keys: NPM } } })
  const ok = summarize([fromUpstream('a', 'verified'), pkg('b', 'verified')], upstream)
  t.match(ok, { upstream: NPM, fromUpstream: 1, keysSource: 'sigstore-tuf', diagnosis: undefined })

  const stripsToo = summarize([fromUpstream('a', 'missing'), fromUpstream('b', 'missing')], upstream)
  t.match(stripsToo.diagnosis, { kind: 'unsigned', message: `registry ${MIRROR} (upstream ${NPM}): 2 of 2 packages carry no registry signature there either` })

  const keylessUpstream = summarize([fromUpstream('a', 'unsupported')], { keysSource: 'none', keysFrom: null, upstream: 'https://other.test/' })
  t.match(keylessUpstream.diagnosis, { kind: 'keyless', message: `the upstream https://other.test/ of registry ${MIRROR} publishes no signing keys: 1 package could not be verified` })
})

t.test('the text report prints each banner once, from the summary (a summary made without one is diagnosed when printed)', async (t) => {
  const summary: RegistrySummary = { url: MIRROR, keysSource: 'registry', keysFrom: null, packages: 4, verified: 0, couldNotVerify: false, unsigned: 4 }
  t.equal(registryDiagnoses({ registries: [summary] }).length, 1)
  t.same(diagnoseRegistry(summary), registryDiagnoses({ registries: [summary] })[0])
  const text = formatReportText(sampleReport({ registries: [summary, { ...summary, url: NPM, unsigned: 0 }] })).main
  t.equal(text.split('\n').filter((l) => l.includes('carry no registry signature')).length, 1, 'once, for the registry it is about')
  t.match(text, /\n {4}fix: if it mirrors the public npm registry/)
})

t.test('GitHub Actions: one warning per registry banner, and the banner in the job summary', async (t) => {
  const summary: RegistrySummary = { url: MIRROR, keysSource: 'none', keysFrom: null, packages: 2, verified: 0, couldNotVerify: true, unsigned: 2 }
  const out = formatReportGithub(sampleReport({ registries: [summary] }))
  const warnings = out.main.split('\n').filter((l) => l.startsWith('::warning title=verify-deps registry::'))
  t.equal(warnings.length, 1)
  t.match(warnings[0], /publishes no signing keys: 2 packages could not be verified%0AFix: if it mirrors the public npm registry/)
  t.match(out.githubStepSummary, /> \[!WARNING\]\n> registry https:\/\/mirror\.corp\.test\/ publishes no signing keys/)
})
