/**
 * A policy file, from its text: which file is the project's, and the validated Policy in it. Pure:
 * finding and reading the file is I/O, done by the fetch stage for the orchestrators (findPolicyFile
 * and loadPolicy in lib/check.ts); parsing and validation are in lib/policy/parse.ts.
 */
import { PolicyFileError } from './errors.js'
import type { Policy } from './types.js'

/** The names a project's policy file may have, at its root. */
export const POLICY_FILE_NAMES = ['verify-deps.policy.yaml', 'verify-deps.policy.yml', 'verify-deps.policy.json'] as const

/** The project's policy file among those found at its root (in POLICY_FILE_NAMES order), or null. Two of them is an error. */
export function choosePolicyFile(found: readonly string[]): string | null {
  if (found.length > 1) {
    throw new PolicyFileError({ file: found[0]!, path: '', line: 0, column: 0, reason: `more than one policy file: ${found.join(', ')}`, hint: 'keep one of them' })
  }
  return found[0] ?? null
}

/**
 * Validates a policy file's text. Rejects with PolicyFileError (code EPOLICY) with the file, path,
 * line and column. The parser (and the YAML library) is loaded here, when there is a file to read:
 * a run under the built-in default policy never loads it.
 */
export async function parsePolicyFile(text: string, path: string): Promise<Policy> {
  const { parsePolicy } = await import('./parse.js')
  const parsed = parsePolicy(text, path)
  if (!parsed.ok) throw parsed.errors[0]!
  return parsed.policy
}

/** A policy file that could not be read (`reason` without the path, e.g. "no such file"): EPOLICY naming it. */
export function unreadablePolicyFile(path: string, reason: string): PolicyFileError {
  return new PolicyFileError({ file: path, path: '', line: 0, column: 0, reason })
}
