import { statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { RunError } from '../fetch/errors.js'
import { EXIT, type ExitCode } from './exit-codes.js'
import { processTerminal, type Terminal } from './terminal.js'
import { runVerifyCommand } from './verify-command.js'
import { runCheckCommand } from './check-command.js'
import { runExplainCommand, runPolicyCommand } from './policy-commands.js'
import { runCiCommand, runInstallCommand } from './install-command.js'
import { runSetupCommand } from './setup-command.js'
import { runDemoCommand } from './demo-command.js'
import { PolicyError } from '../policy/errors.js'
import { TreeError } from '../tree/index.js'

const require = createRequire(import.meta.url)
const pkg = require('../../package.json') as { name: string; version: string }

export const HELP = `verify-deps ${pkg.version}
Check that a project's npm dependencies were signed and built by the publishers
and pipelines its trust policy allows.

Usage:
  verify-deps [check] [dir] [options]
                           verify every package in the project's lockfile (see "verify-deps check --help")
  verify-deps install [<pkg> ...] [options]
                           check what npm would install, then install it; refused packages never reach
                           node_modules (see "verify-deps install --help")
  verify-deps ci [options] check the lockfile, then run npm ci only if it passes
  verify-deps setup [dir] [--force]
                           add the preinstall hook and a starter policy; print the npm settings to use
  verify-deps policy check [FILE]
                           validate a trust policy file without running the check
  verify-deps explain <name>[@version] [dir]
                           show which policy rule decided a package, and why
  verify-deps verify <file.tgz> [--attestations FILE] [--packument FILE] [--json]
                           verify one package tarball offline (see "verify-deps verify --help")
  verify-deps demo         run the check on a built-in sample project, offline (see "verify-deps demo --help")
  verify-deps --help       show this help
  verify-deps --version    print the version

Exit codes:
  0  nothing failed (warnings allowed)
  1  at least one package failed
  2  usage, configuration, policy or lockfile error
  3  could not verify (registry, network or trust-material failure)
`

const COMMANDS: Record<string, (argv: readonly string[], term: Terminal) => Promise<ExitCode>> = {
  verify: runVerifyCommand,
  check: (argv, term) => runCheckCommand(argv, term, context()),
  policy: (argv, term) => runPolicyCommand(argv, term, context()),
  explain: (argv, term) => runExplainCommand(argv, term, context()),
  install: (argv, term) => runInstallCommand(argv, term, context()),
  ci: (argv, term) => runCiCommand(argv, term, context()),
  setup: (argv, term) => runSetupCommand(argv, term, context()),
  demo: (argv, term) => runDemoCommand(argv, term, context()),
}

function context() {
  return { env: process.env, cwd: process.cwd(), toolVersion: pkg.version }
}

/** Runs the CLI with the given arguments and resolves to the process exit code. Never throws. */
export async function main(argv: readonly string[], term: Terminal = processTerminal): Promise<ExitCode> {
  const [first, ...rest] = argv
  try {
    if (first === '--help' || first === '-h' || first === 'help') {
      term.out(HELP)
      return EXIT.OK
    }
    if (first === '--version' || first === '-v') {
      term.out(`${pkg.version}\n`)
      return EXIT.OK
    }
    // No command, an option or a directory: the default command, check.
    const command = COMMANDS[first ?? '']
    if (!command && (first === undefined || first.startsWith('-') || isDirectory(first))) return await COMMANDS.check!(argv, term)
    if (!command) {
      term.err(`verify-deps: unknown command or option "${first}"\nRun "verify-deps --help" for usage.\n`)
      return EXIT.USAGE
    }
    return await command(rest, term)
  } catch (err) {
    return reportError(err, term)
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** The one place that turns an error into a message and an exit code: never a stack trace. */
function reportError(err: unknown, term: Terminal): ExitCode {
  if (err instanceof PolicyError) {
    // Every problem in the file, each as file:line:column: path: what is wrong.
    for (const e of err.errors) term.err(`verify-deps: ${e.message}\n${e.hint ? `  ${e.hint}\n` : ''}`)
    return EXIT.USAGE
  }
  if (err instanceof RunError || err instanceof TreeError) {
    term.err(`verify-deps: ${err.message}\n${err.hint ? `${err.hint}\n` : ''}`)
    return err.kind === 'usage' ? EXIT.USAGE : EXIT.COULD_NOT_VERIFY
  }
  // node:util parseArgs reports unknown or malformed options with these codes.
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    term.err(`verify-deps: ${(err as Error).message}\nRun "verify-deps --help" for usage.\n`)
    return EXIT.USAGE
  }
  term.err(`verify-deps: internal error: ${(err as Error)?.message ?? String(err)}\nPlease report this at the verify-deps issue tracker.\n`)
  return EXIT.COULD_NOT_VERIFY
}
