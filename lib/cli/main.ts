import { createRequire } from 'node:module'
import { EXIT, type ExitCode } from './exit-codes.js'

const require = createRequire(import.meta.url)
const pkg = require('../../package.json') as { name: string; version: string }

export const HELP = `verify-deps ${pkg.version}
Check that a project's npm dependencies were signed and built by the publishers
and pipelines its trust policy allows.

Usage:
  verify-deps --help       show this help
  verify-deps --version    print the version

Exit codes:
  0  nothing failed (warnings allowed)
  1  at least one package failed
  2  usage, configuration, policy or lockfile error
  3  could not verify (registry, network or trust-material failure)
`

/** Runs the CLI with the given arguments and resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  const [first] = argv
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(HELP)
    return EXIT.OK
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${pkg.version}\n`)
    return EXIT.OK
  }
  process.stderr.write(`verify-deps: unknown command or option "${first}"\nRun "verify-deps --help" for usage.\n`)
  return EXIT.USAGE
}
