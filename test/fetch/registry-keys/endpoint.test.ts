import t from 'tap'
import { createRegistryKey, startRegistry } from '../../helpers/registry/index.js'
import { cacheLifetimeMs, fetchRegistryKeys, fetchRegistryKeysFresh } from '../../../lib/fetch/registry-keys/endpoint.js'
import { VerifyDepsError } from '../../../lib/errors.js'

import { DEFAULT_RETRY_POLICY } from '../../../lib/fetch/http.js'

const options = (cache: string) => ({ fetchOptions: { cache }, timeoutMs: 5000, retry: { ...DEFAULT_RETRY_POLICY, retries: 0 }, redact: (s: string) => s })

t.test("fetches and parses a registry's /-/npm/v1/keys", async (t) => {
  const key = createRegistryKey({ expires: '2030-01-01T00:00:00.000Z' })
  const registry = await startRegistry({ keys: [key] })
  t.teardown(() => registry.close())
  const keys = await fetchRegistryKeys(registry.url, options(t.testdir({})))
  t.same(keys?.map((k) => k.keyid), [key.keyid])
  t.same(keys?.[0]?.usages['npm:signatures']?.expires, new Date('2030-01-01T00:00:00.000Z'))
})

t.test('404 and 400 mean the registry publishes no keys', async (t) => {
  const registry = await startRegistry({})
  t.teardown(() => registry.close())
  t.equal(await fetchRegistryKeys(registry.url, options(t.testdir({}))), null)
  registry.store.keys = [createRegistryKey()]
  registry.addFault({ path: '/-/npm/v1/keys', type: 'status', status: 400 })
  t.equal(await fetchRegistryKeys(registry.url, options(t.testdir({}))), null)
})

t.test('a server error or a malformed document cannot be verified against: could-not-verify', async (t) => {
  const registry = await startRegistry({ keys: [createRegistryKey()] })
  t.teardown(() => registry.close())
  registry.addFault({ path: '/-/npm/v1/keys', type: 'status', status: 500, times: 1 })
  const err = await fetchRegistryKeys(registry.url, options(t.testdir({}))).catch((e: unknown) => e)
  t.type(err, VerifyDepsError)
  t.match(err, { code: 'EREGISTRYKEYS', kind: 'could-not-verify', message: /HTTP 500/ })
  registry.store.keysDocument = { keys: 'nope' }
  const bad = await fetchRegistryKeys(registry.url, options(t.testdir({}))).catch((e: unknown) => e)
  t.match(bad, { code: 'EREGISTRYKEYS', kind: 'could-not-verify', message: /invalid registry keys/ })
})

t.test('the answer says for how long a cache may reuse it: Cache-Control max-age less Age', async (t) => {
  const registry = await startRegistry({ keys: [createRegistryKey()] })
  t.teardown(() => registry.close())
  t.equal((await fetchRegistryKeysFresh(registry.url, options(t.testdir({})))).freshForMs, 0, 'the loopback registry says no-cache')
  registry.keysCacheControl = 'public, max-age=300'
  const fresh = await fetchRegistryKeysFresh(registry.url, options(t.testdir({})))
  t.equal(fresh.freshForMs, 300_000)
  t.same((fresh.document as { keys: unknown[] }).keys.length, 1, 'with the document as served')
})

t.test('cacheLifetimeMs reads Cache-Control as a private cache does (RFC 9111)', async (t) => {
  t.equal(cacheLifetimeMs('public, max-age=300', undefined), 300_000)
  t.equal(cacheLifetimeMs('max-age=300', '120'), 180_000, 'less the Age it already has')
  t.equal(cacheLifetimeMs('max-age=300', '400'), 0, 'never negative')
  t.equal(cacheLifetimeMs('Max-Age="60", private', ' 0 '), 60_000, 'names are case-insensitive, a quoted value is read')
  t.equal(cacheLifetimeMs('max-age=300, no-cache', undefined), 0, 'no-cache: ask every time')
  t.equal(cacheLifetimeMs('no-store, max-age=300', undefined), 0, 'no-store: keep nothing')
  t.equal(cacheLifetimeMs('public', undefined), 0, 'no max-age')
  t.equal(cacheLifetimeMs('max-age=-1', undefined), 0, 'not a number of seconds')
  t.equal(cacheLifetimeMs('max-age=1e3', undefined), 0)
  t.equal(cacheLifetimeMs(undefined, undefined), 0, 'no header')
  t.equal(cacheLifetimeMs('max-age=300', 'soon'), 300_000, 'an unreadable Age counts as none')
})
