/**
 * The policy stage's only I/O: finding and reading the policy file. Parsing and validation are pure
 * (lib/policy/parse.ts).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { FileReadError, MAX_CONFIG_FILE_BYTES, readRegularFile } from '../fetch/files.js'
import { PolicyFileError } from './errors.js'
import { parsePolicy } from './parse.js'
import { POLICY_FILE_NAMES } from './schema.js'
import type { Policy } from './types.js'

/** The project's policy file (`verify-deps.policy.yaml`, `.yml` or `.json` at its root), or null. Two of them is an error. */
export function findPolicyFile(projectDir: string): string | null {
  const found = POLICY_FILE_NAMES.map((name) => join(projectDir, name)).filter((path) => existsSync(path))
  if (found.length > 1) {
    throw new PolicyFileError({ file: found[0]!, path: '', line: 0, column: 0, reason: `more than one policy file: ${found.join(', ')}`, hint: 'keep one of them' })
  }
  return found[0] ?? null
}

/** Reads and validates a policy file. Throws PolicyFileError (code EPOLICY) with the file, path, line and column. */
export function loadPolicy(path: string): Policy {
  let text: string
  try {
    // Only a regular file, within a size cap (a symlink to /dev/zero must not hang the run).
    text = readRegularFile(path, MAX_CONFIG_FILE_BYTES).toString('utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'no such file' : err instanceof FileReadError ? `cannot be read: ${err.reason}` : `cannot be read (${code ?? String(err)})`
    throw new PolicyFileError({ file: path, path: '', line: 0, column: 0, reason })
  }
  const parsed = parsePolicy(text, path)
  if (!parsed.ok) throw parsed.errors[0]!
  return parsed.policy
}
