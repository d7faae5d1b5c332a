/**
 * The loopback npm registry: `node:http` on 127.0.0.1 and a random port, serving a RegistryStore.
 * Per request: log it → apply a fault rule, if one matches → check the bearer token, if one is
 * configured → route → render from the store (so changes between requests show) → send.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { formatCorgi, formatPackument, formatVersionManifest, tarballPath } from './documents.js'
import { FaultTable, type ActiveFault, type FaultEffect, type FaultRule, type FaultType } from './faults.js'
import { formatKeysEndpoint, type RegistryKeyPair } from './keys.js'
import { canonicalPath, parseRoute, type Route, type RouteKind } from './routes.js'
import { RegistryStore, type PackageInput, type PackageRecord, type VersionInput, type VersionRecord } from './store.js'

/** The abbreviated-metadata media type; npm asks for it first when installing. */
export const CORGI_MEDIA_TYPE = 'application/vnd.npm.install-v1+json'

export interface RegistryServerOptions {
  /** Serve an existing store (e.g. one shared by two servers); default a new empty one. */
  store?: RegistryStore
  /** Sets `store.keys`. */
  keys?: RegistryKeyPair[] | null
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string | null
  faults?: FaultRule[]
  /** Where the replication feed is: `<feedPrefix>/_changes`; default `''` (`/_changes`). */
  feedPrefix?: string
}

export interface RecordedRequest {
  method: string
  /** The request target as received, query included: `/@scope%2fname?write=true`. */
  url: string
  /** Canonical path, query excluded: `/@scope/name`. */
  path: string
  route: RouteKind
  /** Lower-cased; an authorization value is replaced by `<redacted>`. */
  headers: Record<string, string>
  hasAuthorization: boolean
  /** The request carried the configured bearer token. */
  tokenMatched: boolean
  time: Date
  /** Status sent; undefined when the connection was reset or no response went out. */
  status?: number
  fault?: FaultType
}

interface Reply {
  status: number
  headers: Record<string, string>
  body: Buffer
}

export class RegistryServer {
  readonly store: RegistryStore
  readonly faults = new FaultTable()
  readonly requests: RecordedRequest[] = []
  token: string | null
  /**
   * The Cache-Control of the keys endpoint; default `no-cache`, as every document here (tests change
   * keys between runs). registry.npmjs.org sends `public, max-age=300`, which the bench serves.
   */
  keysCacheControl = 'no-cache'
  /** The replication feed is served at `<feedPrefix>/_changes`. */
  feedPrefix: string
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  readonly #closing = new AbortController()
  #port = 0

  private constructor(server: Server, options: RegistryServerOptions) {
    this.#server = server
    this.store = options.store ?? new RegistryStore()
    if (options.keys !== undefined) this.store.keys = options.keys
    this.token = options.token ?? null
    this.feedPrefix = options.feedPrefix ?? ''
    if (this.feedPrefix !== '' && !/^(\/[\w.-]+)+$/.test(this.feedPrefix)) throw new Error(`bad feed prefix: ${JSON.stringify(this.feedPrefix)}`)
    for (const rule of options.faults ?? []) this.faults.add(rule)
  }

  static async start(options: RegistryServerOptions = {}): Promise<RegistryServer> {
    const server = createServer()
    const registry = new RegistryServer(server, options)
    server.on('request', (req, res) => {
      registry.#handle(req, res).catch((err: unknown) => res.destroy(err instanceof Error ? err : new Error(String(err))))
    })
    server.on('connection', (socket) => {
      registry.#sockets.add(socket)
      socket.on('close', () => registry.#sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    registry.#port = (server.address() as AddressInfo).port
    return registry
  }

  get port(): number {
    return this.#port
  }

  /** `http://127.0.0.1:<port>` (no trailing slash). */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** The registry URL as npm wants it: `http://127.0.0.1:<port>/`. */
  get url(): string {
    return `${this.origin}/`
  }

  addPackage(input: PackageInput): PackageRecord {
    return this.store.addPackage(input)
  }

  addVersion(input: VersionInput): VersionRecord {
    return this.store.addVersion(input)
  }

  addFault(rule: FaultRule): ActiveFault {
    return this.faults.add(rule)
  }

  /** `http://127.0.0.1:<port><feedPrefix>`: the feed URL a follower is given (it appends `/_changes`). */
  get feedUrl(): string {
    return this.origin + this.feedPrefix
  }

  tarballUrl(name: string, version: string): string {
    return this.origin + tarballPath(name, version)
  }

  clearRequests(): void {
    this.requests.length = 0
  }

  /** Stops listening and destroys open (keep-alive) connections; pending delays are cut short. */
  async close(): Promise<void> {
    this.#closing.abort()
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    await closed
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/'
    const rawPath = url.split('?')[0]!
    const route = parseRoute(rawPath, this.feedPrefix)
    const authorization = req.headers.authorization
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      url,
      path: canonicalPath(rawPath) ?? rawPath,
      route: route.kind,
      headers: recordedHeaders(req),
      hasAuthorization: authorization !== undefined,
      tokenMatched: this.token !== null && authorization === `Bearer ${this.token}`,
      time: new Date(),
    }
    this.requests.push(record)

    const fault = this.faults.take(rawPath)
    if (fault) record.fault = fault.type
    if (fault?.type === 'reset') {
      req.socket.resetAndDestroy()
      return
    }
    if (fault?.type === 'delay') {
      try {
        await sleep(fault.delayMs, undefined, { signal: this.#closing.signal })
      } catch {
        return // server closing
      }
    }
    let reply: Reply
    try {
      reply = this.#reply(req, route, fault, record.tokenMatched)
    } catch (err) {
      // A bug in the helper or unserializable test data: answer, and keep the message for the test.
      reply = error(500, `loopback registry: ${err instanceof Error ? err.message : String(err)}`)
    }
    record.status = reply.status
    send(req, res, reply, fault?.type === 'truncate' ? fault : undefined)
  }

  #reply(req: IncomingMessage, route: Route, fault: FaultEffect | undefined, tokenMatched: boolean): Reply {
    if (fault?.type === 'status') return error(fault.status, `injected fault: ${fault.status}`)
    if (fault?.type === 'rate-limit') {
      return { ...error(429, 'too many requests'), headers: { ...JSON_HEADERS, 'retry-after': String(fault.retryAfterSeconds) } }
    }
    if (this.token !== null && !tokenMatched) {
      const reply = error(401, 'authentication required')
      return { ...reply, headers: { ...reply.headers, 'www-authenticate': 'Bearer realm="loopback-registry"' } }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return error(405, 'method not allowed')
    return this.#route(req, route)
  }

  #route(req: IncomingMessage, route: Route): Reply {
    const origin = this.origin
    switch (route.kind) {
      case 'changes':
        return this.#changes(req.url ?? '/')
      case 'keys': {
        const keys = this.store.keysDocument !== undefined ? this.store.keysDocument : this.store.keys ? formatKeysEndpoint(this.store.keys) : undefined
        if (keys === undefined) return error(404, 'not found')
        const reply = json(keys)
        return { ...reply, headers: { ...reply.headers, 'cache-control': this.keysCacheControl } }
      }
      case 'attestations': {
        const doc = this.store.packages.get(route.name)?.versions.get(route.version)?.attestations
        return doc ? json(doc) : error(404, 'not found')
      }
      case 'packument': {
        const pkg = this.store.getPackage(route.name)
        if (!pkg) return error(404, 'not found')
        const corgi = (req.headers.accept ?? '').includes(CORGI_MEDIA_TYPE)
        return corgi ? json(formatCorgi(pkg, origin), CORGI_MEDIA_TYPE) : json(formatPackument(pkg, origin, this.store.history))
      }
      case 'manifest': {
        const version = this.store.getVersion(route.name, route.spec)
        return version ? json(formatVersionManifest(version, origin)) : error(404, 'not found')
      }
      case 'tarball': {
        const basename = route.name.replace(/^@[^/]+\//, '')
        const prefix = `${basename}-`
        const version = route.file.startsWith(prefix) ? route.file.slice(prefix.length, -'.tgz'.length) : ''
        const tarball = this.store.packages.get(route.name)?.versions.get(version)?.tarball
        if (!tarball) return error(404, 'not found')
        return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: tarball }
      }
      case 'unknown':
        return error(404, 'not found')
    }
  }

  /**
   * `GET <feedPrefix>/_changes?since=SEQ&limit=N`: `{results: [{seq, id, changes: [{rev}]}], last_seq}`,
   * the changes after `since` (exclusive; default 0, or `now` for none so far), at most `limit`
   * (default and cap CHANGES_LIMIT_MAX, as replicate.npmjs.com caps a page). `last_seq` is the seq of
   * the last result, or `since` when there is none: what the follower passes as the next `since`.
   * A `since` or `limit` that is not a whole number (limit ≥ 1) is 400, as CouchDB answers.
   */
  #changes(url: string): Reply {
    const query = new URL(url, this.origin).searchParams
    const sinceText = query.get('since') ?? '0'
    const since = sinceText === 'now' ? this.store.lastSeq : wholeNumber(sinceText)
    if (since === undefined) return error(400, `bad since: ${JSON.stringify(sinceText)}`)
    const limitText = query.get('limit')
    const limit = limitText === null ? CHANGES_LIMIT_MAX : wholeNumber(limitText)
    if (limit === undefined || limit < 1) return error(400, `bad limit: ${JSON.stringify(limitText)}`)
    const results = this.store.changesSince(since, Math.min(limit, CHANGES_LIMIT_MAX))
    return json({ results, last_seq: results.at(-1)?.seq ?? since })
  }
}

/** The most changes one feed page holds (replicate.npmjs.com caps `limit` at 10,000). */
export const CHANGES_LIMIT_MAX = 10_000

function wholeNumber(text: string): number | undefined {
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined
}

export function startRegistry(options: RegistryServerOptions = {}): Promise<RegistryServer> {
  return RegistryServer.start(options)
}

// The store changes between requests in tests: tell caches (npm's included) to revalidate.
const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-cache' }

function json(doc: unknown, contentType = 'application/json'): Reply {
  return { status: 200, headers: { ...JSON_HEADERS, 'content-type': contentType }, body: Buffer.from(JSON.stringify(doc)) }
}

function error(status: number, message: string): Reply {
  return { status, headers: JSON_HEADERS, body: Buffer.from(JSON.stringify({ error: message })) }
}

function send(req: IncomingMessage, res: ServerResponse, reply: Reply, truncate: { keepBytes?: number } | undefined): void {
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(reply.body.length) })
  if (req.method === 'HEAD') {
    res.end()
    return
  }
  if (!truncate) {
    res.end(reply.body)
    return
  }
  // Promise the whole body, send part of it, then drop the connection: the client sees a
  // premature close, not a short but complete response.
  const keep = Math.min(truncate.keepBytes ?? Math.floor(reply.body.length / 2), Math.max(reply.body.length - 1, 0))
  res.write(reply.body.subarray(0, keep), () => res.socket?.destroy())
}

function recordedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    headers[name] = name === 'authorization' ? '<redacted>' : Array.isArray(value) ? value.join(', ') : value
  }
  return headers
}
