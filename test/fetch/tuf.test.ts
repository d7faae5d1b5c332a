// The TUF trust anchor is the embedded Sigstore root, never one found in the cache: a project .npmrc
// can move npm's cache into the repository (`cache=./.npm-cache`) and a CI cache can be poisoned.
import t from 'tap'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_TUF_MIRROR, embeddedTUFRoot, fetchTUFTargets } from '../../lib/fetch/tuf.js'

t.test('the embedded root is the public-good Sigstore TUF root', async (t) => {
  const root = JSON.parse(embeddedTUFRoot().toString('utf8')) as { signed: { _type: string; roles: Record<string, unknown> } }
  t.equal(root.signed._type, 'root')
  t.ok(root.signed.roles.timestamp, 'has the TUF roles')
})

t.test('a root.json planted in the TUF cache is replaced by the embedded root before anything is fetched', async (t) => {
  const requests: string[] = []
  // A loopback mirror that serves nothing: whatever it is asked for, the anchor must already be the embedded root.
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as { port: number }
  const mirror = `http://127.0.0.1:${port}/tuf`
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
