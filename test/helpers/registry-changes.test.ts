/**
 * The loopback registry's replication feed (`GET /_changes?since=SEQ&limit=N`): CouchDB's shape as
 * replicate.npmjs.com serves it, one change per publish in publish order, `since` exclusive.
 */
import t, { type Test } from 'tap'
import { CHANGES_LIMIT_MAX, startRegistry, type RegistryChange, type RegistryServer } from './registry/index.js'

interface ChangesPage {
  results: RegistryChange[]
  last_seq: number
}

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function changes(registry: RegistryServer, query: string, prefix = ''): Promise<ChangesPage> {
  const res = await get(`${registry.origin}${prefix}/_changes${query}`)
  if (res.status !== 200) throw new Error(`_changes${query}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as unknown as ChangesPage
}

async function published(t: Test, feedPrefix?: string): Promise<RegistryServer> {
  const registry = await startRegistry(feedPrefix === undefined ? {} : { feedPrefix })
  t.teardown(() => registry.close())
  registry.addVersion({ name: 'a', version: '1.0.0' })
  registry.addVersion({ name: '@acme/b', version: '1.0.0' })
  registry.addVersion({ name: 'a', version: '1.1.0' })
  registry.addVersion({ name: 'c', version: '0.1.0' })
  return registry
}

t.test('lists one change per publish, in publish order, with the package as id and a new revision each time', async (t) => {
  const registry = await published(t)
  const page = await changes(registry, '')
  t.same(page.results.map((c) => [c.seq, c.id]), [[1, 'a'], [2, '@acme/b'], [3, 'a'], [4, 'c']])
  t.same(page.last_seq, 4)
  const revs = page.results.map((c) => c.changes[0]!.rev)
  t.match(revs, [/^1-[0-9a-f]{32}$/, /^1-[0-9a-f]{32}$/, /^2-[0-9a-f]{32}$/, /^1-[0-9a-f]{32}$/], 'the revision counts the package\'s publishes')
  t.not(revs[0], revs[2], 'a package\'s second publish is a new revision')
  t.same(Object.keys(page.results[0]!).sort(), ['changes', 'id', 'seq'], 'no documents (replicate.npmjs.com no longer includes them)')
})

t.test('since is exclusive, limit is honoured, and last_seq is where the next page starts', async (t) => {
  const registry = await published(t)
  const first = await changes(registry, '?since=0&limit=3')
  t.same(first.results.map((c) => c.seq), [1, 2, 3])
  t.equal(first.last_seq, 3)
  const second = await changes(registry, `?since=${first.last_seq}&limit=3`)
  t.same(second.results.map((c) => c.seq), [4], 'the change at `since` is not repeated')
  t.equal(second.last_seq, 4)
  const empty = await changes(registry, `?since=${second.last_seq}&limit=3`)
  t.same(empty, { results: [], last_seq: 4 }, 'past the end: no results, last_seq stays')

  registry.addVersion({ name: 'c', version: '0.2.0' })
  const later = await changes(registry, `?since=${empty.last_seq}`)
  t.same(later.results.map((c) => [c.seq, c.id]), [[5, 'c']], 'a publish after the follower caught up shows on its next request')
})

t.test('since=now starts after the last change; a limit above the cap is capped', async (t) => {
  const registry = await published(t)
  t.same(await changes(registry, '?since=now'), { results: [], last_seq: 4 })
  t.equal((await changes(registry, `?limit=${CHANGES_LIMIT_MAX * 10}`)).results.length, 4)
})

t.test('a since or limit that is not a whole number is 400', async (t) => {
  const registry = await published(t)
  for (const query of ['?since=-1', '?since=abc', '?since=1.5', '?limit=0', '?limit=-2', '?limit=x', '?since=']) {
    const res = await get(`${registry.origin}/_changes${query}`)
    t.equal(res.status, 400, query)
    t.match(res.body, { error: /^bad (since|limit)/ }, query)
  }
})

t.test('the feed can sit under a prefix (another host, as replicate.npmjs.com is); nothing else moves', async (t) => {
  const registry = await published(t, '/registry')
  t.equal(registry.feedUrl, `${registry.origin}/registry`)
  t.equal((await changes(registry, '?limit=2', '/registry')).results.length, 2)
  t.equal((await get(`${registry.origin}/_changes`)).status, 404, 'not at the root any more')
  t.equal((await get(`${registry.origin}/a`)).status, 200, 'packuments are where they were')
  await t.rejects(startRegistry({ feedPrefix: 'registry/' }), /bad feed prefix/)
})

t.test('faults and auth apply to the feed as to any path', async (t) => {
  const registry = await published(t)
  registry.addFault({ path: '/_changes', type: 'status', status: 503, times: 1 })
  t.equal((await get(`${registry.origin}/_changes`)).status, 503)
  t.equal((await get(`${registry.origin}/_changes`)).status, 200)
  registry.token = 'secret'
  t.equal((await get(`${registry.origin}/_changes`)).status, 401)
  t.equal(registry.requests.at(-1)?.route, 'changes')
})
