import t, { type Test } from 'tap'
import { createServer, type Agent, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { DEFAULT_RETRY_POLICY, getJSON, hasCredentials, parseRetryAfter, requestAgent } from '../../lib/fetch/http.js'
import { startRegistry } from '../helpers/registry/index.js'

t.test('Retry-After as seconds or as an HTTP date', async (t) => {
  const now = new Date('2025-03-01T12:00:00Z')
  t.equal(parseRetryAfter('7', now), 7000)
  t.equal(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', now), 30_000)
  t.equal(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now), 0, 'a date in the past: now')
  t.equal(parseRetryAfter('soon', now), undefined)
  t.equal(parseRetryAfter(undefined, now), undefined)
})

t.test('an aborted run stops waiting at once and is not retried', async (t) => {
  const registry = await startRegistry({ faults: [{ prefix: '/', type: 'delay', delayMs: 5000 }] })
  t.teardown(() => registry.close())
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 50)
  const started = Date.now()
  const result = await getJSON(`${registry.url}x`, {
    fetchOptions: { registry: registry.url },
    timeoutMs: 10_000,
    retry: DEFAULT_RETRY_POLICY,
    signal: controller.signal,
    redact: (s) => s,
  })
  t.match(result, { ok: false, reason: /: aborted$/, attempts: 1 })
  t.ok(Date.now() - started < 2000)
})

/** A loopback server that records the Authorization header of every request and answers with `reply`. */
async function recordingServer(t: Test, reply: (path: string, res: ServerResponse) => void) {
  const seen: { path: string; authorization: string | undefined }[] = []
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization })
    reply(req.url ?? '', res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/`, seen }
}

const json = (res: ServerResponse, body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
const redirect = (res: ServerResponse, location: string) => res.writeHead(302, { location }).end()

function options(registry: string, extra: Record<string, unknown> = {}) {
  return { fetchOptions: { registry, ...extra }, timeoutMs: 5000, retry: { ...DEFAULT_RETRY_POLICY, retries: 0 }, redact: (s: string) => s }
}

t.test('a token never follows a redirect to another port of the same host: the redirect is refused', async (t) => {
  const other = await recordingServer(t, (_, res) => json(res, { stolen: true }))
  const registry = await recordingServer(t, (_, res) => redirect(res, `${other.url}pkg`))
  const token = { [`//127.0.0.1:${new URL(registry.url).port}/:_authToken`]: 'secret-token' }
  const result = await getJSON(`${registry.url}pkg`, options(registry.url, token))
  t.match(result, { ok: false, reason: /refused a redirect from http:\/\/127\.0\.0\.1:\d+ to http:\/\/127\.0\.0\.1:\d+/, attempts: 1 })
  t.same(registry.seen, [{ path: '/pkg', authorization: 'Bearer secret-token' }])
  t.same(other.seen, [], 'the other origin never sees a request, let alone the token')
})

t.test('a redirect to another scheme is another origin too; URL userinfo counts as credentials', async (t) => {
  const registry = await recordingServer(t, (_, res) => redirect(res, 'https://127.0.0.1:1/pkg'))
  const withUserinfo = registry.url.replace('http://', 'http://user:pass@')
  const result = await getJSON(`${withUserinfo}pkg`, options(withUserinfo))
  t.match(result, { ok: false, reason: /refused a redirect/ })
})

t.test('with credentials, a redirect within the origin is followed and keeps them', async (t) => {
  const registry = await recordingServer(t, (path, res) => (path === '/old' ? redirect(res, '/new') : json(res, { ok: 1 })))
  const token = { [`//127.0.0.1:${new URL(registry.url).port}/:_authToken`]: 'secret-token' }
  const result = await getJSON(`${registry.url}old`, options(registry.url, token))
  t.match(result, { ok: true, document: { ok: 1 } })
  t.same(registry.seen.map((r) => r.authorization), ['Bearer secret-token', 'Bearer secret-token'])
})

t.test('without credentials, a redirect to another origin is followed', async (t) => {
  const other = await recordingServer(t, (_, res) => json(res, { moved: true }))
  const registry = await recordingServer(t, (_, res) => redirect(res, `${other.url}pkg`))
  const result = await getJSON(`${registry.url}pkg`, options(registry.url))
  t.match(result, { ok: true, document: { moved: true } })
  t.same(other.seen, [{ path: '/pkg', authorization: undefined }])
})

t.test("every request gets make-fetch-happen's own agent, told its protocol, made once per origin", async (t) => {
  const require = createRequire(import.meta.url)
  const makeFetchHappen = createRequire(require.resolve('npm-registry-fetch')).resolve('make-fetch-happen')
  const { getAgent } = createRequire(makeFetchHappen)('@npmcli/agent') as { getAgent: (url: string, options: Record<string, unknown>) => Agent }
  const fetchOptions = { registry: 'http://127.0.0.1:9/', maxSockets: 7 }
  const forRequest = requestAgent('http://127.0.0.1:9/pkg', fetchOptions, 5000)
  t.equal(requestAgent('http://127.0.0.1:9/other', fetchOptions, 5000), forRequest, 'one agent option for the requests of a run')
  const agent = forRequest(new URL('http://127.0.0.1:9/pkg'))
  // What make-fetch-happen asks @npmcli/agent for, given npm-registry-fetch's options for the same request.
  t.equal(agent, getAgent('http://127.0.0.1:9/pkg', { maxSockets: 7, timeout: 5000, rejectUnauthorized: true }), 'the same agent')
  t.equal((agent as Agent & { protocol: string }).protocol, 'http:', 'its protocol is set, not worked out from a stack trace')
  const secure = forRequest(new URL('https://127.0.0.1:9/pkg'))
  t.not(secure, agent, 'another agent for https')
  t.equal((secure as Agent & { protocol: string }).protocol, 'https:')
  t.equal(forRequest(new URL('https://127.0.0.1:9/x')), secure, 'made once per origin')
  // npm-registry-fetch gives make-fetch-happen `httpsProxy || proxy`: an empty https-proxy is no proxy setting.
  const proxied = { registry: 'http://127.0.0.1:9/', maxSockets: 7, httpsProxy: '', proxy: 'http://127.0.0.1:8/' }
  t.equal(
    requestAgent('http://127.0.0.1:9/pkg', proxied, 5000)(new URL('http://127.0.0.1:9/pkg')),
    getAgent('http://127.0.0.1:9/pkg', { maxSockets: 7, timeout: 5000, rejectUnauthorized: true, proxy: 'http://127.0.0.1:8/' }),
    'an empty https-proxy falls back to proxy, as in npm-registry-fetch',
  )
})

t.test('whether a request carries credentials is npm-registry-fetch’s answer', async (t) => {
  const url = 'https://registry.example/pkg'
  t.equal(hasCredentials(url, { registry: 'https://registry.example/' }), false, 'no credentials configured')
  t.equal(hasCredentials(url, { registry: 'https://registry.example/', '//other.example/:_authToken': 'x' }), false, 'only for another registry')
  t.equal(hasCredentials(url, { registry: 'https://registry.example/', '//registry.example/:_authToken': 'x' }), true, 'a token for this registry')
  t.equal(hasCredentials(url, { registry: 'https://registry.example/', '//registry.example/:username': 'u', '//registry.example/:_password': 'cA==' }), true, 'a user and password')
  t.equal(hasCredentials(url, { registry: 'https://registry.example/', forceAuth: { _authToken: 'x' } }), true, 'forceAuth')
  t.equal(hasCredentials('https://u:p@registry.example/pkg', { registry: 'https://registry.example/' }), true, 'userinfo in the URL')
  t.equal(hasCredentials(url, { registry: 'https://registry.example/', headers: { Authorization: 'Bearer x' } }), true, 'an Authorization header')
})
