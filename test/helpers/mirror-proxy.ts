/**
 * A registry mirror for tests: a loopback server that serves the packages of a loopback registry
 * (test/helpers/registry) under its own host, as Artifactory, Nexus or a Verdaccio uplink serve
 * npm's, rewriting every registry URL in its JSON (`dist.tarball`) to its own. Kinds:
 *  - `stripping`: `dist.signatures` and `dist.attestations` removed from version documents and
 *    packuments; no keys and no attestations endpoint (404), like the registry reachable from CI;
 *  - `keyless`: signatures and attestations kept, no keys endpoint (404);
 *  - `faithful`: everything as the registry serves it (with `transform`, a lying registry).
 * `transform(route, document)` may change any JSON document before it is sent (a lying upstream).
 * With `token` set, a request without `Authorization: Bearer <token>` gets 401. The mirror never
 * passes a client's Authorization on. Requests under `/upstream/` are forwarded as they are (no
 * rewriting, no token needed): a second registry on the mirror's own host, for the test that a
 * credential scoped to the mirror's host does not reach an upstream there.
 *
 * ```ts
 * const mirror = await startMirrorProxy({ target: registry.url, kind: 'stripping', token: 'mirror-secret' })
 * mirror.url; mirror.requests          // { path, authorized, tokenMatched, upstream }
 * await mirror.close()
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { fetchUpstream } from './fault-proxy.js'
import { parseRoute, type Route } from './registry/routes.js'

export type MirrorKind = 'stripping' | 'keyless' | 'faithful'

export interface MirrorProxyOptions {
  /** The registry behind the mirror: `http://127.0.0.1:<port>/`. */
  target: string
  kind: MirrorKind
  /** When set, every request must carry `Authorization: Bearer <token>` (except under /upstream/). */
  token?: string
  /** Changes a JSON document (parsed) before it is sent. */
  transform?: (route: Route, document: Record<string, unknown>) => void
}

export interface MirrorRequest {
  /** The request path as received. */
  path: string
  /** It carried an Authorization header. */
  authorized: boolean
  /** It carried the mirror's token. */
  tokenMatched: boolean
  /** It was for the registry served under `/upstream/`. */
  upstream: boolean
  status?: number
}

export const UPSTREAM_PREFIX = '/upstream'

export class MirrorProxy {
  readonly requests: MirrorRequest[] = []
  readonly #server: Server
  readonly #options: MirrorProxyOptions
  readonly #sockets = new Set<Socket>()

  constructor(server: Server, options: MirrorProxyOptions) {
    this.#server = server
    this.#options = options
    server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    server.on('request', (req, res) => {
      this.#handle(req, res).catch(() => res.destroy())
    })
  }

  /** The mirror's registry URL, with a trailing slash. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/`
  }

  /** The registry served as it is under the mirror's own host. */
  get upstreamUrl(): string {
    return `${this.url.slice(0, -1)}${UPSTREAM_PREFIX}/`
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    await closed
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawPath = (req.url ?? '/').split('?')[0]!
    const underUpstream = rawPath === UPSTREAM_PREFIX || rawPath.startsWith(`${UPSTREAM_PREFIX}/`)
    const path = underUpstream ? rawPath.slice(UPSTREAM_PREFIX.length) || '/' : rawPath
    const authorization = req.headers.authorization
    const record: MirrorRequest = {
      path: rawPath,
      authorized: authorization !== undefined,
      tokenMatched: this.#options.token !== undefined && authorization === `Bearer ${this.#options.token}`,
      upstream: underUpstream,
    }
    this.requests.push(record)
    const send = (status: number, body: Buffer, headers: Record<string, string> = {}) => {
      record.status = status
      res.writeHead(status, { ...headers, 'content-length': String(body.length) })
      res.end(body)
    }
    const notFound = () => send(404, Buffer.from('{"error":"not found"}'), { 'content-type': 'application/json' })

    if (!underUpstream && this.#options.token !== undefined && !record.tokenMatched) {
      return send(401, Buffer.from('{"error":"authentication required"}'), { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="mirror"' })
    }
    const route = parseRoute(path)
    if (!underUpstream && this.#options.kind !== 'faithful' && route.kind === 'keys') return notFound()
    if (!underUpstream && this.#options.kind === 'stripping' && route.kind === 'attestations') return notFound()

    // A mirror authenticates upstream on its own, if at all: its client's Authorization stays here.
    const reply = await fetchUpstream(this.#options.target, req, { path: path.slice(1) || '.', omitHeaders: ['authorization'], headers: { 'x-mirror': 'forwarded' } })
    const json = !underUpstream && reply.status === 200 && route.kind !== 'tarball' && /json/.test(reply.headers['content-type'] ?? '')
    if (!json) return send(reply.status, reply.body, reply.headers)
    let document: unknown
    try {
      document = JSON.parse(reply.body.toString('utf8').replaceAll(this.#options.target, this.url))
    } catch {
      return send(reply.status, reply.body, reply.headers)
    }
    if (isObject(document)) {
      if (this.#options.kind === 'stripping') strip(route, document)
      this.#options.transform?.(route, document)
    }
    return send(reply.status, Buffer.from(JSON.stringify(document)), { ...reply.headers, 'content-type': 'application/json' })
  }
}

export async function startMirrorProxy(options: MirrorProxyOptions): Promise<MirrorProxy> {
  if (!/^http:\/\/127\.0\.0\.1:\d+\/$/.test(options.target)) throw new Error(`mirror proxy: target must be http://127.0.0.1:<port>/, got ${options.target}`)
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return new MirrorProxy(server, options)
}

/** Removes what a stripping mirror drops: dist.signatures and dist.attestations, in a version document or every version of a packument. */
function strip(route: Route, document: Record<string, unknown>): void {
  const versions = route.kind === 'packument' && isObject(document.versions) ? Object.values(document.versions) : route.kind === 'manifest' ? [document] : []
  for (const version of versions) {
    if (!isObject(version) || !isObject(version.dist)) continue
    delete version.dist.signatures
    delete version.dist.attestations
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
