/**
 * verify-deps as the project's own install script (`"preinstall": "verify-deps"`). npm 7+ runs that
 * script after reify: node_modules is written and the dependencies' install scripts have run
 * (npm 11 lib/commands/install.js and ci.js; verified by test/cli/hook.test.ts). The check still
 * fails the install, and on failure this says plainly what is already on disk and how to gate
 * before install next time. The package lock npm is installing is on disk by then too, so the
 * check reads it as usual.
 */
import type { Report } from '../model.js'
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
  if (!ci) lines.push('  - package-lock.json may have been updated by npm for this install.')
  lines.push(
    'To check before anything is written, next time use:',
    '  verify-deps ci                       instead of  npm ci',
    '  verify-deps install [<pkg> ...]      instead of  npm install [<pkg> ...]',
    `To undo this install, delete node_modules/${ci ? '' : ' and restore package-lock.json from version control'}.`,
    '',
  )
  return lines.join('\n')
}
