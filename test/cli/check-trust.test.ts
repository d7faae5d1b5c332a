// Where trust comes from (issue 14, items 5, 6 and 7), through the library on the loopback
// registry: pinned registry keys, keys a registry serves about itself, a registry that serves none.
// The usage error for two key files goes through the real bin.
import t from 'tap'
import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkScenario, pinnedTrust } from '../helpers/check.js'
import { createScenario } from '../helpers/scenario/index.js'
import { BUILT_IN_POLICY_TEXT } from '../../lib/policy/default.js'
import { cleanEnv, runCli } from './run.js'

const KEYS_PATH = '/-/npm/v1/keys'

t.test('--registry-keys URL=FILE pins a private registry: its own keys endpoint is never asked', async (t) => {
  const s = await createScenario(t, { packages: [{ name: '@acme/lib', version: '1.0.0' }] })

  const pinned = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false })
  t.equal(pinned.status, 0)
  t.same(pinned.json.registries, [{ url: s.registry.url, keysSource: 'pinned', keysFrom: `${s.registryKeysFile} (--registry-keys)`, packages: 1, verified: 1, couldNotVerify: false, upstream: null, fromUpstream: 0, unsigned: 0, signedWithoutKeys: 0, diagnosis: null }])
  t.notOk(s.registry.requests.some((r) => r.path === KEYS_PATH), 'no request for the registry’s own keys')

  // Pinned keys that do not include the signing key: the registry's (correct) keys are not a fallback.
  const otherKeys = s.writeRegistryKeysFile([s.unknownKey])
  s.registry.clearRequests()
  const wrong = await checkScenario(s, { trustedRootFile: s.trustedRootFile, registryKeysPins: { [s.registry.url]: otherKeys }, cacheDir: false })
  t.equal(wrong.status, 1)
  t.ok(wrong.codes('@acme/lib').includes('SIGNATURE_KEY_UNKNOWN'))
  t.notOk(s.registry.requests.some((r) => r.path === KEYS_PATH))
})

t.test('an .npmrc pin (//host/:verify-deps-registry-keys) applies to its registry; keys it serves itself are a notice', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'plain', version: '1.0.0' }] })

  const selfServed = await checkScenario(s, { trustedRootFile: s.trustedRootFile, cacheDir: false })
  t.equal(selfServed.status, 0)
  t.match(selfServed.output('text'), /note: the signing keys of http:\/\/127\.0\.0\.1:\d+\/ came from that registry itself/)
  t.match(selfServed.output('text'), /keys: registry \(http:\/\/127\.0\.0\.1:\d+\/-\/npm\/v1\/keys\); 1 of 1 verified/)

  const otherKeys = s.writeRegistryKeysFile([s.unknownKey])
  appendFileSync(join(s.projectDir, '.npmrc'), `\n${s.registry.url.replace(/^http:/, '')}:verify-deps-registry-keys=${otherKeys}\n`)
  s.registry.clearRequests()
  const r = await checkScenario(s, { trustedRootFile: s.trustedRootFile, cacheDir: false })
  t.equal(r.status, 1)
  const report = r.json
  t.ok(r.codes('plain').includes('SIGNATURE_KEY_UNKNOWN'), 'the pinned keys decide, not the served ones')
  t.equal(report.registries[0].keysSource, 'pinned')
  t.match(report.registries[0].keysFrom, /\.npmrc: \/\/127\.0\.0\.1:\d+\/:verify-deps-registry-keys/)
  t.notOk(report.notices.some((n: string) => /came from that registry itself/.test(n)))
  t.notOk(s.registry.requests.some((rq) => rq.path === KEYS_PATH))
})

t.test('two key files for one registry are a usage error', async (t) => {
  const dir = t.testdir({})
  const r = await runCli(['--registry-keys', 'a.json', '--registry-keys', 'https://registry.npmjs.org=b.json'], { cwd: dir, env: cleanEnv(join(dir, 'home')) })
  t.equal(r.status, 2)
  t.match(r.stderr, /two key files for https:\/\/registry\.npmjs\.org\//)
})

t.test('signatures from a registry that says it has no keys: asked again, then could not verify (exit 3), never a warning', async (t) => {
  // keys: 'none' → /-/npm/v1/keys answers 404, but every version is still signed.
  const s = await createScenario(t, { registry: { keys: 'none' }, packages: [{ name: 'signed', version: '1.0.0' }] })
  const r = await checkScenario(s, { trustedRootFile: s.trustedRootFile, cacheDir: false })
  t.equal(r.status, 3)
  const report = r.json
  t.same(r.codes('signed'), ['FETCH_FAILED'])
  // One banner says what this looks like (a mirror that keeps npm's signatures) and what fixes it.
  t.match(report.registries, [{ keysSource: 'none', signedWithoutKeys: 1, diagnosis: { kind: 'signed-without-keys' } }])
  t.match(r.output('text'), /^registry http:\/\/127\.0\.0\.1:\d+\/ publishes no signing keys, yet 1 of 1 package from it carry registry signatures: it looks like a mirror/m)
  t.match(report.packages[0].findings[0].message, /carries dist\.signatures .* publishes no signing keys.*not when asked again either: contradictory evidence/)
  t.equal(report.couldNotVerify, true)
  t.equal(s.registry.requests.filter((rq) => rq.path === KEYS_PATH).length, 2, 'the keys lookup was retried once')
})

t.test('a registry without keys is not a pass under the built-in default policy: exit 3, a banner, the verified count', async (t) => {
  const s = await createScenario(t, {
    registry: { keys: 'none' },
    defaults: { signature: 'missing', provenance: 'missing' },
    packages: [{ name: '@acme/one', version: '1.0.0' }, { name: '@acme/two', version: '1.0.0' }],
  })
  const options = { trustedRootFile: s.trustedRootFile, cacheDir: false as const }
  const unsigned = await checkScenario(s, options)
  t.equal(unsigned.status, 3)
  const text = unsigned.output('text')
  t.match(text, /^cryptographically verified: 0 of 2 registry packages/m)
  t.match(text, /^registry http:\/\/127\.0\.0\.1:\d+\/ publishes no signing keys: 2 packages could not be verified$/m)
  t.match(text, /fix: accept unsigned packages from it explicitly: a policy rule .*require: \{ signature: false \}/)
  t.match(text, /fix: if it mirrors the public npm registry .*: --upstream https:\/\/registry\.npmjs\.org\/, or verify-deps-upstream=https:\/\/registry\.npmjs\.org\/ in \.npmrc/)

  const json = unsigned.json
  t.equal(json.couldNotVerify, true)
  t.match(json.registries, [{ keysSource: 'none', packages: 2, verified: 0, couldNotVerify: true, unsigned: 2, diagnosis: { kind: 'keyless' } }])

  // A policy may accept the unsigned private scope explicitly: then the run passes.
  writeFileSync(join(s.projectDir, 'verify-deps.policy.yaml'), 'version: 1\nrules:\n  - packages: ["@acme/*"]\n    require: { signature: false }\n')
  const accepted = await checkScenario(s, options)
  t.equal(accepted.status, 0)
  const acceptedReport = accepted.json
  t.equal(acceptedReport.couldNotVerify, false)
  t.match(acceptedReport.registries, [{ keysSource: 'none', couldNotVerify: false, diagnosis: null }])
  t.notMatch(accepted.output('text'), /publishes no signing keys/, 'no banner for a registry the policy accepts')

  // The built-in default policy is an ordinary document: copied into the project as it is, it decides
  // a keyless registry the same way (its `severity: warning` reports the registry, it does not accept it).
  writeFileSync(join(s.projectDir, 'verify-deps.policy.yaml'), BUILT_IN_POLICY_TEXT)
  const copied = await checkScenario(s, options)
  t.equal(copied.status, 3, 'the copied default document: still could not verify')
  t.equal(copied.json.couldNotVerify, true)
  t.same(copied.json.packages.map((p: { decision: string }) => p.decision), json.packages.map((p: { decision: string }) => p.decision), 'same decisions as the built-in default')
  t.match(copied.json.registries, [{ keysSource: 'none', couldNotVerify: true }])
})

