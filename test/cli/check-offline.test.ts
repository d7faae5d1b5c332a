// --offline and npm's offline config mean no network at all (issue 14, item 18), through the
// library on the loopback registry: evidence only from the verification cache.
import t from 'tap'
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkScenario, pinnedTrust } from '../helpers/check.js'
import { createScenario } from '../helpers/scenario/index.js'
import { cleanEnv } from './run.js'

t.test('--offline makes no request at all: without cached evidence every package could not be verified (exit 3)', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }, { name: 'b', version: '1.0.0' }] })
  const cacheDir = join(s.dir, 'cache')
  const cold = await checkScenario(s, { offline: true, ...pinnedTrust(s), cacheDir })
  t.equal(cold.status, 3)
  for (const name of ['a', 'b']) t.same(cold.codes(name), ['FETCH_FAILED'], name)
  t.match(cold.json.packages[0].findings[0].message, /offline: no evidence for it in the verification cache/)
  t.same(s.registry.requests, [], 'not one request to the registry')

  // After an online run, the cache answers offline.
  t.equal((await checkScenario(s, { ...pinnedTrust(s), cacheDir })).status, 0)
  s.registry.clearRequests()
  const warm = await checkScenario(s, { offline: true, ...pinnedTrust(s), cacheDir })
  t.equal(warm.status, 0, warm.output('text'))
  t.same(s.registry.requests, [])

  // An unpinned registry offline: its keys cannot be had without a request.
  const unpinned = await checkScenario(s, { offline: true, trustedRootFile: s.trustedRootFile, cacheDir })
  t.equal(unpinned.status, 3)
  t.match(unpinned.json.packages[0].findings[0].message, /offline: no keys for .* pin them with --registry-keys/)
  t.same(s.registry.requests, [])
})

t.test("npm's offline config (npm_config_offline, .npmrc offline=true) means no network too", async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }] })
  const env = cleanEnv(join(s.dir, 'home'))
  const fromEnv = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false, env: { ...env, npm_config_offline: 'true' } })
  t.equal(fromEnv.status, 3)
  t.same(fromEnv.codes('a'), ['FETCH_FAILED'])

  appendFileSync(join(s.projectDir, '.npmrc'), '\noffline=true\n')
  const fromNpmrc = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false })
  t.equal(fromNpmrc.status, 3)
  t.same(fromNpmrc.codes('a'), ['FETCH_FAILED'])
  t.same(s.registry.requests, [])
})
