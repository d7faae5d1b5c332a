// The demo's static registry: the paths the check requests, in every encoding of a scoped name;
// nothing outside the snapshot; loopback only; closes with connections open.
import t from 'tap'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { canonicalRequestPath, loadSnapshot, startSnapshotRegistry } from '../../lib/demo/snapshot-registry.js'

function snapshot(t: { teardown(fn: () => unknown): void }): string {
  const root = mkdtempSync(join(tmpdir(), 'verify-deps-snapshot-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const files: Record<string, string> = {
    '-/npm/v1/keys.json': '{"keys":[]}',
    '-/npm/v1/attestations/@acme/lib@1.0.0.json': '{"attestations":[]}',
    '@acme/lib/index.json': '{"name":"@acme/lib"}',
    '@acme/lib/1.0.0.json': '{"name":"@acme/lib","version":"1.0.0"}',
    '@acme/lib/-/lib-1.0.0.tgz': 'TGZ',
    'plain/1.0.0.json': '{"name":"plain","version":"1.0.0"}',
    'notes.txt': 'not served',
  }
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  // A file next to the snapshot: no request path may reach it.
  const secret = join(root, '..', `${basename(root)}-secret.json`)
  writeFileSync(secret, '{"secret":true}')
  t.teardown(() => rmSync(secret, { force: true }))
  return root
}

function get(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }))
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('maps files to request paths: <path>.json, <path>/index.json, tarballs as they are', async (t) => {
  const routes = loadSnapshot(snapshot(t))
  t.same([...routes.keys()].sort(), [
    '/-/npm/v1/attestations/@acme/lib@1.0.0',
    '/-/npm/v1/keys',
    '/@acme/lib',
    '/@acme/lib/-/lib-1.0.0.tgz',
    '/@acme/lib/1.0.0',
    '/plain/1.0.0',
  ])
})

t.test("serves the check's requests, scoped names in every encoding; 404 for anything else", async (t) => {
  const root = snapshot(t)
  const registry = await startSnapshotRegistry(root)
  t.teardown(() => registry.close())
  t.match(registry.url, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'listens on 127.0.0.1')
  for (const path of ['@acme%2flib/1.0.0', '%40acme%2flib/1.0.0', '@acme/lib/1.0.0', '@acme%2Flib/1.0.0?write=true']) {
    const r = await get(registry.url + path)
    t.equal(r.status, 200, path)
    t.same(JSON.parse(r.body), { name: '@acme/lib', version: '1.0.0' })
    t.equal(r.type, 'application/json')
  }
  t.equal((await get(registry.url + '@acme%2flib')).body, '{"name":"@acme/lib"}', 'packument')
  t.equal((await get(registry.url + '-/npm/v1/attestations/@acme%2flib@1.0.0')).status, 200, 'attestations')
  t.equal((await get(registry.url + '-/npm/v1/keys')).status, 200, 'keys')
  const tgz = await get(registry.url + '@acme/lib/-/lib-1.0.0.tgz')
  t.same([tgz.status, tgz.type, tgz.body], [200, 'application/octet-stream', 'TGZ'])

  for (const path of ['plain', 'plain/2.0.0', 'notes.txt', 'notes', '@acme/lib/1.0.0.json', '@acme/lib/index', '..%2f..%2fetc%2fpasswd', `..%2f${basename(root)}-secret`, `%2e%2e/${basename(root)}-secret`, '%E0%A4%A', '-/npm/v1/keys.json']) {
    t.equal((await get(registry.url + path)).status, 404, `404: ${path}`)
  }
  t.equal((await get(registry.url + '-/npm/v1/keys', 'POST')).status, 405, 'read-only')
  t.equal((await get(registry.url + '-/npm/v1/keys', 'HEAD')).status, 200, 'HEAD')
  t.ok(registry.requests.includes('/@acme/lib/1.0.0'), 'requests are recorded by canonical path')
})

t.test('close() ends with a keep-alive connection still open', async (t) => {
  const registry = await startSnapshotRegistry(snapshot(t))
  const { Agent } = await import('node:http')
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  await new Promise<void>((resolve, reject) => {
    request(registry.url + '-/npm/v1/keys', { agent }, (res) => {
      res.resume()
      res.on('end', () => resolve())
    })
      .on('error', reject)
      .end()
  })
  await registry.close()
  await t.rejects(get(registry.url + '-/npm/v1/keys'), { code: 'ECONNREFUSED' }, 'nothing listens afterwards')
})

t.test('canonicalRequestPath undoes the name encodings and refuses undecodable paths', async (t) => {
  t.equal(canonicalRequestPath('/@scope%2fname/1.0.0?x=1'), '/@scope/name/1.0.0')
  t.equal(canonicalRequestPath('/%40scope%2Fname'), '/@scope/name')
  t.equal(canonicalRequestPath('/%E0%A4%A'), null)
})
