/**
 * `verify-deps --version`, answered by the launcher (bin/verify-deps.js) before the CLI is loaded: it
 * reads package.json and prints one line, so that it costs little more than starting node.
 * lib/cli/main.ts answers it the same way for library callers of `main`.
 */
import { readFileSync } from 'node:fs'

/** Prints the version in package.json, as main does for `--version` and `-v`. */
export function printVersion(): void {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  process.stdout.write(`${pkg.version}\n`)
}
