/**
 * The trust lockfile, `verify-deps.trust.json` (docs/trust-lockfile.md): per package name and
 * release line, the trust level and build identity the project accepted. Committed next to the
 * project's lockfile; `verify-deps trust update` and `verify-deps init` write it, the check reads it
 * as each package's baseline (PackageTrust.baseline). Pure: parse, build, serialize and diff; reading
 * and writing the file is the caller's.
 *
 * The file is attacker-reachable (a pull request can edit it), so it only ever adds findings: a
 * baseline above what verified is a drop the policy reports; a lowered or removed baseline only
 * loses protection, and that change is what `trust update` prints for review.
 */
import { inputError } from '../errors.js'
import { FINDINGS, type Finding } from '../findings.js'
import type { PackageFacts, SignerIdentity } from './facts.js'
import { compareText } from './text-order.js'
import {
  baselineIdentityOf,
  compareTrustLevels,
  IDENTITY_CHANGE_FIELDS,
  isTrustLevel,
  REF_KINDS,
  releaseLine,
  rcompareVersions,
  trustLevelOf,
  type BaselineIdentity,
  type TrustBaseline,
  type TrustLevel,
} from './trust.js'

export { MAX_TRUST_LOCKFILE_BYTES, TRUST_LOCKFILE_NAME } from './trust-lockfile-file.js'
export const TRUST_LOCKFILE_VERSION = 1

/** What the project accepted for one package's release line. */
export interface TrustLockfileEntry {
  level: TrustLevel
  /** The version it was recorded from: the highest locked version of the line. */
  version: string
  /** The build identity of that version, when its provenance verified. */
  identity?: BaselineIdentity
}

/**
 * The file's content. Maps, not objects: names come from the file (attacker-controlled), and a
 * package named `__proto__` or `123` must be a key like any other.
 */
export interface TrustLockfile {
  /** name → release line → entry. */
  packages: Map<string, Map<string, TrustLockfileEntry>>
}

/** The identity fields the file keeps (the fields IDENTITY_CHANGED compares), in file order (sorted). */
export const IDENTITY_KEYS: readonly (keyof BaselineIdentity)[] = [...IDENTITY_CHANGE_FIELDS].sort()

export function emptyTrustLockfile(): TrustLockfile {
  return { packages: new Map() }
}

/**
 * Parses and validates the file's text. Throws ETRUSTLOCKFILE (exit 2) naming `file` and the JSON
 * path of the first problem: not JSON, an unknown field, a wrong type, a release line its version
 * is not in. Unknown fields are errors, not ignored: a typo must not silently drop protection.
 */
export function parseTrustLockfile(text: string, file: string): TrustLockfile {
  const fail = (path: string, what: string): never => {
    throw inputError('ETRUSTLOCKFILE', `${file}: ${path ? `${path}: ` : ''}${what}`, `Fix the file, or rewrite it from the current tree with "verify-deps trust update" (docs/trust-lockfile.md).`)
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    fail('', `not valid JSON (${(err as Error).message})`)
  }
  const object = (value: unknown, path: string): Record<string, unknown> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be a JSON object')
    return value as Record<string, unknown>
  }
  const onlyKeys = (value: Record<string, unknown>, path: string, allowed: readonly string[]): void => {
    for (const key of Object.keys(value)) if (!allowed.includes(key)) fail(`${path}${path ? '.' : ''}${key}`, `unknown field (allowed: ${allowed.join(', ')})`)
  }
  const string = (value: unknown, path: string): string => {
    if (typeof value !== 'string' || value === '') fail(path, 'must be a non-empty string')
    return value as string
  }
  const top = object(doc, '')
  onlyKeys(top, '', ['lockfileVersion', 'packages'])
  if (top.lockfileVersion !== TRUST_LOCKFILE_VERSION) fail('lockfileVersion', `must be ${TRUST_LOCKFILE_VERSION} (got ${JSON.stringify(top.lockfileVersion) ?? 'nothing'}); a newer verify-deps may have written it`)
  const packages = object(top.packages, 'packages')
  const lockfile = emptyTrustLockfile()
  for (const [name, lines] of Object.entries(packages)) {
    const namePath = `packages[${JSON.stringify(name)}]`
    // An npm name: no whitespace or control characters (it is printed in diffs and findings).
    if (name === '' || name.length > 214 || /[\s\p{Cc}]/u.test(name)) fail(namePath, 'is not a package name')
    const entries = new Map<string, TrustLockfileEntry>()
    for (const [line, value] of Object.entries(object(lines, namePath))) {
      const path = `${namePath}[${JSON.stringify(line)}]`
      const raw = object(value, path)
      onlyKeys(raw, path, ['identity', 'level', 'version'])
      if (!isTrustLevel(raw.level)) fail(`${path}.level`, `must be one of none, signature, provenance, trusted-publisher, approved (got ${JSON.stringify(raw.level) ?? 'nothing'})`)
      const version = string(raw.version, `${path}.version`)
      if (releaseLine(version) === null) fail(`${path}.version`, `${JSON.stringify(version)} is not a semver version`)
      // The key must be the version's own line: an entry filed under another line would never be compared.
      if (releaseLine(version) !== line) fail(path, `${JSON.stringify(line)} is not the release line of ${version} (${releaseLine(version)})`)
      const entry: TrustLockfileEntry = { level: raw.level as TrustLevel, version }
      if (raw.identity !== undefined) {
        const id = object(raw.identity, `${path}.identity`)
        onlyKeys(id, `${path}.identity`, IDENTITY_KEYS)
        const identity: BaselineIdentity = {}
        for (const key of IDENTITY_KEYS) if (id[key] !== undefined) identity[key] = string(id[key], `${path}.identity.${key}`)
        if (identity.refKind !== undefined && !(REF_KINDS as readonly string[]).includes(identity.refKind)) fail(`${path}.identity.refKind`, `must be one of ${REF_KINDS.join(', ')} (got ${JSON.stringify(identity.refKind)})`)
        entry.identity = identity
      }
      entries.set(line, entry)
    }
    lockfile.packages.set(name, entries)
  }
  return lockfile
}

/**
 * The file's text: keys sorted (names and lines by compareText, fields alphabetically), 2-space
 * indent, a trailing newline. Written by hand: a JS object would put integer-like keys (`"1"`,
 * a package named `123`) first whatever the order they were added in.
 */
export function serializeTrustLockfile(lockfile: TrustLockfile): string {
  const q = (s: string) => JSON.stringify(s)
  const names = [...lockfile.packages.keys()].sort(compareText).filter((name) => lockfile.packages.get(name)!.size > 0)
  const packages = names.map((name) => {
    const lines = lockfile.packages.get(name)!
    const entries = [...lines.keys()].sort(compareText).map((line) => {
      const e = lines.get(line)!
      const fields: string[] = []
      const identity = IDENTITY_KEYS.filter((k) => e.identity?.[k] !== undefined).map((k) => `          ${q(k)}: ${q(e.identity![k]!)}`)
      if (e.identity) fields.push(identity.length ? `"identity": {\n${identity.join(',\n')}\n        }` : '"identity": {}')
      fields.push(`"level": ${q(e.level)}`, `"version": ${q(e.version)}`)
      return `      ${q(line)}: {\n${fields.map((f) => `        ${f}`).join(',\n')}\n      }`
    })
    return `    ${q(name)}: {\n${entries.join(',\n')}\n    }`
  })
  return `{\n  "lockfileVersion": ${TRUST_LOCKFILE_VERSION},\n  "packages": {${packages.length ? `\n${packages.join(',\n')}\n  ` : ''}}\n}\n`
}

/** The entry for the release line of `name@version`, as the check's baseline; undefined when the file has none. */
export function baselineFor(lockfile: TrustLockfile, name: string, version: string): TrustBaseline | undefined {
  const line = releaseLine(version)
  const entry = line === null ? undefined : lockfile.packages.get(name)?.get(line)
  if (!entry || line === null) return undefined
  return { line, level: entry.level, version: entry.version, ...(entry.identity && { identity: entry.identity }) }
}

/** One locked registry package as `trust update` sees it: its verified facts (undefined when its evidence was not fetched). */
export interface ObservedPackage {
  name: string
  version: string
  facts?: PackageFacts
  /** How the lockfile binds it (tree stage); a binding failure keeps it out like a verification failure. */
  lockfileFindings?: readonly Finding[]
}

/**
 * Whether a package's evidence failed: not fetched, or a finding that is an error in every mode
 * (a broken signature or attestation, bytes that do not match, a lockfile that binds other bytes).
 * Such a package is never recorded: the file holds only what verified.
 */
export function failedVerification(p: ObservedPackage): boolean {
  if (!p.facts) return true
  return [...p.facts.findings, ...(p.lockfileFindings ?? [])].some((f) => !FINDINGS[f.code].policy.waivable)
}

/** What `trust update` built: the new file, and the lines it kept from the old one because no locked version of them verified. */
export interface BuiltTrustLockfile {
  lockfile: TrustLockfile
  /** `name@version` of each locked package that failed verification and was not recorded. */
  notRecorded: string[]
  /** Entries of the previous file kept as they were: every locked version of their line failed verification. */
  kept: { name: string; line: string }[]
}

/**
 * The trust lockfile for the locked packages: per name and release line, the LOWEST level of its
 * locked versions (the line is only as trusted as its weakest installed version) and the identity
 * and version of the highest. Packages whose verification failed are not recorded; a line none of
 * whose versions verified keeps its entry from `previous`, so a broken fetch never erases a baseline.
 * Versions that are not semver have no release line and are not recorded.
 */
export function buildTrustLockfile(observed: readonly ObservedPackage[], previous: TrustLockfile = emptyTrustLockfile()): BuiltTrustLockfile {
  const lines = new Map<string, Map<string, ObservedPackage[]>>()
  const failed = new Map<string, Set<string>>()
  const notRecorded: string[] = []
  for (const p of observed) {
    const line = releaseLine(p.version)
    if (line === null) continue
    if (failedVerification(p)) {
      notRecorded.push(`${p.name}@${p.version}`)
      if (!failed.has(p.name)) failed.set(p.name, new Set())
      failed.get(p.name)!.add(line)
      continue
    }
    if (!lines.has(p.name)) lines.set(p.name, new Map())
    const byLine = lines.get(p.name)!
    byLine.set(line, [...(byLine.get(line) ?? []), p])
  }
  const lockfile = emptyTrustLockfile()
  for (const [name, byLine] of lines) {
    const entries = new Map<string, TrustLockfileEntry>()
    for (const [line, versions] of byLine) {
      const highest = [...versions].sort((a, b) => rcompareVersions(a.version, b.version))[0]!
      const level = versions.map((v) => trustLevelOf(v.facts)).reduce((low, l) => (compareTrustLevels(l, low) < 0 ? l : low))
      const identity = highest.facts?.provenance.status === 'verified' && highest.facts.provenance.identity ? baselineIdentityOf(highest.facts.provenance.identity) : undefined
      entries.set(line, { level, version: highest.version, ...(identity && Object.keys(identity).length > 0 && { identity }) })
    }
    lockfile.packages.set(name, entries)
  }
  const kept: BuiltTrustLockfile['kept'] = []
  for (const [name, failedLines] of failed) {
    for (const line of failedLines) {
      const before = previous.packages.get(name)?.get(line)
      if (!before || lockfile.packages.get(name)?.has(line)) continue
      if (!lockfile.packages.has(name)) lockfile.packages.set(name, new Map())
      lockfile.packages.get(name)!.set(line, before)
      kept.push({ name, line })
    }
  }
  kept.sort((a, b) => compareText(a.name, b.name) || compareText(a.line, b.line))
  return { lockfile, notRecorded: notRecorded.sort(compareText), kept }
}

/** One reviewable change between two trust lockfiles. */
export type TrustLockfileChange =
  | { kind: 'added'; name: string; line: string; after: TrustLockfileEntry }
  | { kind: 'raised' | 'lowered'; name: string; line: string; before: TrustLockfileEntry; after: TrustLockfileEntry }
  | { kind: 'identity'; name: string; line: string; field: keyof BaselineIdentity; before?: string; after?: string; version: string }
  | { kind: 'removed'; name: string; line: string; before: TrustLockfileEntry }

const KIND_ORDER: Record<TrustLockfileChange['kind'], number> = { added: 0, raised: 1, lowered: 2, identity: 3, removed: 4 }

/**
 * What changed from `before` to `after`, sorted by name, line, kind and field: lines added or
 * removed, levels raised or lowered, identity fields changed (compared only when both entries have
 * an identity: one appearing or going is the level's change). A new version alone is no change.
 */
export function diffTrustLockfiles(before: TrustLockfile, after: TrustLockfile): TrustLockfileChange[] {
  const changes: TrustLockfileChange[] = []
  const names = new Set([...before.packages.keys(), ...after.packages.keys()])
  for (const name of names) {
    const b = before.packages.get(name) ?? new Map<string, TrustLockfileEntry>()
    const a = after.packages.get(name) ?? new Map<string, TrustLockfileEntry>()
    for (const line of new Set([...b.keys(), ...a.keys()])) {
      const was = b.get(line)
      const now = a.get(line)
      if (!was && now) changes.push({ kind: 'added', name, line, after: now })
      else if (was && !now) changes.push({ kind: 'removed', name, line, before: was })
      else if (was && now) {
        const cmp = compareTrustLevels(now.level, was.level)
        if (cmp !== 0) changes.push({ kind: cmp > 0 ? 'raised' : 'lowered', name, line, before: was, after: now })
        if (was.identity && now.identity) {
          for (const field of IDENTITY_KEYS) {
            const x = was.identity[field]
            const y = now.identity[field]
            if (x !== y) changes.push({ kind: 'identity', name, line, field, ...(x !== undefined && { before: x }), ...(y !== undefined && { after: y }), version: now.version })
          }
        }
      }
    }
  }
  return changes.sort(
    (x, y) =>
      compareText(x.name, y.name) ||
      compareText(x.line, y.line) ||
      KIND_ORDER[x.kind] - KIND_ORDER[y.kind] ||
      (x.kind === 'identity' && y.kind === 'identity' ? compareText(x.field, y.field) : 0),
  )
}
