/**
 * One JSON document from a registry, with honest timeouts and retries.
 *
 * npm-registry-fetch does the request (credentials, proxy, TLS, HTTP cache), but retries are ours
 * and make-fetch-happen's are switched off, because:
 *  - make-fetch-happen retries 408/420/429/5xx with exponential backoff but ignores `Retry-After`;
 *  - its retry loop ends when the headers arrive: a body cut off mid-way (premature close) or a
 *    stall while reading it is never retried, and its `timeout` restarts for the body;
 *  - its retries are configured in two places (`retry`, or npm's flat `fetchRetries` & co. when
 *    `retry` is falsy), and with neither set there are none at all; we pass `{retries: 0}` explicitly.
 * So each attempt is bounded as a whole (an AbortSignal covers request and body), and the loop
 * retries 408/420/429/5xx, timeouts and connection errors, honouring `Retry-After` up to a cap.
 * A complete response that is not JSON is not retried: it would be the same again.
 *
 * Redirects and credentials. make-fetch-happen follows redirects itself (npm-registry-fetch passes no
 * `redirect` or `follow` option through) and drops `Authorization` only when the *hostname* changes:
 * a redirect to another port or scheme of the same host gets the token, and a client certificate
 * (`certfile`/`keyfile`) goes to any host. So a request that carries credentials for its URL (as
 * npm-registry-fetch's own `getAuth` decides, or userinfo in the URL) follows a redirect only within
 * its origin (scheme, host and port); a redirect anywhere else is refused before any connection is
 * made (`ECROSSORIGINREDIRECT`, not retried). The check sits in the `agent` option (requestAgent),
 * which minipass-fetch calls with the URL of every request, redirects included; it then hands out
 * the same @npmcli/agent agent make-fetch-happen would have used (proxy, TLS, keep-alive).
 */
import { createRequire } from 'node:module'
import type { Agent } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FetchOptions, HttpError } from 'npm-registry-fetch'
import { log } from './log.js'
import { getText } from './get.js'


export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number
  /** Backoff before retry n (1-based): min(maxDelayMs, minDelayMs × factor^(n-1)). */
  minDelayMs: number
  maxDelayMs: number
  factor: number
  /** A `Retry-After` longer than this is not waited for: the request fails at once. */
  maxRetryAfterMs: number
}

export const DEFAULT_TIMEOUT_MS = 30_000
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  retries: 2,
  minDelayMs: 1_000,
  maxDelayMs: 10_000,
  factor: 4,
  maxRetryAfterMs: 60_000,
}

export interface GetJSONOptions {
  /** From NpmConfig.fetchOptions(registry): credentials, proxy, TLS, user agent, HTTP cache. */
  fetchOptions: FetchOptions
  /** Per attempt, from the request until the whole body is read. */
  timeoutMs: number
  retry: RetryPolicy
  signal?: AbortSignal
  /** Redacts anything that goes into a reason or a log line. */
  redact: (text: string) => string
  /** The most bytes a response body may have, as sent and as decoded (get.ts's MAX_BODY_BYTES by default). */
  maxBodyBytes?: number
}

/**
 * Timeout and retry policy for a request, as every request of a run uses them: the caller's
 * overrides (`--fetch-timeout`, `--fetch-retries`), else npm's `fetch-*` settings, else the defaults.
 */
export function requestPolicy(
  npm: { retries?: number; retryFactor?: number; retryMinTimeoutMs?: number; retryMaxTimeoutMs?: number; timeoutMs?: number },
  overrides: { timeoutMs?: number; retries?: number; retry?: Partial<RetryPolicy> } = {},
): { timeoutMs: number; retry: RetryPolicy } {
  return {
    timeoutMs: overrides.timeoutMs ?? npm.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retry: {
      ...DEFAULT_RETRY_POLICY,
      ...(npm.retryFactor !== undefined && { factor: npm.retryFactor }),
      ...(npm.retryMinTimeoutMs !== undefined && { minDelayMs: npm.retryMinTimeoutMs }),
      ...(npm.retryMaxTimeoutMs !== undefined && { maxDelayMs: npm.retryMaxTimeoutMs }),
      ...overrides.retry,
      retries: overrides.retries ?? npm.retries ?? DEFAULT_RETRY_POLICY.retries,
    },
  }
}

export type JSONResult =
  /** `text`: the body the document was parsed from, for a caller that stores it (cheaper than writing the document out again). `cacheControl` and `age`: the response's Cache-Control and Age headers, when sent (how long a cache may reuse it). */
  | { ok: true; document: unknown; text: string; attempts: number; cacheControl?: string; age?: string }
  /** `status` is the last HTTP status, when the registry answered. */
  | { ok: false; status?: number; reason: string; attempts: number }

const RETRY_STATUSES = new Set([408, 420, 429])
// Connection-level failures worth another attempt (cf. make-fetch-happen's RETRY_ERRORS), plus
// minipass-fetch's premature close and invalid/truncated bodies.
const RETRY_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EADDRINUSE', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'ECONNECTIONTIMEOUT', 'EIDLETIMEOUT', 'ERESPONSETIMEOUT', 'ETRANSFERTIMEOUT', 'ERR_STREAM_PREMATURE_CLOSE', 'EBADSIZE',
])

interface AttemptFailure {
  status?: number
  reason: string
  retry: boolean
  retryAfterMs?: number
}

/**
 * npm-registry-fetch (and the HTTP stack under it, ~150 ms of module loading) is loaded by the first
 * request: a warm run that the sealed store answers entirely makes none and never loads it.
 */
export function npmFetch(): typeof import('npm-registry-fetch').default {
  return createRequire(import.meta.url)('npm-registry-fetch') as typeof import('npm-registry-fetch').default
}

export async function getJSON(url: string, options: GetJSONOptions): Promise<JSONResult> {
  const { retry, redact } = options
  // Redacted only for a failure or a log line: most requests need neither.
  const where = () => redact(url)
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptJSON(url, options)
    if (!('retry' in outcome)) return { ok: true, attempts: attempt, ...outcome }
    const failure = outcome
    const last = attempt > retry.retries || !failure.retry || options.signal?.aborted
    if (!last && failure.retryAfterMs !== undefined && failure.retryAfterMs > retry.maxRetryAfterMs) {
      const reason = `${failure.reason}; Retry-After ${Math.ceil(failure.retryAfterMs / 1000)}s is longer than ${Math.ceil(retry.maxRetryAfterMs / 1000)}s`
      return { ok: false, status: failure.status, reason: `GET ${where()}: ${reason}`, attempts: attempt }
    }
    if (last) {
      const tries = attempt > 1 ? ` (after ${attempt} attempts)` : ''
      return { ok: false, status: failure.status, reason: `GET ${where()}: ${failure.reason}${tries}`, attempts: attempt }
    }
    const backoff = Math.min(retry.maxDelayMs, retry.minDelayMs * retry.factor ** (attempt - 1))
    const delayMs = Math.max(backoff, failure.retryAfterMs ?? 0)
    log.http('fetch', `GET ${where()} attempt ${attempt} failed (${failure.reason}); retrying in ${delayMs}ms`)
    try {
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : undefined)
    } catch {
      return { ok: false, status: failure.status, reason: `GET ${where()}: aborted`, attempts: attempt }
    }
  }
}

async function attemptJSON(url: string, options: GetJSONOptions): Promise<{ document: unknown; text: string; cacheControl?: string; age?: string } | AttemptFailure> {
  const timeout = new AbortController()
  // The abort waits for the I/O already received: after a long synchronous stretch (verifying
  // another package) timers run before the event loop reads the sockets, and a response that had
  // arrived in time must not be counted as late.
  let abortSoon: NodeJS.Immediate | undefined
  const timer = setTimeout(() => (abortSoon = setImmediate(() => timeout.abort())), options.timeoutMs)
  // The run's abort ends the attempt too (a listener costs less per request than AbortSignal.any).
  const onAbort = () => timeout.abort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  if (options.signal?.aborted) timeout.abort()
  const { signal } = timeout
  let text: string
  const freshness: { cacheControl?: string; age?: string } = {}
  try {
    if (options.fetchOptions.cache === undefined) {
      // No HTTP cache asked for: the light path (get.ts).
      // getAuth is asked once per request: the credentials it finds also decide the redirect rule.
      const credentials = requestCredentials(url, options.fetchOptions)
      const carries = hasUserinfo(url) || carriesCredentials(credentials)
      const res = await getText(url, { ...credentials, agentFor: requestAgent(url, options.fetchOptions, options.timeoutMs, carries), signal, ...(options.maxBodyBytes !== undefined && { maxBytes: options.maxBodyBytes }) })
      const notice = res.headers['npm-notice']
      if (typeof notice === 'string') log.notice('', notice)
      if (res.status >= 400) return describeStatus(res.status, res.headers)
      text = res.text
      const { 'cache-control': cacheControl, age } = res.headers
      if (cacheControl !== undefined) freshness.cacheControl = cacheControl
      if (age !== undefined) freshness.age = age
    } else {
      const res = await npmFetch()(url, {
        ...options.fetchOptions,
        agent: requestAgent(url, options.fetchOptions, options.timeoutMs),
        headers: { ...(options.fetchOptions.headers ?? {}), accept: 'application/json' },
        retry: { retries: 0 },
        timeout: options.timeoutMs,
        signal,
      })
      text = await res.text()
      const cacheControl = res.headers.get('cache-control')
      const age = res.headers.get('age')
      if (cacheControl !== null) freshness.cacheControl = cacheControl
      if (age !== null) freshness.age = age
      // make-fetch-happen answers a failed revalidation with the stale cached copy; say so.
      if (res.headers.get('x-local-cache-status') === 'stale') {
        log.verbose('fetch', `GET ${options.redact(url)}: the registry could not be reached; using npm's cached copy`)
      }
    }
  } catch (err) {
    if (timeout.signal.aborted && !options.signal?.aborted) {
      return { reason: `no complete response within ${options.timeoutMs}ms`, retry: true }
    }
    return describeError(err, options.redact, options.timeoutMs)
  } finally {
    clearTimeout(timer)
    clearImmediate(abortSoon)
    options.signal?.removeEventListener('abort', onAbort)
  }
  try {
    return { document: JSON.parse(text) as unknown, text, ...freshness }
  } catch (err) {
    return { reason: `the response is not valid JSON (${(err as Error).message})`, retry: false }
  }
}

function describeError(err: unknown, redact: (text: string) => string, timeoutMs: number): AttemptFailure {
  const e = err as Partial<HttpError> & { type?: string; headers?: unknown }
  if (typeof e.statusCode === 'number') return describeStatus(e.statusCode, e.headers)
  const code = typeof e.code === 'string' && e.code !== 'FETCH_ERROR' ? e.code : undefined
  const message = redact(e.message ?? String(err))
  if (code === CROSS_ORIGIN_REDIRECT) return { reason: message, retry: false }
  // npm-registry-fetch's own timers and the agent's idle timeout (same limit) may fire before our
  // abort: the same failure, said the same way.
  if (e.type === 'request-timeout' || e.type === 'body-timeout' || code === 'EIDLETIMEOUT') return { reason: `no complete response within ${timeoutMs}ms`, retry: true }
  if (e.type === 'aborted' || e.name === 'AbortError') return { reason: 'aborted', retry: false }
  const retry = (code !== undefined && RETRY_CODES.has(code)) || e.type === 'system' || /premature close|socket hang up/i.test(message)
  // minipass-fetch repeats the URL in its messages; the caller names it once.
  if (/invalid response body|premature close/i.test(message)) return { reason: `the response body was cut off${code ? ` (${code})` : ''}`, retry }
  if (code) return { reason: `connection failed (${code})`, retry }
  return { reason: message, retry }
}

/** An HTTP error status (≥ 400) as a failed attempt: retried for 408/420/429/5xx, after `Retry-After` for 429/503. */
function describeStatus(status: number, headers: unknown): AttemptFailure {
  const retry = RETRY_STATUSES.has(status) || status >= 500
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(header(headers, 'retry-after')) : undefined
  const hint = status === 401 || status === 403 ? ' (check the credentials configured for this registry)' : ''
  return { status, reason: `HTTP ${status}${hint}`, retry, ...(retryAfterMs !== undefined && { retryAfterMs }) }
}

/** Headers as npm-registry-fetch attaches them to an HttpError: `raw()` output (arrays) or a Headers object. */
export function header(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined
  const h = headers as { get?: (n: string) => string | null } & Record<string, unknown>
  if (typeof h.get === 'function') return h.get(name) ?? undefined
  const value = h[name]
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined
  return typeof value === 'string' ? value : undefined
}

/** `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now: Date = new Date()): number | undefined {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now.getTime())
}

export const CROSS_ORIGIN_REDIRECT = 'ECROSSORIGINREDIRECT'

/** Whether a request for `url` carries credentials: npm-registry-fetch's own choice, or URL userinfo. */
export function hasCredentials(url: string, fetchOptions: FetchOptions): boolean {
  return hasUserinfo(url) || carriesCredentials(requestCredentials(url, fetchOptions))
}

/** Whether what requestCredentials found for a request is a credential: an authorization header, a client certificate or key. */
function carriesCredentials(credentials: ReturnType<typeof requestCredentials>): boolean {
  return credentials.headers.authorization !== undefined || credentials.cert !== undefined || credentials.key !== undefined
}

/** Whether the URL names a user or password (`scheme://user:pass@host/…`), without parsing it. */
function hasUserinfo(url: string): boolean {
  const start = url.indexOf('//') + 2
  const at = url.indexOf('@', start)
  if (at === -1) return false
  const end = url.slice(start).search(/[/?#]/)
  return end === -1 || at < start + end
}

interface NpmAuth {
  token: string | null
  auth: string | null
  cert: string | null
  key: string | null
}
type GetAuth = (url: string, options: FetchOptions) => NpmAuth
let getAuthFn: GetAuth | undefined

/** npm-registry-fetch's own getAuth (lib/auth.js), without loading the rest of npm-registry-fetch. */
function getAuth(): GetAuth {
  return (getAuthFn ??= createRequire(import.meta.url)('npm-registry-fetch/lib/auth.js') as GetAuth)
}

// Headers of every request with the same options, worked out once per options object.
const headersFor = new WeakMap<FetchOptions, Record<string, string>>()

/**
 * The headers npm-registry-fetch (getHeaders), make-fetch-happen and minipass-fetch send with a GET
 * for JSON, credentials aside: the user agent (npm-registry-fetch's default when the options name
 * none), the options' own headers, npm's session headers when set, `accept`, `accept-encoding`,
 * `connection: keep-alive` (there is always an agent).
 */
function staticHeaders(fetchOptions: FetchOptions): Record<string, string> {
  let headers = headersFor.get(fetchOptions)
  if (headers) return headers
  const o = fetchOptions as FetchOptions & Record<string, unknown>
  headers = { 'user-agent': typeof o.userAgent === 'string' ? o.userAgent : defaultUserAgent() }
  for (const [name, value] of Object.entries(fetchOptions.headers ?? {})) if (typeof value === 'string') headers[name.toLowerCase()] = value
  for (const [option, name] of [['authType', 'npm-auth-type'], ['scope', 'npm-scope'], ['npmSession', 'npm-session'], ['npmCommand', 'npm-command']] as const) {
    if (typeof o[option] === 'string' && o[option] !== '') headers[name] = o[option]
  }
  headers.accept = 'application/json'
  headers['accept-encoding'] ??= 'gzip,deflate'
  headers.connection ??= 'keep-alive'
  headersFor.set(fetchOptions, headers)
  return headers
}

/** npm-registry-fetch's default user agent (lib/default-opts.js). */
function defaultUserAgent(): string {
  const require = createRequire(import.meta.url)
  const { name, version } = require(require.resolve('npm-registry-fetch/package.json')) as { name: string; version: string }
  return `${name}@${version}/node@${process.version}+${process.arch} (${process.platform})`
}

/**
 * Headers and client certificate for a request to `url`: npm-registry-fetch's getAuth decides (a
 * nerf-darted `_authToken` → Bearer, `_auth` or username/password → Basic, `certfile`/`keyfile`), as
 * npm-registry-fetch's getHeaders turns it into headers. getAuth is asked only when the options hold
 * a credential at all.
 */
export function requestCredentials(url: string, fetchOptions: FetchOptions): { headers: Record<string, string>; cert?: string; key?: string } {
  const headers = staticHeaders(fetchOptions)
  if (!mayCarryCredentials(fetchOptions)) return { headers }
  const auth = getAuth()(url, fetchOptions)
  const authorization = auth.token ? `Bearer ${auth.token}` : auth.auth ? `Basic ${auth.auth}` : undefined
  return {
    headers: authorization === undefined ? headers : { ...headers, authorization },
    ...(auth.cert && { cert: auth.cert }),
    ...(auth.key && { key: auth.key }),
  }
}

// npm-registry-fetch's getAuth finds credentials only in `forceAuth` or in keys ending in one of
// these (auth.js: hasAuth, which it tries for every prefix of the URL's path: costly per request).
const CREDENTIAL_KEY = /:(_authToken|_auth|username|_password|certfile|keyfile)$/
const credentialKeys = new WeakMap<FetchOptions, boolean>()

/** Whether getAuth could find any credentials in these options, worked out once per options object (a run never changes one once made). */
function mayCarryCredentials(fetchOptions: FetchOptions): boolean {
  let may = credentialKeys.get(fetchOptions)
  if (may === undefined) {
    may = (fetchOptions as { forceAuth?: unknown }).forceAuth != null || Object.keys(fetchOptions).some((key) => CREDENTIAL_KEY.test(key))
    credentialKeys.set(fetchOptions, may)
  }
  return may
}

type GetAgent = (url: string, options: Record<string, unknown>) => Agent | undefined
let getAgentFn: GetAgent | undefined

/** @npmcli/agent's getAgent, resolved as make-fetch-happen resolves it (from npm-registry-fetch's own dependencies). */
function npmAgent(): GetAgent {
  if (!getAgentFn) {
    const require = createRequire(import.meta.url)
    const makeFetchHappen = createRequire(require.resolve('npm-registry-fetch')).resolve('make-fetch-happen')
    getAgentFn = (createRequire(makeFetchHappen)('@npmcli/agent') as { getAgent: GetAgent }).getAgent
  }
  return getAgentFn
}

// npm-registry-fetch's default (lib/default-opts.js) when the options do not set maxSockets.
const NPM_REGISTRY_FETCH_MAX_SOCKETS = 12
// One `agent` option per fetch options object and origin rule, so that a run's requests share it.
const requestAgents = new WeakMap<FetchOptions, Map<string, (target: URL) => Agent | undefined>>()

/**
 * The `agent` option for a request to `url`: the agent make-fetch-happen would have used (proxy,
 * TLS, keep-alive), and, when the request carries credentials for its URL, a refusal of any request
 * outside the origin of `url` (a redirect elsewhere). Whether it carries credentials is hasCredentials's
 * answer unless the caller, having asked getAuth already, says so (`carriesCredentials`).
 *
 * Handing out the agent ourselves also takes two costs off every request (issue 11): @npmcli/agent's
 * getAgent normalises the options and builds a cache key on each call (here: once per origin), and
 * agent-base, not told an agent's protocol, works it out by building an Error and reading its stack
 * trace each time node's ClientRequest asks for it. @npmcli/agent keeps one agent per protocol, so
 * it is told the protocol of the URL it was made for, the answer the stack trace would give
 * (minipass-fetch calls https.request exactly for https: URLs).
 */
export function requestAgent(url: string, fetchOptions: FetchOptions, timeoutMs: number, carriesCredentials = hasCredentials(url, fetchOptions)): (target: URL) => Agent | undefined {
  let byRule = requestAgents.get(fetchOptions)
  if (!byRule) requestAgents.set(fetchOptions, (byRule = new Map()))
  const origin = carriesCredentials ? new URL(url).origin : undefined
  const rule = `${timeoutMs} ${origin ?? '*'}`
  let agent = byRule.get(rule)
  if (!agent) byRule.set(rule, (agent = originAgent(origin, fetchOptions, timeoutMs)))
  return agent
}

/** Agents by target origin, refusing any target outside `origin` when one is given. */
function originAgent(origin: string | undefined, fetchOptions: FetchOptions, timeoutMs: number): (target: URL) => Agent | undefined {
  const agentOptions = {
    // As npm-registry-fetch gives it to make-fetch-happen (lib/index.js): an empty https-proxy falls back to proxy.
    proxy: fetchOptions.httpsProxy || fetchOptions.proxy,
    noProxy: fetchOptions.noProxy,
    ca: fetchOptions.ca,
    rejectUnauthorized: fetchOptions.strictSSL !== false,
    maxSockets: fetchOptions.maxSockets ?? NPM_REGISTRY_FETCH_MAX_SOCKETS,
    localAddress: fetchOptions.localAddress,
    timeout: timeoutMs,
  }
  const agents = new Map<string, Agent | undefined>()
  return (target) => {
    if (origin !== undefined && target.origin !== origin) {
      const err = new Error(`refused a redirect from ${origin} to ${target.origin}: credentials for ${origin} are never sent to another origin`) as Error & { code: string }
      err.code = CROSS_ORIGIN_REDIRECT
      throw err
    }
    if (agents.has(target.origin)) return agents.get(target.origin)
    const agent = npmAgent()(target.href, agentOptions)
    if (agent) (agent as Agent & { protocol: string }).protocol = target.protocol
    agents.set(target.origin, agent)
    return agent
  }
}
