/**
 * Runs the real `npm` CLI against a loopback registry, isolated from the machine's npm setup.
 * Tests run under `npx tap`, which exports dozens of `npm_config_*` variables (the developer's
 * userconfig, cafile, even `omit-lockfile-registry-resolved`) and tap's own NODE_OPTIONS/TAP_*;
 * all are dropped so only the project's `.npmrc` and the settings given here apply. tap's loader
 * stays only while coverage is recorded (a preinstall hook runs verify-deps under npm; see ../child.ts).
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { delimiter, dirname, join } from 'node:path'
import { childCommand } from '../child.js'

export interface NpmRunOptions {
  /** The project directory (holds package.json and any project .npmrc). */
  cwd: string
  /** Scratch directory for the npm cache and the empty user/global npmrc files. */
  scratchDir: string
  /** Default registry URL (`npm_config_registry`); omit to leave it to the project .npmrc. */
  registry?: string
  /** Extra `npm_config_*` settings, e.g. `{ 'package-lock-only': 'true' }`. */
  config?: Record<string, string>
  /** A folder put first on PATH, to run another npm (and node), e.g. npm 12's. */
  binDir?: string
}

export interface NpmResult {
  code: number | null
  stdout: string
  stderr: string
}

export const DEFAULT_NPM_TIMEOUT_MS = 120_000

export function runNpm(args: readonly string[], options: NpmRunOptions): Promise<NpmResult> {
  mkdirSync(options.scratchDir, { recursive: true })
  const userconfig = join(options.scratchDir, 'user.npmrc')
  const globalconfig = join(options.scratchDir, 'global.npmrc')
  writeFileSync(userconfig, '')
  writeFileSync(globalconfig, '')
  const settings: Record<string, string> = {
    userconfig,
    globalconfig,
    cache: join(options.scratchDir, 'cache'),
    audit: 'false',
    fund: 'false',
    'update-notifier': 'false',
    'ignore-scripts': 'true',
    ...(options.registry ? { registry: options.registry } : {}),
    ...options.config,
  }
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(npm_|node_options$|tap_|_tapjs_|ts_node_)/i.test(name)),
  )
  for (const [name, value] of Object.entries(settings)) env[`npm_config_${name.replace(/-/g, '_')}`] = value
  if (options.binDir) env.PATH = `${options.binDir}${delimiter}${env.PATH ?? ''}`

  return new Promise((resolve, reject) => {
    const child = spawn(...childCommand('npm', args, { coverage: true }), { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: DEFAULT_NPM_TIMEOUT_MS })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/**
 * The major version of the npm on PATH, the one runNpm starts. Tests of npm's own behaviour branch
 * on it: CI runs them under npm 11 and npm 12 (docs/testing.md), which order install scripts differently.
 */
export function npmMajorOnPath(): number {
  const result = spawnSync(...childCommand('npm', ['--version']), { encoding: 'utf8' })
  const major = /^(\d+)\./.exec(result.stdout.trim())
  if (!major) throw new Error(`npm --version printed ${JSON.stringify(result.stdout)} (exit ${String(result.status)}): ${result.stderr}`)
  return Number(major[1])
}

/** The npm on PATH: its folder, the config keys it defines (its own @npmcli/config definitions) and its shorthands. */
export function npmDefinitionsOnPath(): { root: string; keys: Set<string>; shorthands: Record<string, string[]> } {
  const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' })
  // npm on PATH is a link to <npm>/bin/npm-cli.js.
  const root = dirname(dirname(realpathSync(which.stdout.trim())))
  const loaded = createRequire(join(root, 'package.json'))('@npmcli/config/lib/definitions') as { definitions: Record<string, unknown>; shorthands: Record<string, string[]> }
  return { root, keys: new Set(Object.keys(loaded.definitions)), shorthands: loaded.shorthands }
}
