/**
 * The scenario's project directory: package.json (and workspaces), an `.npmrc` that points npm —
 * and verify-deps — at the loopback registry, extra files, and a package-lock.json written by the
 * real npm CLI, so lockfile quirks come from npm rather than from a hand-written imitation.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
import { runNpm, type NpmResult } from '../registry/index.js'
import type { PackageSpec, ProjectFile, ProjectSpec } from './options.js'

export const DEFAULT_PROJECT_NAME = 'scenario-project'
export const LOCKFILE_ARGS = ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'] as const

/**
 * npm's retry backoff (10 s to 60 s by default) is for the internet; against the loopback registry
 * it only turns an expected failure (EINTEGRITY, an injected 500) into minutes. npm still retries.
 */
export const LOOPBACK_NPM_CONFIG: Readonly<Record<string, string>> = { 'fetch-retry-mintimeout': '10', 'fetch-retry-maxtimeout': '100' }

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const

export interface RegistryAccess {
  url: string
  token: string | null
}

/** Each declared name that no declared package depends on, at the exact version declared last. */
export function defaultRootDependencies(packages: readonly PackageSpec[]): Record<string, string> {
  const depended = new Set(
    packages.flatMap((p) => [p.dependencies, p.optionalDependencies, p.peerDependencies].flatMap((deps) => Object.keys(deps ?? {}))),
  )
  const roots = new Map<string, string>()
  for (const p of packages) if (!depended.has(p.name)) roots.set(p.name, p.version)
  return Object.fromEntries([...roots].sort(([a], [b]) => a.localeCompare(b)))
}

/** `.npmrc` lines: the default registry and, with a token, its auth for that host and path. */
export function formatNpmrc(registry: RegistryAccess): string {
  const lines = [`registry=${registry.url}`]
  // npm matches credentials by "nerf dart": the registry URL without its scheme.
  if (registry.token !== null) lines.push(`${registry.url.replace(/^https?:/, '')}:_authToken=${registry.token}`)
  return lines.join('\n') + '\n'
}

export function writeProject(dir: string, spec: ProjectSpec, packages: readonly PackageSpec[], registry: RegistryAccess): void {
  const declaresDependencies = DEPENDENCY_FIELDS.some((field) => spec[field] !== undefined) || spec.workspaces !== undefined
  const workspaces = Object.entries(spec.workspaces ?? {})
  const packageJson: Record<string, unknown> = {
    name: spec.name ?? DEFAULT_PROJECT_NAME,
    version: '1.0.0',
    private: true,
    ...(declaresDependencies ? pickDependencies(spec) : { dependencies: defaultRootDependencies(packages) }),
    ...(workspaces.length > 0 ? { workspaces: workspaces.map(([path]) => path) } : {}),
    ...spec.packageJson,
  }
  writeFile(dir, 'package.json', formatJSON(packageJson))
  for (const [path, ws] of workspaces) {
    const manifest = { name: ws.name ?? posix.basename(path), version: ws.version ?? '1.0.0', ...pickDependencies(ws) }
    writeFile(dir, posix.join(path, 'package.json'), formatJSON(manifest))
  }
  const files: Record<string, ProjectFile> = { '.npmrc': formatNpmrc(registry), ...spec.files }
  for (const [path, content] of Object.entries(files)) {
    writeFile(dir, path, typeof content === 'function' ? content(registry) : content)
  }
}

/** Runs the real `npm install --package-lock-only` in `dir`; throws with npm's output if it fails. */
export async function generateLockfile(dir: string, scratchDir: string): Promise<NpmResult> {
  const result = await runNpm(LOCKFILE_ARGS, { cwd: dir, scratchDir, config: { ...LOOPBACK_NPM_CONFIG } })
  if (result.code !== 0) {
    throw new Error(`scenario: npm ${LOCKFILE_ARGS.join(' ')} exited ${String(result.code)}\n${result.stderr}${result.stdout}`)
  }
  return result
}

function pickDependencies(source: Partial<Record<(typeof DEPENDENCY_FIELDS)[number], Record<string, string>>>): Record<string, unknown> {
  return Object.fromEntries(DEPENDENCY_FIELDS.filter((f) => source[f] !== undefined).map((f) => [f, source[f]]))
}

function writeFile(root: string, path: string, content: string | Uint8Array): void {
  const target = join(root, path)
  mkdirSync(dirname(target), { recursive: true })
  writeFileSync(target, content)
}

function formatJSON(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n'
}
