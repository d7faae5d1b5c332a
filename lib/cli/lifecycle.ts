/**
 * verify-deps as the project's own install script (`"preinstall": "verify-deps"`). npm 7+ runs that
 * script after reify: node_modules is written and the dependencies' install scripts have run
 * (npm 11 lib/commands/install.js and ci.js; verified by test/cli/hook.test.ts). The check still
 * fails the install, and on failure this says plainly what is already on disk and how to gate
 * before install next time. The package lock npm is installing is on disk by then too, so the
 * check reads it as usual — unless npm was told not to install from it or not to write it
 * (`package-lock=false`, `save=false`): then the lockfile on disk may be stale, and the hook checks
 * node_modules against it instead (`--installed`, npmIgnoresLockfile).
 */
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
 * The check's options as the install hook: when npm did not install from the lockfile, the tree
 * that is checked is node_modules, compared with the lockfile (a stale lockfile must not pass).
 */
export function hookCheckValues(values: CheckValues, env: NodeJS.ProcessEnv, term: Terminal): CheckValues {
  const setting = npmIgnoresLockfile(env)
  if (!setting || values.installed) return values
  term.err(
    `verify-deps: npm is installing with ${setting}, so the lockfile on disk may not be what it installed; checking node_modules against the lockfile (--installed).\n`,
  )
  const { ideal: _ideal, ...rest } = values
  return { ...rest, installed: true, omit: values.omit ?? npmOmitted(env) }
}

export async function runAsLifecycleScript(
  event: InstallEvent,
  check: () => Promise<{ report: Report; exitCode: ExitCode }>,
  projectDir: string,
  term: Terminal,
  env: NodeJS.ProcessEnv,
): Promise<ExitCode> {
  try {
    const { report, exitCode } = await check()
    if (exitCode !== EXIT.OK) term.err(formatAlreadyWritten(event, readWrittenState(projectDir, report.packages.filter((p) => p.decision === 'fail')), env))
    return exitCode
  } catch (err) {
    // The run could not finish (policy, lockfile, registry): npm has written just as much.
    term.err(formatAlreadyWritten(event, readWrittenState(projectDir, []), env))
    throw err
  }
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
