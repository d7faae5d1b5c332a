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
  /**
   * Stops npm: it gets the signal named by the abort reason (default SIGTERM), then SIGKILL if it
   * has not exited after KILL_GRACE_MS. The run resolves only once npm has exited, so that nothing
   * it does can land after the caller has put files back.
   */
  signal?: AbortSignal
}

export const KILL_GRACE_MS = 5000

export type NpmRunResult = { kind: 'exited'; code: number } | { kind: 'not-started'; reason: string }

export function runNpm(args: readonly string[], options: NpmRunOptions): Promise<NpmRunResult> {
  return new Promise((resolve) => {
    const { file, prefix, shell } = options.command
    const child = spawn(file, [...prefix, ...args], { cwd: options.cwd, env: { ...options.env }, shell, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.setEncoding('utf8').on('data', options.onOutput)
    child.stderr.setEncoding('utf8').on('data', options.onOutput)
    child.on('error', (err) => resolve({ kind: 'not-started', reason: err.message }))
    const stop = () => {
      const reason: unknown = options.signal?.reason
      child.kill(typeof reason === 'string' && reason.startsWith('SIG') ? (reason as NodeJS.Signals) : 'SIGTERM')
      setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), KILL_GRACE_MS).unref()
    }
    if (options.signal?.aborted) stop()
    else options.signal?.addEventListener('abort', stop, { once: true })
    // A signal-killed npm did not succeed: report it as 1 like a shell would report failure.
    child.on('close', (code) => {
      options.signal?.removeEventListener('abort', stop)
      resolve({ kind: 'exited', code: code ?? 1 })
    })
  })
}

/** How long `npm --version` may take before the answer counts as unknown. */
export const NPM_VERSION_TIMEOUT_MS = 30_000

/**
 * `npm --version` of the npm `npmCommand(env)` names: the version of the binary itself, which no
 * project file can change (unlike npm_config_user_agent, which a project .npmrc `user-agent` sets).
 */
export async function askNpmVersion(env: Readonly<Record<string, string | undefined>>, cwd: string): Promise<{ version: string } | { error: string }> {
  let output = ''
  const result = await runNpm(['--version'], { cwd, env, command: npmCommand(env), onOutput: (chunk) => (output += chunk), signal: AbortSignal.timeout(NPM_VERSION_TIMEOUT_MS) })
  if (result.kind === 'not-started') return { error: result.reason }
  // npm may warn on stderr (an unsupported Node version) before the version line.
  const version = /^v?(\d+\.\d+\.\d+\S*)\s*$/m.exec(output)?.[1]
  if (result.code !== 0 || !version) return { error: `exit code ${result.code}${output.trim() ? `: ${output.trim().split('\n').pop()!.slice(0, 200)}` : ''}` }
  return { version }
}
