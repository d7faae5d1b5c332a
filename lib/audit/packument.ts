/**
 * What the audit reads of the registry's untrusted documents and of its population lines (pure):
 * `name` / `name@version` specs, the packument's versions, times and `dist-tags.latest`, the
 * versions a `--versions` selection picks, and whether verified provenance names package.json's
 * repository.
 */
import { escapedName } from '../fetch/evidence.js'

/** Which versions of each package named without a version: `all` (default), `latest`, or those published since a date. */
export type VersionSelection = { kind: 'all' } | { kind: 'latest' } | { kind: 'since'; since: string }

/** The parts of a packument the audit reads. */
export interface Packument {
  latest?: string
  versions: Record<string, unknown>
  time: Record<string, string>
}

/** `name` or `name@version` (a scoped name keeps its leading @); undefined when it is neither. */
export function parsePackageSpec(spec: string): { name: string; version?: string } | undefined {
  const at = spec.indexOf('@', 1)
  const name = at === -1 ? spec : spec.slice(0, at)
  const version = at === -1 ? undefined : spec.slice(at + 1)
  if (!escapedName(name) || name.length > 214) return undefined
  if (version !== undefined && !/^[0-9A-Za-z.+-]{1,256}$/.test(version)) return undefined
  return { name, ...(version !== undefined && { version }) }
}

/** The parts of an untrusted packument the audit reads; a string says what is wrong. */
export function readPackument(doc: unknown, name: string): Packument | string {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'the packument is not a JSON object'
  const d = doc as Record<string, unknown>
  if (d.name !== undefined && d.name !== name) return `the packument is about ${JSON.stringify(d.name)}, not ${name}`
  const versions = d.versions ?? {}
  if (typeof versions !== 'object' || versions === null || Array.isArray(versions)) return 'the packument has a versions field that is not an object'
  const rawTime = d.time ?? {}
  if (typeof rawTime !== 'object' || rawTime === null || Array.isArray(rawTime)) return 'the packument has a time field that is not an object'
  const time: Record<string, string> = {}
  for (const [k, v] of Object.entries(rawTime)) if (typeof v === 'string' && Object.hasOwn(versions, k)) time[k] = v
  const tags = d['dist-tags']
  const latest = typeof tags === 'object' && tags !== null && typeof (tags as Record<string, unknown>).latest === 'string' ? ((tags as Record<string, unknown>).latest as string) : undefined
  return { ...(latest !== undefined && Object.hasOwn(versions, latest) && { latest }), versions: versions as Record<string, unknown>, time }
}

/** The versions `selection` picks from a packument, in its order. */
export function selectVersions(packument: Packument, selection: VersionSelection): string[] {
  switch (selection.kind) {
    case 'all':
      return Object.keys(packument.versions)
    case 'latest':
      return packument.latest === undefined ? [] : [packument.latest]
    case 'since': {
      const from = Date.parse(selection.since)
      return Object.keys(packument.versions).filter((v) => {
        const at = packument.time[v] === undefined ? NaN : Date.parse(packument.time[v]!)
        return at >= from
      })
    }
  }
}

/**
 * Whether verified provenance names package.json's `repository` (registry metadata, unsigned): both
 * as `https://host/owner/name`, lower-cased, without `git+`, `.git` or a trailing slash. Undefined
 * when either is unknown.
 */
export function repositoryMatches(versionDocument: unknown, identity: { repository?: string; repositoryUri?: string } | undefined): boolean | undefined {
  const declared = declaredRepository(versionDocument)
  const built = identity?.repositoryUri ?? (identity?.repository === undefined ? undefined : /^[^/:]+\/[^/:]+$/.test(identity.repository) ? `https://github.com/${identity.repository}` : identity.repository)
  if (declared === undefined || built === undefined) return undefined
  const a = normalizeRepositoryURL(declared)
  const b = normalizeRepositoryURL(built)
  return a === undefined || b === undefined ? undefined : a === b
}

function declaredRepository(doc: unknown): string | undefined {
  const repository = (doc as { repository?: unknown } | null)?.repository
  if (typeof repository === 'string') return repository
  const url = (repository as { url?: unknown } | null | undefined)?.url
  return typeof url === 'string' ? url : undefined
}

/** `https://host/path` of a repository URL or shorthand (`github:o/r`, `o/r`, `git@host:o/r.git`). */
export function normalizeRepositoryURL(text: string): string | undefined {
  let s = text.trim()
  const shorthand = /^(?:(github|gitlab|bitbucket):)?([\w.-]+\/[\w.-]+)$/.exec(s)
  if (shorthand) s = `https://${shorthand[1] === 'gitlab' ? 'gitlab.com' : shorthand[1] === 'bitbucket' ? 'bitbucket.org' : 'github.com'}/${shorthand[2]}`
  s = s.replace(/^git\+/, '').replace(/^git@([^:]+):/, 'https://$1/').replace(/^(?:git|ssh|http):\/\//, 'https://')
  let url: URL
  try {
    url = new URL(s)
  } catch {
    return undefined
  }
  const path = url.pathname.replace(/\.git$/, '').replace(/\/+$/, '')
  return `https://${url.hostname.toLowerCase()}${path.toLowerCase()}`
}
