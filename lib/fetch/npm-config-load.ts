/**
 * npm's own configuration loader, @npmcli/config (npm 11 uses 10.x), with npm's own definitions,
 * wrapped in what verify-deps needs around it:
 *   - every file it reads is first checked to be a regular file of at most MAX_CONFIG_FILE_BYTES
 *     (a project `.npmrc` is attacker-controlled: a symlink to /dev/zero must not hang the run);
 *   - invalid values, unscoped credentials and settings that cannot be combined become our usage
 *     errors (lib/errors.ts) naming the file or variable, never a stack trace;
 *   - relative paths resolve against the folder it runs in (`cwd`), as npm resolves them against
 *     its working folder, not against this process's;
 *   - nothing reads or writes `process.env`: the caller passes the environment (a copy is handed to
 *     Config, whose setEnvs() writes npm_config_* into it), and `omit`'s NODE_ENV default is taken
 *     from that environment.
 * Lazy: `loadConfig` imports @npmcli/config (~50 ms) only when a command needs the configuration.
 */
import { existsSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type Config from '@npmcli/config'
import type { ConfigWhere } from '@npmcli/config'
import { inputError, VerifyDepsError } from '../errors.js'
import { FileReadError, MAX_CONFIG_FILE_BYTES, readRegularFile } from '../tree/files.js'
import { requireCjs } from '../cjs.js'

export type Env = Readonly<Record<string, string | undefined>>

/** Settings from verify-deps' own command line that are npm settings too: they form npm's `cli` layer. */
export interface NpmCliSettings {
  registry?: string
  omit?: readonly string[]
  include?: readonly string[]
  workspace?: readonly string[]
  includeWorkspaceRoot?: boolean
  offline?: boolean
  /** `--upstream`: npm config `verify-deps-upstream` on the command line. */
  upstream?: string
  userconfig?: string
  globalconfig?: string
}

export interface LoadConfigOptions {
  /** Where npm would run: the project root is found by walking up from here, as npm does. */
  cwd: string
  /** The project root when the caller knows it (the library API, tests): no walking up from `cwd`. */
  projectDir?: string
  env: Env
  cli?: NpmCliSettings
  /**
   * The npm installation whose builtin `npmrc` is read (`<npm>/npmrc`). Default: the npm that runs
   * us (from `npm_execpath`, set by `npm run`, `npm exec`, install scripts); else none: verify-deps
   * run on its own reads no builtin layer (it cannot know which npm will install).
   */
  npmPath?: string | null
  execPath?: string
  platform?: NodeJS.Platform
}

/** verify-deps' own keys: typed so that npm's validation covers them, and no "unknown config" from Config. */
export interface OwnKeyDefinition {
  type: 'path' | 'url' | 'boolean' | 'number'
  /** False: a project-controlled npmrc (editable by a pull request) may not set it: a usage error (EPROJECTNPMRC). */
  fromProject: boolean
  description: string
}

/** Settings npm's configuration gives verify-deps (docs/check.md "npm configuration" lists them). */
export const OWN_KEYS = {
  'verify-deps-policy': { type: 'path', fromProject: false, description: 'The policy file, as `--policy`. Not from a project `.npmrc`: it would replace the policy a reviewer sees.' },
  'verify-deps-trusted-root': { type: 'path', fromProject: false, description: 'A Sigstore trusted_root.json, as `--trusted-root`. Not from a project `.npmrc`: it decides whose signatures count.' },
  'verify-deps-tuf-mirror': { type: 'url', fromProject: false, description: 'A Sigstore TUF mirror (its metadata is checked against the embedded TUF root). Not from a project `.npmrc`: it serves the trusted root and registry keys.' },
  'verify-deps-fetch-tarballs': { type: 'boolean', fromProject: true, description: 'As `--fetch-tarballs`. From a project `.npmrc` only `true` counts (it can only add checks).' },
  'verify-deps-concurrency': { type: 'number', fromProject: true, description: 'As `--concurrency`.' },
  'verify-deps-upstream': {
    type: 'url',
    fromProject: true,
    description:
      'As `--upstream`: the registry the default registry mirrors (per scope: `@scope:verify-deps-upstream`). Read from a project `.npmrc` too: an upstream only supplies evidence that must still verify against its keys and the lockfile integrity (docs/mirrors.md).',
  },
} as const satisfies Record<string, OwnKeyDefinition>
export type OwnKey = keyof typeof OWN_KEYS

/** Per-registry keys (`//host/path/:<key>`), besides npm's credentials. */
export const REGISTRY_KEYS_CONFIG_KEY = 'verify-deps-registry-keys'

/** The upstream of a mirror: `verify-deps-upstream` for the default registry, `@scope:verify-deps-upstream` per scope. */
export const UPSTREAM_CONFIG_KEY = 'verify-deps-upstream'

/** npm settings verify-deps acts on: an invalid value for one of them is an error; for another, npm's warning. */
const USED_KEYS = new Set([
  'registry', 'omit', 'include', 'production', 'only', 'also', 'dev', 'optional', 'workspace', 'workspaces', 'offline',
  'cache', 'cafile', 'ca', 'strict-ssl', 'proxy', 'https-proxy', 'noproxy', 'user-agent', 'userconfig', 'globalconfig', 'prefix',
  'fetch-retries', 'fetch-retry-factor', 'fetch-retry-mintimeout', 'fetch-retry-maxtimeout', 'fetch-timeout', 'replace-registry-host',
  ...Object.keys(OWN_KEYS),
])

export const LAYERS: readonly ConfigWhere[] = ['cli', 'env', 'project', 'user', 'global', 'builtin', 'default']

interface InvalidValue {
  key: string
  value: unknown
  where: ConfigWhere
  source: string
}

/** Loads npm's configuration; throws a usage VerifyDepsError for configuration npm would refuse or verify-deps cannot use. */
export async function loadConfig(options: LoadConfigOptions): Promise<{ config: Config; invalid: InvalidValue[] }> {
  // required here, when npm's configuration is first read (cjs.ts: not through the ESM loader)
  const NpmcliConfig = requireCjs('@npmcli/config') as typeof import('@npmcli/config').default
  const defs = requireCjs('@npmcli/config/lib/definitions/index.js') as typeof import('@npmcli/config/lib/definitions/index.js')
  const envReplace = requireCjs('@npmcli/config/lib/env-replace.js') as typeof import('@npmcli/config/lib/env-replace.js').default
  const env: Record<string, string | undefined> = { ...options.env }
  const cwd = resolve(options.cwd)
  const npmPath = options.npmPath === undefined ? npmPathFrom(env) : options.npmPath
  const invalid: InvalidValue[] = []
  const typeDefs = NpmcliConfig.typeDefs
  const pathType = typeDefs.path?.type
  const own = Object.fromEntries(
    Object.entries(OWN_KEYS).map(([key, def]) => [key, { default: null, type: [null, def.type === 'boolean' ? Boolean : def.type === 'number' ? Number : typeDefs[def.type]?.type] }]),
  )
  // npm's definitions read NODE_ENV from process.env when they load; the caller's environment decides here.
  const omitDefault = Object.assign(Object.create(defs.definitions.omit ?? null) as object, { default: env.NODE_ENV === 'production' ? ['dev'] : [] })

  class Loader extends NpmcliConfig {
    #prefixLoaded = false
    override async loadLocalPrefix(): Promise<void> {
      if (this.#prefixLoaded) return
      this.#prefixLoaded = true
      if (options.projectDir === undefined) return super.loadLocalPrefix()
      this.localPrefix = resolve(options.projectDir)
      this.localPackage = existsSync(join(this.localPrefix, 'package.json'))
    }
    override async loadBuiltinConfig(): Promise<void> {
      if (npmPath === null) return
      checkConfigFile(resolve(npmPath, 'npmrc'))
      await super.loadBuiltinConfig()
    }
    override async loadProjectConfig(): Promise<void> {
      await this.loadLocalPrefix()
      checkConfigFile(resolve(this.localPrefix, '.npmrc'))
      await super.loadProjectConfig()
    }
    override async loadUserConfig(): Promise<void> {
      checkConfigFile(this.#file('userconfig'))
      await super.loadUserConfig()
    }
    override async loadGlobalConfig(): Promise<void> {
      checkConfigFile(this.#file('globalconfig'))
      await super.loadGlobalConfig()
    }
    /** The file Config is about to read for `key` (`userconfig`, `globalconfig`): from cli, env or project (which can name it), else the default. */
    #file(key: 'userconfig' | 'globalconfig'): string {
      for (const where of ['cli', 'env', 'project', 'default'] as const) {
        const value = this.data.get(where)?.data[key]
        if (value !== undefined) return String(value)
      }
      return ''
    }
    override parseField(value: unknown, key: string, listElement = false): unknown {
      const parsed = super.parseField(value, key, listElement)
      // Config resolves a relative path against process.cwd(); npm's working folder is `cwd`.
      if (typeof value === 'string' && typeof parsed === 'string' && [this.types[key]].flat().includes(pathType)) {
        const expanded = envReplace(value.trim(), this.env)
        if (!isAbsolute(expanded) && !/^~[/\\]/.test(expanded)) return resolve(cwd, expanded)
      }
      return parsed
    }
    override invalidHandler(key: string, value: unknown, _type: unknown, source: string, where: ConfigWhere): void {
      invalid.push({ key, value, where, source })
    }
  }

  const config = new Loader({
    definitions: { ...defs.definitions, omit: omitDefault as (typeof defs.definitions)[string], ...own },
    shorthands: defs.shorthands,
    flatten: defs.flatten,
    nerfDarts: [...defs.nerfDarts, REGISTRY_KEYS_CONFIG_KEY],
    // Config needs a folder for npm; with none, one that does not exist (no builtin file, no npm version).
    npmPath: npmPath ?? join(dirname(fileURLToPath(import.meta.url)), 'no-npm'),
    argv: ['node', 'verify-deps', ...cliArgs(options.cli ?? {})],
    cwd,
    env,
    ...(options.platform && { platform: options.platform }),
    ...(options.execPath && { execPath: options.execPath }),
    // Unknown keys (another tool's, a newer npm's) are not ours to warn about.
    warn: false,
  })
  try {
    await config.load()
    config.validate()
  } catch (err) {
    if (err instanceof VerifyDepsError) throw err
    const e = err as Error & { code?: string; problems?: Array<{ key?: string; from?: string; where: ConfigWhere }> }
    if (e.code === 'ERR_INVALID_AUTH') throw unscopedAuthError(config, e.problems ?? [])
    // validate() takes the nerf dart of `registry`: not a URL at all.
    if (e.code === 'ERR_INVALID_URL') {
      const where = config.find('registry') ?? 'cli'
      throw inputError('EINVALIDREGISTRY', `${where === 'env' ? 'environment (npm_config_*)' : where === 'cli' ? 'command line' : (config.data.get(where)?.source ?? where)}: registry is not an http(s) URL`)
    }
    throw inputError('ENPMCONFIG', `npm configuration: ${e.message.replace(/^--/, '')}`)
  }
  return { config, invalid }
}

/** The npm that runs us (`npm_execpath` is `<npm>/bin/npm-cli.js` or `npx-cli.js`), or null. */
function npmPathFrom(env: Env): string | null {
  const execPath = env.npm_execpath
  if (!execPath || !/[/\\]bin[/\\]np[mx]-cli\.js$/.test(execPath)) return null
  return dirname(dirname(execPath))
}

function cliArgs(cli: NpmCliSettings): string[] {
  const args: string[] = []
  if (cli.registry !== undefined) args.push('--registry', cli.registry)
  for (const type of cli.omit ?? []) args.push('--omit', type)
  for (const type of cli.include ?? []) args.push('--include', type)
  for (const name of cli.workspace ?? []) args.push('--workspace', name)
  if (cli.includeWorkspaceRoot) args.push('--include-workspace-root')
  if (cli.offline) args.push('--offline')
  if (cli.upstream !== undefined) args.push('--verify-deps-upstream', cli.upstream)
  if (cli.userconfig !== undefined) args.push('--userconfig', cli.userconfig)
  if (cli.globalconfig !== undefined) args.push('--globalconfig', cli.globalconfig)
  return args
}

/**
 * A configuration file is read only if it is a regular file within the size cap: a symlink to
 * /dev/zero, a FIFO or a huge file is an error naming it. A missing file is fine; one that cannot be
 * opened for another reason (permissions) is left to Config, which ignores it as npm does (the
 * caller warns).
 */
function checkConfigFile(path: string): void {
  try {
    readRegularFile(path, MAX_CONFIG_FILE_BYTES)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOTREG' || code === 'ETOOLARGE') throw inputError('ENPMRC', `${path}: cannot read npm configuration: ${(err as FileReadError).reason}`)
  }
}

function unscopedAuthError(config: Config, problems: ReadonlyArray<{ key?: string; from?: string; where: ConfigWhere }>): VerifyDepsError {
  const byFile = new Map<string, string[]>()
  for (const p of problems) {
    const file = config.data.get(p.where)?.source ?? p.where
    byFile.set(file, [...(byFile.get(file) ?? []), (p.key ?? p.from) as string])
  }
  // Names only, never the values.
  const files = [...byFile].map(([file, keys]) => `${file}: unscoped credentials (${[...new Set(keys)].join(', ')})`)
  return inputError('EINVALIDAUTH', `${files.join('; ')} are not supported, as in npm 9 and later`, 'Scope them to their registry, e.g. `//registry.npmjs.org/:_authToken=…`, or run `npm config fix`.')
}

export function isUsedKey(key: string): boolean {
  return USED_KEYS.has(key)
}
