#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled TypeScript (dist/), built by `npm run build`.
// `--version` is answered here, before the CLI is loaded, so that it costs no more than starting
// node and reading package.json (lib/cli/main.ts answers it the same way when called as a library).
import { readFileSync } from 'node:fs'

const argv = process.argv.slice(2)
if (argv[0] === '--version' || argv[0] === '-v') {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`)
} else {
  const { main } = await import('../dist/cli/main.js')
  process.exitCode = await main(argv)
}
