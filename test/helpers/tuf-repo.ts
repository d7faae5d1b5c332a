/**
 * A loopback TUF repository (TUF spec 1.0, the shape Sigstore's public-good repository has): one
 * ed25519 key signs root, timestamp, snapshot and targets; metadata and targets are served by
 * `node:http` on 127.0.0.1. It lets an unmodified TUF client — `@sigstore/tuf`, the one npm bundles
 * — fetch a test PKI's `trusted_root.json` (and a registry's `keys.json`) exactly as it fetches
 * Sigstore's, with every signature and hash checked.
 *
 * ```ts
 * const repo = await startTufRepo({ 'trusted_root.json': JSON.stringify(pki.trustedRoot) })
 * repo.url          // mirror URL: http://127.0.0.1:<port>  (metadata at /<role>.json, targets at /targets/<name>)
 * repo.rootJSON     // 1.root.json: the client's trust anchor (rootPath / planted root.json)
 * repo.requests     // paths served, in order
 * await repo.close()
 * ```
 * Signed with canonical JSON (the OLPC form TUF uses; identical to JCS for the ASCII values here).
 * Not a consistent-snapshot repository: targets are served under their plain names.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { canonicalJSON, type JSONValue } from './pki/canonical-json.js'

export const TUF_SPEC_VERSION = '1.0.31'
/** Far enough ahead that a bench or test never meets an expired role. */
export const DEFAULT_TUF_EXPIRES = '2099-01-01T00:00:00Z'

export interface TufRepoOptions {
  /** Role expiry (all roles); default DEFAULT_TUF_EXPIRES. */
  expires?: string
}

export type TufTargets = Readonly<Record<string, string | Uint8Array>>

export interface SignedMetadata {
  signed: Record<string, JSONValue>
  signatures: { keyid: string; sig: string }[]
}

export class TufRepo {
  readonly requests: string[] = []
  readonly #server: Server
  readonly #files: ReadonlyMap<string, Buffer>
  readonly #sockets = new Set<Socket>()
  readonly rootJSON: string

  constructor(server: Server, files: ReadonlyMap<string, Buffer>) {
    this.#server = server
    this.#files = files
    this.rootJSON = files.get('/1.root.json')!.toString('utf8')
    server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    server.on('request', (req, res) => {
      const path = decodeURIComponent((req.url ?? '/').split('?')[0]!)
      this.requests.push(path)
      const body = this.#files.get(path)
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/octet-stream', 'content-length': String(body?.length ?? 0) })
      res.end(req.method === 'HEAD' ? undefined : body)
    })
  }

  /** The mirror URL, without a trailing slash (as @sigstore/tuf's default mirror is written). */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    await closed
  }
}

/** Builds the signed metadata for `targets` and serves it on a random loopback port. */
export async function startTufRepo(targets: TufTargets, options: TufRepoOptions = {}): Promise<TufRepo> {
  const files = buildTufRepoFiles(targets, options)
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return new TufRepo(server, files)
}

/** URL path → bytes: `/1.root.json`, `/root.json`, `/timestamp.json`, `/snapshot.json`, `/targets.json`, `/targets/<name>`. */
export function buildTufRepoFiles(targets: TufTargets, options: TufRepoOptions = {}): Map<string, Buffer> {
  const expires = options.expires ?? DEFAULT_TUF_EXPIRES
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  // The raw 32-byte key is the last 32 bytes of its SPKI DER.
  const key = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('hex') } }
  const keyid = createHash('sha256').update(canonicalJSON(key)).digest('hex')
  const signMetadata = (signed: Record<string, JSONValue>): Buffer => {
    const sig = sign(null, Buffer.from(canonicalJSON(signed)), privateKey).toString('hex')
    const document: SignedMetadata = { signed, signatures: [{ keyid, sig }] }
    return Buffer.from(JSON.stringify(document))
  }
  const common = (type: string): Record<string, JSONValue> => ({ _type: type, spec_version: TUF_SPEC_VERSION, version: 1, expires })
  const role = { keyids: [keyid], threshold: 1 }

  const files = new Map<string, Buffer>()
  const targetInfo: Record<string, JSONValue> = {}
  for (const [name, content] of Object.entries(targets)) {
    const bytes = Buffer.from(content)
    files.set(`/targets/${name}`, bytes)
    targetInfo[name] = { length: bytes.length, hashes: { sha256: createHash('sha256').update(bytes).digest('hex') } }
  }
  const root = signMetadata({
    ...common('root'),
    consistent_snapshot: false,
    keys: { [keyid]: key },
    roles: { root: role, timestamp: role, snapshot: role, targets: role },
  })
  const targetsFile = signMetadata({ ...common('targets'), targets: targetInfo })
  const snapshot = signMetadata({ ...common('snapshot'), meta: { 'targets.json': { version: 1 } } })
  const timestamp = signMetadata({ ...common('timestamp'), meta: { 'snapshot.json': { version: 1, ...lengthAndHash(snapshot) } } })
  files.set('/1.root.json', root)
  files.set('/root.json', root)
  files.set('/targets.json', targetsFile)
  files.set('/snapshot.json', snapshot)
  files.set('/timestamp.json', timestamp)
  return files
}

function lengthAndHash(bytes: Buffer): Record<string, JSONValue> {
  return { length: bytes.length, hashes: { sha256: createHash('sha256').update(bytes).digest('hex') } }
}
