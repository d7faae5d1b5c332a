/**
 * A policy error means the run cannot go on: the policy file is unusable (syntax, schema,
 * contradictions) or it decides a package two ways. It is an error, not a finding, and maps to exit
 * code 2. Package outcomes are never errors: they are results (lib/policy/evaluate.ts).
 */

export interface PolicyErrorDetails {
  /** The policy file (as given, or `policy` for a policy built in code). */
  file: string
  /** Where in the document, e.g. `rules[0].builds[1].ref`; `''` for the document or the file itself. */
  path: string
  /** 1-based; 0 when the error is about the file as a whole (unreadable, two policy files). */
  line: number
  column: number
  /** What is wrong, without the location. */
  reason: string
  /** What would fix it, when there is something specific to say. */
  hint?: string
  /** For a package two rules decide equally: the rule indexes. */
  rules?: number[]
  /** For a package two rules decide equally: `name@version`. */
  package?: string
}

export class PolicyError extends Error {
  readonly code = 'EPOLICY'
  readonly file: string
  readonly path: string
  readonly line: number
  readonly column: number
  readonly reason: string
  declare readonly hint?: string
  declare readonly rules?: number[]
  declare readonly package?: string
  /** Every error found in the file, this one first (a file can be wrong in several places). */
  errors: PolicyError[]

  constructor(details: PolicyErrorDetails) {
    super(formatPolicyError(details))
    this.name = 'PolicyError'
    this.file = details.file
    this.path = details.path
    this.line = details.line
    this.column = details.column
    this.reason = details.reason
    if (details.hint !== undefined) this.hint = details.hint
    if (details.rules !== undefined) this.rules = details.rules
    if (details.package !== undefined) this.package = details.package
    this.errors = [this]
  }
}

/** `file:line:column: path: what is wrong` (the location parts that are known). */
export function formatPolicyError(d: Pick<PolicyErrorDetails, 'file' | 'path' | 'line' | 'column' | 'reason'>): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file
  return d.path ? `${where}: ${d.path}: ${d.reason}` : `${where}: ${d.reason}`
}

export function isPolicyError(value: unknown): value is PolicyError {
  return value instanceof PolicyError
}
