/**
 * pnpm-lock.yaml (lockfile formats 6.x, written by pnpm 8, and 9.x, written by pnpm 9 to 12) as a
 * LockGraph. The file arrives in pull requests: every field read is type-checked, and anything
 * unknown is an error naming the file and the key, never a silent skip.
 *
 * The format (pnpm's lockfile-types and dependency-path packages):
 * - `importers`: one per project folder (`.` is the root; 6.x single-project files put its
 *   `dependencies`/`devDependencies`/`optionalDependencies` at the top level), each dependency as
 *   `{ specifier, version }`: the package.json spec it was resolved for and a reference: a version
 *   (`1.2.0`, with peers `1.2.0(react@18.3.1)`), an alias target (`ms@2.1.3`, 6.x `/ms@2.1.3`),
 *   `link:<folder>` (a workspace or `link:` dependency) or `file:<folder>`.
 * - 9.x: `packages` (`name@version` → resolution, peerDependencies) and `snapshots` (the same key
 *   with its peers → dependencies, optionalDependencies). 6.x: `packages` (`/name@version(peers)`
 *   → all of it).
 * - `resolution`: `{ integrity }` for a registry package (pnpm builds the tarball URL from its
 *   registry setting), `{ tarball, integrity? }`, `{ type: directory, directory }` or
 *   `{ type: git, repo, commit }`.
 * Coverage: pnpm's `--frozen-lockfile` refuses a lockfile whose importer `specifier` differs from
 * package.json; those edges are invalid here (ELOCKSYNC), a dependency it lacks is missing.
 */
import { join, posix, relative, resolve } from 'node:path'
import type { DependencyType, GraphDependency, GraphImporter, GraphPackage, LockGraph } from './lock-graph.js'
import { declaredDependencies, expandWorkspaceGlobs, nameAndVersion, overriddenNames, readLockfileText, readManifest, readProjectConfigText, stringField } from './manifest.js'
import { TreeError, describeError } from './errors.js'

export const PNPM_LOCKFILE_NAME = 'pnpm-lock.yaml'
export const PNPM_LOCKFILE_HINT = 'Regenerate it with "pnpm install --lockfile-only" and commit it.'
const SUPPORTED_MAJORS = [6, 9]

type Doc = Record<string, unknown>
type Fail = (detail: string, code?: 'ELOCKFILE' | 'ELOCKFILEVERSION' | 'ELOCKSYNC', hint?: string) => TreeError

interface RawPackage {
  key: string
  info: Doc
  snapshot: Doc
}

/** Reads pnpm-lock.yaml and the importers' package.json files; throws TreeError naming the file. */
export async function readPnpmLockfile(path: string, projectDir: string): Promise<LockGraph> {
  const text = await readLockfileText(path)
  const doc = await parseYaml(text, path)
  const fail: Fail = (detail, code = 'ELOCKFILE', hint) => new TreeError(code, `${path}: ${detail}`, { file: path, hint: hint ?? PNPM_LOCKFILE_HINT })
  const major = lockfileMajor(doc, fail)

  const packages = new Map<string, GraphPackage>()
  const raw = rawPackages(doc, major, fail)
  for (const pkg of raw.values()) packages.set(pkg.key, await toPackage(pkg, major, projectDir, fail))
  for (const pkg of raw.values()) packages.get(pkg.key)!.dependencies = packageDependencies(pkg, major, raw, fail)

  const importers: GraphImporter[] = []
  const rawImporters = doc.importers === undefined ? { '.': doc } : asMap(doc.importers, 'importers', fail)
  if (!('.' in rawImporters)) throw fail('has no importer "." (the project root)')
  const workspace = await readWorkspaceFile(projectDir)
  for (const folder of workspace.folders) {
    if (!(folder in rawImporters)) {
      throw fail(`the workspace ${folder} (pnpm-workspace.yaml) is not among its importers`, 'ELOCKSYNC', 'Run "pnpm install" to bring the lockfile in line with the workspaces, review the change, and commit it.')
    }
  }
  // The overrides pnpm applies are the project's (package.json `pnpm.overrides` and `resolutions`,
  // pnpm-workspace.yaml `overrides`): the lockfile's own `overrides` is attacker-controlled, and
  // `pnpm install --frozen-lockfile` refuses a lockfile whose overrides differ from them. Only the
  // project's exempt a version from its range.
  const rootManifest = await readManifest(join(projectDir, 'package.json'))
  const pnpmField = rootManifest?.pnpm
  const overridden = new Set([
    ...overriddenNames(typeof pnpmField === 'object' && pnpmField !== null ? (pnpmField as Doc).overrides : undefined),
    ...overriddenNames(rootManifest?.resolutions),
    ...overriddenNames(workspace.overrides),
  ])
  for (const [key, value] of Object.entries(rawImporters).sort(([a], [b]) => (a === '.' ? -1 : b === '.' ? 1 : a < b ? -1 : 1))) {
    importers.push(await toImporter(key, asMap(value, `importers[${JSON.stringify(key)}]`, fail), major, raw, projectDir, fail, { overridden, catalogs: workspace.catalogs }))
  }
  return { format: 'pnpm', path, importers, packages }
}

async function parseYaml(text: string, path: string): Promise<Doc> {
  const { parse } = await import('yaml')
  let doc: unknown
  try {
    doc = parse(text, { uniqueKeys: true, maxAliasCount: 0 })
  } catch (err) {
    const conflicted = /^(<<<<<<<|>>>>>>>) /m.test(text)
    throw new TreeError('ELOCKFILE', conflicted ? `${path}: has unresolved merge conflict markers` : `${path}: is not valid YAML: ${describeError(err)}`, {
      file: path,
      cause: err,
      hint: conflicted ? 'Resolve the conflict (or run "pnpm install" to let pnpm merge it) and commit the result.' : PNPM_LOCKFILE_HINT,
    })
  }
  if (!isMap(doc)) throw new TreeError('ELOCKFILE', `${path}: expected a YAML mapping`, { file: path, hint: PNPM_LOCKFILE_HINT })
  return doc
}

function lockfileMajor(doc: Doc, fail: Fail): number {
  const version = doc.lockfileVersion
  const text = typeof version === 'number' ? String(version) : typeof version === 'string' ? version : undefined
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) throw fail('"lockfileVersion" is missing or not a version')
  const major = Number(text.split('.')[0])
  if (!SUPPORTED_MAJORS.includes(major)) {
    throw fail(
      `lockfileVersion ${text} is not supported (6.x, written by pnpm 8, and 9.x, written by pnpm 9 and later, are)`,
      'ELOCKFILEVERSION',
      major < 6 ? 'Upgrade it with "pnpm install --lockfile-only" using pnpm 8 or later, and commit it.' : 'Use a verify-deps release that supports it.',
    )
  }
  return major
}

/** Every installed package (a 9.x snapshot, a 6.x package), with its package info. */
function rawPackages(doc: Doc, major: number, fail: Fail): Map<string, RawPackage> {
  const result = new Map<string, RawPackage>()
  const packages = doc.packages === undefined ? {} : asMap(doc.packages, 'packages', fail)
  if (major === 6) {
    for (const [key, value] of Object.entries(packages)) result.set(key, { key, info: asMap(value, `packages[${JSON.stringify(key)}]`, fail), snapshot: asMap(value, `packages[${JSON.stringify(key)}]`, fail) })
    return result
  }
  const snapshots = doc.snapshots === undefined ? {} : asMap(doc.snapshots, 'snapshots', fail)
  for (const [key, value] of Object.entries(snapshots)) {
    const infoKey = withoutPeers(key)
    const info = packages[infoKey]
    if (info === undefined) throw fail(`snapshots[${JSON.stringify(key)}] has no entry packages[${JSON.stringify(infoKey)}]`)
    result.set(key, { key, info: asMap(info, `packages[${JSON.stringify(infoKey)}]`, fail), snapshot: value === null ? {} : asMap(value, `snapshots[${JSON.stringify(key)}]`, fail) })
  }
  return result
}

async function toPackage(raw: RawPackage, major: number, projectDir: string, fail: Fail): Promise<GraphPackage> {
  const where = `packages[${JSON.stringify(major === 6 ? raw.key : withoutPeers(raw.key))}]`
  const parsed = parseKey(raw.key, major)
  const name = optionalString(raw.info.name, `${where}.name`, fail) ?? parsed?.name
  if (!name) throw fail(`${where} has no package name`)
  const resolution = asMap(raw.info.resolution, `${where}.resolution`, fail)
  const integrity = optionalString(resolution.integrity, `${where}.resolution.integrity`, fail)
  const tarball = optionalString(resolution.tarball, `${where}.resolution.tarball`, fail)
  const type = optionalString(resolution.type, `${where}.resolution.type`, fail)
  let resolved: string | undefined
  if (type === 'directory') {
    resolved = `file:${join(projectDir, folderPath(projectDir, requiredString(resolution.directory, `${where}.resolution.directory`, fail), '', fail))}`
  } else if (type === 'git') {
    const repo = requiredString(resolution.repo, `${where}.resolution.repo`, fail)
    const commit = requiredString(resolution.commit, `${where}.resolution.commit`, fail)
    resolved = `${/^git[+:]/i.test(repo) ? repo : `git+${repo}`}#${commit}`
  } else if (type !== undefined) {
    throw fail(`${where}.resolution has the unknown type ${JSON.stringify(type)}`)
  } else if (tarball !== undefined) {
    resolved = /^file:/i.test(tarball) ? `file:${join(projectDir, folderPath(projectDir, tarball.slice('file:'.length), '', fail))}` : tarball
  } else if (integrity === undefined) {
    throw fail(`${where}.resolution has neither an integrity nor a tarball, directory or git source`)
  }
  let version = optionalString(raw.info.version, `${where}.version`, fail) ?? parsed?.version ?? ''
  // A `file:` folder's version is its package.json's (pnpm 9 writes none in the lockfile).
  if (type === 'directory' && !/^\d/.test(version)) version = stringField((await readManifest(join(resolved!.slice('file:'.length), 'package.json')))?.version) ?? ''
  const result: GraphPackage = { id: raw.key, name, version, dependencies: [] }
  if (integrity !== undefined) result.integrity = integrity
  if (resolved !== undefined) result.resolved = resolved
  return result
}

/** A snapshot's dependencies; their spec is what the reference resolves to (registry version, alias, or source). */
function packageDependencies(raw: RawPackage, major: number, all: Map<string, RawPackage>, fail: Fail): GraphDependency[] {
  const where = `${major === 6 ? 'packages' : 'snapshots'}[${JSON.stringify(raw.key)}]`
  const peers = raw.info.peerDependencies === undefined ? {} : asMap(raw.info.peerDependencies, `${where}.peerDependencies`, fail)
  const peerMeta = raw.info.peerDependenciesMeta === undefined ? {} : asMap(raw.info.peerDependenciesMeta, `${where}.peerDependenciesMeta`, fail)
  const deps: GraphDependency[] = []
  for (const [field, base] of [['dependencies', 'prod'], ['optionalDependencies', 'optional']] as const) {
    const section = raw.snapshot[field] === undefined ? {} : asMap(raw.snapshot[field], `${where}.${field}`, fail)
    for (const [name, ref] of Object.entries(section)) {
      const reference = requiredString(ref, `${where}.${field}[${JSON.stringify(name)}]`, fail)
      const optionalPeer = isMap(peerMeta[name]) && (peerMeta[name] as Doc).optional === true
      const type: DependencyType = name in peers ? (optionalPeer ? 'peerOptional' : 'peer') : base
      deps.push(dependencyTo(name, reference, type, major, all, ''))
    }
  }
  return deps
}

/** What the project's configuration says about its importers' dependencies: overridden names, and the catalogs `catalog:` specs name. */
interface ImporterSettings {
  overridden: Set<string>
  catalogs: ReadonlyMap<string, Doc>
}

async function toImporter(key: string, raw: Doc, major: number, all: Map<string, RawPackage>, projectDir: string, fail: Fail, settings: ImporterSettings): Promise<GraphImporter> {
  const path = key === '.' ? '' : folderPath(projectDir, key, '', fail)
  const manifestPath = join(projectDir, path, 'package.json')
  const manifest = await readManifest(manifestPath)
  if (!manifest) throw fail(`importers[${JSON.stringify(key)}]: there is no ${manifestPath}`, 'ELOCKSYNC', 'Run "pnpm install" to bring the lockfile in line with the workspaces, review the change, and commit it.')
  const locked = new Map<string, { specifier: string; version: string }>()
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    if (raw[field] === undefined) continue
    for (const [name, value] of Object.entries(asMap(raw[field], `importers[${JSON.stringify(key)}].${field}`, fail))) {
      const at = `importers[${JSON.stringify(key)}].${field}[${JSON.stringify(name)}]`
      const entry = asMap(value, at, fail)
      locked.set(name, { specifier: requiredString(entry.specifier, `${at}.specifier`, fail), version: requiredString(entry.version, `${at}.version`, fail) })
    }
  }
  const dependencies = declaredDependencies(manifest, manifestPath).map((declared): GraphDependency => {
    const entry = locked.get(declared.name)
    if (!entry) return { ...declared, target: null }
    const dep = dependencyTo(declared.name, entry.version, declared.type, major, all, path)
    // A `catalog:` spec is the range pnpm-workspace.yaml's catalog gives (pnpm 9.5+); the lockfile
    // (attacker-controlled) is checked against that range, and a name the catalog lacks pnpm refuses.
    const catalog = /^catalog:(.*)$/.exec(declared.spec)
    const range = catalog ? settings.catalogs.get(catalog[1] || 'default')?.[declared.name] : undefined
    const spec = catalog && typeof range === 'string' ? range : declared.spec
    const invalid = entry.specifier !== declared.spec || (catalog !== null && typeof range !== 'string')
    return { ...declared, spec, target: dep.target, ...(invalid && { invalid: true }), ...(settings.overridden.has(declared.name) && { overridden: true }) }
  })
  return { path, dependencies, ...nameAndVersion(manifest) }
}

/** The dependency a reference names. `from` is the importer folder a `link:` is relative to. */
function dependencyTo(name: string, reference: string, type: DependencyType, major: number, all: Map<string, RawPackage>, from: string): GraphDependency {
  if (reference.startsWith('link:')) {
    const folder = posix.normalize(posix.join(from, reference.slice('link:'.length))).replace(/^\.$/, '')
    return { name, spec: `file:${folder || '.'}`, type, target: { folder } }
  }
  const key = major === 6 ? refToKey6(name, reference) : refToKey9(name, reference)
  const target = all.get(key)
  if (!target) return { name, spec: reference, type, target: null }
  // The spec an npm lockfile would hold for it: the source for a non-registry package, else the version (as an alias when the name differs).
  const parsed = parseKey(key, major)
  const resolution = isMap(target.info.resolution) ? target.info.resolution : {}
  const source = resolution.type !== undefined || typeof resolution.tarball === 'string' ? 'source' : 'registry'
  const version = parsed?.version ?? ''
  const realName = typeof target.info.name === 'string' ? target.info.name : parsed?.name
  const spec = source === 'source' ? (typeof resolution.tarball === 'string' ? resolution.tarball : resolution.type === 'git' ? `git+${String(resolution.repo)}` : `file:${String(resolution.directory)}`) : realName && realName !== name ? `npm:${realName}@${version}` : version
  return { name, spec, type, target: { package: key } }
}

/** pnpm's dependency-path refToRelative for lockfile 9: a reference holding its own name, or `name@reference`. */
function refToKey9(name: string, reference: string): string {
  if (reference.startsWith('@')) return reference
  const at = reference.indexOf('@')
  if (at === -1) return `${name}@${reference}`
  const colon = reference.indexOf(':')
  const bracket = reference.indexOf('(')
  if ((colon === -1 || at < colon) && (bracket === -1 || at < bracket)) return reference
  return `${name}@${reference}`
}

/** The same for lockfile 6: keys start with `/` (registry) or are `file:` references. */
function refToKey6(name: string, reference: string): string {
  if (reference.startsWith('/') || reference.startsWith('file:')) return reference
  return `/${name}@${reference}`
}

/** `name@version` from a key (`@scope/name@1.0.0(peer@2)`, 6.x with a leading `/`), or undefined for a 6.x `file:` key. */
function parseKey(key: string, major: number): { name: string; version: string } | undefined {
  let rest = withoutPeers(key)
  if (major === 6) {
    if (!rest.startsWith('/')) return undefined
    rest = rest.slice(1)
  }
  const at = rest.indexOf('@', 1)
  if (at <= 0) return undefined
  return { name: rest.slice(0, at), version: rest.slice(at + 1) }
}

/** A key without its peer suffix: `a@1.0.0(b@2.0.0)(c@3.0.0)` → `a@1.0.0`. */
function withoutPeers(key: string): string {
  const open = key.indexOf('(', 1)
  return open === -1 ? key : key.slice(0, open)
}

/** A folder inside the project, `/`-separated and relative to it: a path the lockfile names must not leave it. */
function folderPath(projectDir: string, path: string, from: string, fail: Fail): string {
  const absolute = resolve(projectDir, from, path)
  const rel = relative(projectDir, absolute).replace(/\\/g, '/')
  if (rel.startsWith('..') || /^[a-zA-Z]:|^\//.test(rel)) throw fail(`${JSON.stringify(path)} is outside the project`)
  return rel
}

/** The project's workspace folders, from pnpm-workspace.yaml's `packages` globs, and its `overrides` (pnpm 10); none without one. */
async function readWorkspaceFile(projectDir: string): Promise<{ folders: string[]; overrides?: unknown; catalogs: Map<string, Doc> }> {
  const file = join(projectDir, 'pnpm-workspace.yaml')
  const text = readProjectConfigText(file, 'Fix pnpm-workspace.yaml; pnpm cannot read it either.')
  if (text === undefined) return { folders: [], catalogs: new Map() }
  const doc = await parseYaml(text, file)
  // `catalog` is the default catalog, `catalogs` the named ones (and maybe `default` too).
  const catalogs = new Map<string, Doc>(Object.entries(isMap(doc.catalogs) ? doc.catalogs : {}).filter((e): e is [string, Doc] => isMap(e[1])))
  if (isMap(doc.catalog)) catalogs.set('default', doc.catalog)
  const packages = doc.packages
  if (packages === undefined) return { folders: [], overrides: doc.overrides, catalogs }
  if (!Array.isArray(packages) || !packages.every((p) => typeof p === 'string')) {
    throw new TreeError('ELOCKFILE', `${file}: "packages" is not a list of globs`, { file, hint: 'Fix pnpm-workspace.yaml; pnpm cannot read it either.' })
  }
  return { folders: await expandWorkspaceGlobs(projectDir, packages as string[]), overrides: doc.overrides, catalogs }
}

function asMap(value: unknown, where: string, fail: Fail): Doc {
  if (!isMap(value)) throw fail(`${where} is not a mapping`)
  return value
}

function requiredString(value: unknown, where: string, fail: Fail): string {
  if (typeof value !== 'string') throw fail(`${where} is ${value === undefined ? 'missing' : 'not a string'}`)
  return value
}

function optionalString(value: unknown, where: string, fail: Fail): string | undefined {
  if (value === undefined) return undefined
  return requiredString(value, where, fail)
}

function isMap(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
