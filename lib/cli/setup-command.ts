/**
 * `verify-deps setup [dir] [--force]`: the preinstall hook in package.json, a starter policy, and
 * the npm install-script settings to go with them (the setting up itself: lib/gate/setup.ts).
 * Nothing is written when the hook cannot be set.
 */
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { inputError } from '../errors.js'
import { INSTALL_SCRIPT_SETTINGS } from '../gate/npm-settings.js'
import { HOOK_COMMAND } from '../gate/package-json.js'
import { setUpProject } from '../gate/setup.js'
import { EXIT, type ExitCode } from './exit-codes.js'
import type { Terminal } from './terminal.js'
import { findProjectRoot } from '../fetch/npm-config.js'

export const SETUP_HELP = `Usage: verify-deps setup [dir] [--force]

Set a project up to run verify-deps as its npm "preinstall" script:
  - adds "preinstall": "${HOOK_COMMAND}" to package.json (keeps the file's formatting as npm does;
    a preinstall that already runs verify-deps is left as it is);
  - writes a starter trust policy to verify-deps.policy.yaml when there is no policy file
    (never overwrites one);
  - prints the npm install-script settings to put in .npmrc.

npm 12 runs a project's preinstall before it installs anything, so a failing check stops the install.
npm 7 to 11 run it AFTER writing node_modules and running the dependencies' install scripts: the hook
fails the install but cannot keep a bad package off disk. No npm runs it for "npm install <pkg>".
To check before anything is written, with any npm, use "verify-deps install" and "verify-deps ci".
See docs/install-gates.md and docs/npm12.md.

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

export async function runSetupCommand(argv: readonly string[], term: Terminal, ctx: { cwd: string; env: NodeJS.ProcessEnv }): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: SETUP_OPTIONS })
  if (values.help) {
    term.out(SETUP_HELP)
    return EXIT.OK
  }
  if (positionals.length > 1) throw inputError('EUSAGE', 'setup: takes at most one project directory', 'Run "verify-deps setup --help" for usage.')
  // The project npm would install into from there (a sub-folder or workspace folder: its root).
  const start = resolve(ctx.cwd, positionals[0] ?? '.')
  const projectDir = (await findProjectRoot(start, ctx.env)) ?? start
  const shown = (path: string) => relative(ctx.cwd, path) || path

  const setup = setUpProject(projectDir, { force: Boolean(values.force) })
  if (setup.kind === 'no-package-json') {
    throw inputError('ENOPACKAGEJSON', `no package.json in ${projectDir}`, 'Run "verify-deps setup" in the project folder, or name it: "verify-deps setup <dir>".')
  }
  if (setup.kind === 'invalid-package-json') throw inputError('EPACKAGEJSON', `${shown(setup.packageJson)}: ${setup.reason}`)
  if (setup.kind === 'hook-conflict') {
    throw inputError(
      'EHOOKEXISTS',
      `${shown(setup.packageJson)} already has a different "preinstall" script: ${JSON.stringify(setup.existing)}; nothing was changed`,
      `Run "verify-deps setup --force" to replace it, or run both: "preinstall": ${JSON.stringify(`${HOOK_COMMAND} && ${setup.existing}`)}.`,
    )
  }
  const { hook, policy } = setup
  const out: string[] = []
  if (hook.kind === 'unchanged') {
    out.push(`${shown(setup.packageJson)}: "preinstall" already runs verify-deps (${JSON.stringify(hook.existing)}); unchanged`)
  } else {
    out.push(
      hook.kind === 'added'
        ? `${shown(setup.packageJson)}: added "preinstall": "${HOOK_COMMAND}"`
        : `${shown(setup.packageJson)}: replaced "preinstall": ${JSON.stringify(hook.previous)} with "${HOOK_COMMAND}" (--force)`,
    )
  }
  out.push(
    policy.written
      ? `${shown(policy.path)}: wrote a starter trust policy (it decides like the built-in default until you add rules)`
      : `${shown(policy.path)}: policy file already there; unchanged`,
  )

  // 4. What the hook depends on.
  if (!setup.isDependency) {
    out.push('', 'Note: verify-deps is not a dependency of this project. npm runs the hook from node_modules/.bin, so add it:', '  npm install --save-dev verify-deps')
  }
  if (!setup.isPrivate) {
    out.push(
      '',
      'Note: package.json is not "private": true. If you publish this package, its preinstall script also runs',
      'when others install it, where verify-deps is usually not installed and the install fails. For a',
      'published package, gate with "verify-deps ci" / "verify-deps install" instead of the hook.',
    )
  }
  out.push(
    '',
    'npm 12 runs this hook before it installs anything; npm 7 to 11 only AFTER they have written',
    'node_modules and run the dependencies\' install scripts; and "npm install <pkg>" does not run it at',
    'all. To check before anything is written, with any npm, use "verify-deps install [<pkg> ...]" and',
    '"verify-deps ci" instead of "npm install" and "npm ci".',
    '',
    `Recommended npm settings: add to ${shown(join(projectDir, '.npmrc'))}`,
    '',
    INSTALL_SCRIPT_SETTINGS,
  )
  term.out(out.join('\n'))
  return EXIT.OK
}
