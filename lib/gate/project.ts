import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

/**
 * The project npm would install into from `cwd`: the nearest folder with a package.json or a
 * node_modules (npm's local prefix), or null when there is none.
 */
export function findProjectRoot(cwd: string): string | null {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'node_modules'))) return dir
    if (dirname(dir) === dir) return null
  }
}
