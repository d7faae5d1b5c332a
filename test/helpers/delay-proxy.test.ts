// The delay proxy forwards what npm's proxy setting sends it (absolute-form requests) to the
// loopback registry unchanged, and refuses anything that is not a loopback target.
import t from 'tap'
import { request } from 'node:http'
import { startRegistry } from './registry/index.js'
import { startDelayProxy } from './delay-proxy.js'

function get(proxyUrl: string, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const proxy = new URL(proxyUrl)
  return new Promise((resolve, reject) => {
    const req = request({ host: proxy.hostname, port: proxy.port, path: target, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('forwards loopback requests with their headers and answers as the registry did', async (t) => {
  const registry = await startRegistry({ token: 'secret' })
  t.teardown(() => registry.close())
  registry.addVersion({ name: 'a', version: '1.0.0' })
  const proxy = await startDelayProxy({ delayMs: 5 })
  t.teardown(() => proxy.close())

  const ok = await get(proxy.url, `${registry.origin}/a/1.0.0`, { authorization: 'Bearer secret', 'proxy-connection': 'keep-alive' })
  t.equal(ok.status, 200)
  t.equal(JSON.parse(ok.body).version, '1.0.0')
  t.equal((await get(proxy.url, `${registry.origin}/absent`, { authorization: 'Bearer secret' })).status, 404)
  t.equal(proxy.requests, 2)
  t.same(registry.requests.map((r) => [r.path, r.tokenMatched, r.headers['proxy-connection']]), [['/a/1.0.0', true, undefined], ['/absent', true, undefined]])
})

t.test('refuses origin-form requests and targets off the loopback address', async (t) => {
  const proxy = await startDelayProxy({ delayMs: 0 })
  t.teardown(() => proxy.close())
  t.equal((await get(proxy.url, '/a')).status, 403)
  t.equal((await get(proxy.url, 'http://example.com/a')).status, 403)
  t.equal(proxy.refused, 2)
  t.equal(proxy.requests, 0)
  await t.rejects(startDelayProxy({ delayMs: -1 }), /delayMs must be ≥ 0/)
})
