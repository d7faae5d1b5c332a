import t from 'tap'
import { createRegistryKey, startRegistry } from '../../helpers/registry/index.js'
import { fetchRegistryKeys } from '../../../lib/fetch/registry-keys/endpoint.js'
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
