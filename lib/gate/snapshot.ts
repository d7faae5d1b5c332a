/**
 * The files a gated install may change, kept byte for byte so a refused install leaves the project
 * exactly as it was: package.json, the lockfiles, and each workspace's package.json (`npm install
 * <pkg> -w <ws>` edits that one). A file that did not exist is deleted again on restore.
 */
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, normalize, relative, sep } from 'node:path'

export interface FileSnapshot {
  path: string
  /** The bytes before, or null when the file did not exist. */
  bytes: Buffer | null
}

export function snapshotFiles(paths: readonly string[]): FileSnapshot[] {
  return [...new Set(paths)].map((path) => ({ path, bytes: readIfFile(path) }))
}

/** Puts every file back as it was; returns the paths that had changed. */
export function restoreFiles(snapshots: readonly FileSnapshot[]): string[] {
  const restored: string[] = []
  for (const { path, bytes } of snapshots) {
    const now = readIfFile(path)
    if (now === null ? bytes === null : bytes !== null && now.equals(bytes)) continue
    if (bytes === null) unlinkSync(path)
    else writeFileSync(path, bytes)
    restored.push(path)
  }
  return restored
}

/** The paths whose bytes differ from the snapshot. */
export function changedFiles(snapshots: readonly FileSnapshot[]): string[] {
  return snapshots
    .filter(({ path, bytes }) => {
      const now = readIfFile(path)
      return now === null ? bytes !== null : bytes === null || !now.equals(bytes)
    })
    .map(({ path }) => path)
}

const ROOT_FILES = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json']

/**
 * The files npm install may rewrite in `projectDir`. Workspaces come from the lockfile's
 * `packages` keys that are folders of the project, and from package.json `workspaces` entries that
 * are a folder or `folder/*`. Both files are attacker-controllable (they arrive in pull requests):
 * only paths inside the project are taken.
 */
export function filesNpmMayChange(projectDir: string): string[] {
  const folders = new Set<string>()
  for (const name of ['npm-shrinkwrap.json', 'package-lock.json']) {
    const lock = readJsonObject(join(projectDir, name))
    const packages = lock?.packages
    if (packages && typeof packages === 'object') {
      for (const key of Object.keys(packages)) if (key !== '' && !key.split('/').includes('node_modules')) folders.add(key)
    }
  }
  const workspaces = readJsonObject(join(projectDir, 'package.json'))?.workspaces
  const patterns = Array.isArray(workspaces) ? workspaces : Array.isArray((workspaces as { packages?: unknown })?.packages) ? (workspaces as { packages: unknown[] }).packages : []
  for (const pattern of patterns) {
    if (typeof pattern !== 'string') continue
    if (!/[*?[{]/.test(pattern)) folders.add(pattern)
    else if (/^[^*?[{]+\/\*$/.test(pattern)) for (const child of listDirs(join(projectDir, pattern.slice(0, -2)))) folders.add(`${pattern.slice(0, -2)}/${child}`)
  }
  const files = ROOT_FILES.map((f) => join(projectDir, f))
  for (const folder of folders) {
    const path = join(projectDir, normalize(folder), 'package.json')
    const rel = relative(projectDir, path)
    if (!isAbsolute(folder) && !rel.startsWith('..' + sep) && !isAbsolute(rel)) files.push(path)
  }
  return files
}

function readIfFile(path: string): Buffer | null {
  try {
    return statSync(path).isFile() ? readFileSync(path) : null
  } catch {
    return null
  }
}

function readJsonObject(path: string): Record<string, unknown> | null {
  if (!existsSync(path)) return null
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)
  } catch {
    return []
  }
}
