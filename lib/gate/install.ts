/**
 * The install gates as transactions: verify the lockfile before npm writes anything to node_modules.
 *
 *   install  1. keep package.json and the lockfiles (bytes, or absence)
 *            2. npm install --package-lock-only --ignore-scripts <args>
 *            3. the check, on the lockfile npm wrote
 *            4. passed: npm ci (or npm install with `npmInstall`)
 *            5. otherwise: put every kept file back
 *   ci       the check on the lockfile as it is, then npm ci only if it passed
 *
 * The caller (lib/cli/install-command.ts) parses arguments, runs and reports the check, owns the
 * terminal and termination signals (it aborts `stop`), and maps each outcome to an exit code. The
 * transaction only returns what happened: nothing here prints, reads env or exits.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { npmOptionsOnly } from './args.js'
import type { NpmRunResult } from './npm.js'
import { changedFiles, filesNpmMayChange, restoreFiles, snapshotFiles } from './snapshot.js'

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

export interface GateOptions {
  projectDir: string
  /** The user's npm arguments, in order: package specs and npm options (lib/gate/args.ts). */
  npmArgs: readonly string[]
  /** Runs npm in the project; it must stop npm when `stop` is aborted and resolve once npm has exited. */
  runNpm: (args: string[]) => Promise<NpmRunResult>
  /** Runs and reports the check on the project's lockfile; resolves to its exit code (0: passed). */
  check: () => Promise<number>
  /** Aborted (with the signal's name as reason) when the caller is asked to stop. */
  stop: AbortSignal
  /** Called before each npm run with its full arguments (the caller shows them, redacted). */
  onNpm?: (args: readonly string[], afterCheck: boolean) => void
}

export interface InstallGateOptions extends GateOptions {
  /** Step 4 with `npm install` (keeps node_modules) instead of `npm ci`. */
  npmInstall?: boolean
}

/** How a gate ended. Before the check passed nothing is installed, and `restored` lists the kept files put back. */
export type GateOutcome =
  /** npm could not be started (before the check: nothing installed). */
  | { kind: 'npm-not-started'; reason: string; afterCheck: boolean; restored: string[] }
  /** Step 2 failed: npm could not write the lockfile (its exit code). */
  | { kind: 'lockfile-failed'; npmCode: number; restored: string[] }
  /** npm created node_modules during a --package-lock-only run. */
  | { kind: 'node-modules-created'; restored: string[] }
  /** The check ran and did not pass: its exit code. */
  | { kind: 'check-failed'; checkCode: number; restored: string[] }
  /** The check could not run (it, or npm before it, threw `error`): nothing verified, nothing kept. */
  | { kind: 'check-error'; error: unknown; restored: string[] }
  /** Stopped before the check passed: npm (if running) was stopped first, then the kept files were put back. */
  | { kind: 'interrupted'; signal: string; duringCheck: boolean; restored: string[] }
  /** Stopped while npm installed after a passing check: npm was stopped; node_modules may be incomplete. */
  | { kind: 'install-interrupted'; signal: string; command: string }
  /** The install after a passing check ran: npm's exit code, and the verified lockfiles npm changed afterwards. */
  | { kind: 'installed'; npmCode: number; rewritten: string[] }

const LOCKFILE = /(package-lock|npm-shrinkwrap)\.json$/

/** `verify-deps install`: steps 1–5 above. Never leaves a changed package.json or lockfile behind unless the check passed. */
export async function runInstallGate(options: InstallGateOptions): Promise<GateOutcome> {
  const { projectDir, stop } = options
  // 1. What npm may change, as it is now; node_modules must be left alone until the check passes.
  const kept = snapshotFiles(filesNpmMayChange(projectDir))
  const nodeModules = join(projectDir, 'node_modules')
  const nodeModulesBefore = existsSync(nodeModules)
  const restore = () => restoreFiles(kept)
  const signalOf = () => String(stop.reason)

  // 2. The lockfile only: npm resolves the new tree and writes package-lock.json, no node_modules, no scripts.
  const lockfileOnlyArgs = ['install', '--no-audit', '--no-fund', ...options.npmArgs, ...LOCKFILE_ONLY_FLAGS]
  options.onNpm?.(lockfileOnlyArgs, false)
  // runNpm resolves once npm has exited, also when stopped: nothing npm writes may land after the files are put back.
  let locked: NpmRunResult
  try {
    locked = await options.runNpm(lockfileOnlyArgs)
  } catch (error) {
    return { kind: 'check-error', error, restored: restore() }
  }
  if (stop.aborted) return { kind: 'interrupted', signal: signalOf(), duringCheck: false, restored: restore() }
  if (locked.kind === 'not-started') return { kind: 'npm-not-started', reason: locked.reason, afterCheck: false, restored: restore() }
  if (locked.code !== 0) return { kind: 'lockfile-failed', npmCode: locked.code, restored: restore() }
  if (!nodeModulesBefore && existsSync(nodeModules)) return { kind: 'node-modules-created', restored: restore() }

  // 3. The check, on the lockfile npm just wrote. A stop request does not wait for it: the files are
  //    put back at once (the check only reads them).
  const checked = await untilStopped(Promise.resolve().then(options.check), stop)
  if (checked.kind === 'stopped') return { kind: 'interrupted', signal: signalOf(), duringCheck: true, restored: restore() }
  if (checked.kind === 'threw') return { kind: 'check-error', error: checked.error, restored: restore() }
  if (checked.value !== 0) return { kind: 'check-failed', checkCode: checked.value, restored: restore() }

  // 4. Passed: install exactly what was verified.
  const verifiedLockfiles = snapshotFiles(kept.map((k) => k.path).filter((p) => LOCKFILE.test(p)))
  const npmOptions = npmOptionsOnly(options.npmArgs)
  const installArgs = options.npmInstall ? ['install', ...npmOptions, ...NPM_INSTALL_FLAGS] : ['ci', ...npmOptions, ...CI_FLAGS]
  const outcome = await installAfterCheck(installArgs, options)
  if (outcome.kind !== 'installed') return outcome
  return { ...outcome, rewritten: outcome.npmCode === 0 ? changedFiles(verifiedLockfiles) : [] }
}

/** `verify-deps ci`: the check on the lockfile as it is, then `npm ci` only if it passed. Nothing is written before. */
export async function runCiGate(options: GateOptions): Promise<GateOutcome> {
  const checkCode = await options.check()
  if (checkCode !== 0) return { kind: 'check-failed', checkCode, restored: [] }
  return installAfterCheck(['ci', ...options.npmArgs, ...CI_FLAGS], options)
}

/** After a passing check: a stop request goes on to npm (which stops as it does on its own). */
async function installAfterCheck(args: string[], options: GateOptions): Promise<GateOutcome> {
  options.onNpm?.(args, true)
  const result = await options.runNpm(args)
  if (options.stop.aborted) return { kind: 'install-interrupted', signal: String(options.stop.reason), command: args[0]! }
  if (result.kind === 'not-started') return { kind: 'npm-not-started', reason: result.reason, afterCheck: true, restored: [] }
  return { kind: 'installed', npmCode: result.code, rewritten: [] }
}

type Settled<T> = { kind: 'value'; value: T } | { kind: 'threw'; error: unknown } | { kind: 'stopped' }

/** The promise's result, or `stopped` as soon as `stop` is aborted (the promise is left to run). */
function untilStopped<T>(promise: Promise<T>, stop: AbortSignal): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const onStop = () => resolve({ kind: 'stopped' })
    if (stop.aborted) return onStop()
    stop.addEventListener('abort', onStop, { once: true })
    promise.then(
      (value) => resolve({ kind: 'value', value }),
      (error: unknown) => resolve({ kind: 'threw', error }),
    ).finally(() => stop.removeEventListener('abort', onStop))
  })
}
