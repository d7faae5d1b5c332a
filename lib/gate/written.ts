/**
 * What npm has already put on disk when verify-deps runs as the project's own install script
 * (npm 7+: after reify, see lib/gate/npm-settings.ts), read from the disk rather than assumed, so
 * the message states facts: is node_modules there, where are the failing packages installed, and
 * which of them have install scripts npm would have run before us.
 */
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, join, relative, sep } from 'node:path'
import type { PackageResult } from '../model.js'

export interface WrittenPackage {
  name: string
  version: string
  /** Locations of this package that are on disk, e.g. `node_modules/a`. */
  installedAt: string[]
  /** The install-time scripts npm runs for it (preinstall, install, postinstall; `install` for a binding.gyp). */
  installScripts: string[]
}

export interface WrittenState {
  nodeModules: boolean
  failing: WrittenPackage[]
}

const INSTALL_EVENTS = ['preinstall', 'install', 'postinstall'] as const

export function readWrittenState(projectDir: string, failing: readonly Pick<PackageResult, 'name' | 'version' | 'locations'>[]): WrittenState {
  return {
    nodeModules: existsSync(join(projectDir, 'node_modules')),
    failing: failing.map((p) => {
      const installedAt = p.locations.map((l) => l.path).filter((path) => insideProject(projectDir, path) && existsSync(join(projectDir, path, 'package.json')))
      const scripts = new Set(installedAt.flatMap((path) => installScriptsAt(join(projectDir, path))))
      return { name: p.name, version: p.version, installedAt, installScripts: INSTALL_EVENTS.filter((e) => scripts.has(e)) }
    }),
  }
}

// The installed package.json is the package's own (attacker-controlled) content: only which script
// keys exist is read, never a name or a command to show.
function installScriptsAt(dir: string): string[] {
  let scripts: unknown
  try {
    scripts = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: unknown }).scripts
  } catch {
    return []
  }
  const found = typeof scripts === 'object' && scripts !== null ? INSTALL_EVENTS.filter((e) => typeof (scripts as Record<string, unknown>)[e] === 'string') : []
  // npm runs `node-gyp rebuild` as the install script of a package with a binding.gyp and no install/preinstall.
  if (!found.includes('install') && !found.includes('preinstall') && existsSync(join(dir, 'binding.gyp'))) found.push('install')
  return found
}

function insideProject(projectDir: string, path: string): boolean {
  const rel = relative(projectDir, join(projectDir, path))
  return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel)
}
