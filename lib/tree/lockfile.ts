/**
 * Finds and validates the project's lockfile before arborist sees it. Arborist treats an unreadable
 * lockfile as "no lockfile" (it logs and carries on with an empty one), which for a verifier would
 * silently mean "nothing to verify"; so we parse it ourselves and fail with the file named.
 * The lockfile is attacker-controllable input (it arrives in pull requests): every field we or
 * arborist rely on is type-checked here.
 * Format: https://docs.npmjs.com/cli/configuring-npm/package-lock-json
 */
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, posix, resolve } from 'node:path'
import { TreeError, describeError } from './errors.js'
import type { LockfileFormat } from './lock-graph.js'
import { readLockfileText, readManifest } from './manifest.js'
import { PNPM_LOCKFILE_NAME } from './pnpm-lock.js'
import { YARN_LOCKFILE_NAME } from './yarn-lock.js'

/**
 * npm 7–11 read npm-shrinkwrap.json in preference to package-lock.json (so does the arborist
 * verify-deps loads); npm 12 reads only package-lock.json. findLockfile refuses two that differ.
 */
export const LOCKFILE_NAMES = ['npm-shrinkwrap.json', 'package-lock.json'] as const

/** The newest lockfileVersion whose `packages` layout this tool understands (npm 7–11 write 2 or 3). */
export const MAX_LOCKFILE_VERSION = 3

const MAKE_LOCKFILE_HINT = 'Create one with the package manager the project uses and commit it: "npm install --package-lock-only" (npm 7 or newer), "pnpm install --lockfile-only" or "yarn install" (yarn 1).'

/** One `packages` entry: only the fields the tree stage reads. */
export interface LockEntry {
  name?: string
  version?: string
  resolved?: string
  integrity?: string
  link?: boolean
  dev?: boolean
  optional?: boolean
  devOptional?: boolean
  peer?: boolean
  inBundle?: boolean
  extraneous?: boolean
}

export interface Lockfile {
  /** Absolute path of the file read. */
  path: string
  lockfileVersion: number
  /** `packages`, keyed by location (`''` is the root, `node_modules/a/node_modules/b`, `packages/ws`). */
  packages: Map<string, LockEntry>
}

const STRING_FIELDS = ['name', 'version', 'resolved', 'integrity', 'license'] as const
const BOOLEAN_FIELDS = ['link', 'dev', 'optional', 'devOptional', 'peer', 'inBundle', 'extraneous', 'hasInstallScript', 'hasShrinkwrap'] as const
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const

/**
 * The npm lockfile npm would use in `projectDir`, or null when there is none. When both names are
 * there with different bytes, which one npm installs depends on its version (npm 12 no longer reads
 * npm-shrinkwrap.json), so no verdict could be bound to it: an error (ELOCKFILEAMBIGUOUS).
 */
export async function findLockfile(projectDir: string): Promise<string | null> {
  const found: string[] = []
  for (const name of LOCKFILE_NAMES) {
    const path = join(projectDir, name)
    if (await isFile(path)) found.push(path)
  }
  if (found.length === 2) {
    const [shrinkwrap, packageLock] = await Promise.all(found.map((path) => readFile(path).catch(() => null)))
    if (!shrinkwrap || !packageLock || !shrinkwrap.equals(packageLock)) {
      throw new TreeError('ELOCKFILEAMBIGUOUS', `${projectDir} has both npm-shrinkwrap.json and package-lock.json, and they differ: npm 7 to 11 install from npm-shrinkwrap.json, npm 12 from package-lock.json`, {
        file: found[0]!,
        hint: 'Keep one: npm 12 reads only package-lock.json (rename npm-shrinkwrap.json to it); npm 11 and older prefer npm-shrinkwrap.json.',
      })
    }
  }
  return found[0] ?? null
}

/** The lockfile a project is checked from, its format, and the other lockfiles it has that were not read. */
export interface ProjectLockfile {
  path: string
  format: LockfileFormat
  /** Other lockfiles in the project, not read (npm's wins; `--lockfile` chooses). */
  ignored: string[]
}

/** The file names of each format, in the order they are preferred: npm's, then pnpm's, then yarn's. */
export const LOCKFILE_FORMATS: ReadonlyArray<{ format: LockfileFormat; names: readonly string[] }> = [
  { format: 'npm', names: LOCKFILE_NAMES },
  { format: 'pnpm', names: [PNPM_LOCKFILE_NAME] },
  { format: 'yarn', names: [YARN_LOCKFILE_NAME] },
]

/**
 * Which lockfile the project is checked from: `chosen` (`--lockfile`, absolute) when given, else
 * the first format present, npm's first. null when the project has none.
 */
export async function findProjectLockfile(projectDir: string, chosen?: string): Promise<ProjectLockfile | null> {
  const present: Array<{ path: string; format: LockfileFormat }> = []
  for (const { format, names } of LOCKFILE_FORMATS) {
    for (const name of names) {
      const path = join(projectDir, name)
      if (await isFile(path)) present.push({ path, format })
    }
  }
  let format: LockfileFormat | undefined
  if (chosen !== undefined) {
    const named = LOCKFILE_FORMATS.find((f) => f.names.includes(basename(chosen)))
    if (!named || resolve(dirname(chosen)) !== resolve(projectDir)) {
      throw new TreeError('ELOCKFILE', `--lockfile ${chosen}: must be the project's ${LOCKFILE_FORMATS.flatMap((f) => f.names).join(', ')} (in ${projectDir})`, {
        file: chosen,
        hint: 'Name one of the lockfiles in the project folder; pnpm and npm read their lockfile only from there.',
      })
    }
    if (!(await isFile(chosen))) throw new TreeError('ENOLOCK', `--lockfile ${chosen}: no such file`, { file: chosen, hint: 'Name a lockfile the project has.' })
    format = named.format
  } else {
    format = present[0]?.format
    if (format !== undefined) await assertDeclaredManagerWins(projectDir, format, present)
  }
  if (format === undefined) return null
  // npm's own two names are chosen between as npm does (findLockfile).
  const path = format === 'npm' ? (await findLockfile(projectDir))! : chosen ?? present.find((p) => p.format === format)!.path
  return { path, format, ignored: present.filter((p) => p.format !== format).map((p) => p.path) }
}

/**
 * A project whose package.json names its package manager (corepack's `packageManager`, or
 * `devEngines.packageManager`) and has that manager's lockfile is installed from it. Another
 * format's lockfile beside it would win the detection order, and a pull request can add one: a check
 * of that file would vouch for a tree nobody installs. Likewise a `packageManager` whose lockfile is
 * missing altogether. An error (exit 2), never a guess; `--lockfile` chooses.
 */
async function assertDeclaredManagerWins(projectDir: string, format: LockfileFormat, present: ReadonlyArray<{ path: string; format: LockfileFormat }>): Promise<void> {
  const manifestPath = join(projectDir, 'package.json')
  const manifest = await readManifest(manifestPath)
  for (const declared of declaredManagers(manifest)) {
    if (declared.format === format) continue
    const own = present.find((p) => p.format === declared.format)
    // corepack's packageManager names the one manager that installs: without its lockfile, it
    // resolves the tree afresh (yarn 1's --frozen-lockfile does not even refuse that), and the
    // lockfile that was found describes nothing it installs.
    if (!own && declared.field === 'packageManager') {
      const read = present.find((p) => p.format === format)!.path
      throw new TreeError('ENOLOCK', `${manifestPath}: packageManager says ${JSON.stringify(declared.value)}, but the project has no ${LOCKFILE_FORMATS.find((f) => f.format === declared.format)!.names.join(' or ')}; only ${basename(read)}, which ${declared.format} does not read`, {
        file: read,
        hint: `Commit the lockfile ${declared.format} writes, or name ${basename(read)} with --lockfile if it is the one that is installed from.`,
      })
    }
    if (!own) continue
    const read = present.find((p) => p.format === format)!.path
    throw new TreeError(
      'ELOCKFILEAMBIGUOUS',
      `${manifestPath}: ${declared.field} says ${JSON.stringify(declared.value)}, but ${basename(read)} would be read before ${basename(own.path)}: the project is installed with ${declared.format}, from ${own.path}`,
      { file: read, hint: `Name the lockfile that is installed from: --lockfile ${own.path}; or remove ${basename(read)} if nothing installs from it.` },
    )
  }
}

/** The package managers package.json names (untrusted: only ever used to refuse a guess). */
function declaredManagers(manifest: Record<string, unknown> | undefined): Array<{ format: LockfileFormat; field: string; value: string }> {
  const found: Array<{ format: LockfileFormat; field: string; value: string }> = []
  const add = (field: string, value: unknown, name: unknown): void => {
    if (typeof name !== 'string') return
    const format = (['npm', 'pnpm', 'yarn'] as const).find((f) => f === name.trim().toLowerCase())
    if (format) found.push({ format, field, value: typeof value === 'string' ? value : JSON.stringify(value) })
  }
  const packageManager = manifest?.packageManager
  if (typeof packageManager === 'string') add('packageManager', packageManager, packageManager.split('@')[0])
  const devEngines = manifest?.devEngines
  const pm = typeof devEngines === 'object' && devEngines !== null ? (devEngines as { packageManager?: unknown }).packageManager : undefined
  for (const entry of Array.isArray(pm) ? pm : [pm]) {
    if (typeof entry === 'object' && entry !== null) add('devEngines.packageManager', (entry as { name?: unknown }).name, (entry as { name?: unknown }).name)
  }
  return found
}

export function noLockfileError(projectDir: string): TreeError {
  return new TreeError('ENOLOCK', `No package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml or yarn.lock in ${projectDir}`, {
    hint: MAKE_LOCKFILE_HINT,
    file: projectDir,
  })
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false
}

/**
 * Reads and validates a lockfile; throws TreeError (EJSONPARSE, ELOCKFILE, ELOCKFILEVERSION). With
 * it the JSON document it was parsed from (never changed here), so that npm-lock-tree.ts reads the
 * same document instead of parsing the file a second time (at 10,000 packages a 2.9 MB file).
 */
export async function readLockfile(path: string): Promise<{ lockfile: Lockfile; document: Record<string, unknown> }> {
  const text = await readLockfileText(path)
  return parseLockfileDocument(text, path)
}

export function parseLockfile(text: string, path: string): Lockfile {
  return parseLockfileDocument(text, path).lockfile
}

function parseLockfileDocument(text: string, path: string): { lockfile: Lockfile; document: Record<string, unknown> } {
  const fail = (detail: string, code: 'ELOCKFILE' | 'ELOCKFILEVERSION' = 'ELOCKFILE', hint?: string): TreeError =>
    new TreeError(code, `${path}: ${detail}`, { file: path, hint: hint ?? 'Regenerate it with "npm install --package-lock-only".' })

  let doc: unknown
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (err) {
    // npm itself would quietly resolve conflict markers; a verifier should not guess which side is meant.
    const conflicted = /^(<<<<<<<|>>>>>>>) /m.test(text)
    throw new TreeError(
      'EJSONPARSE',
      conflicted ? `${path}: has unresolved merge conflict markers` : `${path}: is not valid JSON: ${describeError(err)}`,
      { file: path, cause: err, hint: conflicted ? 'Resolve the conflict (or run "npm install" to let npm merge it) and commit the result.' : 'Regenerate it with "npm install --package-lock-only".' },
    )
  }
  if (!isPlainObject(doc)) throw fail('expected a JSON object')

  const version = doc.lockfileVersion
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw fail('"lockfileVersion" is missing or not a positive integer')
  }
  if (version > MAX_LOCKFILE_VERSION) {
    throw fail(`lockfileVersion ${version} is newer than this tool understands (up to ${MAX_LOCKFILE_VERSION})`, 'ELOCKFILEVERSION', 'Use a verify-deps release that supports it, or write the lockfile with "--lockfile-version 3".')
  }
  if (doc.packages === undefined) {
    if (version === 1 || doc.dependencies !== undefined) {
      throw fail(
        `lockfileVersion ${version} has no "packages" section (written by npm 6 or older)`,
        'ELOCKFILEVERSION',
        'Upgrade it with "npm install --package-lock-only" using npm 7 or newer, and commit the result.',
      )
    }
    throw fail('has no "packages" section')
  }
  if (!isPlainObject(doc.packages)) throw fail('"packages" is not an object')
  // npm never writes "packages" into a version 1 lockfile (arborist shrinkwrap.js: "lf version 1 =
  // dependencies only"), yet reads one as an old lockfile: it ignores the entries' hasInstallScript
  // and reads every package.json from disk (rebuild.js, originalLockfileVersion < 2). A PR that
  // turns the version down to 1 would have npm run install scripts the entries here do not show.
  if (version < 2) {
    throw fail(
      `lockfileVersion ${version} with a "packages" section: npm never writes that, and would read it as an old lockfile whose install scripts the entries do not show`,
      'ELOCKFILEVERSION',
      'Regenerate it with "npm install --package-lock-only" and commit the result.',
    )
  }

  const packages = new Map<string, LockEntry>()
  for (const [location, raw] of Object.entries(doc.packages)) {
    packages.set(location, parseEntry(location, raw, fail))
  }
  checkParentSegments(packages, fail)
  return { lockfile: { path, lockfileVersion: version, packages }, document: doc }
}

/**
 * A location is where npm writes the package; `node_modules/a/../../../x` would have `npm ci`
 * extract a tarball outside the project. npm writes `..` in one case only: a `file:../lib`
 * dependency is a link whose target entry (`../lib`, and that folder's own `../lib/node_modules/…`)
 * lies outside the project. So `..` segments are allowed only leading, and only at or under the
 * target of a link entry.
 */
function checkParentSegments(packages: ReadonlyMap<string, LockEntry>, fail: (detail: string) => TreeError): void {
  let linkTargets: string[] | undefined
  for (const location of packages.keys()) {
    const segments = location.split(/[\\/]/)
    if (!segments.includes('..')) continue
    const leading = segments.findIndex((s) => s !== '..')
    const inside = leading === -1 ? [] : segments.slice(leading)
    linkTargets ??= [...packages.values()].filter((e) => e.link && e.resolved !== undefined).map((e) => posix.normalize(e.resolved!.replace(/\\/g, '/')))
    const normalized = segments.join('/')
    const underLink = linkTargets.some((target) => normalized === target || normalized.startsWith(`${target}/`))
    if (inside.includes('..') || !underLink) {
      throw fail(`packages[${JSON.stringify(location)}]: a location must not contain ".." segments (npm writes them only for the target of a file: link outside the project)`)
    }
  }
}

function parseEntry(location: string, raw: unknown, fail: (detail: string) => TreeError): LockEntry {
  const where = `packages[${JSON.stringify(location)}]`
  // npm writes locations relative to the project root; an absolute one would point arborist anywhere.
  if (isAbsolute(location) || /^[a-zA-Z]:/.test(location) || location.includes('\0')) {
    throw fail(`${where}: a location must be a relative path`)
  }
  if (!isPlainObject(raw)) throw fail(`${where} is not an object`)
  const entry: LockEntry = {}
  for (const field of STRING_FIELDS) {
    const value = raw[field]
    if (value === undefined) continue
    if (typeof value !== 'string') throw fail(`${where}.${field} is not a string`)
    if (field !== 'license') entry[field] = value
  }
  for (const field of BOOLEAN_FIELDS) {
    const value = raw[field]
    if (value === undefined) continue
    if (typeof value !== 'boolean') throw fail(`${where}.${field} is not a boolean`)
    if (field !== 'hasInstallScript' && field !== 'hasShrinkwrap') entry[field] = value
  }
  for (const field of DEPENDENCY_FIELDS) {
    const value = raw[field]
    if (value === undefined) continue
    if (!isPlainObject(value) || !Object.values(value).every((spec) => typeof spec === 'string')) {
      throw fail(`${where}.${field} is not an object of name → version range`)
    }
  }
  if (entry.link && entry.resolved === undefined) throw fail(`${where} is a link without "resolved" (its target)`)
  return entry
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
