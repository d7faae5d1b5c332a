// The TUF trust anchor is the embedded Sigstore root, never one found in the cache: a project .npmrc
// can move npm's cache into the repository (`cache=./.npm-cache`) and a CI cache can be poisoned.
import t, { type Test } from 'tap'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTUFSession, DEFAULT_TUF_MIRROR, embeddedTUFRoot, fetchTUFTargets } from '../../lib/fetch/tuf.js'

/** A loopback mirror that answers 404 to everything, recording what it is asked. */
async function emptyMirror(t: Test): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests }
}

t.test('the embedded root is the public-good Sigstore TUF root', async (t) => {
  const root = JSON.parse(embeddedTUFRoot().toString('utf8')) as { signed: { _type: string; roles: Record<string, unknown> } }
  t.equal(root.signed._type, 'root')
  t.ok(root.signed.roles.timestamp, 'has the TUF roles')
})

t.test('a root.json planted in the TUF cache is replaced by the embedded root before anything is fetched', async (t) => {
  // A loopback mirror that serves nothing: whatever it is asked for, the anchor must already be the embedded root.
  const { url, requests } = await emptyMirror(t)
  const port = new URL(url).port
  const mirror = `${url}/tuf`
  const cachePath = mkdtempSync(join(tmpdir(), 'verify-deps-tuf-'))
  t.teardown(() => rmSync(cachePath, { recursive: true, force: true }))
  const repoDir = join(cachePath, encodeURIComponent(`127.0.0.1:${port}/tuf`))
  mkdirSync(join(repoDir, 'targets'), { recursive: true })
  const planted = JSON.stringify({ signed: { _type: 'root', version: 999, keys: {}, roles: {} }, signatures: [] })
  writeFileSync(join(repoDir, 'root.json'), planted)

  await t.rejects(fetchTUFTargets('https://registry.npmjs.org/', { cachePath, mirrorURL: mirror, timeoutMs: 2000 }))
  t.same(readFileSync(join(repoDir, 'root.json')), embeddedTUFRoot(), 'the cache holds the embedded root, not the planted one')
  const version = (JSON.parse(embeddedTUFRoot().toString('utf8')) as { signed: { version: number } }).signed.version
  t.equal(requests[0], `/tuf/${version + 1}.root.json`, 'the mirror is first asked for the root after the embedded one (the planted version 999 was not loaded)')
  t.not(mirror, DEFAULT_TUF_MIRROR)
})

t.test('a session makes one TUF attempt per run, shared by every registry and stage that asks', async (t) => {
  const once = await emptyMirror(t)
  await t.rejects(fetchTUFTargets('https://registry.npmjs.org/', { cachePath: t.testdir({}), mirrorURL: once.url, timeoutMs: 2000 }))
  t.ok(once.requests.length > 0, 'one attempt asks the mirror')

  const shared = await emptyMirror(t)
  const session = createTUFSession({ cachePath: t.testdir({}), mirrorURL: shared.url, timeoutMs: 2000 })
  session.start()
  const options = { cachePath: '/ignored' }
  const results = await Promise.allSettled([
    session.fetchTargets('https://registry.npmjs.org/', options),
    session.fetchTargets('https://npm.acme.example/', options),
  ])
  await t.rejects(session.fetchTargets('https://registry.npmjs.org/', options), 'a later call gets the same failure')
  t.same(results.map((r) => r.status), ['rejected', 'rejected'], 'both callers see the failed refresh')
  t.same(shared.requests, once.requests, 'the requests of exactly one attempt, however many calls')
})

t.test('a session that is never used or started asks nothing', async (t) => {
  const mirror = await emptyMirror(t)
  createTUFSession({ cachePath: t.testdir({}), mirrorURL: mirror.url, timeoutMs: 2000 })
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.same(mirror.requests, [])
})
