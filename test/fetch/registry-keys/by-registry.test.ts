import t from 'tap'
import { fetchKeysForRegistries, parseRegistryKeysArgs } from '../../../lib/fetch/registry-keys/by-registry.js'
import { parseRegistryKeys } from '../../../lib/fetch/registry-keys/parse.js'
import { createRegistryKey, formatKeysEndpoint, formatTufKeys, startRegistry } from '../../helpers/registry/index.js'
import { isolatedConfig } from '../world.js'

const trustKey = createRegistryKey()
const trust = { registryKeys: parseRegistryKeys(formatKeysEndpoint([trustKey]), 'trust file'), registryKeysSource: 'trust file' }

t.test('the trust registry uses the resolved trust keys; another asks its own keys endpoint', async (t) => {
  const served = createRegistryKey()
  const mirror = await startRegistry({ keys: [served] })
  const keyless = await startRegistry()
  t.teardown(() => Promise.all([mirror.close(), keyless.close()]))
  const { config } = await isolatedConfig(t, t.testdir({}))
  const trustRegistry = 'https://registry.npmjs.org'
  const results = await fetchKeysForRegistries([trustRegistry + '/', mirror.url, keyless.origin, keyless.url], { trust, config, retries: 0 })
  t.same([...results.keys()], ['https://registry.npmjs.org/', mirror.url, keyless.url], 'one entry per registry, trailing slash')
  t.match(results.get('https://registry.npmjs.org/'), { state: 'fetched', source: 'trust file', keys: [{ keyid: trustKey.keyid }] })
  t.match(results.get(mirror.url), { state: 'fetched', keys: [{ keyid: served.keyid }] })
  t.match(results.get(keyless.url), { state: 'fetched', keys: null }, '404: the registry publishes no keys')
  t.same(mirror.requests.map((r) => r.path), ['/-/npm/v1/keys'])
})

t.test('a registry whose keys cannot be obtained is failed, with the reason; the others are unaffected', async (t) => {
  const broken = await startRegistry({ keys: [createRegistryKey()], faults: [{ path: '/-/npm/v1/keys', type: 'status', status: 500 }] })
  const fine = await startRegistry({ keys: [createRegistryKey()] })
  t.teardown(() => Promise.all([broken.close(), fine.close()]))
  const { config } = await isolatedConfig(t, t.testdir({}))
  const results = await fetchKeysForRegistries([broken.url, fine.url], { trust, config, retries: 0 })
  t.match(results.get(broken.url), { state: 'failed', reason: /HTTP 500/ })
  t.match(results.get(fine.url), { state: 'fetched' })
})

t.test('with TUF, another registry’s keys.json target comes first; without a target, its endpoint', async (t) => {
  const served = createRegistryKey()
  const tufKey = createRegistryKey()
  const withTarget = await startRegistry({ keys: [served] })
  const withoutTarget = await startRegistry({ keys: [served] })
  t.teardown(() => Promise.all([withTarget.close(), withoutTarget.close()]))
  const { config } = await isolatedConfig(t, t.testdir({}))
  const asked: string[] = []
  const fetchTargets = async (registry: string) => {
    asked.push(registry)
    return { trustedRoot: {}, registryKeys: registry === withTarget.url ? formatTufKeys([tufKey]) : undefined }
  }
  const results = await fetchKeysForRegistries([withTarget.url, withoutTarget.url], { trust, config, tuf: { cachePath: t.testdir({}) }, fetchTargets, retries: 0 })
  t.match(results.get(withTarget.url), { state: 'fetched', source: /Sigstore TUF target 127\.0\.0\.1:\d+\/keys\.json/, keys: [{ keyid: tufKey.keyid }] })
  t.same(withTarget.requests, [], 'no request to the registry when TUF has its keys')
  t.match(results.get(withoutTarget.url), { state: 'fetched', keys: [{ keyid: served.keyid }] })
  t.same(asked.sort(), [withTarget.url, withoutTarget.url].sort())
})

t.test('the keys request carries the registry’s own credentials', async (t) => {
  const registry = await startRegistry({ token: 'keys-token', keys: [createRegistryKey()] })
  t.teardown(() => registry.close())
  const projectDir = t.testdir({ '.npmrc': `${registry.url.replace(/^http:/, '')}:_authToken=keys-token\n` })
  const { config } = await isolatedConfig(t, projectDir)
  const results = await fetchKeysForRegistries([registry.url], { trust, config, retries: 0 })
  t.match(results.get(registry.url), { state: 'fetched' })
  t.ok(registry.requests.every((r) => r.tokenMatched))
})

t.test('a pinned registry’s keys come from the pin only: neither TUF nor its own endpoint is asked', async (t) => {
  const served = createRegistryKey()
  const pinnedKey = createRegistryKey()
  const registry = await startRegistry({ keys: [served] })
  t.teardown(() => registry.close())
  const dir = t.testdir({ 'pinned.json': JSON.stringify(formatKeysEndpoint([pinnedKey])) })
  const { config } = await isolatedConfig(t, dir)
  const fetchTargets = async () => {
    throw new Error('TUF must not be asked for a pinned registry')
  }
  const pins = new Map([[registry.url, { file: `${dir}/pinned.json`, from: '--registry-keys' }]])
  const results = await fetchKeysForRegistries([registry.url], { trust, config, pins, tuf: { cachePath: '/nonexistent' }, fetchTargets, retries: 0 })
  t.match(results.get(registry.url), { state: 'fetched', kind: 'pinned', keys: [{ keyid: pinnedKey.keyid }] })
  t.same(registry.requests, [])
})

t.test('an npm config pin (//host/:verify-deps-registry-keys) applies to its registry only', async (t) => {
  const pinnedKey = createRegistryKey()
  const pinned = await startRegistry({ keys: [createRegistryKey()] })
  const other = await startRegistry({ keys: [createRegistryKey()] })
  t.teardown(() => Promise.all([pinned.close(), other.close()]))
  const dir = t.testdir({
    'keys.json': JSON.stringify(formatKeysEndpoint([pinnedKey])),
    '.npmrc': `${pinned.url.replace(/^http:/, '')}:verify-deps-registry-keys=keys.json\n`,
  })
  const { config } = await isolatedConfig(t, dir)
  const results = await fetchKeysForRegistries([pinned.url, other.url], { trust, config, retries: 0 })
  t.match(results.get(pinned.url), { state: 'fetched', kind: 'pinned', source: /keys\.json \(.*\.npmrc: \/\/127\.0\.0\.1:\d+\/:verify-deps-registry-keys\)/ })
  t.match(results.get(other.url), { state: 'fetched', kind: 'registry' }, 'another registry is not covered by the pin')
  t.same(pinned.requests, [])
})

t.test('a pinned file that cannot be used is a usage error, never a fall back to the registry', async (t) => {
  const registry = await startRegistry({ keys: [createRegistryKey()] })
  t.teardown(() => registry.close())
  const { config } = await isolatedConfig(t, t.testdir({}))
  const pins = new Map([[registry.url, { file: '/nonexistent/keys.json', from: '--registry-keys' }]])
  await t.rejects(fetchKeysForRegistries([registry.url], { trust, config, pins, retries: 0 }), { code: 'EINPUTFILE' })
  t.same(registry.requests, [])
})

t.test('offline: no request at all; an unpinned registry other than the trust registry has no keys', async (t) => {
  const registry = await startRegistry({ keys: [createRegistryKey()] })
  t.teardown(() => registry.close())
  const { config } = await isolatedConfig(t, t.testdir({}))
  const results = await fetchKeysForRegistries([registry.url, 'https://registry.npmjs.org/'], { trust, config, offline: true, retries: 0 })
  t.match(results.get(registry.url), { state: 'failed', reason: /offline: .*pin them with --registry-keys/ })
  t.match(results.get('https://registry.npmjs.org/'), { state: 'fetched', keys: [{ keyid: trustKey.keyid }] })
  t.same(registry.requests, [])
})

t.test('--registry-keys values: URL=FILE pins that registry, a plain FILE registry.npmjs.org, two for one registry are refused', async (t) => {
  const pins = parseRegistryKeysArgs(['npm.json', 'https://npm.acme.test/private=acme.json'], (f) => `/abs/${f}`)
  t.same([...pins], [
    ['https://registry.npmjs.org/', { file: '/abs/npm.json', from: '--registry-keys' }],
    ['https://npm.acme.test/private/', { file: '/abs/acme.json', from: '--registry-keys' }],
  ])
  t.throws(() => parseRegistryKeysArgs(['a.json', 'https://registry.npmjs.org=b.json'], (f) => f), { code: 'EUSAGE' })
})
