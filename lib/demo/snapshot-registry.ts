/**
 * A static npm registry for the demo: serves a folder of captured registry responses on
 * 127.0.0.1 (a random port), read-only, GET/HEAD only. A file answers the request path it is
 * named after (fixtures/demo/README.md):
 *   `<path>.json` and `<path>/index.json` → `/<path>` (JSON), `<path>.tgz` → `/<path>.tgz`.
 * Scoped names may arrive as `@scope%2fname` (what the check and npm send), `%40scope%2fname` or
 * `@scope/name`: all are the same path. Every file is read when the server starts and looked up by
 * exact path, so no request can reach a file outside the folder; anything else is 404.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, posix, relative, sep } from 'node:path'

export interface SnapshotRegistry {
  /** `http://127.0.0.1:<port>/`, as npm's `registry` setting wants it. */
  readonly url: string
  /** Request paths served, in order (for tests and diagnostics). */
  readonly requests: readonly string[]
  /** Stops listening and drops open keep-alive connections. */
  close(): Promise<void>
}

interface SnapshotFile {
  contentType: string
  body: Buffer
}

/** The request path each file in `root` answers, with its bytes. */
export function loadSnapshot(root: string): Map<string, SnapshotFile> {
  const routes = new Map<string, SnapshotFile>()
  for (const file of listFiles(root)) {
    const path = '/' + relative(root, file).split(sep).join(posix.sep)
    if (!path.endsWith('.json') && !path.endsWith('.tgz')) continue
    const route = path.endsWith('/index.json') ? path.slice(0, -'/index.json'.length) : path.endsWith('.json') ? path.slice(0, -'.json'.length) : path
    if (routes.has(route)) throw new Error(`${file}: a second file for ${route}`)
    routes.set(route, { contentType: path.endsWith('.tgz') ? 'application/octet-stream' : 'application/json', body: readFileSync(file) })
  }
  return routes
}

/** The path with the package-name encodings undone (`%2f` → `/`, then percent-decoding); null if undecodable. */
export function canonicalRequestPath(target: string): string | null {
  const path = target.split('?')[0] ?? ''
  try {
    return decodeURIComponent(path.replace(/%2f/gi, '/'))
  } catch {
    return null
  }
}

export async function startSnapshotRegistry(root: string): Promise<SnapshotRegistry> {
  const routes = loadSnapshot(root)
  const requests: string[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = canonicalRequestPath(req.url ?? '/')
    requests.push(path ?? req.url ?? '')
    const file = path === null ? undefined : routes.get(path)
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(req, res, 405, 'application/json', Buffer.from('{"error":"method not allowed"}'))
    if (!file) return reply(req, res, 404, 'application/json', Buffer.from('{"error":"not found"}'))
    reply(req, res, 200, file.contentType, file.body)
  })
  // Loopback only: the demo must never be reachable from another machine.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function reply(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: Buffer): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(body.length), 'cache-control': 'no-store' })
  res.end(req.method === 'HEAD' ? undefined : body)
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? listFiles(path) : entry.isFile() ? [path] : []
  })
}
