/**
 * Errors that mean the run could not go on, with a stable code, a message that names the file or
 * package and what is wrong, and a hint. The CLI maps `kind` to an exit code (lib/cli/exit-codes.ts).
 */
export type RunErrorKind = 'usage' | 'could-not-verify'

export class RunError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kind: RunErrorKind,
    readonly hint?: string,
  ) {
    super(message)
    this.name = 'RunError'
  }
}

/** Unusable input: a file that cannot be read, is not JSON, is not a tarball… (exit 2). */
export function inputError(code: string, message: string, hint?: string): RunError {
  return new RunError(code, message, 'usage', hint)
}
