/**
 * yarn.lock v1 (yarn 1) as a LockGraph, parsed with yarn's own parser (@yarnpkg/lockfile). The
 * file arrives in pull requests: every field read is type-checked.
 *
 * The format: one entry per resolved package, keyed by every `name@spec` that resolved to it
 * (`wrappy@1, wrappy@^1.0.2`; an alias as `my-ms@npm:ms@^2.1.0`), with `version`, `resolved` (the
 * URL yarn downloads, fetched as written, with a `#sha1` fragment), `integrity` (yarn 1.10+; none
 * for a tarball-URL or git dependency) and `dependencies` / `optionalDependencies` as name → spec,
 * each naming another entry's key. The importers are not in the file: the root package.json and
 * its `workspaces` give them. A dependency on a workspace is linked, not listed; a `file:` folder is
 * listed without `resolved`; a `link:` is listed without anything to verify.
 * Coverage: `yarn install --frozen-lockfile` refuses a lockfile without an entry for some
 * `name@spec` a manifest or entry asks for: that edge is missing here (ELOCKSYNC).
 *
 * Yarn berry (2+) lockfiles (`__metadata`) are refused: their `checksum` is a hash of yarn's own
 * zip archive of the package, not of the registry's tarball, so it cannot be bound to the registry
 * signatures and provenance that cover the tarball's sha512 (docs/check.md).
 */
import { createRequire } from 'node:module'
import { join, posix, relative, resolve } from 'node:path'
import semver from 'semver'
import type { DependencyType, GraphDependency, GraphImporter, GraphPackage, GraphTarget, LockGraph } from './lock-graph.js'
import { declaredDependencies, expandWorkspaceGlobs, nameAndVersion, overriddenNames, readLockfileText, readManifest, type Manifest } from './manifest.js'
import { TreeError, describeError } from './errors.js'

export const YARN_LOCKFILE_NAME = 'yarn.lock'
export const YARN_LOCKFILE_HINT = 'Regenerate it with "yarn install" (yarn 1) and commit it.'

interface ParseResult {
  type: 'success' | 'merge' | 'conflict'
  object: Record<string, unknown>
}

type Fail = (detail: string, code?: 'ELOCKFILE' | 'ELOCKFILEVERSION' | 'ELOCKSYNC', hint?: string) => TreeError

interface Workspace {
  path: string
  name?: string
  version?: string
}

/** Reads yarn.lock and the root's and workspaces' package.json files; throws TreeError naming the file. */
export async function readYarnLockfile(path: string, projectDir: string): Promise<LockGraph> {
  const text = await readLockfileText(path)
  const fail: Fail = (detail, code = 'ELOCKFILE', hint) => new TreeError(code, `${path}: ${detail}`, { file: path, hint: hint ?? YARN_LOCKFILE_HINT })
  const entries = parseYarnLockText(text, fail)

  // One package per entry (every key of an entry holds the same object).
  const byEntry = new Map<object, GraphPackage>()
  const keyed = new Map<string, GraphPackage>()
  const raws = new Map<GraphPackage, Record<string, unknown>>()
  for (const [key, value] of Object.entries(entries)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail(`the entry ${JSON.stringify(key)} is not an object`)
    const spec = splitKey(key)
    if (!spec) throw fail(`the entry ${JSON.stringify(key)} is not "name@spec"`)
    if (/^link:/i.test(spec.spec)) continue
    let pkg = byEntry.get(value)
    if (!pkg) {
      pkg = toPackage(key, spec, value as Record<string, unknown>, projectDir, fail)
      byEntry.set(value, pkg)
      raws.set(pkg, value as Record<string, unknown>)
    }
    keyed.set(key, pkg)
  }

  const rootManifestPath = join(projectDir, 'package.json')
  const rootManifest = await readManifest(rootManifestPath)
  if (!rootManifest) throw fail(`there is no ${rootManifestPath} beside it`, 'ELOCKSYNC')
  const workspaces = await readWorkspaces(projectDir, rootManifest, rootManifestPath)
  // yarn's `resolutions` replace versions wherever the name appears.
  const overridden = overriddenNames(rootManifest.resolutions)
  const lookup = (name: string, spec: string, from: string): GraphTarget | null => {
    if (/^link:/i.test(spec)) {
      return { folder: posix.normalize(posix.join(from, spec.slice('link:'.length))).replace(/^\.$/, '') }
    }
    const pkg = keyed.get(`${name}@${spec}`)
    if (pkg) return { package: pkg.id }
    // yarn links a workspace for any spec its version satisfies; it is never in yarn.lock.
    const workspace = workspaces.find((w) => w.name === name)
    if (workspace && (spec === '*' || (workspace.version !== undefined && semver.satisfies(workspace.version, spec)))) return { folder: workspace.path }
    return null
  }

  const packages = new Map<string, GraphPackage>()
  for (const pkg of new Set(keyed.values())) {
    const raw = raws.get(pkg)!
    for (const [field, type] of [['dependencies', 'prod'], ['optionalDependencies', 'optional']] as const) {
      const section = raw[field]
      if (section === undefined) continue
      const where = `the entry ${JSON.stringify(pkg.id)}: ${field}`
      if (typeof section !== 'object' || section === null || Array.isArray(section)) throw fail(`${where} is not an object`)
      for (const [name, spec] of Object.entries(section)) {
        if (typeof spec !== 'string') throw fail(`${where}[${JSON.stringify(name)}] is not a string`)
        pkg.dependencies.push({ name, spec, type: type as DependencyType, target: lookup(name, spec, ''), ...(overridden.has(name) && { overridden: true }) })
      }
    }
    packages.set(pkg.id, pkg)
  }

  const importers: GraphImporter[] = []
  for (const workspace of [{ path: '' } as Workspace, ...workspaces]) {
    const manifestPath = join(projectDir, workspace.path, 'package.json')
    const manifest = workspace.path === '' ? rootManifest : ((await readManifest(manifestPath)) ?? {})
    const dependencies = declaredDependencies(manifest, manifestPath).map((d): GraphDependency => ({ ...d, target: lookup(d.name, d.spec, workspace.path), ...(overridden.has(d.name) && { overridden: true }) }))
    importers.push({ path: workspace.path, dependencies, ...nameAndVersion(manifest) })
  }
  return { format: 'yarn', path, importers, packages }
}

/** The parsed entries; berry, conflict markers and syntax errors are errors naming the file. */
export function parseYarnLockText(text: string, fail: Fail): Record<string, unknown> {
  if (/^__metadata:/m.test(text)) {
    throw fail(
      'is a yarn berry (yarn 2 or later) lockfile: its checksums hash yarn\'s own zip archives, not the registry tarballs, so they cannot be bound to the registry\'s signatures and provenance',
      'ELOCKFILEVERSION',
      'verify-deps reads yarn 1 lockfiles, pnpm-lock.yaml and package-lock.json. For a yarn berry project, verify a package-lock.json written from the same package.json ("npm install --package-lock-only").',
    )
  }
  const { parse } = createRequire(import.meta.url)('@yarnpkg/lockfile') as { parse: (text: string) => ParseResult }
  let result: ParseResult
  try {
    result = parse(text.replace(/^\uFEFF/, ''))
  } catch (err) {
    throw fail(`is not a valid yarn 1 lockfile: ${describeError(err)}`)
  }
  // yarn would merge conflicting sides itself ("merge"); a verifier should not guess which side is meant.
  if (result.type !== 'success') throw fail('has unresolved merge conflict markers', 'ELOCKFILE', 'Resolve the conflict (or run "yarn install" to let yarn merge it) and commit the result.')
  if (typeof result.object !== 'object' || result.object === null) throw fail('has no entries')
  return result.object
}

function toPackage(key: string, spec: { name: string; spec: string }, raw: Record<string, unknown>, projectDir: string, fail: Fail): GraphPackage {
  const where = `the entry ${JSON.stringify(key)}`
  const field = (name: string): string | undefined => {
    const value = raw[name]
    if (value === undefined) return undefined
    if (typeof value !== 'string') throw fail(`${where}: "${name}" is not a string`)
    return value
  }
  const version = field('version')
  if (version === undefined) throw fail(`${where} has no "version"`)
  const alias = /^npm:((?:@[^/@]+\/)?[^/@]+)(?:@.*)?$/i.exec(spec.spec)
  const pkg: GraphPackage = { id: key, name: alias ? alias[1]! : spec.name, version, dependencies: [] }
  const integrity = field('integrity')
  const resolved = field('resolved')
  if (integrity !== undefined) pkg.integrity = integrity
  // A `file:` tarball's `resolved` (`file:vendor/x.tgz#sha1`) and a `file:` folder's spec are relative to the project.
  const local = resolved !== undefined ? (/^file:/i.test(resolved) ? resolved.replace(/#.*$/, '') : undefined) : /^file:/i.test(spec.spec) ? spec.spec : undefined
  if (local !== undefined) {
    const path = relative(projectDir, resolve(projectDir, local.slice('file:'.length))).replace(/\\/g, '/')
    if (path.startsWith('..')) throw fail(`${where}: ${JSON.stringify(local)} is outside the project`)
    pkg.resolved = `file:${join(projectDir, path)}`
  } else if (resolved !== undefined) pkg.resolved = resolved
  return pkg
}

/** `name@spec` → its parts (`@scope/name@^1`, `my-ms@npm:ms@^2`). */
function splitKey(key: string): { name: string; spec: string } | undefined {
  const at = key.indexOf('@', 1)
  if (at <= 0) return undefined
  return { name: key.slice(0, at), spec: key.slice(at + 1) }
}

/** The workspaces the root package.json names (`workspaces: [...]` or `{ packages: [...] }`). */
async function readWorkspaces(projectDir: string, manifest: Manifest, manifestPath: string): Promise<Workspace[]> {
  const field = manifest.workspaces
  const globs = Array.isArray(field) ? field : typeof field === 'object' && field !== null ? (field as { packages?: unknown }).packages : field === undefined ? [] : undefined
  if (!Array.isArray(globs) || !globs.every((g) => typeof g === 'string')) {
    throw new TreeError('EJSONPARSE', `${manifestPath}: "workspaces" is not a list of globs (or { "packages": [...] })`, { file: manifestPath, hint: 'Fix package.json; yarn cannot read it either.' })
  }
  const workspaces: Workspace[] = []
  for (const path of await expandWorkspaceGlobs(projectDir, globs as string[])) {
    workspaces.push({ path, ...nameAndVersion(await readManifest(join(projectDir, path, 'package.json'))) })
  }
  return workspaces
}
