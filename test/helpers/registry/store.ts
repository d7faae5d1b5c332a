/**
 * What the loopback registry holds: packages, their versions, signing keys. Plain mutable data:
 * the server renders documents from it on every request, so a test may change a record (swap a
 * signature, drop the attestations, move a dist-tag) between two requests and the next response
 * shows it. The store never signs on its own; signing is the caller's decision (`version.sign`).
 */
import { createHash } from 'node:crypto'
import { packTarball, tarballDigests, type PackageFiles } from './tarball.js'
import { signRegistrySignature, type RegistryKeyPair, type RegistrySignature } from './keys.js'

/** `_npmUser` of a version: who published it, the trusted publisher (OIDC) and a staged-publish approver. */
export interface NpmUser {
  name: string
  email?: string
  trustedPublisher?: { id: string; oidcConfigId: string }
  approver?: string | { name?: string; email?: string }
  [field: string]: unknown
}

/** Body of `GET /-/npm/v1/attestations/<name>@<version>`. */
export interface AttestationsDocument {
  attestations: Array<{ predicateType: string; bundle: unknown }>
}

export const DEFAULT_NPM_USER: NpmUser = { name: 'loopback-publisher', email: 'publisher@loopback.test' }

export interface VersionInput {
  name: string
  version: string
  /** package.json fields besides name and version: dependencies, bin, engines, scripts, … */
  manifest?: Record<string, unknown>
  /** Files besides package.json, relative to the package root. Ignored when `tarball` is given. */
  files?: PackageFiles
  /** Tarball bytes to serve instead of packing `manifest` + `files`. */
  tarball?: Uint8Array
  /** Claimed `dist.integrity`/`dist.shasum`; default: the tarball's real digests. */
  integrity?: string
  shasum?: string
  /** `dist.signatures`; default none (sign with `version.sign(key)`). */
  signatures?: RegistrySignature[]
  /** Served at the attestations endpoint; also makes `dist.attestations` point there. */
  attestations?: AttestationsDocument
  npmUser?: NpmUser
  /** `time[version]`; default now. */
  publishTime?: Date | string
  /** dist-tag to point at this version (default 'latest', as `npm publish` does); null for none. */
  tag?: string | null
  /** Merged over the computed `dist` when served; a relative `tarball` resolves against the server, an undefined value removes the field. */
  dist?: Record<string, unknown>
}

export interface VersionRecord {
  readonly name: string
  readonly version: string
  manifest: Record<string, unknown>
  tarball: Buffer
  integrity: string
  shasum: string
  fileCount?: number
  unpackedSize?: number
  signatures?: RegistrySignature[]
  attestations?: AttestationsDocument
  npmUser: NpmUser
  publishTime: string
  dist: Record<string, unknown>
  /** Signs `name@version:integrity` (current values) with `key`, replacing that key's earlier signature. */
  sign(key: RegistryKeyPair): RegistrySignature
}

/**
 * One entry of the replication feed (`GET /_changes`), CouchDB's shape as replicate.npmjs.com
 * serves it: `seq` (here an integer, 1 for the first publish; npm says to treat it as opaque), the
 * package name as the document `id`, and the packument's new revision (`<n>-<32 hex>`, `n` the
 * package's publish count so far).
 */
export interface RegistryChange {
  seq: number
  id: string
  changes: Array<{ rev: string }>
}

export interface PackageInput {
  name: string
  distTags?: Record<string, string>
  /** Extra top-level packument fields (description, maintainers, …). */
  fields?: Record<string, unknown>
}

export interface PackageRecord {
  readonly name: string
  distTags: Record<string, string>
  versions: Map<string, VersionRecord>
  fields: Record<string, unknown>
}

export class RegistryStore {
  readonly packages = new Map<string, PackageRecord>()
  /** Served at `/-/npm/v1/keys`; null: the registry publishes no keys (404). */
  keys: RegistryKeyPair[] | null = null
  /** When set, served verbatim at `/-/npm/v1/keys` instead of the document built from `keys`. */
  keysDocument: unknown = undefined
  /**
   * `stripped`: packuments carry no `time` object, and no signatures or attestations for versions no
   * dist-tag points at, as some mirrors and proxies serve them (the check's history is then
   * unavailable); version documents and the attestations endpoint are served as usual.
   */
  history: 'served' | 'stripped' = 'served'
  /**
   * The replication feed: one change per `addVersion` (a publish, or a version replaced), in
   * publish order. Unlike CouchDB, which lists a document once at its latest change, a package
   * published twice is listed twice: a follower must be idempotent either way, and tests can
   * count publishes. Plain data too: a test may edit it.
   */
  readonly changes: RegistryChange[] = []

  addPackage({ name, distTags = {}, fields = {} }: PackageInput): PackageRecord {
    assertPackageName(name)
    const existing = this.packages.get(name)
    if (existing) {
      Object.assign(existing.distTags, distTags)
      Object.assign(existing.fields, fields)
      return existing
    }
    const record: PackageRecord = { name, distTags: { ...distTags }, versions: new Map(), fields: { ...fields } }
    this.packages.set(name, record)
    return record
  }

  /** Adds (or replaces) a version, creating its package if needed. */
  addVersion(input: VersionInput): VersionRecord {
    const pkg = this.addPackage({ name: input.name })
    const manifest = { ...input.manifest }
    delete manifest.name
    delete manifest.version
    const packed = input.tarball
      ? tarballDigests(input.tarball)
      : packTarball({ name: input.name, version: input.version, ...manifest }, input.files)
    const record: VersionRecord = {
      name: input.name,
      version: input.version,
      manifest,
      tarball: packed.bytes,
      integrity: input.integrity ?? packed.integrity,
      shasum: input.shasum ?? packed.shasum,
      ...(input.tarball ? {} : { fileCount: packed.fileCount, unpackedSize: packed.unpackedSize }),
      ...(input.signatures ? { signatures: [...input.signatures] } : {}),
      ...(input.attestations ? { attestations: input.attestations } : {}),
      npmUser: input.npmUser ?? { ...DEFAULT_NPM_USER },
      publishTime: new Date(input.publishTime ?? Date.now()).toISOString(),
      dist: { ...input.dist },
      sign(key) {
        const signature = signRegistrySignature(key, record)
        record.signatures = [...(record.signatures ?? []).filter((s) => s.keyid !== key.keyid), signature]
        return signature
      },
    }
    pkg.versions.set(input.version, record)
    this.#recordChange(input.name)
    const tag = input.tag === undefined ? 'latest' : input.tag
    if (tag !== null) pkg.distTags[tag] = input.version
    return record
  }

  /** The changes after `since` (exclusive), at most `limit` of them. */
  changesSince(since: number, limit: number): RegistryChange[] {
    // seq is the 1-based position, unless a test edited the list: search rather than index.
    return this.changes.filter((c) => c.seq > since).slice(0, limit)
  }

  /** The last seq handed out (0 before the first publish): the feed's `last_seq` when nothing follows. */
  get lastSeq(): number {
    return this.changes.at(-1)?.seq ?? 0
  }

  #recordChange(name: string): void {
    const revision = this.changes.filter((c) => c.id === name).length + 1
    const seq = this.lastSeq + 1
    const digest = createHash('md5').update(`${name}\n${revision}\n${seq}`).digest('hex')
    this.changes.push({ seq, id: name, changes: [{ rev: `${revision}-${digest}` }] })
  }

  getPackage(name: string): PackageRecord | undefined {
    return this.packages.get(name)
  }

  /** A version by exact version or dist-tag. */
  getVersion(name: string, versionOrTag: string): VersionRecord | undefined {
    const pkg = this.packages.get(name)
    if (!pkg) return undefined
    return pkg.versions.get(versionOrTag) ?? pkg.versions.get(pkg.distTags[versionOrTag] ?? '')
  }
}

function assertPackageName(name: string): void {
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name)) throw new Error(`bad package name: ${JSON.stringify(name)}`)
}
