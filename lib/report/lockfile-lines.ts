/**
 * Where a package sits in the lockfile, for SARIF regions and GitHub annotations: the path of
 * the lockfile relative to the project, and the line of each package entry. Pure: the CLI reads
 * the file and passes its text.
 */
import path from 'node:path'
import type { PackageResult, Report } from '../model.js'
import type { FormatOptions } from './types.js'

export const DEFAULT_LOCKFILE_PATH = 'package-lock.json'

/** The lockfile path to point at, relative and `/`-separated. */
export function lockfilePathFor(report: Report, options: FormatOptions): string {
  const toPosix = (p: string) => p.split(path.sep).join('/').replace(/\\/g, '/')
  if (options.lockfilePath) return toPosix(options.lockfilePath)
  const { root, lockfile } = report.project
  if (!lockfile) return DEFAULT_LOCKFILE_PATH
  if (!path.isAbsolute(lockfile)) return toPosix(lockfile)
  const relative = path.isAbsolute(root) ? path.relative(root, lockfile) : ''
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? toPosix(relative) : path.basename(lockfile)
}

/**
 * The 1-based line of each `"<location path>": {` key in a package-lock.json (v2/v3
 * `packages` section), first occurrence wins. A line scan rather than a JSON parse: JSON.parse
 * does not keep positions, and the keys npm writes sit one per line.
 */
export function indexLockfileLines(text: string): Map<string, number> {
  const lines = new Map<string, number>()
  const key = /^\s*"((?:[^"\\]|\\.)*)"\s*:\s*\{/
  text.split(/\r\n|\n|\r/).forEach((line, i) => {
    const m = key.exec(line)
    if (!m) return
    let name: string
    try {
      name = JSON.parse(`"${m[1]}"`) as string
    } catch {
      return
    }
    if (!lines.has(name)) lines.set(name, i + 1)
  })
  return lines
}

/** The line of the package's first location that the lockfile has, if any. */
export function packageLine(index: Map<string, number> | undefined, p: PackageResult): number | undefined {
  if (!index) return undefined
  for (const location of p.locations) {
    const line = index.get(location.path)
    if (line !== undefined) return line
  }
  return undefined
}
