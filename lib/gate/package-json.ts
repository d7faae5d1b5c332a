/**
 * Adding the verify-deps preinstall hook to package.json text, pure. The file is rewritten the way
 * npm rewrites it (`npm pkg set`, `npm install --save`: @npmcli/package-json over
 * json-parse-even-better-errors): the indent of the first line inside the top-level object, its
 * line ending, a final line ending, no BOM; key order kept. So npm never reformats it afterwards.
 */

/** The script `verify-deps setup` installs. */
export const HOOK_COMMAND = 'verify-deps'

/** Whether a script already runs verify-deps' check (with or without options), e.g. `npx verify-deps --offline`. */
export function runsVerifyDepsCheck(script: string): boolean {
  const words = script.trim().split(/\s+/)
  if (words[0] === 'npx') words.shift()
  while (words[0]?.startsWith('-')) words.shift()
  // Another verify-deps command (install, ci, setup) is not the check, and install/ci would recurse.
  return words[0] === HOOK_COMMAND && (words[1] === undefined || words[1] === 'check' || words[1].startsWith('-'))
}

export type HookChange =
  | { kind: 'added'; text: string }
  | { kind: 'unchanged'; existing: string }
  | { kind: 'replaced'; text: string; previous: string }
  | { kind: 'conflict'; existing: string }

export class PackageJsonError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PackageJsonError'
  }
}

/**
 * Sets `scripts.preinstall` to HOOK_COMMAND. A preinstall that already runs the check is left as
 * it is (it may carry options); any other existing preinstall is a conflict unless `force`.
 */
export function addPreinstallHook(text: string, options: { force?: boolean } = {}): HookChange {
  const doc = parsePackageJson(text)
  const scripts = doc.value.scripts
  if (scripts !== undefined && (typeof scripts !== 'object' || scripts === null || Array.isArray(scripts))) {
    throw new PackageJsonError('"scripts" is not an object')
  }
  const existing = (scripts as Record<string, unknown> | undefined)?.preinstall
  if (existing !== undefined && typeof existing !== 'string') throw new PackageJsonError('"scripts.preinstall" is not a string')
  if (existing !== undefined && runsVerifyDepsCheck(existing)) return { kind: 'unchanged', existing }
  if (existing !== undefined && !options.force) return { kind: 'conflict', existing }

  const value = { ...doc.value, scripts: { ...(scripts as Record<string, unknown> | undefined), preinstall: HOOK_COMMAND } }
  const updated = formatPackageJson(value, doc.format)
  return existing === undefined ? { kind: 'added', text: updated } : { kind: 'replaced', text: updated, previous: existing }
}

export interface JsonFormat {
  indent: string
  newline: string
}

// json-parse-even-better-errors: the newline after the opening brace and the indent of the next
// line; `{}`/`[]` alone keep the default indent; a one-line document is written on one line.
const FORMAT = /^\s*[{[]((?:\r?\n)+)([\s\t]*)/
const EMPTY = /^(?:\{\}|\[\])((?:\r?\n)+)?$/

export function parsePackageJson(text: string): { value: Record<string, unknown>; format: JsonFormat } {
  const body = text.replace(/^\uFEFF/, '')
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch (err) {
    throw new PackageJsonError(`not valid JSON (${(err as Error).message})`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PackageJsonError('not a JSON object')
  const match = EMPTY.exec(body) ?? FORMAT.exec(body)
  return { value: value as Record<string, unknown>, format: { newline: match ? (match[1] ?? '\n') : '', indent: match ? (match[2] ?? '  ') : '' } }
}

export function formatPackageJson(value: unknown, format: JsonFormat): string {
  return `${JSON.stringify(value, null, format.indent)}\n`.replace(/\n/g, format.newline)
}
