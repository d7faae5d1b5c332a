/**
 * The install gates: verify the lockfile before npm writes anything to node_modules.
 *
 *   verify-deps install [<pkg> ...]  1. keep package.json and the lockfiles (bytes, or absence)
 *                                    2. npm install --package-lock-only --ignore-scripts <args>
 *                                    3. the check, on the lockfile npm wrote
 *                                    4. passed: npm ci (or npm install with --npm-install)
 *                                    5. otherwise: put every kept file back, exit with the check's code
 *   verify-deps ci                   the check on the lockfile as it is, then npm ci only if it passed
 *
 * npm's output goes to stderr; stdout is the report's, as for the check.
 */
import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { redactArgs } from '../fetch/redact.js'
import { inputError } from '../errors.js'
import { npmOptionsOnly, refuseNpmSettings, splitGateArgs } from '../gate/args.js'
import { npmCommand, runNpm, type NpmRunResult } from '../gate/npm.js'
import { findProjectRoot } from '../gate/project.js'
import { changedFiles, filesNpmMayChange, restoreFiles, snapshotFiles } from '../gate/snapshot.js'
import { CHECK_OPTIONS, checkAndReport, type CheckContext } from './check-command.js'
import { EXIT, signalExitCode, type ExitCode } from './exit-codes.js'
import { lifecycleEvent } from './lifecycle.js'
import { onTerminationSignal, type TerminationSignal } from './signals.js'
import type { Terminal } from './terminal.js'

const VERIFY_OPTIONS_HELP = `verify-deps options (the check's; run "verify-deps check --help"):
  --policy FILE  --offline  --trusted-root FILE  --registry-keys [URL=]FILE  --registry URL
  --concurrency N  --fetch-timeout MS  --fetch-retries N  --cache-dir DIR  --no-cache
  --format NAME  --json  --output FILE  -h, --help
npm's arguments, in order: package specs, and the npm install/ci options verify-deps knows (--save-dev,
-E, --omit dev, -w NAME, --before DATE, --foreground-scripts, ...; docs/install-gates.md lists them).
Any other option before "--" is an error (exit 2), so a misspelling never reaches npm silently.
--registry goes to both. After "--" everything is npm's (e.g. "-- --offline" for npm's own
--offline); an option verify-deps does not know must be written --name=value or --no-name there.
Refused (exit 2), before "--" or after: arguments that undo the gate's flags or install elsewhere —
--package-lock-only, --dry-run, --no-package-lock, -g/--global, --location, --prefix/-C
(install also: --ignore-scripts=false, --no-save, --lockfile-version=1). The gate's own flags go
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
const GATE_CHECK_OPTIONS = pick(CHECK_OPTIONS, ['policy', 'registry', 'offline', 'trusted-root', 'registry-keys', 'concurrency', 'fetch-timeout', 'fetch-retries', 'cache-dir', 'no-cache', 'format', 'json', 'output', 'help'])

export const INSTALL_OPTIONS = { ...GATE_CHECK_OPTIONS, 'npm-install': { type: 'boolean' } } as const
export const CI_OPTIONS = GATE_CHECK_OPTIONS

/** Options meant for npm as much as for the check: npm must resolve from the registry that is verified. */
const SHARED_WITH_NPM = new Set(['registry'])

/**
 * What the gate's npm runs get after the user's arguments. npm reads its command line left to
 * right and the last setting wins, and the command line wins over the environment and every
 * .npmrc: so these hold whatever npm_config_* variables or a project .npmrc (a pull request can
 * edit both) say. Arguments that contradict them are refused before (lib/gate/args.ts).
 */
const WHERE_AND_WHAT = ['--no-dry-run', '--no-global', '--location=project']
/** Step 2: resolve and write only the lockfile (and package.json), no node_modules, no scripts. */
export const LOCKFILE_ONLY_FLAGS = ['--package-lock-only', '--ignore-scripts', '--package-lock', '--save', ...WHERE_AND_WHAT]
/** Step 4 and `verify-deps ci`: npm ci installs the lockfile (it never skips or writes it itself). */
export const CI_FLAGS = ['--no-package-lock-only', ...WHERE_AND_WHAT]
/** Step 4 with --npm-install: from the verified lockfile, and a lockfile rewrite must show (it is reported). */
export const NPM_INSTALL_FLAGS = ['--no-package-lock-only', '--package-lock', '--save', ...WHERE_AND_WHAT]

export async function runInstallCommand(argv: readonly string[], term: Terminal, ctx: CheckContext): Promise<ExitCode> {
  const { own, npm, settings } = splitGateArgs(argv, INSTALL_OPTIONS, SHARED_WITH_NPM)
  const { values } = parseArgs({ args: own, strict: true, allowPositionals: false, options: INSTALL_OPTIONS })
  if (values.help) {
    term.out(INSTALL_HELP)
    return EXIT.OK
  }
  refuseAsInstallScript('install', ctx.env)
  refuseNpmSettings(settings, 'install')
  const projectDir = projectRoot(ctx.cwd)
  const stopNpm = new AbortController()
  const run = npmRunner(projectDir, term, ctx, stopNpm.signal)
  const shown = (path: string) => relative(ctx.cwd, path) || path

  // 1. What npm may change, as it is now; node_modules must be left alone until the check passes.
  const kept = snapshotFiles(filesNpmMayChange(projectDir))
  const nodeModules = join(projectDir, 'node_modules')
  const nodeModulesBefore = existsSync(nodeModules)
  const refuse = (exitCode: ExitCode, why: string): ExitCode => {
    const restored = restoreFiles(kept)
    term.err(
      `verify-deps: ${why}. Nothing was installed; ${restored.length ? `restored ${restored.map(shown).join(', ')}` : 'package.json and the lockfile are unchanged'}.\n`,
    )
    return exitCode
  }

  // Until the check has passed, a termination signal stops npm, puts every kept file back and exits
  // 128 + the signal's number. While npm runs, the flow below does it once npm has exited (npm must
  // not write after the files are put back); while the check runs in this process, the handler does.
  let signalled: TerminationSignal | null = null
  let npmRunning = false
  const interrupted = (signal: TerminationSignal): ExitCode => refuse(signalExitCode(signal) as ExitCode, `interrupted by ${signal}`)
  const stopListening = onTerminationSignal((signal) => {
    signalled = signal
    stopNpm.abort(signal)
    if (!npmRunning) process.exit(interrupted(signal))
  })
  const runLockfileOnly = async (args: string[]) => {
    npmRunning = true
    try {
      return await run(args)
    } finally {
      npmRunning = false
    }
  }

  let exitCode: ExitCode
  try {
    // 2. The lockfile only: npm resolves the new tree and writes package-lock.json, no node_modules, no scripts.
    const lockfileOnlyArgs = ['install', '--no-audit', '--no-fund', ...npm, ...LOCKFILE_ONLY_FLAGS]
    term.err(`verify-deps: npm ${redactArgs(lockfileOnlyArgs).join(' ')}\n`)
    const locked = await runLockfileOnly(lockfileOnlyArgs)
    if (signalled) return interrupted(signalled)
    if (locked.kind === 'not-started') return refuse(EXIT.USAGE, `could not run npm (${locked.reason})`)
    if (locked.code !== 0) return refuse(EXIT.COULD_NOT_VERIFY, `npm could not write the lockfile (exit ${locked.code})`)
    if (!nodeModulesBefore && existsSync(nodeModules)) return refuse(EXIT.COULD_NOT_VERIFY, 'npm created node_modules during a --package-lock-only run; not going on')

    // 3. The check, on the lockfile npm just wrote.
    exitCode = (await checkAndReport(values, projectDir, term, ctx)).exitCode
  } catch (err) {
    // The check could not run (policy, lockfile, registry): nothing verified, so nothing is kept.
    refuse(EXIT.USAGE, 'the check could not run')
    throw err
  } finally {
    stopListening()
  }
  if (exitCode !== EXIT.OK) return refuse(exitCode, exitCode === EXIT.FAILED ? 'the check failed' : 'the check could not verify every package')

  // 4. Passed: install exactly what was verified.
  const verifiedLockfile = snapshotFiles(kept.map((k) => k.path).filter((p) => /(package-lock|npm-shrinkwrap)\.json$/.test(p)))
  const installArgs = values['npm-install'] ? ['install', ...npmOptionsOnly(npm), ...NPM_INSTALL_FLAGS] : ['ci', ...npmOptionsOnly(npm), ...CI_FLAGS]
  term.err(`verify-deps: the check passed; npm ${redactArgs(installArgs).join(' ')}\n`)
  const installed = await runStoppable(run, installArgs, stopNpm, term, 'the verified package.json and lockfile are kept')
  if (installed.kind === 'interrupted') return installed.exitCode
  if (installed.kind === 'not-started') {
    term.err(`verify-deps: could not run npm (${installed.reason}); the verified package.json and lockfile are kept.\n`)
    return EXIT.USAGE
  }
  const rewritten = changedFiles(verifiedLockfile)
  if (installed.code === 0 && rewritten.length) {
    term.err(`verify-deps: npm changed ${rewritten.map(shown).join(', ')} after the check; run "verify-deps" to check what is installed.\n`)
    return EXIT.COULD_NOT_VERIFY
  }
  return npmExitCode(installed)
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
  const projectDir = projectRoot(ctx.cwd)

  const { exitCode } = await checkAndReport(values, projectDir, term, ctx)
  if (exitCode !== EXIT.OK) {
    term.err(`verify-deps: ${exitCode === EXIT.FAILED ? 'the check failed' : 'the check could not verify every package'}; npm ci was not run, nothing was installed.\n`)
    return exitCode
  }
  const ciArgs = ['ci', ...npm, ...CI_FLAGS]
  term.err(`verify-deps: the check passed; npm ${redactArgs(ciArgs).join(' ')}\n`)
  const stopNpm = new AbortController()
  const installed = await runStoppable(npmRunner(projectDir, term, ctx, stopNpm.signal), ciArgs, stopNpm, term, 'the lockfile is unchanged')
  if (installed.kind === 'interrupted') return installed.exitCode
  if (installed.kind === 'not-started') {
    term.err(`verify-deps: could not run npm (${installed.reason}).\n`)
    return EXIT.USAGE
  }
  return npmExitCode(installed)
}

function npmRunner(projectDir: string, term: Terminal, ctx: CheckContext, signal: AbortSignal): (args: string[]) => Promise<NpmRunResult> {
  const command = npmCommand(ctx.env)
  return (args) => runNpm(args, { cwd: projectDir, env: ctx.env, command, onOutput: (chunk) => term.err(chunk), signal })
}

/**
 * The install after a passing check: a termination signal goes on to npm (which stops as it
 * does on its own), and once npm has exited the gate exits 128 + the signal's number.
 */
async function runStoppable(
  run: (args: string[]) => Promise<NpmRunResult>,
  args: string[],
  stopNpm: AbortController,
  term: Terminal,
  kept: string,
): Promise<NpmRunResult | { kind: 'interrupted'; exitCode: ExitCode }> {
  let signalled: TerminationSignal | null = null
  const stopListening = onTerminationSignal((signal) => {
    signalled = signal
    stopNpm.abort(signal)
  })
  try {
    const result = await run(args)
    if (!signalled) return result
    term.err(`verify-deps: interrupted by ${signalled}; npm ${args[0]} was stopped and node_modules may be incomplete; ${kept}.\n`)
    return { kind: 'interrupted', exitCode: signalExitCode(signalled) as ExitCode }
  } finally {
    stopListening()
  }
}

/**
 * After a passing check the exit code is npm's, passed through as is (usually 0 or 1); ExitCode
 * names only verify-deps' own codes, so this is the one place a code outside them is returned.
 */
function npmExitCode(result: { code: number }): ExitCode {
  return result.code as ExitCode
}

function projectRoot(cwd: string): string {
  const root = findProjectRoot(cwd)
  if (!root) throw inputError('ENOPACKAGEJSON', `no package.json in ${cwd} or any folder above it`, 'Run it in the project folder.')
  return root
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
