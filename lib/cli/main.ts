import { statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { ERRORS, inputError, VerifyDepsError, type ErrorCode } from '../errors.js'
import { EXIT, exitCodeForError, type ExitCode } from './exit-codes.js'
import { processTerminal, type Terminal } from './terminal.js'
import { PolicyFileError } from '../policy/errors.js'
import { plainText, stringifyJSON } from '../report/describe.js'

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
  verify-deps init [dir] [--force] [--dry-run]
                           write a policy and trust lockfile from the identities in the current tree
                           (see "verify-deps init --help")
  verify-deps trust update [dir] [--dry-run]
                           record each package's verified trust level and build identity in
                           verify-deps.trust.json and print what changed (see "verify-deps trust --help")
  verify-deps policy check [FILE] [--json]
                           validate a trust policy file without running the check
  verify-deps explain <name>[@version] [dir]
                           show which policy rule decided a package, and why
  verify-deps verify <file.tgz> [--attestations FILE] [--packument FILE] [--format NAME]
                           verify one package tarball offline (see "verify-deps verify --help")
  verify-deps audit --packages FILE | --lockfile DIR | --changes [options]
                           verify every version of a population of packages into a store, then
                           "audit report" its adoption metrics; "audit worker" processes share the
                           work through PostgreSQL (see "verify-deps audit --help")
  verify-deps demo         run the check on a built-in sample project, offline (see "verify-deps demo --help")
  verify-deps --help       show this help
  verify-deps --version    print the version

Exit codes:
  0  nothing failed (warnings allowed)
  1  at least one package failed
  2  usage, configuration, policy or lockfile error
  3  could not verify (registry, network or trust-material failure)
An error names its code (docs/errors.md); under --json it is also printed on stdout
as {"error":{"code","summary","detail"}}.
`

type Command = (argv: readonly string[], term: Terminal) => Promise<ExitCode>

/**
 * The commands, each loaded only when it runs (as the npm CLI loads its commands): `--version`,
 * `--help` and a usage error load none of them, so they cost little more than starting node.
 * test/cli/startup.test.ts checks that no heavy module is loaded for them.
 */
const COMMANDS: Record<string, Command> = {
  verify: async (argv, term) => (await import('./verify-command.js')).runVerifyCommand(argv, term, context()),
  check: async (argv, term) => (await import('./check-command.js')).runCheckCommand(argv, term, context()),
  policy: async (argv, term) => (await import('./policy-commands.js')).runPolicyCommand(argv, term, context()),
  explain: async (argv, term) => (await import('./policy-commands.js')).runExplainCommand(argv, term, context()),
  install: async (argv, term) => (await import('./install-command.js')).runInstallCommand(argv, term, context()),
  ci: async (argv, term) => (await import('./install-command.js')).runCiCommand(argv, term, context()),
  setup: async (argv, term) => (await import('./setup-command.js')).runSetupCommand(argv, term, context()),
  demo: async (argv, term) => (await import('./demo-command.js')).runDemoCommand(argv, term, context()),
  trust: async (argv, term) => (await import('./trust-command.js')).runTrustCommand(argv, term, context()),
  init: async (argv, term) => (await import('./init-command.js')).runInitCommand(argv, term, context()),
  audit: async (argv, term) => (await import('./audit-command.js')).runAuditCommand(argv, term, context()),
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
    const defaultCheck = !command && (first === undefined || first.startsWith('-') || isDirectory(first))
    if (!command && !defaultCheck) throw inputError('EUSAGE', `unknown command or option "${first}"`, 'Run "verify-deps --help" for usage.')
    // Any command may verify thousands of packages: once the heap is big, its growth is held back (heap.ts).
    ;(await import('./heap.js')).limitHeapGrowth()
    return command ? await command(rest, term) : await COMMANDS.check!(argv, term)
  } catch (err) {
    return reportError(err, term, wantsJSON(argv))
  }
}

/** `--json` or `--format json` among verify-deps' own arguments (npm's follow `--`). */
export function wantsJSON(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  const own = end === -1 ? argv : argv.slice(0, end)
  return own.some((arg, i) => arg === '--json' || arg === '--format=json' || (arg === '--format' && own[i + 1] === 'json'))
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** What an error says, in the shape npm prints under `--json`: `{"error":{"code","summary","detail"}}`. */
export interface ErrorReport {
  code: ErrorCode
  summary: string
  detail: string
  exitCode: ExitCode
}

/**
 * Classifies an error: its registered code, one-line summary, detail and exit code (from the registry
 * of run errors, lib/errors.ts). The detail is the error's own hint (or every problem in a policy
 * file), else the registry's fix for the code.
 */
export function describeError(err: unknown): ErrorReport {
  if (err instanceof PolicyFileError) {
    // Every problem in the file, each as file:line:column: path: what is wrong.
    const lines = err.errors.map((e) => `${e.message}${e.hint ? `\n  ${e.hint}` : ''}`)
    return errorReport('EPOLICY', err.errors[0]?.message ?? err.message, lines.length > 1 ? lines.join('\n') : err.errors[0]?.hint)
  }
  if (err instanceof VerifyDepsError) return errorReport(err.code, err.message, err.hint)
  // node:util parseArgs reports unknown or malformed options with these codes.
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return errorReport('EUSAGE', (err as Error).message)
  return errorReport('EINTERNAL', `internal error: ${(err as Error)?.message ?? String(err)}`)
}

function errorReport(code: ErrorCode, summary: string, hint?: string): ErrorReport {
  return { code, summary, detail: hint || ERRORS[code].fix, exitCode: exitCodeForError(code) }
}

/**
 * The one place that turns an error into a message and an exit code: never a stack trace. The
 * message goes to stderr; under `--json` / `--format json` the error is also printed as JSON on
 * stdout (as npm does), so a consumer of stdout always gets a JSON document.
 */
function reportError(err: unknown, term: Terminal, json = false): ExitCode {
  const e = describeError(err)
  if (err instanceof PolicyFileError) {
    for (const p of err.errors) term.err(plainText(`verify-deps: ${p.message}\n${p.hint ? `  ${p.hint}\n` : ''}`, true))
  } else {
    // Messages may quote attacker-controlled text (a package name from the lockfile): no escapes reach the terminal.
    term.err(plainText(`verify-deps: ${e.summary}\n${e.detail ? `${e.detail}\n` : ''}`, true))
  }
  if (json) term.out(stringifyJSON({ error: { code: e.code, summary: e.summary, detail: e.detail } }) + '\n')
  return e.exitCode
}
