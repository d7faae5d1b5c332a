/**
 * `verify-deps setup [dir] [--force]`: the preinstall hook in package.json, a starter policy, and
 * the npm install-script settings to go with them. Nothing is written when the hook cannot be set.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { inputError } from '../fetch/errors.js'
import { INSTALL_SCRIPT_SETTINGS } from '../gate/npm-settings.js'
import { addPreinstallHook, HOOK_COMMAND, PackageJsonError, parsePackageJson } from '../gate/package-json.js'
import { findPolicyFile } from '../check.js'
import { starterPolicy } from '../policy/starter.js'
import { EXIT, type ExitCode } from './exit-codes.js'
import type { Terminal } from './terminal.js'

export const SETUP_HELP = `Usage: verify-deps setup [dir] [--force]

Set a project up to run verify-deps as its npm "preinstall" script:
  - adds "preinstall": "${HOOK_COMMAND}" to package.json (keeps the file's formatting as npm does;
    a preinstall that already runs verify-deps is left as it is);
  - writes a starter trust policy to verify-deps.policy.yaml when there is no policy file
    (never overwrites one);
  - prints the npm install-script settings to put in .npmrc.

npm 7 and later run a project's preinstall AFTER writing node_modules and running the dependencies'
install scripts: the hook fails the install but cannot keep a bad package off disk. To check before
anything is written, use "verify-deps install" and "verify-deps ci". See docs/install-gates.md.

Options:
  --force       replace a different existing preinstall script (the old one is printed)
  -h, --help    show this help

Exit codes: 0 set up (or already set up) · 2 no package.json, not JSON, or a different preinstall
script exists (without --force)
`

const SETUP_OPTIONS = {
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

export const POLICY_FILE_NAME = 'verify-deps.policy.yaml'

export async function runSetupCommand(argv: readonly string[], term: Terminal, ctx: { cwd: string }): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: SETUP_OPTIONS })
  if (values.help) {
    term.out(SETUP_HELP)
    return EXIT.OK
  }
  if (positionals.length > 1) throw inputError('EUSAGE', 'setup: takes at most one project directory', 'Run "verify-deps setup --help" for usage.')
  const projectDir = resolve(ctx.cwd, positionals[0] ?? '.')
  const packageJsonPath = join(projectDir, 'package.json')
  const shown = (path: string) => relative(ctx.cwd, path) || path

  // 1. Decide everything before writing anything: the hook change and whether a policy exists.
  let text: string
  try {
    text = readFileSync(packageJsonPath, 'utf8')
  } catch {
    throw inputError('ENOPACKAGEJSON', `no package.json in ${projectDir}`, 'Run "verify-deps setup" in the project folder, or name it: "verify-deps setup <dir>".')
  }
  let change
  let manifest
  try {
    change = addPreinstallHook(text, { force: Boolean(values.force) })
    manifest = parsePackageJson(text).value
  } catch (err) {
    if (err instanceof PackageJsonError) throw inputError('EPACKAGEJSON', `${shown(packageJsonPath)}: ${err.message}`)
    throw err
  }
  if (change.kind === 'conflict') {
    throw inputError(
      'EHOOKEXISTS',
      `${shown(packageJsonPath)} already has a different "preinstall" script: ${JSON.stringify(change.existing)}; nothing was changed`,
      `Run "verify-deps setup --force" to replace it, or run both: "preinstall": ${JSON.stringify(`${HOOK_COMMAND} && ${change.existing}`)}.`,
    )
  }
  const existingPolicy = findPolicyFile(projectDir)

  // 2. The hook.
  const out: string[] = []
  if (change.kind === 'unchanged') {
    out.push(`${shown(packageJsonPath)}: "preinstall" already runs verify-deps (${JSON.stringify(change.existing)}); unchanged`)
  } else {
    writeFileSync(packageJsonPath, change.text)
    out.push(
      change.kind === 'added'
        ? `${shown(packageJsonPath)}: added "preinstall": "${HOOK_COMMAND}"`
        : `${shown(packageJsonPath)}: replaced "preinstall": ${JSON.stringify(change.previous)} with "${HOOK_COMMAND}" (--force)`,
    )
  }

  // 3. The starter policy, only where there is none ('wx': never overwrite, even in a race).
  const policyPath = join(projectDir, POLICY_FILE_NAME)
  if (existingPolicy) {
    out.push(`${shown(existingPolicy)}: policy file already there; unchanged`)
  } else {
    writeFileSync(policyPath, starterPolicy(), { flag: 'wx' })
    out.push(`${shown(policyPath)}: wrote a starter trust policy (it decides like the built-in default until you add rules)`)
  }

  // 4. What the hook depends on.
  const deps = { ...(manifest.dependencies as object | undefined), ...(manifest.devDependencies as object | undefined) }
  if (!Object.hasOwn(deps, 'verify-deps')) {
    out.push('', 'Note: verify-deps is not a dependency of this project. npm runs the hook from node_modules/.bin, so add it:', '  npm install --save-dev verify-deps')
  }
  if (manifest.private !== true) {
    out.push(
      '',
      'Note: package.json is not "private": true. If you publish this package, its preinstall script also runs',
      'when others install it, where verify-deps is usually not installed and the install fails. For a',
      'published package, gate with "verify-deps ci" / "verify-deps install" instead of the hook.',
    )
  }
  out.push(
    '',
    'npm runs this hook only AFTER it has written node_modules and run the dependencies\' install scripts,',
    'and "npm install <pkg>" does not run it at all. To check before anything is written, use',
    '"verify-deps install [<pkg> ...]" and "verify-deps ci" instead of "npm install" and "npm ci".',
    '',
    `Recommended npm settings: add to ${shown(join(projectDir, '.npmrc'))}`,
    '',
    INSTALL_SCRIPT_SETTINGS,
  )
  term.out(out.join('\n'))
  return EXIT.OK
}
