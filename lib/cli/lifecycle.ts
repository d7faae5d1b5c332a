/**
 * verify-deps as the project's own install script (`"preinstall": "verify-deps"`). When npm runs
 * that script depends on npm's major version (docs/npm12.md):
 *   - npm 7 to 11 run it after reify: node_modules is written and the dependencies' install scripts
 *     have run (npm 11 lib/commands/install.js and ci.js). The check still fails the install, and on
 *     failure this says plainly what is already on disk and how to gate before install next time.
 *     The package lock npm is installing is on disk by then too, so the check reads it as usual —
 *     unless npm was told not to install from it or not to write it (`package-lock=false`,
 *     `save=false`): then the lockfile on disk may be stale, and the hook checks node_modules
 *     against it instead (`--installed`, npmIgnoresLockfile).
 *   - npm 12 runs `preinstall` BEFORE arborist touches the filesystem (npm 12 lib/commands/install.js:
 *     before the ideal tree is built; ci.js: after the lockfile is validated against package.json
 *     and node_modules emptied, before reify). The lockfile on disk is then what npm is about to
 *     install (lockfile mode refuses one that does not cover package.json, ELOCKSYNC), and a failure
 *     stops npm before any dependency is fetched or run. With `package-lock=false`, or with only an
 *     npm-shrinkwrap.json (npm 12 reads none), npm resolves afresh after the hook, so nothing on
 *     disk says what it will install: the hook refuses (EHOOKUNLOCKED) rather than pass what it
 *     cannot see. `install` and `postinstall` still run after reify.
 * Verified against the real npm 11 and npm 12 by test/cli/hook.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { inputError } from '../errors.js'
import type { Report } from '../model.js'
import type { CheckValues } from './check-command.js'
import { readWrittenState, type WrittenState } from '../gate/written.js'
import { EXIT, type ExitCode } from './exit-codes.js'
import type { Terminal } from './terminal.js'

const INSTALL_EVENTS = ['preinstall', 'install', 'postinstall'] as const
export type InstallEvent = (typeof INSTALL_EVENTS)[number]

/** The install lifecycle event npm is running us for, from the environment npm sets for scripts. */
export function lifecycleEvent(env: NodeJS.ProcessEnv): InstallEvent | null {
  const event = env.npm_lifecycle_event
  return (INSTALL_EVENTS as readonly string[]).includes(event ?? '') ? (event as InstallEvent) : null
}

/** Whether npm runs this script before it installs anything (npm 12's preinstall) or after (the rest). */
export type HookTiming = 'before-install' | 'after-install'

/**
 * The major version of the npm running us as a script: from the package.json of the npm whose
 * npm-cli.js npm_execpath names (npm sets it; an .npmrc cannot), else from npm_config_user_agent
 * ("npm/12.2.2 node/v24…"), else null (not npm: yarn and pnpm set other user agents).
 */
export function npmMajorVersion(env: NodeJS.ProcessEnv): number | null {
  const execpath = env.npm_execpath
  if (execpath && basename(execpath) === 'npm-cli.js') {
    try {
      const manifest = JSON.parse(readFileSync(join(dirname(dirname(execpath)), 'package.json'), 'utf8')) as { name?: unknown; version?: unknown }
      const major = manifest.name === 'npm' && typeof manifest.version === 'string' ? /^(\d+)\./.exec(manifest.version) : null
      if (major) return Number(major[1])
    } catch {
      // Not readable: fall back to the user agent.
    }
  }
  const agent = /^npm\/(\d+)\./.exec(env.npm_config_user_agent ?? '')
  return agent ? Number(agent[1]) : null
}

/** npm 12 and later run the project's preinstall before reify; every other case runs after it. */
export function hookTiming(event: InstallEvent, env: NodeJS.ProcessEnv): HookTiming {
  return event === 'preinstall' && (npmMajorVersion(env) ?? 0) >= 12 ? 'before-install' : 'after-install'
}

/**
 * The npm setting that makes the lockfile on disk unreliable as a description of what npm just
 * installed, from the environment npm sets for scripts (@npmcli/config set-envs: a non-default
 * boolean is exported, `false` as ""): `package-lock=false` ignores the lockfile and writes none;
 * `save=false` resolves package.json afresh and writes no lockfile either. null when npm installs
 * from the lockfile and saves it.
 */
export function npmIgnoresLockfile(env: NodeJS.ProcessEnv): string | null {
  const off = (value: string | undefined) => value === '' || value === 'false'
  if (off(env.npm_config_package_lock)) return 'package-lock=false'
  if (off(env.npm_config_save)) return 'save=false'
  return null
}

/**
 * The packages npm left out of this install (`--omit`, `--include`, NODE_ENV=production), as npm's
 * config resolves them, so that the comparison with the lockfile does not count them as missing.
 */
export function npmOmitted(env: NodeJS.ProcessEnv): ('dev' | 'optional' | 'peer')[] {
  const list = (value: string | undefined) => (value ?? '').split(/\n+/).filter(Boolean)
  const omit = env.npm_config_omit !== undefined ? list(env.npm_config_omit) : env.NODE_ENV === 'production' ? ['dev'] : []
  const include = new Set(list(env.npm_config_include))
  return (['dev', 'optional', 'peer'] as const).filter((type) => omit.includes(type) && !include.has(type))
}

/**
 * The check's options as the install hook. After the install (npm ≤ 11), when npm did not install
 * from the lockfile, the tree that is checked is node_modules, compared with the lockfile (a stale
 * lockfile must not pass). Before the install (npm 12's preinstall) the lockfile is what npm is
 * about to install, unless npm ignores it: then there is nothing to check, and the hook refuses.
 */
export function hookCheckValues(values: CheckValues, env: NodeJS.ProcessEnv, term: Terminal, timing: HookTiming = 'after-install', projectDir = '.'): CheckValues {
  const setting = npmIgnoresLockfile(env)
  if (timing === 'before-install') {
    // npm 12 reads no npm-shrinkwrap.json (arborist's shrinkwrap.js): with only that, it resolves afresh too.
    const unlocked = setting === 'package-lock=false' ? 'npm is installing with package-lock=false' : onlyShrinkwrap(projectDir) ? 'npm 12 does not read npm-shrinkwrap.json' : null
    if (unlocked) {
      throw inputError(
        'EHOOKUNLOCKED',
        `${unlocked}: npm 12 runs the preinstall hook before it resolves the dependencies, and then installs what it resolves, which no file on disk records; there is nothing the hook could check`,
        'Let npm 12 install from package-lock.json (remove package-lock=false; rename npm-shrinkwrap.json to package-lock.json), or gate with "verify-deps install" / "verify-deps ci".',
      )
    }
    // save=false only stops npm writing the lockfile: it still installs from it.
    return values
  }
  if (!setting || values.installed) return values
  term.err(
    `verify-deps: npm is installing with ${setting}, so the lockfile on disk may not be what it installed; checking node_modules against the lockfile (--installed).\n`,
  )
  const { ideal: _ideal, ...rest } = values
  return { ...rest, installed: true, omit: values.omit ?? npmOmitted(env) }
}

function onlyShrinkwrap(projectDir: string): boolean {
  return existsSync(join(projectDir, 'npm-shrinkwrap.json')) && !existsSync(join(projectDir, 'package-lock.json'))
}

export async function runAsLifecycleScript(
  event: InstallEvent,
  check: () => Promise<{ report: Report; exitCode: ExitCode }>,
  projectDir: string,
  term: Terminal,
  env: NodeJS.ProcessEnv,
): Promise<ExitCode> {
  const before = hookTiming(event, env) === 'before-install'
  const format = (state: WrittenState, lockfileBehind = false) => (before ? formatStoppedBeforeInstall(event, state, env, lockfileBehind) : formatAlreadyWritten(event, state, env))
  try {
    const { report, exitCode } = await check()
    if (exitCode !== EXIT.OK) term.err(format(readWrittenState(projectDir, report.packages.filter((p) => p.decision === 'fail'))))
    return exitCode
  } catch (err) {
    // The run could not finish (policy, lockfile, registry): npm has written just as much.
    const code = (err as { code?: unknown } | null)?.code
    term.err(format(readWrittenState(projectDir, []), code === 'ELOCKSYNC' || code === 'ENOLOCK'))
    throw err
  }
}

/**
 * npm 12's preinstall failed: npm stops before reify. What is on disk is what was there before
 * (npm ci: emptied). `lockfileBehind`: the lockfile does not cover package.json (or is missing),
 * which `npm install` cannot fix while the hook runs first on the old one.
 */
export function formatStoppedBeforeInstall(event: InstallEvent, state: WrittenState, env: NodeJS.ProcessEnv, lockfileBehind = false): string {
  const ci = env.npm_command === 'ci'
  const lines = [
    '',
    `verify-deps ran as this project's "${event}" script. npm 12 runs that script BEFORE it installs the`,
    'dependencies: this failure stops the install, and no dependency was fetched, unpacked or run.',
  ]
  if (ci) lines.push('  - npm ci empties node_modules/ before it runs the script: nothing is installed now.')
  else lines.push(`  - ${state.nodeModules ? 'node_modules/ is as it was before this install' : 'node_modules/ does not exist: nothing was installed'}; package-lock.json is unchanged.`)
  for (const p of state.failing) {
    if (p.installedAt.length) lines.push(`  - ${p.name}@${p.version}, which failed, is still at ${p.installedAt.join(', ')} from an earlier install: delete node_modules/ to remove it.`)
  }
  if (lockfileBehind && !ci) {
    lines.push(
      'npm 12 runs this hook on package-lock.json as it is, before it would update it from package.json.',
      'To update it, checked, use  verify-deps install  (it writes the lockfile with scripts off, checks it, then installs).',
    )
  }
  lines.push(
    'Adding a dependency with "npm install <pkg>" runs no script of the project, so this check does not run:',
    '  verify-deps install <pkg> ...      checks it before anything is written.',
    '',
  )
  return lines.join('\n')
}

export function formatAlreadyWritten(event: InstallEvent, state: WrittenState, env: NodeJS.ProcessEnv): string {
  const strict = env.npm_config_strict_allow_scripts === 'true'
  // npm sets npm_command for scripts: `ci` keeps the lockfile as it is, `install` may rewrite it.
  const ci = env.npm_command === 'ci'
  const lines = [
    '',
    `verify-deps ran as this project's "${event}" script. npm runs that script only AFTER it has installed`,
    'the dependencies: this failure fails the install, but nothing npm wrote has been undone.',
  ]
  if (state.nodeModules) {
    lines.push('  - node_modules/ is already populated.')
    for (const p of state.failing) {
      if (p.installedAt.length) lines.push(`  - ${p.name}@${p.version}, which failed, is installed at ${p.installedAt.join(', ')}.`)
      if (p.installScripts.length) {
        lines.push(`    It has install scripts (${p.installScripts.join(', ')}): ${strict ? 'npm ran them only if package.json "allowScripts" allows it.' : 'npm has run them already, unless package.json "allowScripts" denies it.'}`)
      }
    }
    lines.push(
      strict
        ? '  - Dependency install scripts ran only where package.json "allowScripts" allows them (strict-allow-scripts is on).'
        : '  - Dependency install scripts have already run, except those denied in package.json "allowScripts".',
    )
  } else {
    lines.push('  - node_modules/ does not exist: nothing was installed.')
  }
  const ignored = npmIgnoresLockfile(env)
  if (ignored) lines.push(`  - npm did not install from or write package-lock.json (${ignored}); node_modules was checked against it.`)
  else if (!ci) lines.push('  - package-lock.json may have been updated by npm for this install.')
  lines.push(
    'To check before anything is written, next time use:',
    '  verify-deps ci                       instead of  npm ci',
    '  verify-deps install [<pkg> ...]      instead of  npm install [<pkg> ...]',
    `To undo this install, delete node_modules/${ci ? '' : ' and restore package-lock.json from version control'}.`,
    '',
  )
  return lines.join('\n')
}
