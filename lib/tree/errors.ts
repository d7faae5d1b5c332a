/**
 * Errors that stop the tree stage: the project's dependency tree cannot be read. Each has a stable
 * code (npm's own where one exists: ENOLOCK, EJSONPARSE), a message naming the file or directory
 * and what is wrong, and a hint saying how to fix it. `kind` has the same meaning as the CLI's
 * run-error kind: `usage` = unusable input (exit 2), `could-not-verify` = registry/network (exit 3).
 */
export type TreeErrorCode =
  /** The project directory does not exist or is not a directory. */
  | 'ENOPROJECT'
  /** No package-lock.json or npm-shrinkwrap.json. */
  | 'ENOLOCK'
  /** The lockfile is not JSON (including unresolved merge conflicts). */
  | 'EJSONPARSE'
  /** The lockfile is JSON but not the shape npm writes. */
  | 'ELOCKFILE'
  /** The lockfile does not cover package.json (or a workspace's): a dependency is missing or does not satisfy its spec. */
  | 'ELOCKSYNC'
  /** lockfileVersion 1 (no `packages`), or a version newer than this tool understands. */
  | 'ELOCKFILEVERSION'
  /** `installed` mode without node_modules. */
  | 'ENONODEMODULES'
  /** A requested workspace is not in the project. */
  | 'ENOWORKSPACE'
  /** Arborist could not build the tree from the files (e.g. a link with no target). */
  | 'ELOADTREE'
  /** `ideal` mode: resolving the tree (registry) failed. */
  | 'EIDEALTREE'

export type TreeErrorKind = 'usage' | 'could-not-verify'

export interface TreeErrorOptions {
  hint?: string
  /** The file (or directory) the error is about, absolute. */
  file?: string
  cause?: unknown
  kind?: TreeErrorKind
}

export class TreeError extends Error {
  readonly code: TreeErrorCode
  readonly kind: TreeErrorKind
  readonly hint?: string
  readonly file?: string

  constructor(code: TreeErrorCode, message: string, options: TreeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TreeError'
    this.code = code
    this.kind = options.kind ?? 'usage'
    if (options.hint !== undefined) this.hint = options.hint
    if (options.file !== undefined) this.file = options.file
  }
}

/** The message of a thrown value, without its stack. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.message
  return String(err)
}
