/**
 * The one place that maps run outcomes to process exit codes.
 * Documented in docs/exit-codes.md and in `verify-deps --help`.
 */
import { constants as osConstants } from 'node:os'
import { ERRORS, type ErrorCode, type ErrorKind } from '../errors.js'

export const EXIT = {
  /** Nothing failed (warnings allowed). */
  OK: 0,
  /** At least one package failed verification or policy. */
  FAILED: 1,
  /** Usage, configuration, policy or lockfile error: the input was unusable. */
  USAGE: 2,
  /** Could not verify: registry, network or trust-material failure. */
  COULD_NOT_VERIFY: 3,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** The exit code for each kind of run error (lib/errors.ts gives every error code its kind). */
export const EXIT_FOR_ERROR_KIND: Readonly<Record<ErrorKind, ExitCode>> = {
  usage: EXIT.USAGE,
  'could-not-verify': EXIT.COULD_NOT_VERIFY,
}

/** The exit code a run stopped by this error ends with, as the registry of run errors decides. */
export function exitCodeForError(code: ErrorCode): ExitCode {
  return EXIT_FOR_ERROR_KIND[ERRORS[code].kind]
}

/**
 * The exit code for a finished check: 1 when a package failed verification or policy; otherwise 3
 * when some evidence could not be obtained (a run that could not verify never exits 0); else 0.
 */
export function exitCodeForReport(report: {
  couldNotVerify: boolean
  packages: readonly { decision: string; findings: readonly { code: string; severity: string }[] }[]
}): ExitCode {
  const failed = report.packages.some((p) => p.decision === 'fail' && p.findings.some((f) => f.severity === 'error' && f.code !== 'FETCH_FAILED'))
  if (failed) return EXIT.FAILED
  const fetchFailed = report.packages.some((p) => p.findings.some((f) => f.code === 'FETCH_FAILED'))
  if (report.couldNotVerify || fetchFailed) return EXIT.COULD_NOT_VERIFY
  return EXIT.OK
}

/**
 * The exit code after a termination signal was handled: 128 + the signal number, as a shell reports
 * a process killed by it (SIGHUP 129, SIGINT 130, SIGTERM 143). Outside ExitCode, like npm's own
 * exit codes after a passing install gate.
 */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 0)
}
