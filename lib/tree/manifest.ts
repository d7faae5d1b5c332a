/**
 * The project's own package.json files, as the pnpm and yarn parsers read them (the npm path lets
 * arborist read them), and the dependency declarations in them. A package.json that is not a JSON
 * object is an error naming it, as npm, pnpm and yarn refuse it too.
 */
import { readdir, realpath, stat } from 'node:fs/promises'
import { dirname, join, posix, sep } from 'node:path'
import type { DependencyType } from './lock-graph.js'
import { FileReadError, MAX_CONFIG_FILE_BYTES, MAX_JSON_FILE_BYTES, readRegularFile } from './files.js'
import { TreeError, describeError } from './errors.js'

export type Manifest = Record<string, unknown>

/**
 * The text of a file a pull request can put in the project (a lockfile, a package.json,
 * pnpm-workspace.yaml), or undefined when there is none. A symlink to `/dev/zero` or a FIFO would
 * never end, a huge file would exhaust memory: anything but a regular file within `maxBytes` is an
 * error naming it (files.ts), never read and never taken for "no file".
 */
export function readProjectFile(path: string, maxBytes: number, fail: (reason: string, cause: unknown) => Error): string | undefined {
  try {
    return readRegularFile(path, maxBytes).toString('utf8')
  } catch (err) {
    if (err instanceof FileReadError && err.code === 'ENOENT') return undefined
    throw fail(err instanceof FileReadError ? err.reason : describeError(err), err)
  }
}

/**
 * A lockfile's text; one that cannot be read is ELOCKFILE naming it. A lockfile that is a symlink
 * out of its folder is refused unread: a pull request can commit `yarn.lock -> ~/.config/…`, and a
 * parser's error message quotes the line it stopped at, into a CI log.
 */
export async function readLockfileText(path: string): Promise<string> {
  const fail = (reason: string, cause: unknown): TreeError => new TreeError('ELOCKFILE', `${path}: cannot be read: ${reason}`, { file: path, cause })
  const [real, folder] = await Promise.all([realpath(path).catch(() => path), realpath(dirname(path)).catch(() => dirname(path))])
  if (!real.startsWith(`${folder}${sep}`)) throw fail(`it is a symlink to ${real}, outside its folder`, undefined)
  const text = readProjectFile(path, MAX_JSON_FILE_BYTES, fail)
  if (text === undefined) throw fail('no such file', undefined)
  return text
}

/** pnpm-workspace.yaml and other small project settings files: undefined when there is none. */
export function readProjectConfigText(path: string, hint: string): string | undefined {
  return readProjectFile(path, MAX_CONFIG_FILE_BYTES, (reason, cause) => new TreeError('ELOCKFILE', `${path}: cannot be read: ${reason}`, { file: path, cause, hint }))
}

/** The package.json at `path`, or undefined when there is none. */
export async function readManifest(path: string): Promise<Manifest | undefined> {
  const text = readProjectFile(path, MAX_JSON_FILE_BYTES, (reason, cause) => new TreeError('EJSONPARSE', `${path}: cannot be read: ${reason}`, { file: path, cause, hint: 'Fix package.json; npm cannot read it either.' }))
  if (text === undefined) return undefined
  let pkg: unknown
  try {
    pkg = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (err) {
    throw new TreeError('EJSONPARSE', `${path}: is not valid JSON: ${describeError(err)}`, { file: path, cause: err, hint: 'Fix package.json; npm cannot read it either.' })
  }
  if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) {
    throw new TreeError('EJSONPARSE', `${path}: expected a JSON object`, { file: path, hint: 'Fix package.json; npm cannot read it either.' })
  }
  return pkg as Manifest
}

export interface DeclaredDependency {
  name: string
  spec: string
  type: DependencyType
}

/**
 * The dependencies a manifest declares, as npm reads them: an optional dependency also listed in
 * `dependencies` is optional (npm, pnpm and yarn agree); peer dependencies are left out (neither
 * the root's nor a workspace's are installed for it by yarn 1, and coverage.ts ignores them).
 */
export function declaredDependencies(manifest: Manifest, file: string): DeclaredDependency[] {
  const byName = new Map<string, DeclaredDependency>()
  for (const [field, type] of [['dependencies', 'prod'], ['devDependencies', 'dev'], ['optionalDependencies', 'optional']] as const) {
    const value = manifest[field]
    if (value === undefined) continue
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TreeError('EJSONPARSE', `${file}: "${field}" is not an object`, { file, hint: 'Fix package.json; npm cannot read it either.' })
    for (const [name, spec] of Object.entries(value as Record<string, unknown>)) {
      if (typeof spec !== 'string') throw new TreeError('EJSONPARSE', `${file}: ${field}[${JSON.stringify(name)}] is not a string`, { file, hint: 'Fix package.json; npm cannot read it either.' })
      // A dev dependency never overrides a production or optional one (npm's and pnpm's rule).
      if (type === 'dev' && byName.has(name)) continue
      byName.set(name, { name, spec, type })
    }
  }
  return [...byName.values()]
}

/** A manifest's `name` and `version`, each only when it is a non-empty string. */
export function nameAndVersion(manifest: Manifest | undefined): { name?: string; version?: string } {
  const name = stringField(manifest?.name)
  const version = stringField(manifest?.version)
  return { ...(name !== undefined && { name }), ...(version !== undefined && { version }) }
}

/**
 * The package names an override setting names, whatever the selector (pnpm `overrides`: `foo`,
 * `foo@1`, `bar>foo`; yarn `resolutions`: `foo`, `**\/foo`, `bar/@scope/foo`).
 */
export function overriddenNames(setting: unknown): Set<string> {
  const names = new Set<string>()
  if (typeof setting !== 'object' || setting === null) return names
  for (const selector of Object.keys(setting)) {
    const last = /(@[^/@>]+\/)?[^/@>]+(@[^/>]*)?$/.exec(selector.trim())
    if (last) names.add(last[0].replace(/(.)@.*$/, '$1'))
  }
  return names
}

export function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined
}

/**
 * The folders (relative to `projectDir`, `/`-separated) that workspace globs name and that hold a
 * package.json: `packages/*`, `apps/**`, literal folders, and `!pattern` exclusions, as
 * pnpm-workspace.yaml and package.json `workspaces` write them. `node_modules` is never searched.
 */
export async function expandWorkspaceGlobs(projectDir: string, patterns: readonly string[]): Promise<string[]> {
  const include = new Set<string>()
  const exclude: RegExp[] = []
  for (const raw of patterns) {
    const negated = raw.startsWith('!')
    const pattern = posix.normalize((negated ? raw.slice(1) : raw).replace(/\\/g, '/')).replace(/^\.\/|\/$/g, '')
    if (negated) exclude.push(globToRegExp(pattern))
    else for (const dir of await matchSegments(projectDir, '', pattern.split('/'))) include.add(dir)
  }
  const dirs: string[] = []
  for (const dir of include) {
    if (dir === '' || exclude.some((re) => re.test(dir))) continue
    if ((await stat(join(projectDir, dir, 'package.json')).catch(() => null))?.isFile()) dirs.push(dir)
  }
  return dirs.sort()
}

async function matchSegments(root: string, base: string, segments: string[]): Promise<string[]> {
  if (segments.length === 0) return [base]
  const [segment, ...rest] = segments as [string, ...string[]]
  if (segment === '..' || segment === '') return []
  if (!/[*?[]/.test(segment)) return matchSegments(root, base ? `${base}/${segment}` : segment, rest)
  const entries = await readdir(join(root, base), { withFileTypes: true }).catch(() => [])
  const children = entries.filter((e) => e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')).map((e) => (base ? `${base}/${e.name}` : e.name))
  if (segment === '**') {
    const here = await matchSegments(root, base, rest)
    const deeper = await Promise.all(children.map((child) => matchSegments(root, child, segments)))
    return [...here, ...deeper.flat()]
  }
  const re = globToRegExp(segment)
  const matched = children.filter((child) => re.test(posix.basename(child)))
  return (await Promise.all(matched.map((child) => matchSegments(root, child, rest)))).flat()
}

function globToRegExp(glob: string): RegExp {
  let source = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === '*') {
      const double = glob[i + 1] === '*'
      source += double ? '.*' : '[^/]*'
      if (double) i++
    } else if (c === '?') source += '[^/]'
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}
