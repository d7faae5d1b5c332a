/**
 * A policy file error means the run cannot go on: the policy file is unusable (syntax, schema,
 * contradictions) or it decides a package two ways. It is an error, not a finding: code EPOLICY in
 * the registry of run errors (lib/errors.ts, exit code 2). Package outcomes are never errors: they
 * are results (lib/policy/evaluate.ts). Named so it cannot be confused with `@sigstore/verify`'s
 * PolicyError (a signer identity mismatch, which verify-deps reports as a finding).
 */
import { VerifyDepsError } from '../errors.js'

export interface PolicyFileErrorDetails {
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

export class PolicyFileError extends VerifyDepsError {
  declare readonly code: 'EPOLICY'
  readonly file: string
  readonly path: string
  readonly line: number
  readonly column: number
  readonly reason: string
  declare readonly rules?: number[]
  declare readonly package?: string
  /** Every error found in the file, this one first (a file can be wrong in several places). */
  errors: PolicyFileError[]

  constructor(details: PolicyFileErrorDetails) {
    super('EPOLICY', formatPolicyError(details), details.hint)
    this.name = 'PolicyFileError'
    this.file = details.file
    this.path = details.path
    this.line = details.line
    this.column = details.column
    this.reason = details.reason
    if (details.rules !== undefined) this.rules = details.rules
    if (details.package !== undefined) this.package = details.package
    this.errors = [this]
  }
}

/** `file:line:column: path: what is wrong` (the location parts that are known). */
export function formatPolicyError(d: Pick<PolicyFileErrorDetails, 'file' | 'path' | 'line' | 'column' | 'reason'>): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file
  return d.path ? `${where}: ${d.path}: ${d.reason}` : `${where}: ${d.reason}`
}

export function isPolicyFileError(value: unknown): value is PolicyFileError {
  return value instanceof PolicyFileError
}
