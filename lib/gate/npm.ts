/**
 * Runs the npm CLI for the install gates. The caller gives the environment and where npm's output
 * goes (the CLI sends it to stderr, so stdout stays the report's); this module reads no env itself.
 */
import { spawn } from 'node:child_process'
import { basename, dirname, join } from 'node:path'

export interface NpmCommand {
  file: string
  prefix: string[]
  shell: boolean
}

/**
 * The npm that launched us when there is one (`npm_execpath` names npm-cli.js, or npx-cli.js next
 * to it, in scripts and `npx`), so the gate installs with the same npm; else `npm` on PATH.
 */
export function npmCommand(env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform = process.platform): NpmCommand {
  const execpath = env.npm_execpath
  if (execpath && /^np[mx]-cli\.js$/.test(basename(execpath))) {
    return { file: env.npm_node_execpath || process.execPath, prefix: [join(dirname(execpath), 'npm-cli.js')], shell: false }
  }
  // npm on Windows is npm.cmd, which Node only starts through a shell.
  return platform === 'win32' ? { file: 'npm.cmd', prefix: [], shell: true } : { file: 'npm', prefix: [], shell: false }
}

export interface NpmRunOptions {
  cwd: string
  env: Readonly<Record<string, string | undefined>>
  command: NpmCommand
  /** npm's stdout and stderr, as they come. */
  onOutput: (chunk: string) => void
}

export type NpmRunResult = { kind: 'exited'; code: number } | { kind: 'not-started'; reason: string }

export function runNpm(args: readonly string[], options: NpmRunOptions): Promise<NpmRunResult> {
  return new Promise((resolve) => {
    const { file, prefix, shell } = options.command
    const child = spawn(file, [...prefix, ...args], { cwd: options.cwd, env: { ...options.env }, shell, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.setEncoding('utf8').on('data', options.onOutput)
    child.stderr.setEncoding('utf8').on('data', options.onOutput)
    child.on('error', (err) => resolve({ kind: 'not-started', reason: err.message }))
    // A signal-killed npm did not succeed: report it as 1 like a shell would report failure.
    child.on('close', (code) => resolve({ kind: 'exited', code: code ?? 1 }))
  })
}
