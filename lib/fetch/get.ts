/**
 * One GET, straight through node:http/https and the @npmcli/agent agent npm would use (issue 11):
 * npm-registry-fetch → make-fetch-happen → minipass-fetch cost ~0.5 ms of main-thread CPU per
 * request (a Request object, header normalisation, a retry wrapper, cache plumbing, getAuth walking
 * every path prefix, several streams), several times what node:http itself costs. The check's GETs
 * need none of that: retries, timeouts and abort are getJSON's (http.ts), the agent (proxy, TLS,
 * keep-alive, maxSockets) is requestAgent's, credentials are npm-registry-fetch's own getAuth.
 *
 * What it keeps of minipass-fetch and make-fetch-happen, so that a registry sees the same request
 * and the caller the same failures:
 *  - headers: `accept`, the caller's (user agent, authorization), `accept-encoding: gzip,deflate`,
 *    `connection: keep-alive`; URL userinfo as Basic auth (node's `auth` option); a client
 *    certificate (`certfile`/`keyfile`) as the request's `cert`/`key`, which @npmcli/agent hands to
 *    tls.connect;
 *  - gzip, deflate (zlib or raw) and br bodies decoded as minipass-fetch decodes them;
 *  - redirects (301, 302, 303, 307, 308; at most 20) followed, each target's agent asked for first
 *    (requestAgent refuses another origin when the request carries credentials, before any
 *    connection), `authorization` and `cookie` dropped when the hostname changes;
 *  - failures as minipass-fetch's FetchError has them (`code`, `type: 'system'`, "Invalid response
 *    body while trying to fetch …" for a body cut off), AbortError on abort.
 * And one bound minipass-fetch leaves to its caller: the body, as sent and as decoded, is at most
 * `maxBytes` (a registry or proxy can lie: an endless body, or a few KB of gzip that inflate to
 * gigabytes, would otherwise take the process's memory; `type: 'max-size'`, as minipass-fetch's `size`).
 */
import type { Agent, ClientRequest, IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http'
import zlib from 'node:zlib'
import { requireCjs } from '../cjs.js'

/** A complete response: its status, headers and body (decoded to text). */
export interface TextResponse {
  status: number
  headers: IncomingHttpHeaders
  text: string
}

export interface GetTextOptions {
  /** The agent for each URL asked for, redirects included; throws to refuse one (requestAgent). */
  agentFor: (target: URL) => Agent | undefined
  /** Request headers, lower-case names. */
  headers: Record<string, string>
  /** A client certificate and key (PEM), for mutual TLS. */
  cert?: string
  key?: string
  signal: AbortSignal
  /** The most bytes the body may have, as sent and as decoded (default MAX_BODY_BYTES). */
  maxBytes?: number
}

/**
 * The largest registry document read (packuments of packages with thousands of versions are tens of
 * MB); far below what would exhaust memory or V8's longest string.
 */
export const MAX_BODY_BYTES = 256 * 1024 * 1024

// make-fetch-happen's default `follow` (lib/options.js).
const MAX_REDIRECTS = 20
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/** A failure as minipass-fetch reports one (FetchError: `type`, `code`). */
function fetchError(message: string, type: string, code?: string): Error & { type: string; code?: string } {
  return Object.assign(new Error(message), { type, ...(code !== undefined && { code }) })
}

function abortError(): Error & { type: string } {
  return Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' })
}

/** GETs `url`, following redirects, and reads the whole body. Rejects on a connection failure, a body cut off, or abort. */
export async function getText(url: string, options: GetTextOptions): Promise<TextResponse> {
  let target = new URL(url)
  const headers = { ...options.headers }
  for (let redirects = 0; ; redirects++) {
    const res = await send(target, headers, options)
    const location = res.headers.location
    if (!REDIRECT_STATUSES.has(res.statusCode ?? 0) || location === undefined) {
      return { status: res.statusCode ?? 0, headers: res.headers, text: await readBody(res, target.href, options.signal, options.maxBytes ?? MAX_BODY_BYTES) }
    }
    res.resume()
    if (redirects >= MAX_REDIRECTS) throw fetchError(`maximum redirect reached at: ${target.href}`, 'max-redirect')
    let next: URL
    try {
      next = new URL(location, target)
    } catch {
      throw fetchError(`uri requested responds with an invalid redirect URL: ${location}`, 'invalid-redirect')
    }
    // As make-fetch-happen: credentials and cookies stay with their hostname.
    if (next.hostname !== target.hostname) {
      delete headers.authorization
      delete headers.cookie
    }
    target = next
  }
}

function send(target: URL, headers: Record<string, string>, options: GetTextOptions): Promise<IncomingMessage> {
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.reject(new TypeError('Only HTTP(S) protocols are supported'))
  const { signal } = options
  if (signal.aborted) return Promise.reject(abortError())
  // Asked before anything is sent: it refuses a redirect that would take credentials elsewhere.
  const agent = options.agentFor(target)
  const requestOptions: RequestOptions & { cert?: string; key?: string } = {
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port,
    path: `${target.pathname}${target.search}`,
    method: 'GET',
    headers,
    ...(agent && { agent }),
    ...((target.username || target.password) && { auth: `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}` }),
    ...(options.cert !== undefined && { cert: options.cert }),
    ...(options.key !== undefined && { key: options.key }),
  }
  return new Promise((resolve, reject) => {
    // node:http and node:https (~5 ms to load) are loaded with the first request: a warm check makes none.
    const { request } = (target.protocol === 'https:' ? requireCjs('node:https') : requireCjs('node:http')) as typeof import('node:http')
    const req: ClientRequest = request(requestOptions)
    const onAbort = () => req.destroy(abortError())
    signal.addEventListener('abort', onAbort, { once: true })
    req.once('response', (res) => {
      signal.removeEventListener('abort', onAbort)
      resolve(res)
    })
    req.once('error', (err: Error & { code?: string }) => {
      signal.removeEventListener('abort', onAbort)
      if (err.name === 'AbortError') reject(err)
      else reject(fetchError(`request to ${target.href} failed, reason: ${err.message}`, 'system', err.code))
    })
    req.end()
  })
}

function tooLarge(href: string, maxBytes: number): Error & { type: string } {
  return fetchError(`the response from ${href} is over the size limit (${maxBytes} bytes)`, 'max-size')
}

/** The body as text, decoded per Content-Encoding as minipass-fetch does; rejects when it is cut off, aborted, or over `maxBytes`. */
function readBody(res: IncomingMessage, href: string, signal: AbortSignal, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (err?: Error & { code?: string; type?: string }) => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      if (err) res.destroy()
      else {
        try {
          return resolve(decode(Buffer.concat(chunks), res, maxBytes).toString('utf8'))
        } catch (decodeErr) {
          err = (decodeErr as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge(href, maxBytes) : (decodeErr as Error & { code?: string })
        }
      }
      if (err.name === 'AbortError' || err.type === 'max-size') return reject(err)
      reject(fetchError(`Invalid response body while trying to fetch ${href}: ${err.message}`, 'system', err.code ?? 'ERR_STREAM_PREMATURE_CLOSE'))
    }
    const onAbort = () => finish(abortError())
    signal.addEventListener('abort', onAbort, { once: true })
    res.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) return finish(tooLarge(href, maxBytes))
      chunks.push(chunk)
    })
    res.once('end', () => finish())
    res.once('error', (err) => finish(err))
    // The connection closed before the body was complete (node emits no 'end' then).
    res.once('close', () => {
      if (!res.complete) finish(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }))
    })
  })
}

// Lenient, as minipass-fetch (and browsers) are, with a compressed body that ends without its trailer.
const LENIENT = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }

/**
 * minipass-fetch's content decoding (lib/index.js): gzip, deflate (zlib-wrapped or raw, told apart
 * by the first byte, as some servers send raw deflate), br; none for 204 and 304. Decoded once the
 * whole body is in: these documents are read whole anyway.
 */
function decode(body: Buffer, res: IncomingMessage, maxBytes: number): Buffer {
  const coding = res.headers['content-encoding']
  if (coding === undefined || res.statusCode === 204 || res.statusCode === 304 || body.length === 0) return body
  // Past maxOutputLength zlib stops and throws ERR_BUFFER_TOO_LARGE: a bomb never inflates in full.
  const bounded = { maxOutputLength: maxBytes }
  if (coding === 'gzip' || coding === 'x-gzip') return zlib.gunzipSync(body, { ...LENIENT, ...bounded })
  if (coding === 'br') return zlib.brotliDecompressSync(body, bounded)
  if (coding === 'deflate' || coding === 'x-deflate') return (body[0]! & 0x0f) === 0x08 ? zlib.inflateSync(body, bounded) : zlib.inflateRawSync(body, bounded)
  return body
}
