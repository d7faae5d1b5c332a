/**
 * A fault-injecting proxy for the loopback registry: it sits between the code under test and an
 * upstream registry (127.0.0.1 only) and, for a seeded share of the requests, misbehaves as real
 * registries, CDNs and corporate proxies do: 500/502/503, 429 with Retry-After, a hang (before or
 * after the headers), a connection reset, a body cut off or trickled out slowly, or a well-formed
 * document with a field of the wrong JSON type (`dist` as a string, `signatures` as an object, an
 * attestations document with wrong types, …).
 *
 * Deterministic: whether and how the n-th request for a path is faulted depends only on the seed,
 * the path and n — not on the order concurrent requests arrive in. Every decision is logged
 * (`events`), and the packages whose evidence was delivered with a wrong type are listed
 * (`mutatedPackages`): they must never come out as a pass. A later request for the same path
 * supersedes an earlier wrong-typed answer: the client asks again only for an answer it gave up on
 * (its timeout ran out on a loaded machine, the body was cut off), so the answer it used is the last.
 */
import { createHash } from 'node:crypto'
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { parseRoute, type Route } from './registry/routes.js'

export type ProxyFaultKind =
  | 'status-500'
  | 'status-502'
  | 'status-503'
  | 'rate-limit'
  | 'hang'
  | 'hang-after-headers'
  | 'reset'
  | 'truncate'
  | 'trickle'
  | 'wrong-type'

export const PROXY_FAULT_KINDS: readonly ProxyFaultKind[] = [
  'status-500',
  'status-502',
  'status-503',
  'rate-limit',
  'hang',
  'hang-after-headers',
  'reset',
  'truncate',
  'trickle',
  'wrong-type',
]

export interface FaultProxyOptions {
  /** `http://127.0.0.1:<port>` of the registry behind the proxy. */
  upstream: string
  seed: number
  /** Share of requests that are faulted; default 0.1. */
  rate?: number
  kinds?: readonly ProxyFaultKind[]
  /**
   * Share of the faults that are `wrong-type` when `kinds` includes it (default 1/3; the others
   * share the rest equally): the fault most likely to reach the verifier, so the one that matters
   * most for a wrong pass.
   */
  wrongTypeShare?: number
  /** `Retry-After` seconds for 429 and 503; default 1. */
  retryAfterSeconds?: number
  /** About how long a trickled body takes in all; default 600 ms. */
  trickleMs?: number
}

export interface ProxyEvent {
  path: string
  /** 1 for the first request for this path, 2 for the second, … */
  nth: number
  route: Route['kind']
  fault?: ProxyFaultKind
  /** For `wrong-type`: which field was changed (e.g. `dist.signatures → object`). */
  detail?: string
}

export class FaultProxy {
  readonly events: ProxyEvent[] = []
  /** The package of each path whose latest answer had a wrong JSON type. */
  readonly #mutatedPaths = new Map<string, string>()
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  readonly #options: Required<Omit<FaultProxyOptions, 'upstream' | 'seed'>> & Pick<FaultProxyOptions, 'upstream' | 'seed'>
  readonly #seen = new Map<string, number>()
  readonly #timers = new Set<NodeJS.Timeout>()
  #port = 0

  private constructor(server: Server, options: FaultProxyOptions) {
    this.#server = server
    this.#options = { rate: 0.1, kinds: PROXY_FAULT_KINDS, wrongTypeShare: 1 / 3, retryAfterSeconds: 1, trickleMs: 600, ...options }
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer()
    const proxy = new FaultProxy(server, options)
    server.on('request', (req, res) => {
      proxy.#handle(req, res).catch(() => res.destroy())
    })
    server.on('connection', (socket) => {
      proxy.#sockets.add(socket)
      socket.on('close', () => proxy.#sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    proxy.#port = (server.address() as AddressInfo).port
    return proxy
  }

  get origin(): string {
    return `http://127.0.0.1:${this.#port}`
  }

  /** As npm wants a registry URL: with a trailing slash. */
  get url(): string {
    return `${this.origin}/`
  }

  /** Packages (name@version, or name for a packument) whose evidence was last delivered with a wrong JSON type. */
  get mutatedPackages(): Set<string> {
    return new Set(this.#mutatedPaths.values())
  }

  get faulted(): ProxyEvent[] {
    return this.events.filter((e) => e.fault !== undefined)
  }

  /** A new seed (rate, kinds); forgets what was seen, so the next run starts from the first request for each path. */
  reseed(seed: number, rate = this.#options.rate, kinds: readonly ProxyFaultKind[] = this.#options.kinds): void {
    this.#options.seed = seed
    this.#options.rate = rate
    this.#options.kinds = kinds
    this.events.length = 0
    this.#mutatedPaths.clear()
    this.#seen.clear()
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer)
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    await closed
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!
    const nth = (this.#seen.get(path) ?? 0) + 1
    this.#seen.set(path, nth)
    // Asked again: the client gave up on the earlier answer (see above).
    this.#mutatedPaths.delete(path)
    const route = parseRoute(path)
    const event: ProxyEvent = { path, nth, route: route.kind }
    this.events.push(event)
    const fault = this.#decide(path, nth)
    if (fault) event.fault = fault

    switch (fault) {
      case 'status-500':
      case 'status-502':
        return sendJSON(res, Number(fault.slice(-3)), { error: `injected ${fault}` })
      case 'status-503':
      case 'rate-limit':
        return sendJSON(res, fault === 'rate-limit' ? 429 : 503, { error: `injected ${fault}` }, { 'retry-after': String(this.#options.retryAfterSeconds) })
      case 'hang':
        return // never answer; the client's timeout (or close()) ends it
      case 'reset':
        req.socket.resetAndDestroy()
        return
    }

    const upstream = await fetchUpstream(this.#options.upstream, req)
    if (fault === 'hang-after-headers') {
      res.writeHead(upstream.status, { ...upstream.headers, 'content-length': String(upstream.body.length) })
      res.flushHeaders()
      return
    }
    if (fault === 'truncate') {
      res.writeHead(upstream.status, { ...upstream.headers, 'content-length': String(upstream.body.length) })
      const keep = Math.floor(upstream.body.length * this.#fraction(path, nth, 'keep'))
      res.write(upstream.body.subarray(0, Math.min(keep, Math.max(upstream.body.length - 1, 0))), () => res.socket?.destroy())
      return
    }
    if (fault === 'trickle') return this.#trickle(res, upstream, this.#options.trickleMs * (0.25 + 1.5 * this.#fraction(path, nth, 'pace')))

    let body = upstream.body
    if (fault === 'wrong-type' && upstream.status === 200) {
      const mutated = mutateDocument(route, body, this.#fraction(path, nth, 'which'))
      if (mutated) {
        body = mutated.body
        event.detail = mutated.detail
        const pkg = packageOf(route)
        if (pkg) this.#mutatedPaths.set(path, pkg)
      } else {
        event.detail = 'nothing to mutate'
      }
    }
    res.writeHead(upstream.status, { ...upstream.headers, 'content-length': String(body.length) })
    res.end(body)
  }

  /** The fault for the nth request for `path`, or undefined: a pure function of seed, path and n. */
  #decide(path: string, nth: number): ProxyFaultKind | undefined {
    if (this.#fraction(path, nth, 'fault?') >= this.#options.rate) return undefined
    const { kinds, wrongTypeShare } = this.#options
    const others = kinds.filter((k) => k !== 'wrong-type')
    const pick = this.#fraction(path, nth, 'kind')
    if (others.length === 0 || (others.length < kinds.length && pick < wrongTypeShare)) return others.length < kinds.length ? 'wrong-type' : undefined
    const rest = others.length < kinds.length ? (pick - wrongTypeShare) / (1 - wrongTypeShare) : pick
    return others[Math.min(others.length - 1, Math.floor(rest * others.length))]
  }

  /** A deterministic number in [0, 1) for this seed, request and purpose. */
  #fraction(path: string, nth: number, purpose: string): number {
    const digest = createHash('sha256').update(`${this.#options.seed}\0${path}\0${nth}\0${purpose}`).digest()
    return digest.readUInt32BE(0) / 2 ** 32
  }

  #trickle(res: ServerResponse, upstream: UpstreamResponse, totalMs: number): void {
    res.writeHead(upstream.status, { ...upstream.headers, 'content-length': String(upstream.body.length) })
    const chunks = 8
    const size = Math.ceil(upstream.body.length / chunks)
    let i = 0
    const next = (): void => {
      if (res.destroyed) return
      const chunk = upstream.body.subarray(i * size, (i + 1) * size)
      i++
      if (i >= chunks) {
        res.end(chunk)
        return
      }
      res.write(chunk)
      const timer = setTimeout(() => {
        this.#timers.delete(timer)
        next()
      }, totalMs / chunks)
      this.#timers.add(timer)
    }
    next()
  }
}

export interface UpstreamResponse {
  status: number
  headers: Record<string, string>
  body: Buffer
}

/**
 * Forwards `req` to `upstream` (at `options.path`, default the request's own) and reads the whole
 * answer. `omitHeaders`: request headers not passed on (a mirror keeps its client's Authorization);
 * `headers`: added to the request.
 */
export function fetchUpstream(upstream: string, req: IncomingMessage, options: { path?: string; omitHeaders?: readonly string[]; headers?: Record<string, string> } = {}): Promise<UpstreamResponse> {
  const target = new URL(options.path ?? req.url ?? '/', upstream)
  const headers: Record<string, string> = { ...options.headers }
  const omitted = ['host', 'accept-encoding', 'connection', 'keep-alive', ...(options.omitHeaders ?? [])]
  for (const [name, value] of Object.entries(req.headers)) {
    // The proxy rewrites bodies: ask for them uncompressed, and let Node frame the connection.
    if (value === undefined || omitted.includes(name)) continue
    headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return new Promise((resolve, reject) => {
    const forward = httpRequest(target, { method: req.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const out: Record<string, string> = {}
        for (const [name, value] of Object.entries(res.headers)) {
          if (value === undefined || ['content-length', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)) continue
          out[name] = Array.isArray(value) ? value.join(', ') : value
        }
        resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) })
      })
    })
    forward.on('error', reject)
    forward.end()
  })
}

function sendJSON(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(JSON.stringify(body))
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers })
  res.end(bytes)
}

function packageOf(route: Route): string | undefined {
  switch (route.kind) {
    case 'manifest':
      return `${route.name}@${route.spec}`
    case 'attestations':
      return `${route.name}@${route.version}`
    case 'packument':
      return route.name
    default:
      return undefined
  }
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Wrong JSON types for fields that exist, per document kind; `pick` in [0, 1) chooses one. */
function mutateDocument(route: Route, body: Buffer, pick: number): { body: Buffer; detail: string } | undefined {
  let doc: unknown
  try {
    doc = JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
  if (!isObject(doc)) return undefined
  const candidates: Array<[string, (d: Json) => void]> = []
  const add = (detail: string, present: boolean, apply: (d: Json) => void) => {
    if (present) candidates.push([detail, apply])
  }
  switch (route.kind) {
    case 'manifest': {
      const dist = isObject(doc.dist) ? doc.dist : undefined
      add('dist → string', dist !== undefined, (d) => (d.dist = 'sha512-not-a-dist'))
      add('dist → array', dist !== undefined, (d) => (d.dist = [d.dist]))
      add('dist.integrity → number', dist?.integrity !== undefined, (d) => ((d.dist as Json).integrity = 512))
      add('dist.integrity → object', dist?.integrity !== undefined, (d) => ((d.dist as Json).integrity = { sha512: (d.dist as Json).integrity }))
      add('dist.signatures → object', Array.isArray(dist?.signatures), (d) => ((d.dist as Json).signatures = { ...((d.dist as Json).signatures as unknown[]) }))
      add('dist.signatures → string', Array.isArray(dist?.signatures), (d) => ((d.dist as Json).signatures = 'signed'))
      add('dist.signatures[0].sig → number', Array.isArray(dist?.signatures) && (dist!.signatures as unknown[]).length > 0, (d) => {
        ;(((d.dist as Json).signatures as Json[])[0]!).sig = 1
      })
      add('dist.signatures[0].keyid → array', Array.isArray(dist?.signatures) && (dist!.signatures as unknown[]).length > 0, (d) => {
        const sig = ((d.dist as Json).signatures as Json[])[0]!
        sig.keyid = [sig.keyid]
      })
      break
    }
    case 'attestations': {
      const list = Array.isArray(doc.attestations) ? (doc.attestations as unknown[]) : undefined
      add('attestations → object', list !== undefined, (d) => (d.attestations = { ...(d.attestations as unknown[]) }))
      add('attestations → string', list !== undefined, (d) => (d.attestations = 'none'))
      const first = list?.find(isObject)
      add('attestations[0].bundle → string', first?.bundle !== undefined, (d) => ((d.attestations as Json[])[0]!.bundle = 'bundle'))
      add('attestations[0].predicateType → number', first?.predicateType !== undefined, (d) => ((d.attestations as Json[])[0]!.predicateType = 1))
      const bundle = isObject(first?.bundle) ? first.bundle : undefined
      add('attestations[0].bundle.dsseEnvelope → array', bundle?.dsseEnvelope !== undefined, (d) => {
        const b = (d.attestations as Json[])[0]!.bundle as Json
        b.dsseEnvelope = [b.dsseEnvelope]
      })
      add('attestations[0].bundle.verificationMaterial → string', bundle?.verificationMaterial !== undefined, (d) => {
        ;((d.attestations as Json[])[0]!.bundle as Json).verificationMaterial = 'material'
      })
      break
    }
    case 'packument':
      add('time → string', isObject(doc.time), (d) => (d.time = '2025-01-01T00:00:00.000Z'))
      add('time[*] → number', isObject(doc.time), (d) => {
        const time = d.time as Json
        for (const k of Object.keys(time)) if (k !== 'created' && k !== 'modified') time[k] = Date.parse(String(time[k]))
      })
      break
    case 'keys':
      add('keys → object', Array.isArray(doc.keys), (d) => (d.keys = { ...(d.keys as unknown[]) }))
      add('keys[0].key → number', Array.isArray(doc.keys) && isObject((doc.keys as unknown[])[0]), (d) => ((d.keys as Json[])[0]!.key = 42))
      break
    default:
      break
  }
  if (candidates.length === 0) return undefined
  const [detail, apply] = candidates[Math.floor(pick * candidates.length)]!
  apply(doc)
  return { body: Buffer.from(JSON.stringify(doc)), detail }
}
