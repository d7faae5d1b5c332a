#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled TypeScript (dist/), built by `npm run build`.
// `--version` loads only its own small module (dist/cli/version.js), not the CLI.
const argv = process.argv.slice(2)
if (argv[0] === '--version' || argv[0] === '-v') {
  const { printVersion } = await import('../dist/cli/version.js')
  printVersion()
} else {
  const { main } = await import('../dist/cli/main.js')
  process.exitCode = await main(argv)
}
