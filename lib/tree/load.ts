/**
 * The tree stage: which packages are in the project. One call, as a fixed sequence of steps:
 *   1. find and validate the lockfile (our own checks: arborist would treat a broken one as absent);
 *      npm's package-lock.json / npm-shrinkwrap.json, else pnpm-lock.yaml, else yarn.lock
 *   2. let arborist build the tree: from the lockfile alone (default; CI runs this before
 *      `npm ci`), from node_modules (`installed`), or resolved afresh (`ideal`, needs the registry);
 *      an npm lockfile that needs nothing more than npm-lock-tree.ts does is read by it directly, to
 *      the same tree (a tenth of arborist's memory and time at 10,000 packages);
 *      a pnpm or yarn lockfile is read into a LockGraph and given the same tree shape (lock-graph.ts)
 *   3. walk it from the root or the chosen workspaces, applying npm's --omit rule
 *   4. collapse nodes into distinct packages, each with all its locations
 *   5. check that the lockfile covers package.json and the workspaces' (lockfile mode), or in
 *      `installed` mode compare node_modules with the lockfile
 */
import { stat } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import type { PackageRef } from '../model.js'
import type { AllowScriptsSource } from '../model/install-scripts.js'
import { resolveAllowScripts } from './allow-scripts.js'
import { createArborist, type ArboristNode } from './arborist.js'
import type { ResolvedRewrite } from './binding.js'
import { shortcutBundlerQueries } from './bundler.js'
import { collectPackages } from './collect.js'
import { describeUncovered, findUncoveredDependencies } from './coverage.js'
import { TreeError, describeError } from './errors.js'
import { compareInstalled, type InstalledMismatch } from './installed.js'
import { graphToTree, type LockfileFormat, type LockGraph } from './lock-graph.js'
import { findProjectLockfile, noLockfileError, readLockfile, type Lockfile } from './lockfile.js'
import { readManifest, stringField, type Manifest } from './manifest.js'
import { readNpmLockTree } from './npm-lock-tree.js'
import { PNPM_LOCKFILE_HINT, readPnpmLockfile } from './pnpm-lock.js'
import { YARN_LOCKFILE_HINT, readYarnLockfile } from './yarn-lock.js'
import { walkTree, type WalkSeed } from './walk.js'

/** How `why` and `root.name` call a project whose package.json has no name (as `npm explain` does). */
export const ROOT_LABEL = '(root)'

export type TreeMode = 'lockfile' | 'installed' | 'ideal'
export type OmitType = 'dev' | 'optional' | 'peer'

export interface LoadPackagesOptions {
  projectDir: string
  /** Default `lockfile`. */
  mode?: TreeMode
  /** Workspace names (or paths relative to the project) to restrict to; default all, with the root. */
  workspaces?: string[]
  /** With `workspaces`, also the root's own (non-workspace) dependencies, as npm's `include-workspace-root` installs them. */
  includeWorkspaceRoot?: boolean
  /** Leave out dev / optional / peer-only packages exactly as `npm ci --omit=…` does. */
  omit?: OmitType[]
  /** The registry URL a package name is fetched from (npm config, incl. `@scope:registry`). */
  registryFor: (name: string) => string
  /**
   * npm's `registry` and `replace-registry-host`, which decide where `npm ci` fetches a `resolved`
   * URL from (binding.ts). Default: the registry of an unscoped name, and `npmjs`.
   */
  resolvedRewrite?: ResolvedRewrite
  /** Passed to the Arborist constructor (e.g. registry, cache for `ideal`); `path` is always projectDir. */
  arboristOptions?: Record<string, unknown>
  /** npm's `allow-scripts` setting from the .npmrc files, with the file that set it (lib/fetch/npm-script-settings.ts). */
  npmrcAllowScripts?: { value: unknown; file: string }
  /** `--lockfile`: the lockfile to read (absolute, in the project folder), instead of the first found. */
  lockfile?: string
  /**
   * How an npm lockfile becomes the tree in lockfile mode: `auto` (default) reads it directly
   * (npm-lock-tree.ts) when that reader handles everything in it, else with arborist's loadVirtual;
   * `arborist` always uses arborist (the reference the direct reader is tested against).
   */
  npmLockReader?: 'auto' | 'arborist'
}

/** The root package.json fields that say which npm installs the project, as written (untrusted, parsed by the policy stage). */
export interface DeclaredPackageManager {
  packageManager?: unknown
  devEngines?: unknown
}

export interface TreeResult {
  packages: PackageRef[]
  root: { name: string; version: string; path: string }
  /** The lockfile used; null only in `ideal` mode for a project without one. */
  lockfile: string | null
  /** Which package manager's lockfile it is (`npm` also for none, in `ideal` mode). */
  lockfileFormat: LockfileFormat
  /** Other lockfiles the project has that were not read. */
  ignoredLockfiles: string[]
  /** `installed` mode: where node_modules differs from the lockfile; [] in the other modes. */
  mismatches: InstalledMismatch[]
  /** Where npm's allowScripts policy comes from, and the entries npm ignores. */
  allowScripts: AllowScriptsSource
  /** package.json's `packageManager` and `devEngines`, as written. */
  declared: DeclaredPackageManager
}

export async function loadPackages(options: LoadPackagesOptions): Promise<TreeResult> {
  const projectDir = resolve(options.projectDir)
  const mode = options.mode ?? 'lockfile'
  const omit = new Set<string>(options.omit ?? [])
  await assertDirectory(projectDir)

  // 1. The lockfile: required, except when `ideal` mode resolves the tree from scratch.
  const found = await findProjectLockfile(projectDir, options.lockfile)
  if (!found && mode !== 'ideal') throw noLockfileError(projectDir)
  const format = found?.format ?? 'npm'
  if (format !== 'npm' && mode !== 'lockfile') {
    throw new TreeError('ELOCKFILE', `${found!.path}: --${mode} works with npm's lockfile only; a ${format} project is checked from its lockfile`, {
      file: found!.path,
      hint: `Leave out --${mode}: verify-deps checks ${LOCKFILE_LABEL[format]} as it is, before "${format} install" runs.`,
    })
  }
  const graph = found && format !== 'npm' ? await readLockGraph(found.path, format, projectDir) : null
  const read = found && format === 'npm' ? await readLockfile(found.path) : null
  const lockfile = read && entriesNeeded(read.lockfile, mode)
  const lockfilePath = found?.path ?? null

  const manifestPath = join(projectDir, 'package.json')
  const manifest = await readManifest(manifestPath)
  const rootName = stringField(manifest?.name) ?? lockfile?.packages.get('')?.name
  // npm reads allowScripts from the project root's package.json (npm.prefix), also for a workspace install.
  const allowScripts = resolveAllowScripts({ value: manifest?.allowScripts, file: manifestPath }, options.npmrcAllowScripts)

  // 2. The tree.
  const tree = graph ? graphToTree(graph, projectDir) : ((await readLockTree(projectDir, mode, lockfile, read?.document, manifest, options)) ?? (await loadTree(projectDir, mode, lockfile, options.arboristOptions ?? {})))
  if (!graph) shortcutBundlerQueries(tree)

  // 3. The walk: the root (and through it every workspace), or only the chosen workspaces.
  const seeds: WalkSeed[] = options.workspaces?.length
    ? [
        ...selectWorkspaces(tree, options.workspaces, projectDir).map((node) => ({ node, via: tree })),
        ...(options.includeWorkspaceRoot ? rootDependencySeeds(tree, omit) : []),
      ]
    : [{ node: tree, via: null }]
  const walk = walkTree(tree, rootName ?? ROOT_LABEL, seeds, omit)

  // 4. Distinct packages. With every workspace selected, unreachable (extraneous) nodes are kept and
  //    marked, so nothing in the tree goes unreported.
  const nodes = options.workspaces?.length ? walk.nodes : tree.inventory.values()
  const invalidFile = mode === 'installed' ? null : lockfilePath
  const packages = collectPackages(nodes, {
    projectDir,
    walk,
    omit,
    registryFor: options.registryFor,
    rewrite: resolvedRewriteFor(format, options),
    allowScripts: allowScripts.policy,
    // pnpm and yarn run install scripts by their own rules, not npm's allowScripts (docs/check.md).
    installScripts: format === 'npm',
    invalid: (node, detail) =>
      invalidFile
        ? new TreeError('ELOCKFILE', `${invalidFile}: packages[${JSON.stringify(node.location)}] ${detail}`, { file: invalidFile, hint: REGENERATE_HINT[format] })
        : new TreeError('ELOADTREE', `${join(node.path, 'package.json')}: ${detail}`, { file: join(node.path, 'package.json') }),
  })

  // 5. The lockfile must give every dependency the manifests ask for; in `installed` mode,
  //    node_modules must be what the lockfile says.
  if (mode === 'lockfile' && lockfilePath) assertCoversManifests(tree, lockfilePath, format)
  const mismatches = mode === 'installed' && lockfile ? compareInstalled(tree, lockfile, omit) : []

  return {
    packages,
    root: { name: rootName ?? ROOT_LABEL, version: tree.version, path: projectDir },
    lockfile: lockfilePath,
    lockfileFormat: format,
    ignoredLockfiles: found?.ignored ?? [],
    mismatches,
    allowScripts: { source: allowScripts.source, ...(allowScripts.file !== undefined && { file: allowScripts.file }), ignored: allowScripts.ignored },
    declared: {
      ...(manifest?.packageManager !== undefined && { packageManager: manifest.packageManager }),
      ...(manifest?.devEngines !== undefined && { devEngines: manifest.devEngines }),
    },
  }
}

/**
 * The lockfile's tree without arborist (npm-lock-tree.ts), in lockfile mode, when the lockfile needs
 * nothing more than that reader does; null otherwise (and with `npmLockReader: 'arborist'`).
 */
function readLockTree(projectDir: string, mode: TreeMode, lockfile: Lockfile | null, document: unknown, manifest: Manifest | undefined, options: LoadPackagesOptions): Promise<ArboristNode | null> | null {
  if (mode !== 'lockfile' || !lockfile || options.npmLockReader === 'arborist') return null
  return readNpmLockTree(projectDir, lockfile.path, manifest, options.arboristOptions, document)
}

async function loadTree(projectDir: string, mode: TreeMode, lockfile: Lockfile | null, arboristOptions: Record<string, unknown>): Promise<ArboristNode> {
  const arborist = createArborist({ ...arboristOptions, path: projectDir })
  const file = lockfile?.path ?? projectDir
  try {
    switch (mode) {
      case 'lockfile':
        return await arborist.loadVirtual()
      case 'installed':
        if (lockfile && needsNodeModules(lockfile) && !(await isDirectory(join(projectDir, 'node_modules')))) {
          throw new TreeError('ENONODEMODULES', `No node_modules in ${projectDir}: nothing is installed to compare with ${lockfile.path}`, {
            file: join(projectDir, 'node_modules'),
            hint: 'Run "npm ci" first, or verify the lockfile alone (the default mode).',
          })
        }
        // forceActual: read every package.json on disk, never node_modules/.package-lock.json, which
        // is npm's cache of what it believes it installed.
        return await arborist.loadActual({ forceActual: true })
      case 'ideal':
        return await arborist.buildIdealTree()
    }
  } catch (err) {
    if (err instanceof TreeError) throw err
    if (mode === 'ideal') {
      throw new TreeError('EIDEALTREE', `Could not resolve the dependency tree of ${projectDir}: ${describeError(err)}`, {
        file: projectDir,
        cause: err,
        hint: 'Check the registry configuration and network, or verify the committed lockfile (the default mode).',
      })
    }
    throw new TreeError('ELOADTREE', `${file}: cannot be loaded as a dependency tree: ${describeError(err)}`, {
      file,
      cause: err,
      hint: 'Regenerate the lockfile with "npm install --package-lock-only".',
    })
  }
}

/** The root's own dependencies (not its workspaces), as arborist's reify adds them for `include-workspace-root` (includeRootDeps). */
function rootDependencySeeds(tree: ArboristNode, omit: Set<string>): WalkSeed[] {
  const seeds: WalkSeed[] = []
  for (const edge of tree.edgesOut.values()) {
    if (edge.type !== 'workspace' && edge.to && !edge.to.shouldOmit(omit)) seeds.push({ node: edge.to, via: tree })
  }
  return seeds
}

/** The workspace nodes named (by package name or by path relative to the project). */
function selectWorkspaces(tree: ArboristNode, wanted: string[], projectDir: string): ArboristNode[] {
  const workspaces = tree.workspaces ?? new Map<string, string>()
  const byPath = new Map([...workspaces].map(([name, path]) => [resolve(path), name]))
  return wanted.map((want) => {
    const name = workspaces.has(want) ? want : byPath.get(resolve(projectDir, want))
    const path = name === undefined ? undefined : workspaces.get(name)
    const node = path === undefined ? undefined : findNodeAt(tree, path)
    if (!node) {
      const known = [...workspaces.keys()]
      throw new TreeError('ENOWORKSPACE', `No workspace "${want}" in ${projectDir}${known.length ? ` (workspaces: ${known.join(', ')})` : ' (it has no workspaces)'}`, {
        file: join(projectDir, 'package.json'),
        hint: 'Name a workspace by its package name or folder.',
      })
    }
    return node
  })
}

/**
 * The lockfile must give every root and workspace dependency (coverage.ts): one that is missing or
 * does not satisfy package.json is an unusable lockfile, never a pass over what it does list.
 */
function assertCoversManifests(tree: ArboristNode, lockfilePath: string, format: LockfileFormat): void {
  const uncovered = findUncoveredDependencies(tree)
  if (uncovered.length === 0) return
  const SHOWN = 5
  const lines = uncovered.slice(0, SHOWN).map(describeUncovered)
  if (uncovered.length > SHOWN) lines.push(`and ${uncovered.length - SHOWN} more`)
  throw new TreeError('ELOCKSYNC', `${lockfilePath}: does not match package.json: ${lines.join('; ')}`, {
    file: lockfilePath,
    hint: `Run "${format} install" to bring the lockfile in line with package.json, review the change, and commit both.`,
  })
}

function findNodeAt(tree: ArboristNode, path: string): ArboristNode | undefined {
  return tree.inventory.get(relative(tree.path, path).replace(/\\/g, '/'))
}

/**
 * Only `installed` mode reads the lockfile's entries after validation (compareInstalled); the other
 * modes need its root entry alone, so the rest is let go before arborist builds its own tree from the
 * same file (about 3 MB at 10,000 packages, held at the tree stage's memory peak).
 */
function entriesNeeded(lockfile: Lockfile, mode: TreeMode): Lockfile {
  if (mode === 'installed') return lockfile
  const root = lockfile.packages.get('')
  return { ...lockfile, packages: new Map(root ? [['', root]] : []) }
}

/** A lockfile with no installed packages (no dependencies) is satisfied by an absent node_modules. */
function needsNodeModules(lockfile: Lockfile): boolean {
  for (const [location, entry] of lockfile.packages) {
    if (/(^|\/)node_modules\//.test(location) && !entry.optional) return true
  }
  return false
}

/**
 * How the installer treats a lockfile's tarball URL. npm rewrites it (replace-registry-host); pnpm
 * and yarn 1 fetch it as written. registry.yarnpkg.com, yarn 1's default, serves the npm registry
 * (npmjs.org) under another name: its URLs count as registry.npmjs.org's, so a yarn project on the
 * public registry is bound as an npm one is, and one behind another registry is not.
 */
function resolvedRewriteFor(format: LockfileFormat, options: LoadPackagesOptions): ResolvedRewrite {
  // Any unscoped name gives the default registry.
  const registry = options.resolvedRewrite?.registry ?? options.registryFor('npm')
  if (format === 'pnpm') return { registry, replaceRegistryHost: 'never', installer: 'pnpm' }
  if (format === 'yarn') return { registry: 'https://registry.npmjs.org/', replaceRegistryHost: 'registry.yarnpkg.com', installer: 'yarn' }
  return options.resolvedRewrite ?? { registry }
}

const LOCKFILE_LABEL: Record<LockfileFormat, string> = { npm: 'package-lock.json', pnpm: 'pnpm-lock.yaml', yarn: 'yarn.lock' }

const REGENERATE_HINT: Record<LockfileFormat, string> = { npm: 'Regenerate it with "npm install --package-lock-only".', pnpm: PNPM_LOCKFILE_HINT, yarn: YARN_LOCKFILE_HINT }

function readLockGraph(path: string, format: Exclude<LockfileFormat, 'npm'>, projectDir: string): Promise<LockGraph> {
  return format === 'pnpm' ? readPnpmLockfile(path, projectDir) : readYarnLockfile(path, projectDir)
}

async function assertDirectory(projectDir: string): Promise<void> {
  if (!(await isDirectory(projectDir))) {
    throw new TreeError('ENOPROJECT', `${projectDir} is not a directory`, { file: projectDir, hint: 'Point it at the folder that holds package.json.' })
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false
}
