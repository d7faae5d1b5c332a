/**
 * Trust over time through gatherRun (lib/check.ts, lib/check-pipeline.ts gatherTrust) against the
 * loopback registry: each registry package's PackageTrust — its level, publish time and the history
 * of its release line, where the registry's claims about earlier versions count only once they
 * verified. The findings made of it are the policy's (test/policy/); these assert on RunPackage.trust.
 */
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gatherRun, type CheckOptions } from '../lib/check.js'
import type { SignerIdentity } from '../lib/model/facts.js'
import type { RunPackage } from '../lib/policy/evaluate.js'
import { identityChanges, type PackageTrust } from '../lib/model/trust.js'
import { pinnedTrust, TOOL_VERSION, type CheckedScenario } from './helpers/check.js'
import { cleanEnv } from './cli/run.js'
import { createScenario } from './helpers/scenario/index.js'
import type { NpmUser } from './helpers/registry/index.js'

const TRUSTED_PUBLISHER: NpmUser = { name: 'GitHub Actions', email: 'npm-oidc-no-reply@github.com', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:5259c11f-dfdf-4d41-877f-b470d9a086cd' } }
const day = (n: number): string => new Date(Date.UTC(2025, 1, n, 12)).toISOString()

async function gather(s: CheckedScenario, options: Partial<CheckOptions> = {}): Promise<Map<string, RunPackage>> {
  const run = await gatherRun({ projectDir: s.projectDir, env: cleanEnv(join(s.dir, 'home')), toolVersion: TOOL_VERSION, ...pinnedTrust(s), cacheDir: false, ...options })
  return new Map(run.run.map((p) => [p.ref.name, p]))
}

function trustOf(run: Map<string, RunPackage>, name: string): PackageTrust {
  const trust = run.get(name)?.trust
  if (!trust) throw new Error(`${name} has no trust`)
  return trust
}

/** The locked version's verified provenance identity. */
function lockedIdentity(run: Map<string, RunPackage>, name: string): SignerIdentity {
  const outcome = run.get(name)?.outcome
  const identity = outcome?.kind === 'verified' ? outcome.facts.provenance.identity : undefined
  if (!identity) throw new Error(`${name} has no verified identity`)
  return identity
}

function checked(trust: PackageTrust) {
  if (trust.history?.state !== 'checked') throw new Error(`history is ${JSON.stringify(trust.history)}`)
  return trust.history
}

t.test('history: downgrades, identity changes and forged claims, from verified evidence only; a warm run asks nothing', async (t) => {
  const s = await createScenario(t, {
    packages: [
      // axios-like: every 1.x release from a trusted publisher with provenance, then a token publish.
      { name: 'axios', version: '1.13.0', npmUser: TRUSTED_PUBLISHER, publishTime: day(1) },
      { name: 'axios', version: '1.14.0', npmUser: TRUSTED_PUBLISHER, publishTime: day(2) },
      { name: 'axios', version: '1.14.1', provenance: 'missing', publishTime: day(3) },
      // The same in the 0.x line (0.30), and a 0.29 release that is another line.
      { name: 'axios-zero', version: '0.29.9', npmUser: TRUSTED_PUBLISHER, publishTime: day(1) },
      { name: 'axios-zero', version: '0.30.3', npmUser: TRUSTED_PUBLISHER, publishTime: day(2) },
      { name: 'axios-zero', version: '0.30.4', provenance: 'missing', publishTime: day(3) },
      // eslint-config-prettier-like: 8.x never attested, 10.x attested (published later, another line).
      { name: 'ecp', version: '8.10.0', provenance: 'missing', publishTime: day(1) },
      { name: 'ecp', version: '8.10.2', provenance: 'missing', publishTime: day(2) },
      { name: 'ecp', version: '10.1.0', publishTime: day(4) },
      // Repository transfer: same name, another repository id.
      { name: 'moved', version: '2.0.0', provenance: { identity: { repositoryId: '111111111' } }, publishTime: day(1) },
      { name: 'moved', version: '2.1.0', provenance: { identity: { repositoryId: '222222222' } }, publishTime: day(2) },
      // Trigger change: a tag push, then pull_request_target.
      { name: 'trigger', version: '3.0.0', provenance: { identity: { eventName: 'push' } }, publishTime: day(1) },
      { name: 'trigger', version: '3.0.1', provenance: { identity: { eventName: 'pull_request_target' } }, publishTime: day(2) },
      // Forged claim: the packument says 1.0.0 had trusted-publisher provenance; its bundle does not verify.
      { name: 'forged', version: '1.0.0', provenance: 'tampered', npmUser: TRUSTED_PUBLISHER, publishTime: day(1) },
      { name: 'forged', version: '1.0.1', provenance: 'missing', publishTime: day(2) },
      // The most recent claim is forged, an older one holds: the next candidate is tried.
      { name: 'retry', version: '1.0.0', npmUser: TRUSTED_PUBLISHER, publishTime: day(1) },
      { name: 'retry', version: '1.1.0', provenance: 'advertised-missing', npmUser: TRUSTED_PUBLISHER, publishTime: day(2) },
      { name: 'retry', version: '1.2.0', provenance: 'missing', publishTime: day(3) },
    ],
    project: { dependencies: { axios: '1.14.1', 'axios-zero': '0.30.4', ecp: '8.10.2', moved: '2.1.0', trigger: '3.0.1', forged: '1.0.1', retry: '1.2.0' } },
  })

  const cold = await gather(s)
  const paths = s.registry.requests.map((r) => r.path)
  t.equal(paths.filter((p) => p === '/axios').length, 1, 'one packument request gives axios@1.14.1 its version document and its history')
  t.notOk(paths.some((p) => p.startsWith('/axios/')), "no version document: 1.14.1's and 1.14.0's come from the one packument")
  t.ok(paths.includes('/-/npm/v1/attestations/axios@1.14.0'), "the earlier version's attestations from the configured registry")
  t.notOk(paths.some((p) => p.includes('axios@1.13.0')), 'only the claim that decides is verified: not 1.13.0')
  t.ok(paths.includes('/retry/1.0.0'), 'a candidate the packument guess did not keep: its version document from its endpoint')
  t.notOk(paths.some((p) => p.startsWith('/ecp/')), 'nothing claimed above ecp@8.10.2: no earlier version fetched')

  const axios = trustOf(cold, 'axios')
  t.equal(axios.level, 'signature', 'axios@1.14.1 has a registry signature only')
  t.same(axios.publishedAt, { at: day(3), source: 'registry' }, 'no verified attestation: the registry time, said to be unsigned')
  const axiosHistory = checked(axios)
  t.equal(axiosHistory.versions, 2)
  t.match(axiosHistory.higher, { version: '1.14.0', publishedAt: day(2), level: 'trusted-publisher' }, 'the most recent version that set the level, verified')
  t.ok(axiosHistory.higher?.identity?.repository, 'with its verified identity')
  t.same(axiosHistory.unverifiedClaims, [])
  t.equal(axiosHistory.previousBuild, undefined, 'no identity comparison without verified provenance now')

  const zero = checked(trustOf(cold, 'axios-zero'))
  t.equal(zero.versions, 1, '0.29.9 is another release line')
  t.match(zero.higher, { version: '0.30.3', level: 'trusted-publisher' })

  const ecp = checked(trustOf(cold, 'ecp'))
  t.equal(ecp.versions, 1, '10.1.0 is another line (and later)')
  t.equal(ecp.higher, undefined, '8.x was never attested: no downgrade')

  const moved = trustOf(cold, 'moved')
  t.equal(moved.level, 'provenance')
  t.equal(moved.publishedAt?.source, 'signed', 'verified attestations: the signed time')
  const movedHistory = checked(moved)
  t.equal(movedHistory.higher, undefined)
  t.equal(movedHistory.previousBuild?.version, '2.0.0')
  t.same(identityChanges(movedHistory.previousBuild!.identity, lockedIdentity(cold, 'moved')).map((c) => [c.field, c.before, c.after]), [['repositoryId', '111111111', '222222222']])

  const trigger = checked(trustOf(cold, 'trigger'))
  t.equal(trigger.previousBuild?.identity.trigger, 'push')
  t.same(identityChanges(trigger.previousBuild!.identity, lockedIdentity(cold, 'trigger')).map((c) => c.field), ['trigger'])

  const forged = checked(trustOf(cold, 'forged'))
  t.equal(forged.higher, undefined, 'a claim that does not verify does not count')
  t.equal(forged.unverifiedClaims.length, 1)
  t.match(forged.unverifiedClaims[0], { version: '1.0.0', claimed: 'trusted-publisher', level: 'signature', reason: /ATTESTATION/ })

  const retry = checked(trustOf(cold, 'retry'))
  t.match(retry.higher, { version: '1.0.0', level: 'trusted-publisher' }, 'the older claim that verified')
  t.match(retry.unverifiedClaims, [{ version: '1.1.0', claimed: 'trusted-publisher', level: 'signature', reason: /ATTESTATION_MISSING/ }])

  t.test('warm: the same trust, no request', async (t) => {
    const cacheDir = join(s.dir, 'cache')
    const first = await gather(s, { cacheDir })
    s.registry.clearRequests()
    const warm = await gather(s, { cacheDir })
    t.same(s.registry.requests.map((r) => r.path), [], 'nothing asked of the registry')
    for (const name of ['axios', 'axios-zero', 'ecp', 'moved', 'trigger', 'forged', 'retry']) t.same(trustOf(warm, name), trustOf(first, name), `${name}: same PackageTrust`)
    t.same(trustOf(first, 'axios'), axios, 'as without the cache')
  })
})

t.test('an earlier version that could not be fetched is an unverified claim, never a pass; the next run verifies it (no fetch for the locked version)', async (t) => {
  const s = await createScenario(t, {
    packages: [
      { name: 'axios', version: '1.14.0', npmUser: TRUSTED_PUBLISHER, publishTime: day(2) },
      { name: 'axios', version: '1.14.1', provenance: 'missing', publishTime: day(3) },
    ],
  })
  const cacheDir = join(s.dir, 'cache')
  s.registry.addFault({ path: '/-/npm/v1/attestations/axios@1.14.0', type: 'status', status: 500 })
  const failing = checked(trustOf(await gather(s, { cacheDir, retries: 0 }), 'axios'))
  t.equal(failing.higher, undefined)
  t.match(failing.unverifiedClaims, [{ version: '1.14.0', claimed: 'trusted-publisher', level: 'none', reason: /HTTP 500/ }])
  s.registry.faults.clear()
  s.registry.clearRequests()
  const next = checked(trustOf(await gather(s, { cacheDir }), 'axios'))
  t.match(next.higher, { version: '1.14.0', level: 'trusted-publisher' })
  t.same(next.unverifiedClaims, [])
  const paths = s.registry.requests.map((r) => r.path)
  t.notOk(paths.includes('/axios'), 'axios@1.14.1 is remembered (the sealed store): its packument is not read again')
  t.ok(paths.includes('/-/npm/v1/attestations/axios@1.14.0'), 'the earlier version is fetched, and verified')
})

t.test('a registry that strips publish times: history unavailable, never "no downgrade"', async (t) => {
  const s = await createScenario(t, {
    registry: { history: 'stripped' },
    packages: [
      { name: 'axios', version: '1.14.0', npmUser: TRUSTED_PUBLISHER, publishTime: day(2) },
      { name: 'axios', version: '1.14.1', provenance: 'missing', publishTime: day(3) },
    ],
  })
  const run = await gather(s)
  const trust = trustOf(run, 'axios')
  t.equal(trust.level, 'signature')
  t.match(trust.history, { state: 'unavailable', reason: /no publish times/ })
  t.equal(s.registry.requests.filter((r) => r.path === '/axios/1.14.0' || r.path.endsWith('axios@1.14.0')).length, 0, 'no earlier version fetched')
})

t.test('offline, a stored history read from another `since` is no history (unavailable), never a shorter one', async (t) => {
  const s = await createScenario(t, {
    packages: [
      { name: 'axios', version: '1.13.0', npmUser: TRUSTED_PUBLISHER, publishTime: day(1), tag: null },
      { name: 'axios', version: '1.13.1', provenance: 'missing', publishTime: day(10) },
    ],
  })
  const cacheDir = join(s.dir, 'cache')
  const policy = (since: string) => writeFileSync(join(s.projectDir, 'verify-deps.policy.yaml'), `version: 1\ndefault:\n  mode: warn\n  continuity: { downgrade: enforce${since} }\n`)
  // A run under `since: 2025-02-05` stores a history without 1.13.0 (published before it).
  policy(', since: 2025-02-05')
  t.equal(checked(trustOf(await gather(s, { cacheDir }), 'axios')).higher, undefined, 'control: 1.13.0 is before `since`')
  // The policy drops `since`; offline, the stored history (without 1.13.0) must not read as the whole line.
  policy('')
  t.match(checked(trustOf(await gather(s, { cacheDir }), 'axios')).higher, { version: '1.13.0' }, 'control: online, fetched again from no `since`')
  policy(', since: 2025-02-05')
  await gather(s, { cacheDir })
  policy('')
  const offline = trustOf(await gather(s, { cacheDir, offline: true }), 'axios')
  t.match(offline.history, { state: 'unavailable', reason: /another `since`/ }, 'from the sealed facts memo')
  // Another home: another store key, so no sealed memo: the evidence cache alone.
  const unsealed = trustOf(await gather(s, { cacheDir, offline: true, env: cleanEnv(join(s.dir, 'other-home')) }), 'axios')
  t.match(unsealed.history, { state: 'unavailable' }, 'the evidence cache keeps no history at all (unsealed): unavailable, never a shorter one')
})

t.test('an earlier version whose provenance names another package (or other bytes) sets no level: an unverified claim, never a higher one', async (t) => {
  const s = await createScenario(t, {
    packages: [
      { name: 'axios', version: '1.14.0', npmUser: TRUSTED_PUBLISHER, provenance: { fault: 'wrong-subject-name' }, publishTime: day(1), tag: null },
      { name: 'axios', version: '1.14.1', npmUser: TRUSTED_PUBLISHER, provenance: { fault: 'wrong-subject-digest' }, publishTime: day(2), tag: null },
      { name: 'axios', version: '1.14.2', provenance: 'missing', publishTime: day(3) },
    ],
  })
  const history = checked(trustOf(await gather(s), 'axios'))
  t.equal(history.higher, undefined, 'neither verified as provenance for axios at its own bytes')
  t.match(history.unverifiedClaims, [
    { version: '1.14.1', claimed: 'trusted-publisher', level: 'signature', reason: /subject/ },
    { version: '1.14.0', claimed: 'trusted-publisher', level: 'signature', reason: /subject/ },
  ])
})
