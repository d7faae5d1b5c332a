/**
 * `verify-deps install` and `verify-deps ci`: arguments, the terminal, termination signals and exit
 * codes. The transaction itself (keep the files npm may change, lockfile-only npm run, the check,
 * put back or install) is lib/gate/install.ts.
 *
 * npm's output goes to stderr; stdout is the report's, as for the check.
 */
import { basename, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { redactArgs } from '../fetch/redact.js'
import { inputError, VerifyDepsError, type ErrorCode } from '../errors.js'
import { refuseNpmSettings, splitGateArgs } from '../gate/args.js'
import { runCiGate, runInstallGate, type GateOptions, type GateOutcome } from '../gate/install.js'
import { npmCommand, runNpm, type NpmRunResult } from '../gate/npm.js'
import { findProjectRoot } from '../fetch/npm-config.js'
import { findProjectLockfile } from '../tree/lockfile.js'
import { CHECK_OPTIONS, checkAndReport, type CheckContext } from './check-command.js'
import { EXIT, signalExitCode, type ExitCode } from './exit-codes.js'
import { lifecycleEvent } from './lifecycle.js'
import { onTerminationSignal } from './signals.js'
import type { Terminal } from './terminal.js'

const VERIFY_OPTIONS_HELP = `verify-deps options (the check's; run "verify-deps check --help"):
  --policy FILE  --offline  --trusted-root FILE  --registry-keys [URL=]FILE  --registry URL  --upstream URL
  --concurrency N  --fetch-timeout MS  --fetch-retries N  --cache-dir DIR  --no-cache
  --format NAME  --json  --output FILE  -h, --help
npm's arguments, in order: package specs, and the npm install/ci options verify-deps knows (--save-dev,
-E, --omit dev, -w NAME, --before DATE, --foreground-scripts, ...; docs/install-gates.md lists them).
Any other option before "--" is an error (exit 2), so a misspelling never reaches npm silently.
--registry goes to both. After "--" everything is npm's (e.g. "-- --offline" for npm's own
--offline); an option verify-deps does not know must be written --name=value or --no-name there.
Refused (exit 2), before "--" or after: arguments that undo the gate's flags or install elsewhere —
--package-lock-only, --dry-run, --no-package-lock, -g/--global, --location, --prefix/-C,
--allow-scripts (install also: --ignore-scripts=false, --no-save, --lockfile-version=1). The gate's own flags go
after yours, so npm_config_* variables and .npmrc cannot undo them either.`

export const INSTALL_HELP = `Usage: verify-deps install [options] [<npm install args> ...] [-- <npm args> ...]

Add or update dependencies with the check BEFORE anything reaches node_modules:
  1. keeps package.json, package-lock.json and npm-shrinkwrap.json (and workspace package.json files)
  2. npm install <npm args> --package-lock-only --ignore-scripts ...   (writes only the lockfile)
  3. checks the resulting lockfile, as "verify-deps check" does
  4. passed: npm ci <npm options>   (or npm install <npm options> with --npm-install)
  5. failed or could not verify: puts package.json and the lockfile back byte for byte (a lockfile
     that did not exist is removed) and exits with the check's code; node_modules is not touched.

  --npm-install  install with "npm install" instead of "npm ci" (keeps node_modules; npm may
                 rewrite the lockfile, which is then reported)
${VERIFY_OPTIONS_HELP}
Step 4 gets npm's options but not the package specs.

Exit codes: 0 installed · 1 a package failed (nothing installed) · 2 usage, configuration, policy or
lockfile error · 3 could not verify, or npm could not write the lockfile (nothing installed) ·
after a passing check, npm's own exit code.
Interrupted (SIGINT, SIGTERM, SIGHUP): npm is stopped, exit 128 + the signal's number (130, 143, 129);
before the check has passed, package.json and the lockfile are put back first.
`

export const CI_HELP = `Usage: verify-deps ci [options] [<npm ci args> ...] [-- <npm args> ...]

Check the project's lockfile as "verify-deps check" does, then run "npm ci <npm args>" only if the
check passed. Nothing is installed or removed when it fails.

${VERIFY_OPTIONS_HELP}

Exit codes: 0 installed · 1 a package failed (nothing installed) · 2 usage, configuration, policy or
lockfile error · 3 could not verify (nothing installed) · after a passing check, npm's own exit code.
Interrupted (SIGINT, SIGTERM, SIGHUP): npm is stopped, exit 128 + the signal's number (130, 143, 129).
`

/** The check's options that apply to a lockfile npm is about to install in full (no --installed, --ideal, -w, --omit). */
const GATE_CHECK_OPTIONS = pick(CHECK_OPTIONS, ['policy', 'registry', 'upstream', 'offline', 'trusted-root', 'registry-keys', 'concurrency', 'fetch-timeout', 'fetch-retries', 'cache-dir', 'no-cache', 'format', 'json', 'output', 'help'])

export const INSTALL_OPTIONS = { ...GATE_CHECK_OPTIONS, 'npm-install': { type: 'boolean' } } as const
export const CI_OPTIONS = GATE_CHECK_OPTIONS

/** Options meant for npm as much as for the check: npm must resolve from the registry that is verified. */
const SHARED_WITH_NPM = new Set(['registry'])

export async function runInstallCommand(argv: readonly string[], term: Terminal, ctx: CheckContext): Promise<ExitCode> {
  const { own, npm, settings } = splitGateArgs(argv, INSTALL_OPTIONS, SHARED_WITH_NPM)
  const { values } = parseArgs({ args: own, strict: true, allowPositionals: false, options: INSTALL_OPTIONS })
  if (values.help) {
    term.out(INSTALL_HELP)
    return EXIT.OK
  }
  refuseAsInstallScript('install', ctx.env)
  refuseNpmSettings(settings, 'install')
  const projectDir = await projectRoot(ctx)
  await refuseOtherPackageManager(projectDir, 'install')
  const shown = (path: string) => relative(ctx.cwd, path) || path
  const afterwards = (restored: readonly string[]) =>
    `Nothing was installed; ${restored.length ? `restored ${restored.map(shown).join(', ')}` : 'package.json and the lockfile are unchanged'}.`
  const refused = (exitCode: ExitCode, why: string, restored: readonly string[]): ExitCode => {
    term.err(`verify-deps: ${why}. ${afterwards(restored)}\n`)
    return exitCode
  }
  /** A refusal before the check ran: a run error with its registered code (main prints it, as JSON under --json). */
  const refusal = (code: ErrorCode, why: string, restored: readonly string[]) => new VerifyDepsError(code, `${why}. ${afterwards(restored)}`)

  // A termination signal stops npm; before the check has passed the gate puts every kept file back
  // and the exit is 128 + the signal's number.
  const stop = new AbortController()
  const stopListening = onTerminationSignal((signal) => stop.abort(signal))
  let outcome: GateOutcome
  try {
    outcome = await runInstallGate({
      ...gateOptions(projectDir, npm, stop.signal, term, ctx, () => checkAndReport(values, projectDir, term, ctx, { wholeProject: true }).then((r) => r.exitCode)),
      npmInstall: Boolean(values['npm-install']),
    })
  } finally {
    stopListening()
  }
  switch (outcome.kind) {
    case 'interrupted': {
      const exitCode = refused(signalExitCode(outcome.signal as NodeJS.Signals) as ExitCode, `interrupted by ${outcome.signal}`, outcome.restored)
      // The check goes on in this process after a stop request: end it here.
      if (outcome.duringCheck) process.exit(exitCode)
      return exitCode
    }
    case 'npm-not-started':
      // Before the check nothing is on stdout yet: an error (JSON under --json, as every run error).
      if (!outcome.afterCheck) throw refusal('ENPMSTART', `could not run npm (${outcome.reason})`, outcome.restored)
      term.err(`verify-deps: could not run npm (${outcome.reason}); the verified package.json and lockfile are kept.\n`)
      return EXIT.USAGE
    case 'lockfile-failed':
      throw refusal('ENPMLOCKFILE', `npm could not write the lockfile (exit ${outcome.npmCode})`, outcome.restored)
    case 'node-modules-created':
      throw refusal('ENODEMODULESCREATED', 'npm created node_modules during a --package-lock-only run; not going on', outcome.restored)
    case 'check-error':
      // The check could not run (policy, lockfile, registry): nothing verified, so nothing is kept.
      refused(EXIT.USAGE, 'the check could not run', outcome.restored)
      throw outcome.error
    case 'check-failed':
      return refused(outcome.checkCode as ExitCode, outcome.checkCode === EXIT.FAILED ? 'the check failed' : 'the check could not verify every package', outcome.restored)
    case 'install-interrupted':
      return installInterrupted(outcome, term, 'the verified package.json and lockfile are kept')
    case 'installed':
      if (outcome.rewritten.length) {
        term.err(`verify-deps: npm changed ${outcome.rewritten.map(shown).join(', ')} after the check; run "verify-deps" to check what is installed.\n`)
        return EXIT.COULD_NOT_VERIFY
      }
      return npmExitCode(outcome.npmCode)
  }
}

export async function runCiCommand(argv: readonly string[], term: Terminal, ctx: CheckContext): Promise<ExitCode> {
  const { own, npm, settings } = splitGateArgs(argv, CI_OPTIONS, SHARED_WITH_NPM)
  const { values } = parseArgs({ args: own, strict: true, allowPositionals: false, options: CI_OPTIONS })
  if (values.help) {
    term.out(CI_HELP)
    return EXIT.OK
  }
  refuseAsInstallScript('ci', ctx.env)
  refuseNpmSettings(settings, 'ci')
  const projectDir = await projectRoot(ctx)
  await refuseOtherPackageManager(projectDir, 'ci')

  // Nothing is written before npm ci, so a signal during the check ends the process as usual; once
  // npm ci runs, it goes on to npm and the exit is 128 + the signal's number.
  const stop = new AbortController()
  let stopListening = () => {}
  const options = gateOptions(projectDir, npm, stop.signal, term, ctx, () => checkAndReport(values, projectDir, term, ctx, { wholeProject: true }).then((r) => r.exitCode))
  let outcome: GateOutcome
  try {
    outcome = await runCiGate({
      ...options,
      onNpm: (args, afterCheck) => {
        options.onNpm?.(args, afterCheck)
        stopListening = onTerminationSignal((signal) => stop.abort(signal))
      },
    })
  } finally {
    stopListening()
  }
  switch (outcome.kind) {
    case 'check-failed':
      term.err(`verify-deps: ${outcome.checkCode === EXIT.FAILED ? 'the check failed' : 'the check could not verify every package'}; npm ci was not run, nothing was installed.\n`)
      return outcome.checkCode as ExitCode
    case 'install-interrupted':
      return installInterrupted(outcome, term, 'the lockfile is unchanged')
    case 'npm-not-started':
      term.err(`verify-deps: could not run npm (${outcome.reason}).\n`)
      return EXIT.USAGE
    case 'installed':
      return npmExitCode(outcome.npmCode)
    default:
      throw new Error(`verify-deps ci: unexpected gate outcome ${outcome.kind}`)
  }
}

/** What both gates share: npm run in the project with its output on stderr, stoppable; each npm command line shown (redacted). */
function gateOptions(projectDir: string, npmArgs: readonly string[], stop: AbortSignal, term: Terminal, ctx: CheckContext, check: () => Promise<number>): GateOptions {
  const command = npmCommand(ctx.env)
  return {
    projectDir,
    npmArgs,
    stop,
    check,
    runNpm: (args): Promise<NpmRunResult> => runNpm(args, { cwd: projectDir, env: ctx.env, command, onOutput: (chunk) => term.err(chunk), signal: stop }),
    onNpm: (args, afterCheck) => term.err(`verify-deps: ${afterCheck ? 'the check passed; ' : ''}npm ${redactArgs(args).join(' ')}\n`),
  }
}

/** Interrupted while npm installed after a passing check: npm was stopped; exit 128 + the signal's number. */
function installInterrupted(outcome: { signal: string; command: string }, term: Terminal, kept: string): ExitCode {
  term.err(`verify-deps: interrupted by ${outcome.signal}; npm ${outcome.command} was stopped and node_modules may be incomplete; ${kept}.\n`)
  return signalExitCode(outcome.signal as NodeJS.Signals) as ExitCode
}

/**
 * After a passing check the exit code is npm's, passed through as is (usually 0 or 1); ExitCode
 * names only verify-deps' own codes, so this is the one place a code outside them is returned.
 */
function npmExitCode(code: number): ExitCode {
  return code as ExitCode
}

async function projectRoot(ctx: CheckContext): Promise<string> {
  const root = await findProjectRoot(ctx.cwd, ctx.env)
  if (!root) throw inputError('ENOPACKAGEJSON', `no package.json in ${ctx.cwd} or any folder above it`, 'Run it in the project folder.')
  return root
}

/**
 * The gates run npm. In a pnpm or yarn project (its lockfile, no npm one) npm would ignore that
 * lockfile and resolve the tree afresh, so the check would vouch for a tree other than the one installed.
 */
async function refuseOtherPackageManager(projectDir: string, command: string): Promise<void> {
  const found = await findProjectLockfile(projectDir)
  if (found && found.format !== 'npm') {
    throw inputError(
      'ENOTNPMPROJECT',
      `verify-deps ${command} runs npm, but ${projectDir} is a ${found.format} project (${basename(found.path)}, no package-lock.json): npm would not install from that lockfile`,
      `Run "verify-deps check" and then "${found.format} install --frozen-lockfile" instead.`,
    )
  }
}

/** As the project's own install script these would run npm inside npm, and install again and again. */
function refuseAsInstallScript(command: string, env: NodeJS.ProcessEnv): void {
  const event = lifecycleEvent(env)
  if (event) {
    throw inputError(
      'ELIFECYCLE',
      `verify-deps ${command} runs npm itself and cannot be the project's "${event}" script (npm would run it again, without end)`,
      'As an install script use "verify-deps" (the check); run "verify-deps install" / "verify-deps ci" yourself instead of npm.',
    )
  }
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, from[k]])) as Pick<T, K>
}
