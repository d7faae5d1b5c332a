// The verification cache is not a source of truth (issue 14, item 8): through the library on the
// loopback registry, a forged or edited cache entry never turns a failing package into a pass, and an
// entry made from one registry's evidence is never used for another registry.
import t from 'tap'
import { join } from 'node:path'
import { checkScenario, type CheckResult } from '../helpers/check.js'
import { packEntriesByName, rewritePackLine } from '../helpers/evidence-packs.js'
import { startRegistry } from '../helpers/registry/index.js'
import { createScenario, type Scenario } from '../helpers/scenario/index.js'

function lockfileIntegrity(s: Scenario, name: string): string {
  const integrity = s.readLockfile().packages[`node_modules/${name}`]?.integrity
  if (!integrity) throw new Error(`no lockfile integrity for ${name}`)
  return integrity
}

function decisions(r: CheckResult): Record<string, string> {
  return Object.fromEntries((r.json.packages as Array<{ name: string; decision: string }>).map((p) => [p.name, p.decision]))
}

t.test('a forged cache entry never turns a failing package into a pass', async (t) => {
  const s = await createScenario(t, {
    packages: [
      { name: 'good', version: '1.0.0' },
      { name: 'bad-sig', version: '1.0.0', signature: 'invalid' },
      { name: 'bad-prov', version: '1.0.0', provenance: 'tampered' },
    ],
  })
  const cacheDir = join(s.dir, 'cache')
  const check = () => checkScenario(s, { trustedRootFile: s.trustedRootFile, cacheDir })

  const first = await check()
  t.equal(first.status, 1)
  t.same(decisions(first), { 'bad-prov': 'fail', 'bad-sig': 'fail', good: 'pass' })
  const filled = packEntriesByName(cacheDir)
  t.ok(filled.has('good') && filled.has('bad-sig') && filled.has('bad-prov'), 'the first run filled the cache')
  const good = filled.get('good')!

  /** The good package's entry, rewritten to claim it is about `name` (name, version, integrity). */
  const goodEntryAs = (name: string): string =>
    good.text.replaceAll(lockfileIntegrity(s, 'good'), lockfileIntegrity(s, name)).replaceAll('"good"', JSON.stringify(name))

  const forgeries: Record<string, (name: string) => string> = {
    "the good package's entry copied over the bad one's": goodEntryAs,
    // The bad entry keeps its own key fields; what it claims (facts, or evidence) is the good package's.
    "the good package's verdict or evidence written into the bad entry": (name) => {
      const claimed = JSON.parse(goodEntryAs(name)) as Record<string, unknown>
      return JSON.stringify({ ...filled.get(name)!.json, facts: claimed.facts, evidence: claimed.evidence })
    },
  }
  for (const [what, forge] of Object.entries(forgeries)) {
    for (const name of ['bad-sig', 'bad-prov']) rewritePackLine(filled.get(name)!, forge(name))
    const again = await check()
    t.equal(again.status, 1, `${what}: still exit 1`)
    t.same(decisions(again), { 'bad-prov': 'fail', 'bad-sig': 'fail', good: 'pass' }, `${what}: the failing packages still fail`)
  }
})

t.test('an entry from another registry is not used', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'good', version: '1.0.0' }] })
  const cacheDir = join(s.dir, 'cache')
  const base = { trustedRootFile: s.trustedRootFile, cacheDir, retries: 0 }
  const first = await checkScenario(s, base)
  t.equal(first.status, 0)

  // A second registry with the same keys and the same packages, whose package documents fail:
  // evidence cached from the first registry must not stand in for it.
  const other = await startRegistry({ store: s.registry.store })
  t.teardown(() => other.close())
  other.addFault({ pattern: /^\/(?!-\/npm\/v1\/keys$)/, type: 'status', status: 500 })
  const r = await checkScenario(s, { ...base, registry: other.url })
  t.ok(
    other.requests.some((q) => q.path !== '/-/npm/v1/keys'),
    'the package evidence was requested from the other registry',
  )
  t.equal(r.pkg('good').decision, 'fail', 'not a pass from the other registry')
  t.ok(r.codes('good').includes('FETCH_FAILED'), 'could not verify: the other registry failed')
  t.ok(r.status === 3 || r.status === 1, `exit ${r.status}: never 0`)
})
