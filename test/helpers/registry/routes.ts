/**
 * Request paths of the npm registry API, parsed into routes. Scoped names arrive as
 * `/@scope%2fname` (what npm sends for packuments), `/@scope/name` (tarball URLs) or fully
 * percent-encoded `%40scope%2fname`; all three mean the same package. The replication feed sits
 * at `<feed prefix>/_changes` (replicate.npmjs.com serves it on its own host; a prefix stands for that).
 */
export type Route =
  | { kind: 'keys' }
  /** The replication feed, `<feed prefix>/_changes` (no package name starts with `_`). */
  | { kind: 'changes' }
  | { kind: 'attestations'; name: string; version: string }
  | { kind: 'packument'; name: string }
  | { kind: 'manifest'; name: string; spec: string }
  | { kind: 'tarball'; name: string; file: string }
  | { kind: 'unknown' }

export type RouteKind = Route['kind']

/**
 * The path with the package-name encodings undone (`%2f` → `/`, then percent-decoding): the form
 * the request log shows and fault rules may match besides the raw path. Null if not decodable.
 */
export function canonicalPath(rawPath: string): string | null {
  try {
    return decodeURIComponent(rawPath.replace(/%2f/gi, '/'))
  } catch {
    return null
  }
}

/** The path of the replication feed under `feedPrefix` (`''` or e.g. `/registry`, no trailing slash). */
export function changesPath(feedPrefix = ''): string {
  return `${feedPrefix}/_changes`
}

export function parseRoute(rawPath: string, feedPrefix = ''): Route {
  const path = canonicalPath(rawPath)
  if (path === null) return { kind: 'unknown' }
  if (path === changesPath(feedPrefix)) return { kind: 'changes' }
  if (path === '/-/npm/v1/keys') return { kind: 'keys' }
  const attestations = /^\/-\/npm\/v1\/attestations\/(.+)@([^@/]+)$/.exec(path)
  if (attestations) return { kind: 'attestations', name: attestations[1]!, version: attestations[2]! }
  if (path.startsWith('/-/')) return { kind: 'unknown' }

  const segments = path.slice(1).split('/')
  const nameLength = segments[0]?.startsWith('@') ? 2 : 1
  if (segments.length < nameLength || segments.slice(0, nameLength).some((s) => s === '')) return { kind: 'unknown' }
  const name = segments.slice(0, nameLength).join('/')
  const rest = segments.slice(nameLength)
  if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) return { kind: 'packument', name }
  if (rest.length === 1) return { kind: 'manifest', name, spec: rest[0]! }
  if (rest.length === 2 && rest[0] === '-' && rest[1]!.endsWith('.tgz')) return { kind: 'tarball', name, file: rest[1]! }
  return { kind: 'unknown' }
}
