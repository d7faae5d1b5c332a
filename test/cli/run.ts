// Spawns the real bin/verify-deps.js as a user would, with a clean npm environment: no user or
// global npmrc, no npm_config_* from the test runner, HOME in the scenario.
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { childCommand } from '../helpers/child.js'

export const BIN = fileURLToPath(new URL('../../bin/verify-deps.js', import.meta.url))

/** `[file, args]` that start bin/verify-deps.js with `args` (see test/helpers/child.ts). */
export const cliCommand = (args: readonly string[]): [string, string[]] => childCommand(process.execPath, [BIN, ...args], { coverage: true })

export interface RunResult {
  status: number | null
  stdout: string
  stderr: string
}

export function cleanEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  mkdirSync(home, { recursive: true })
  const userconfig = join(home, '.npmrc-user')
  const globalconfig = join(home, '.npmrc-global')
  writeFileSync(userconfig, '')
  writeFileSync(globalconfig, '')
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(npm_|NODE_OPTIONS$|TAP|GITHUB_)/i.test(k)) continue
    env[k] = v
  }
  return {
    ...env,
    HOME: home,
    // The sealed store's key (lib/fetch/store/key.ts) stays in the test's home too.
    XDG_STATE_HOME: join(home, '.local', 'state'),
    npm_config_userconfig: userconfig,
    npm_config_globalconfig: globalconfig,
    npm_config_cache: join(home, 'npm-cache'),
    // Tests never reach the real Sigstore TUF: a closed loopback port fails at once.
    npm_config_verify_deps_tuf_mirror: 'http://127.0.0.1:9/',
    ...extra,
  }
}

/**
 * The scenario's trust material pinned on the command line: its trusted root and, for its
 * registry, its keys file. Nothing is asked of Sigstore TUF or of the registry's keys endpoint.
 */
/** A mixed tree (pass, warn and fail): app-lib → @acme/util, no-prov (no provenance); bad-sig (an invalid signature). */
export const MIXED_TREE = [
  { name: 'app-lib', version: '1.0.0', dependencies: { '@acme/util': '^2.0.0', 'no-prov': '1.0.0' } },
  { name: '@acme/util', version: '2.1.0' },
  { name: 'no-prov', version: '1.0.0', provenance: 'missing' as const },
  { name: 'bad-sig', version: '3.0.0', signature: 'invalid' as const },
]

export function pinnedTrust(s: { trustedRootFile: string; registryKeysFile: string; registry: { url: string } }): string[] {
  return ['--trusted-root', s.trustedRootFile, '--registry-keys', `${s.registry.url}=${s.registryKeysFile}`]
}

export function runCli(args: string[], options: { cwd: string; env: Record<string, string> }): Promise<RunResult> {
  return runCommand(cliCommand(args), options)
}

/** Runs `[file, args]` (e.g. from childCommand) to its end, collecting its output. */
export function runCommand([file, args]: [string, string[]], options: { cwd: string; env: Record<string, string> }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}
