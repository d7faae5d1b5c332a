/**
 * A forward HTTP proxy for loopback benchmarks that adds a fixed delay to every request, standing
 * in for a registry's round-trip time: clients reach it through npm's own `proxy` setting
 * (`npm_config_proxy`), so npm and verify-deps take the same path to the loopback registry.
 * Only absolute-form requests to 127.0.0.1 are forwarded; anything else is refused with 403.
 *
 * ```ts
 * const proxy = await startDelayProxy({ delayMs: 25 })
 * env.npm_config_proxy = proxy.url        // http://127.0.0.1:<port>/
 * proxy.requests                          // forwarded request count; proxy.refused: refused ones
 * await proxy.close()
 * ```
 */
import { Agent, createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface DelayProxyOptions {
  /** Added before each request is forwarded. */
  delayMs: number
}

export class DelayProxy {
  requests = 0
  refused = 0
  delayMs: number
  readonly #server: Server
  readonly #agent = new Agent({ keepAlive: true })
  readonly #sockets = new Set<Socket>()
  readonly #timers = new Set<NodeJS.Timeout>()

  constructor(server: Server, options: DelayProxyOptions) {
    this.#server = server
    this.delayMs = options.delayMs
    server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    server.on('request', (req, res) => {
      let target: URL | undefined
      try {
        target = new URL(req.url ?? '')
      } catch {
        // origin-form: not a proxy request
      }
      if (!target || target.protocol !== 'http:' || target.hostname !== '127.0.0.1') {
        this.refused++
        res.writeHead(403, { 'content-type': 'text/plain' }).end('delay proxy: only http://127.0.0.1 targets\n')
        return
      }
      this.requests++
      const headers = { ...req.headers }
      delete headers['proxy-connection']
      delete headers['proxy-authorization']
      const timer = setTimeout(() => {
        this.#timers.delete(timer)
        const upstream = httpRequest(target, { method: req.method, headers, agent: this.#agent }, (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers)
          reply.pipe(res)
        })
        upstream.on('error', () => res.destroy())
        req.pipe(upstream)
      }, this.delayMs)
      this.#timers.add(timer)
    })
  }

  /** The proxy URL, as npm's `proxy` setting takes it. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/`
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer)
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    this.#agent.destroy()
    await closed
  }
}

export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  if (!Number.isFinite(options.delayMs) || options.delayMs < 0) throw new Error(`delay proxy: delayMs must be ≥ 0, got ${String(options.delayMs)}`)
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return new DelayProxy(server, options)
}
