/**
 * Errors that stop the tree stage: the project's dependency tree cannot be read. Each has a code from
 * the registry of run errors (lib/errors.ts: what it means, its exit code, the fix; npm's own codes
 * where one exists: ENOLOCK, EJSONPARSE), a message naming the file or directory and what is wrong,
 * and a hint saying how to fix it.
 */
import { VerifyDepsError, type ErrorCode } from '../errors.js'

/** The registered codes the tree stage throws (lib/errors.ts says what each means). */
export type TreeErrorCode = Extract<
  ErrorCode,
  'ENOPROJECT' | 'ENOLOCK' | 'EJSONPARSE' | 'ELOCKFILE' | 'ELOCKFILEAMBIGUOUS' | 'ELOCKSYNC' | 'ELOCKFILEVERSION' | 'ENONODEMODULES' | 'ENOWORKSPACE' | 'ELOADTREE' | 'EIDEALTREE'
>

export interface TreeErrorOptions {
  hint?: string
  /** The file (or directory) the error is about, absolute. */
  file?: string
  cause?: unknown
}

export class TreeError extends VerifyDepsError {
  declare readonly code: TreeErrorCode
  readonly file?: string

  constructor(code: TreeErrorCode, message: string, options: TreeErrorOptions = {}) {
    super(code, message, options.hint, { cause: options.cause })
    this.name = 'TreeError'
    if (options.file !== undefined) this.file = options.file
  }
}

/** The message of a thrown value, without its stack. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.message
  return String(err)
}
