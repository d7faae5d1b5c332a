import t, { type Test } from 'tap'
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, type ServerOptions } from 'node:https'
import { connect, type AddressInfo, type Server } from 'node:net'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import zlib from 'node:zlib'
import { DEFAULT_RETRY_POLICY, getJSON, requestCredentials } from '../../lib/fetch/http.js'
import { getText } from '../../lib/fetch/get.js'
import { createTlsPki } from './tls.js'

/** A loopback server that records each request and answers with `reply`. */
async function serve(t: Test, reply: (req: IncomingMessage, res: ServerResponse) => void, tls?: ServerOptions) {
  const seen: IncomingMessage[] = []
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    seen.push(req)
    reply(req, res)
  }
  const server: Server = tls ? createHttpsServer(tls, handler) : createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const sockets = new Set<import('node:net').Socket>()
  server.on('connection', (socket: import('node:net').Socket) => sockets.add(socket))
  // Keep-alive and tunnelled connections would hold close() open.
  t.teardown(() => new Promise<void>((resolve) => {
    server.close(() => resolve())
    for (const socket of sockets) socket.destroy()
  }))
  const { port } = server.address() as AddressInfo
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`, port, seen, server }
}

/** Makes `server` a CONNECT proxy to 127.0.0.1: records each tunnel's target and hands each upstream socket to `onUpstream`. */
function tunnelConnects(server: Server, tunnels: string[], onUpstream: (upstream: import('node:net').Socket) => void = () => {}): void {
  server.on('connect', (req: IncomingMessage, socket: import('node:net').Socket) => {
    tunnels.push(req.url!)
    const upstream = connect(Number(req.url!.split(':')[1]), '127.0.0.1', () => {
      onUpstream(upstream)
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.pipe(socket).pipe(upstream)
    })
    upstream.on('error', () => socket.destroy())
    socket.on('close', () => upstream.destroy())
    socket.on('error', () => upstream.destroy())
  })
}

function options(registry: string, extra: Record<string, unknown> = {}, retries = 0) {
  return { fetchOptions: { registry, ...extra }, timeoutMs: 5000, retry: { ...DEFAULT_RETRY_POLICY, retries, minDelayMs: 1, maxDelayMs: 1 }, redact: (s: string) => s }
}

const DOCUMENT = { name: 'a', version: '1.0.0', dist: { integrity: 'sha512-x' }, text: 'ü'.repeat(2000) }
const BODY = Buffer.from(JSON.stringify(DOCUMENT))

t.test('compressed bodies are decoded as minipass-fetch decodes them', async (t) => {
  const encodings: Record<string, Buffer> = {
    gzip: zlib.gzipSync(BODY),
    'x-gzip': zlib.gzipSync(BODY),
    deflate: zlib.deflateSync(BODY),
    br: zlib.brotliCompressSync(BODY),
  }
  const registry = await serve(t, (req, res) => {
    const coding = req.url!.slice(1)
    if (coding === 'raw-deflate') return res.writeHead(200, { 'content-encoding': 'deflate' }).end(zlib.deflateRawSync(BODY))
    if (coding === 'identity') return res.writeHead(200).end(BODY)
    if (coding === 'unknown') return res.writeHead(200, { 'content-encoding': 'identity' }).end(BODY)
    res.writeHead(200, { 'content-encoding': coding }).end(encodings[coding])
  })
  for (const coding of [...Object.keys(encodings), 'raw-deflate', 'identity', 'unknown']) {
    t.match(await getJSON(`${registry.url}${coding}`, options(registry.url)), { ok: true, document: DOCUMENT, text: BODY.toString() }, coding)
  }
  t.equal(registry.seen[0]!.headers['accept-encoding'], 'gzip,deflate', 'asks for what minipass-fetch asks for')
})

t.test('a body cut off mid-way is a failed attempt, retried', async (t) => {
  let served = 0
  const registry = await serve(t, (_req, res) => {
    served++
    res.writeHead(200, { 'content-length': String(BODY.length) })
    res.write(BODY.subarray(0, 100))
    setTimeout(() => res.socket?.destroy(), 20)
  })
  const result = await getJSON(`${registry.url}a`, options(registry.url, {}, 1))
  t.match(result, { ok: false, reason: /the response body was cut off.*\(after 2 attempts\)/, attempts: 2 })
  t.equal(served, 2)
})

t.test('a corrupt compressed body is a failure, not a document', async (t) => {
  const registry = await serve(t, (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(Buffer.from('not gzip at all')))
  t.match(await getJSON(`${registry.url}a`, options(registry.url)), { ok: false, reason: /the response body was cut off \(Z_DATA_ERROR\)/ })
})

t.test("npm's request headers: user agent, accept, keep-alive; credentials only for their registry", async (t) => {
  const registry = await serve(t, (_req, res) => res.end('{}'))
  const other = await serve(t, (_req, res) => res.end('{}'))
  const host = `//127.0.0.1:${registry.port}/`
  const credentials = {
    userAgent: 'npm/11.0.0 node/v20.0.0 linux x64 workspaces/false',
    [`${host}:username`]: 'user',
    [`${host}:_password`]: Buffer.from('pa:ss').toString('base64'),
  }
  t.match(await getJSON(`${registry.url}a`, options(registry.url, credentials)), { ok: true })
  t.match(await getJSON(`${other.url}a`, options(registry.url, credentials)), { ok: true })
  const [mine] = registry.seen
  t.match(mine!.headers, {
    'user-agent': 'npm/11.0.0 node/v20.0.0 linux x64 workspaces/false',
    accept: 'application/json',
    connection: 'keep-alive',
    authorization: `Basic ${Buffer.from('user:pa:ss').toString('base64')}`,
  })
  t.equal(other.seen[0]!.headers.authorization, undefined, 'another registry gets no credentials')
  t.match(await getJSON(`${other.url}b`, options(other.url)), { ok: true })
  t.match(other.seen[1]!.headers['user-agent'], /^npm-registry-fetch@\S+\/node@/, "npm-registry-fetch's default user agent when none is set")
  t.same(requestCredentials(`${registry.url}a`, { registry: registry.url, [`${host}:_auth`]: 'dXNlcjpwdw==' }).headers.authorization, 'Basic dXNlcjpwdw==', '_auth as it is')
  t.same(requestCredentials(`${registry.url}a`, { registry: registry.url, [`${host}:_authToken`]: 'tok' }).headers.authorization, 'Bearer tok', 'a token')
})

t.test('URL userinfo is sent as Basic auth, as minipass-fetch sends it', async (t) => {
  const registry = await serve(t, (_req, res) => res.end('{}'))
  const withUserinfo = registry.url.replace('http://', 'http://us%40er:p%3Ass@')
  t.match(await getJSON(`${withUserinfo}a`, options(withUserinfo)), { ok: true })
  t.equal(registry.seen[0]!.headers.authorization, `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`)
})

t.test('redirects: at most 20 followed; a redirect with no usable location is an error', async (t) => {
  const registry = await serve(t, (req, res) => {
    const n = Number(req.url!.slice(1))
    if (req.url === '/bad') return res.writeHead(301, { location: 'http://[::1' }).end()
    res.writeHead(n === 30 ? 200 : 302, { location: `/${n + 1}` }).end(n === 30 ? '{"done":true}' : '')
  })
  t.match(await getJSON(`${registry.url}10`, options(registry.url)), { ok: true, document: { done: true } }, '20 redirects are followed')
  t.match(await getJSON(`${registry.url}9`, options(registry.url)), { ok: false, reason: /maximum redirect reached/ }, 'not 21')
  t.match(await getJSON(`${registry.url}bad`, options(registry.url)), { ok: false, reason: /invalid redirect URL/ })
})

t.test('a redirect to another host name drops the cookie header, as make-fetch-happen does', async (t) => {
  const other = await serve(t, (_req, res) => res.end('{"moved":true}'))
  const registry = await serve(t, (_req, res) => res.writeHead(301, { location: `${other.url.replace('127.0.0.1', 'localhost')}x` }).end())
  const result = await getText(`${registry.url}a`, { agentFor: () => undefined, headers: { cookie: 'session=1', accept: 'application/json' }, signal: new AbortController().signal })
  t.match(result, { status: 200, text: '{"moved":true}' })
  t.equal(registry.seen[0]!.headers.cookie, 'session=1')
  t.equal(other.seen[0]!.headers.cookie, undefined, 'not sent to localhost')
  t.equal(other.seen[0]!.headers.accept, 'application/json')
})

t.test('an abort while the body is read stops the request', async (t) => {
  const registry = await serve(t, (_req, res) => res.writeHead(200).write('{"a":'))
  const controller = new AbortController()
  const pending = getText(`${registry.url}a`, { agentFor: () => undefined, headers: {}, signal: controller.signal })
  setTimeout(() => controller.abort(), 50)
  await t.rejects(pending, { name: 'AbortError' })
  await t.rejects(getText(`${registry.url}a`, { agentFor: () => undefined, headers: {}, signal: AbortSignal.abort() }), { name: 'AbortError' }, 'already aborted: nothing is sent')
  await t.rejects(getText('ftp://127.0.0.1/a', { agentFor: () => undefined, headers: {}, signal: new AbortController().signal }), TypeError)
})

t.test('TLS: the configured CA, strict-ssl, and a client certificate from certfile/keyfile (mutual TLS)', async (t) => {
  const pki = createTlsPki()
  const dir = t.testdir({})
  writeFileSync(join(dir, 'client.crt'), pki.client.cert)
  writeFileSync(join(dir, 'client.key'), pki.client.key)
  const mutual = await serve(t, (req, res) => res.end(JSON.stringify({ client: (req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN })), {
    ...pki.server,
    ca: pki.caPEM,
    requestCert: true,
    rejectUnauthorized: true,
  })
  const host = `//127.0.0.1:${mutual.port}/`
  const mtls = { ca: pki.caPEM, [`${host}:certfile`]: join(dir, 'client.crt'), [`${host}:keyfile`]: join(dir, 'client.key') }
  t.match(await getJSON(`${mutual.url}a`, options(mutual.url, mtls)), { ok: true, document: { client: 'verify-deps test client' } }, 'the client certificate is presented')
  t.match(await getJSON(`${mutual.url}a`, options(mutual.url, { ca: pki.caPEM })), { ok: false }, 'without it the server refuses')

  const plain = await serve(t, (_req, res) => res.end('{"tls":true}'), pki.server)
  t.match(await getJSON(`${plain.url}a`, options(plain.url, { ca: pki.caPEM })), { ok: true, document: { tls: true } }, 'the configured CA is trusted')
  t.match(await getJSON(`${plain.url}a`, options(plain.url)), { ok: false, reason: /connection failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY\)/ }, 'an unknown CA is refused')
  t.match(await getJSON(`${plain.url}a`, options(plain.url, { strictSSL: false })), { ok: true }, 'strict-ssl=false accepts it')
})

t.test('proxies: CONNECT for https, absolute URLs for http, noproxy bypasses', async (t) => {
  const pki = createTlsPki()
  const target = await serve(t, (_req, res) => res.end('{"via":"target"}'), pki.server)
  const plainTarget = await serve(t, (_req, res) => res.end('{"via":"plain target"}'))
  const tunnels: string[] = []
  const forwarded: string[] = []
  const proxy = await serve(t, (req, res) => {
    // A forward proxy for http: the request line holds the absolute URL.
    forwarded.push(req.url!)
    const out = httpRequest(req.url!, { headers: req.headers }, (upstream) => {
      res.writeHead(upstream.statusCode!, upstream.headers)
      upstream.pipe(res)
    })
    out.end()
  })
  tunnelConnects(proxy.server, tunnels)
  // Through a proxy, the TLS server name is the host's name (https-proxy-agent): the registry is `localhost`.
  const secure = target.url.replace('127.0.0.1', 'localhost')
  // Options no other test of this file uses: @npmcli/agent's agent cache does not tell proxies apart.
  const proxied = (registry: string, extra: Record<string, unknown>) => ({ ...options(registry, extra), timeoutMs: 4321 })
  t.match(await getJSON(`${plainTarget.url}a`, proxied(plainTarget.url, { httpsProxy: '', proxy: proxy.url })), { ok: true, document: { via: 'plain target' } })
  t.same(forwarded, [`${plainTarget.url}a`], 'http is forwarded by absolute URL (an empty https-proxy falls back to proxy)')
  t.match(await getJSON(`${plainTarget.url}b`, proxied(plainTarget.url, { proxy: proxy.url, noProxy: '127.0.0.1' })), { ok: true })
  t.equal(forwarded.length, 1, 'noproxy: straight to the registry')
  t.match(await getJSON(`${secure}a`, proxied(secure, { ca: pki.caPEM, proxy: proxy.url })), { ok: true, document: { via: 'target' } })
  t.same(tunnels, [`localhost:${target.port}`], 'https goes through a CONNECT tunnel')
})

t.test('a request without npm’s HTTP cache (and the registry keys request) never loads npm-registry-fetch', async (t) => {
  // In a child process, so that nothing this test file loaded counts.
  const script = `
    import { createServer } from 'node:http'
    import { createRequire } from 'node:module'
    import { fetchRegistryKeysFresh } from ${JSON.stringify(new URL('../../lib/fetch/registry-keys/endpoint.js', import.meta.url).href)}
    const server = createServer((req, res) => res.end(JSON.stringify({ keys: [] }))).listen(0, '127.0.0.1', async () => {
      const registry = 'http://127.0.0.1:' + server.address().port + '/'
      const policy = { timeoutMs: 5000, retry: { retries: 0, minDelayMs: 1, maxDelayMs: 1, factor: 1, maxRetryAfterMs: 1 }, redact: (s) => s }
      const got = await fetchRegistryKeysFresh(registry, { ...policy, fetchOptions: { registry, cache: '/nonexistent/_cacache', '//127.0.0.1/:_authToken': 'x' } })
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((m) => /make-fetch-happen|minipass-fetch|npm-registry-fetch.lib.index/.test(m))
      console.log(JSON.stringify({ keys: got.keys, loaded }))
      server.close()
    })`
  const { execFileSync } = await import('node:child_process')
  const out = execFileSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], { encoding: 'utf8' })
  t.same(JSON.parse(out.trim().split('\n').pop()!), { keys: [], loaded: [] })
})

t.test('an http request after an https one through the same proxy still goes through the proxy', async (t) => {
  // @npmcli/agent's proxy cache is keyed without the target's host or scheme: after an https request
  // the http one gets the https-proxy-agent, so it reaches the proxy as a CONNECT tunnel, not as a
  // forwarded request (npm's own requests do the same). Never straight to the registry.
  const pki = createTlsPki()
  const target = await serve(t, (_req, res) => res.end('{"via":"target"}'), pki.server)
  const plainTarget = await serve(t, (_req, res) => res.end('{"via":"plain target"}'))
  const tunnels: string[] = []
  const upstreamPorts = new Set<number>()
  const proxy = await serve(t, (_req, res) => res.writeHead(502).end())
  tunnelConnects(proxy.server, tunnels, (upstream) => upstreamPorts.add(upstream.localPort!))
  const secure = target.url.replace('127.0.0.1', 'localhost')
  const proxied = (registry: string, extra: Record<string, unknown>) => ({ ...options(registry, extra), timeoutMs: 4322 })
  t.match(await getJSON(`${secure}a`, proxied(secure, { ca: pki.caPEM, proxy: proxy.url })), { ok: true, document: { via: 'target' } })
  t.match(await getJSON(`${plainTarget.url}a`, proxied(plainTarget.url, { proxy: proxy.url })), { ok: true, document: { via: 'plain target' } })
  t.same(tunnels, [`localhost:${target.port}`, `127.0.0.1:${plainTarget.port}`], 'both through CONNECT tunnels of the proxy')
  t.equal(plainTarget.seen.length, 1)
  t.ok(upstreamPorts.has(plainTarget.seen[0]!.socket.remotePort!), 'the registry was reached from the proxy, not directly')
})

t.test('a body, or what it decompresses to, over the size limit is refused while it arrives, not retried', async (t) => {
  const limit = 64 * 1024
  // A decompression bomb: a few KB of gzip, deflate or br that decode to 64 times the limit.
  const huge = Buffer.alloc(limit * 64, 0x20)
  const bombs: Record<string, Buffer> = { gzip: zlib.gzipSync(huge), deflate: zlib.deflateSync(huge), br: zlib.brotliCompressSync(huge) }
  let endless = 0
  const registry = await serve(t, (req, res) => {
    const what = req.url!.slice(1)
    if (what === 'endless') {
      // A body that never ends: refused once past the limit, long before any timeout.
      endless++
      res.writeHead(200)
      const chunk = Buffer.alloc(16 * 1024, 0x20)
      const more = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more)
      }
      return more()
    }
    if (what === 'fits') return res.writeHead(200, { 'content-encoding': 'gzip' }).end(zlib.gzipSync(Buffer.alloc(limit, 0x20)))
    res.writeHead(200, { 'content-encoding': what }).end(bombs[what])
  })
  const get = (what: string) => getText(`${registry.url}${what}`, { agentFor: () => undefined, headers: {}, signal: new AbortController().signal, maxBytes: limit })
  t.equal((await get('fits')).text.length, limit, 'exactly the limit is fine')
  for (const what of [...Object.keys(bombs), 'endless']) {
    t.match(await get(what).then(() => 'read whole', (err: unknown) => err), { type: 'max-size', message: /over the size limit/ }, what)
  }
  t.ok(bombs.gzip!.length < limit, 'the compressed bomb itself is under the limit')
  // Through getJSON: a failed attempt, not retried (a lying registry answers the same again).
  endless = 0
  const result = await getJSON(`${registry.url}endless`, { ...options(registry.url, {}, 2), maxBodyBytes: limit })
  t.match(result, { ok: false, reason: /over the size limit/ })
  t.equal(endless, 1, 'not retried')
})
