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
import { inputError } from '../fetch/errors.js'
import { npmOptionsOnly, splitGateArgs } from '../gate/args.js'
import { npmCommand, runNpm, type NpmRunResult } from '../gate/npm.js'
import { findProjectRoot } from '../gate/project.js'
import { changedFiles, filesNpmMayChange, restoreFiles, snapshotFiles } from '../gate/snapshot.js'
import { CHECK_OPTIONS, checkAndReport, type CheckContext } from './check-command.js'
import { EXIT, type ExitCode } from './exit-codes.js'
import { lifecycleEvent } from './lifecycle.js'
import type { Terminal } from './terminal.js'

const VERIFY_OPTIONS_HELP = `verify-deps options (the check's; run "verify-deps check --help"):
  --policy FILE  --offline  --trusted-root FILE  --registry-keys FILE  --registry URL
  --concurrency N  --fetch-timeout MS  --fetch-retries N  --cache-dir DIR  --no-cache
  --format NAME  --json  --output FILE  -h, --help
Every other argument is npm's, in order; --registry goes to both. After "--" everything is npm's
(e.g. "-- --offline" for npm's own --offline).`

export const INSTALL_HELP = `Usage: verify-deps install [options] [<npm install args> ...] [-- <npm args> ...]

Add or update dependencies with the check BEFORE anything reaches node_modules:
  1. keeps package.json, package-lock.json and npm-shrinkwrap.json (and workspace package.json files)
  2. npm install --package-lock-only --ignore-scripts <npm args>   (writes only the lockfile)
  3. checks the resulting lockfile, as "verify-deps check" does
  4. passed: npm ci <npm options>   (or npm install <npm options> with --npm-install)
  5. failed or could not verify: puts package.json and the lockfile back byte for byte (a lockfile
     that did not exist is removed) and exits with the check's code; node_modules is not touched.

  --npm-install  install with "npm install" instead of "npm ci" (keeps node_modules; npm may
                 rewrite the lockfile, which is then reported)
${VERIFY_OPTIONS_HELP}
Step 4 gets npm's options but not the package specs: write npm options that take a value as
--name=value (e.g. --omit=dev) so they reach it.

Exit codes: 0 installed · 1 a package failed (nothing installed) · 2 usage, configuration, policy or
lockfile error · 3 could not verify, or npm could not write the lockfile (nothing installed) ·
after a passing check, npm's own exit code.
`

export const CI_HELP = `Usage: verify-deps ci [options] [<npm ci args> ...] [-- <npm args> ...]

Check the project's lockfile as "verify-deps check" does, then run "npm ci <npm args>" only if the
check passed. Nothing is installed or removed when it fails.

${VERIFY_OPTIONS_HELP}

Exit codes: 0 installed · 1 a package failed (nothing installed) · 2 usage, configuration, policy or
lockfile error · 3 could not verify (nothing installed) · after a passing check, npm's own exit code.
`

/** The check's options that apply to a lockfile npm is about to install in full (no --installed, --ideal, -w, --omit). */
const GATE_CHECK_OPTIONS = pick(CHECK_OPTIONS, ['policy', 'registry', 'offline', 'trusted-root', 'registry-keys', 'concurrency', 'fetch-timeout', 'fetch-retries', 'cache-dir', 'no-cache', 'format', 'json', 'output', 'help'])

export const INSTALL_OPTIONS = { ...GATE_CHECK_OPTIONS, 'npm-install': { type: 'boolean' } } as const
export const CI_OPTIONS = GATE_CHECK_OPTIONS

/** Options meant for npm as much as for the check: npm must resolve from the registry that is verified. */
const SHARED_WITH_NPM = new Set(['registry'])

/** What `npm install --package-lock-only` is run with besides the user's arguments. */
export const LOCKFILE_ONLY_ARGS = ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'] as const

export async function runInstallCommand(argv: readonly string[], term: Terminal, ctx: CheckContext): Promise<ExitCode> {
  const { own, npm } = splitGateArgs(argv, INSTALL_OPTIONS, SHARED_WITH_NPM)
  const { values } = parseArgs({ args: own, strict: true, allowPositionals: false, options: INSTALL_OPTIONS })
  if (values.help) {
    term.out(INSTALL_HELP)
    return EXIT.OK
  }
  refuseAsInstallScript('install', ctx.env)
  refuseOutsideProject(npm)
  const projectDir = projectRoot(ctx.cwd)
  const run = npmRunner(projectDir, term, ctx)
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

  let exitCode: ExitCode
  try {
    // 2. The lockfile only: npm resolves the new tree and writes package-lock.json, no node_modules, no scripts.
    term.err(`verify-deps: npm ${redactArgs([...LOCKFILE_ONLY_ARGS, ...npm]).join(' ')}\n`)
    const locked = await run([...LOCKFILE_ONLY_ARGS, ...npm])
    if (locked.kind === 'not-started') return refuse(EXIT.USAGE, `could not run npm (${locked.reason})`)
    if (locked.code !== 0) return refuse(EXIT.COULD_NOT_VERIFY, `npm could not write the lockfile (exit ${locked.code})`)
    if (!nodeModulesBefore && existsSync(nodeModules)) return refuse(EXIT.COULD_NOT_VERIFY, 'npm created node_modules during a --package-lock-only run; not going on')

    // 3. The check, on the lockfile npm just wrote.
    exitCode = (await checkAndReport(values, projectDir, term, ctx)).exitCode
  } catch (err) {
    // The check could not run (policy, lockfile, registry): nothing verified, so nothing is kept.
    refuse(EXIT.USAGE, 'the check could not run')
    throw err
  }
  if (exitCode !== EXIT.OK) return refuse(exitCode, exitCode === EXIT.FAILED ? 'the check failed' : 'the check could not verify every package')

  // 4. Passed: install exactly what was verified.
  const verifiedLockfile = snapshotFiles(kept.map((k) => k.path).filter((p) => /(package-lock|npm-shrinkwrap)\.json$/.test(p)))
  const installArgs = [values['npm-install'] ? 'install' : 'ci', ...npmOptionsOnly(npm)]
  term.err(`verify-deps: the check passed; npm ${redactArgs(installArgs).join(' ')}\n`)
  const installed = await run(installArgs)
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
  const { own, npm } = splitGateArgs(argv, CI_OPTIONS, SHARED_WITH_NPM)
  const { values } = parseArgs({ args: own, strict: true, allowPositionals: false, options: CI_OPTIONS })
  if (values.help) {
    term.out(CI_HELP)
    return EXIT.OK
  }
  refuseAsInstallScript('ci', ctx.env)
  refuseOutsideProject(npm)
  const projectDir = projectRoot(ctx.cwd)

  const { exitCode } = await checkAndReport(values, projectDir, term, ctx)
  if (exitCode !== EXIT.OK) {
    term.err(`verify-deps: ${exitCode === EXIT.FAILED ? 'the check failed' : 'the check could not verify every package'}; npm ci was not run, nothing was installed.\n`)
    return exitCode
  }
  term.err(`verify-deps: the check passed; npm ${redactArgs(['ci', ...npm]).join(' ')}\n`)
  const installed = await npmRunner(projectDir, term, ctx)(['ci', ...npm])
  if (installed.kind === 'not-started') {
    term.err(`verify-deps: could not run npm (${installed.reason}).\n`)
    return EXIT.USAGE
  }
  return npmExitCode(installed)
}

function npmRunner(projectDir: string, term: Terminal, ctx: CheckContext): (args: string[]) => Promise<NpmRunResult> {
  const command = npmCommand(ctx.env)
  return (args) => runNpm(args, { cwd: projectDir, env: ctx.env, command, onOutput: (chunk) => term.err(chunk) })
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

/** The gates verify one project's lockfile: a global install or another prefix has none here. */
function refuseOutsideProject(npmArgs: readonly string[]): void {
  const outside = npmArgs.find((a) => ['-g', '--global', '--global=true', '--location=global', '--location=user', '-C', '--prefix'].includes(a) || a.startsWith('--prefix='))
  if (outside) throw inputError('EUSAGE', `"${outside}" is not supported: the install gates verify the project's lockfile in this folder`, 'Run it in the project folder.')
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, from[k]])) as Pick<T, K>
}
