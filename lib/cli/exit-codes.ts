/**
 * The one place that maps run outcomes to process exit codes.
 * Documented in docs/exit-codes.md and in `verify-deps --help`.
 */
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
