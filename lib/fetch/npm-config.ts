/**
 * npm's configuration, read as npm reads it (https://docs.npmjs.com/cli/configuring-npm/npmrc and
 * @npmcli/config): layers cli > env (`npm_config_*`) > project `.npmrc` > user `~/.npmrc` > global
 * `$PREFIX/etc/npmrc`, `${VAR}` / `${VAR?}` expanded in keys and values. What verify-deps needs from
 * it: the registry for each package (`registry`, `@scope:registry`), and npm-registry-fetch options for
 * a registry (credentials, proxy, TLS, user agent, HTTP cache).
 *
 * Credentials stay per registry: `fetchOptions` passes the nerf-darted keys
 * (`//host/path/:_authToken`, `:_auth`, `:username` + `:_password`, `:certfile` + `:keyfile`) as they
 * are, and npm-registry-fetch picks, for each request URL, the credential whose host and path prefix
 * match it — the same matching npm does — so a token is only ever sent to its own registry. Unscoped
 * credentials are refused as npm 9+ refuses them (ERR_INVALID_AUTH).
 *
 * The caller (the CLI) passes the environment in; nothing here reads `process.env`.
 */
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { inspect } from 'node:util'
import ini, { type IniValue } from 'ini'
import type { FetchOptions } from 'npm-registry-fetch'
import procLog from 'proc-log'
import { inputError } from '../errors.js'
import { FileReadError, MAX_CONFIG_FILE_BYTES, readRegularFile } from './files.js'
import { redact } from './redact.js'

const { log } = procLog

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/'

export type NpmConfigLayer = 'cli' | 'env' | 'project' | 'user' | 'global'
export type NpmConfigValue = string | boolean | null | string[]

export interface NpmConfigEntry {
  value: NpmConfigValue
  layer: NpmConfigLayer
  /** The file the value came from, or `environment` / `command line`. */
  source: string
}

export type Env = Readonly<Record<string, string | undefined>>

export interface LoadNpmConfigOptions {
  /** The project root: its `.npmrc` is the project layer. Relative paths in values resolve against it. */
  projectDir: string
  env: Env
  /** Command-line settings, the highest layer. */
  cliOptions?: { registry?: string }
  /** Default: `userconfig` from the cli/env/project layers, else `$HOME/.npmrc`. */
  userConfigPath?: string
  /** Default: `globalconfig` from a higher layer, else `<prefix>/etc/npmrc` (prefix: `prefix` config, `$PREFIX`, or node's install prefix). */
  globalConfigPath?: string
  /** User-Agent for registry requests. Default: the `user-agent` config, else `verify-deps node/<version> <platform> <arch>`. */
  userAgent?: string
  /** For the default global prefix, as npm derives it from node's location. Default: this process's. */
  execPath?: string
  platform?: NodeJS.Platform
}

/** npm's `fetch-*` settings, present only when configured (the caller has its own defaults). */
export interface NpmFetchSettings {
  retries?: number
  retryFactor?: number
  retryMinTimeoutMs?: number
  retryMaxTimeoutMs?: number
  timeoutMs?: number
}

// Credential keys npm-registry-fetch matches against a request URL (lib/auth.js).
const NERF_DART_CREDENTIAL = /^\/\/.+:(?:_authToken|_auth|_password|username|certfile|keyfile)$/
const SECRET_KEY = /(?:^|:)(?:_authToken|_auth|_password)$/
// Unscoped credentials: npm 9+ refuses them in config files (`npm config fix` moves them).
const UNSCOPED_AUTH = ['_authToken', '_authtoken', '-authtoken', '_auth', 'username', '_password']
const PATH_KEYS = new Set(['userconfig', 'globalconfig', 'prefix', 'cache', 'cafile'])
const CERT_END = '-----END CERTIFICATE-----'

export class NpmConfig {
  /** The default registry, with a trailing slash. */
  readonly registry: string
  /** npm's `cache` folder (`~/.npm` by default); npm's HTTP cache is its `_cacache`. */
  readonly cacheDir: string
  /** Configuration files that were read, highest layer first. */
  readonly files: readonly string[]
  /** Things the user should know (an unreadable .npmrc, a missing cafile, a value of the wrong type). */
  readonly warnings: readonly string[]
  readonly #entries: ReadonlyMap<string, NpmConfigEntry>
  readonly #secrets: readonly string[]
  readonly #env: Env
  readonly #projectDir: string
  readonly #userAgent: string
  readonly #warnings: string[]
  #ca: string[] | undefined | null = null

  /** Use `loadNpmConfig`; this takes already merged entries (highest layer wins). */
  constructor(entries: ReadonlyMap<string, NpmConfigEntry>, context: { env: Env; projectDir: string; files: string[]; warnings: string[]; userAgent?: string }) {
    this.#entries = entries
    this.#env = context.env
    this.#projectDir = context.projectDir
    this.files = context.files
    this.#warnings = context.warnings
    this.warnings = this.#warnings
    this.#secrets = collectSecrets(entries)
    this.registry = this.#registryValue('registry') ?? DEFAULT_REGISTRY
    for (const key of entries.keys()) if (/^@[^/]+:registry$/.test(key)) this.#registryValue(key)
    this.cacheDir = this.#path('cache') ?? defaultCacheDir(context.env)
    this.#userAgent = context.userAgent ?? userAgentFrom(this.#string('user-agent'))
  }

  /** The value as npm would read it (after `${VAR}` expansion), or undefined when unset. */
  get(key: string): NpmConfigValue | undefined {
    return this.#entries.get(key)?.value
  }

  /** Where a value came from. */
  where(key: string): Omit<NpmConfigEntry, 'value'> | undefined {
    const entry = this.#entries.get(key)
    return entry && { layer: entry.layer, source: entry.source }
  }

  /** npm's `offline`: no network at all; evidence only from the verification cache. */
  get offline(): boolean {
    return this.#boolean('offline') ?? false
  }

  /**
   * The keys file pinned for `registry` by `//host/path/:verify-deps-registry-keys=<file>` (nerf-darted
   * as npm scopes credentials; the registry's host, port and path must match exactly), with the file
   * or layer that set it. A relative path resolves against the project.
   */
  registryKeysPin(registry: string): { file: string; from: string } | undefined {
    const key = `${registryNerfDart(registry)}:verify-deps-registry-keys`
    const file = this.#path(key)
    return file === undefined ? undefined : { file, from: this.#describe(key) }
  }

  /** The registry a package is fetched from: `@scope:registry` for scoped names, else `registry`. */
  registryFor(name: string): string {
    const scope = /^(@[^/]+)\//.exec(name)?.[1]
    return (scope && this.#registryValue(`${scope}:registry`)) || this.registry
  }

  /**
   * npm-registry-fetch options for requests to `registry`: every nerf-darted credential (the library
   * sends each only to URLs under its own host and path), proxy, TLS, user agent, HTTP cache.
   */
  fetchOptions(registry: string): FetchOptions {
    const options: FetchOptions = {
      registry: withTrailingSlash(registry),
      userAgent: this.#userAgent,
      strictSSL: this.#boolean('strict-ssl') ?? true,
      cache: join(this.cacheDir, '_cacache'),
    }
    for (const [key, { value }] of this.#entries) {
      if (NERF_DART_CREDENTIAL.test(key) && typeof value === 'string') options[key] = value
    }
    const proxy = this.#proxy()
    if (proxy.httpsProxy) options.httpsProxy = proxy.httpsProxy
    if (proxy.proxy) options.proxy = proxy.proxy
    if (proxy.noProxy) options.noProxy = proxy.noProxy
    const ca = this.#certificates()
    if (ca) options.ca = ca
    return options
  }

  /** npm's `fetch-retries`, `fetch-retry-factor`, `fetch-retry-mintimeout`, `fetch-retry-maxtimeout`, `fetch-timeout`, when set. */
  fetchSettings(): NpmFetchSettings {
    const settings: NpmFetchSettings = {}
    const set = (field: keyof NpmFetchSettings, key: string): void => {
      const n = this.#number(key)
      if (n !== undefined) settings[field] = n
    }
    set('retries', 'fetch-retries')
    set('retryFactor', 'fetch-retry-factor')
    set('retryMinTimeoutMs', 'fetch-retry-mintimeout')
    set('retryMaxTimeoutMs', 'fetch-retry-maxtimeout')
    set('timeoutMs', 'fetch-timeout')
    return settings
  }

  /** `text` without this configuration's secrets or any URL credentials: use on anything logged or thrown. */
  redact(text: string): string {
    return redact(text, this.#secrets)
  }

  /** Every setting with secrets replaced: safe to log. */
  toJSON(): Record<string, { value: NpmConfigValue; layer: NpmConfigLayer; source: string }> {
    const out: Record<string, NpmConfigEntry> = {}
    for (const [key, entry] of this.#entries) {
      const value = SECRET_KEY.test(key) ? '***' : redactValue(entry.value, this.#secrets)
      out[key] = { ...entry, value }
    }
    return out
  }

  [inspect.custom](): string {
    return `NpmConfig ${inspect(this.toJSON())}`
  }

  #string(key: string): string | undefined {
    const value = this.get(key)
    return typeof value === 'string' && value !== '' ? value : undefined
  }

  #path(key: string): string | undefined {
    const value = this.#string(key)
    return value === undefined ? undefined : resolvePath(value, this.#projectDir, this.#env)
  }

  #boolean(key: string): boolean | undefined {
    const value = this.get(key)
    if (value === true || value === 'true') return true
    if (value === false || value === 'false') return false
    if (value !== undefined && value !== null) this.#warn(`${this.#describe(key)} is not true or false; using the default`)
    return undefined
  }

  #number(key: string): number | undefined {
    const value = this.get(key)
    if (value === undefined || value === null) return undefined
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN
    if (Number.isFinite(n) && n >= 0) return n
    this.#warn(`${this.#describe(key)} is not a non-negative number; using the default`)
    return undefined
  }

  #registryValue(key: string): string | undefined {
    const value = this.get(key)
    if (value === undefined || value === null || value === '') return undefined
    let url: URL | undefined
    try {
      url = typeof value === 'string' ? new URL(value) : undefined
    } catch {
      url = undefined
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw inputError('EINVALIDREGISTRY', `${this.#describe(key)} is not an http(s) URL: ${this.redact(JSON.stringify(value))}`)
    }
    return withTrailingSlash(url.toString())
  }

  #proxy(): { httpsProxy?: string; proxy?: string; noProxy?: string } {
    const env = (name: string): string | undefined => this.#env[name.toLowerCase()] || this.#env[name.toUpperCase()] || undefined
    // As @npmcli/agent does with process.env, but from the environment the caller passed.
    const httpsProxy = this.#string('https-proxy') ?? env('https_proxy') ?? env('http_proxy')
    const configured = this.get('proxy')
    const proxy = configured === false ? undefined : (this.#string('proxy') ?? env('http_proxy') ?? env('proxy'))
    const noProxyValue = this.get('noproxy')
    const noProxy = Array.isArray(noProxyValue) ? noProxyValue.join(',') : typeof noProxyValue === 'string' && noProxyValue ? noProxyValue : env('no_proxy')
    return { httpsProxy, proxy, noProxy }
  }

  /** `cafile` (PEM, possibly several certificates) wins over `ca`, as in npm's flattening. */
  #certificates(): string[] | undefined {
    if (this.#ca !== null) return this.#ca
    let ca: string[] | undefined
    const cafile = this.#path('cafile')
    if (cafile) {
      try {
        ca = splitCertificates(readRegularFile(cafile, MAX_CONFIG_FILE_BYTES).toString('utf8'))
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        // npm ignores a missing cafile; say so rather than fail TLS mysteriously later.
        if (code !== 'ENOENT') throw inputError('ECAFILE', `${this.#describe('cafile')}: cannot read ${cafile}: ${err instanceof FileReadError ? err.reason : (code ?? (err as Error).message)}`)
        this.#warn(`${this.#describe('cafile')}: ${cafile} does not exist; using the default certificate authorities`)
      }
    }
    if (!ca) {
      const value = this.get('ca')
      if (typeof value === 'string' && value) ca = [value]
      else if (Array.isArray(value) && value.length > 0) ca = value
    }
    this.#ca = ca
    return ca
  }

  #describe(key: string): string {
    const entry = this.#entries.get(key)
    return entry ? `${entry.source}: ${key}` : key
  }

  #warn(message: string): void {
    const text = this.redact(message)
    if (this.#warnings.includes(text)) return
    this.#warnings.push(text)
    log.warn('npm config', text)
  }
}

/** Reads npm's configuration layers; throws a usage VerifyDepsError for configuration npm would refuse. */
export function loadNpmConfig(options: LoadNpmConfigOptions): NpmConfig {
  const { env } = options
  const projectDir = resolve(options.projectDir)
  const home = homeDir(env)
  const warnings: string[] = []
  const files: string[] = []
  const layers: Array<{ layer: NpmConfigLayer; source: string; values: Map<string, NpmConfigValue> }> = []
  const lookup = (key: string): NpmConfigValue | undefined => {
    for (const { values } of layers) if (values.has(key)) return values.get(key)
    return undefined
  }
  const lookupPath = (key: string): string | undefined => {
    const value = lookup(key)
    return typeof value === 'string' && value !== '' ? resolvePath(value, projectDir, env) : undefined
  }

  const cli = new Map<string, NpmConfigValue>()
  if (options.cliOptions?.registry !== undefined) cli.set('registry', envReplace(options.cliOptions.registry.trim(), env))
  layers.push({ layer: 'cli', source: 'command line', values: cli })
  layers.push({ layer: 'env', source: 'environment', values: readEnvLayer(env) })

  const readFile = (layer: NpmConfigLayer, path: string): void => {
    const values = readConfigFile(path, env, warnings)
    if (!values) return
    files.push(path)
    checkUnscopedAuth(values, path)
    layers.push({ layer, source: path, values })
  }

  // As npm: the project file is not read when it is the user file (a project in $HOME).
  const projectFile = join(projectDir, '.npmrc')
  const userBeforeProject = options.userConfigPath ?? lookupPath('userconfig') ?? join(home, '.npmrc')
  if (resolve(userBeforeProject) !== projectFile) readFile('project', projectFile)
  readFile('user', options.userConfigPath ?? lookupPath('userconfig') ?? join(home, '.npmrc'))
  const globalFile = options.globalConfigPath ?? lookupPath('globalconfig') ?? join(globalPrefix(options, lookup, projectDir), 'etc', 'npmrc')
  readFile('global', globalFile)

  const entries = new Map<string, NpmConfigEntry>()
  for (const { layer, source, values } of layers) {
    for (const [key, value] of values) if (!entries.has(key)) entries.set(key, { value, layer, source })
  }
  for (const key of UNSCOPED_AUTH) {
    const entry = entries.get(key)
    // Unscoped credentials from the environment or command line: npm does not validate those
    // layers, but would not send them to a registry either; ignore them visibly.
    if (entry && (entry.layer === 'env' || entry.layer === 'cli')) {
      entries.delete(key)
      warnings.push(`${entry.source}: ignoring unscoped ${key}; scope it to a registry, e.g. //registry.npmjs.org/:${key}`)
    }
  }
  return new NpmConfig(entries, { env, projectDir, files, warnings, userAgent: options.userAgent })
}

/** npm's `${VAR}` expansion (@npmcli/config env-replace.js): `${VAR?}` is empty when unset, `\${VAR}` stays literal. */
export function envReplace(text: string, env: Env): string {
  return text.replace(/(?<!\\)(\\*)\$\{([^${}?]+)(\?)?\}/g, (orig, esc: string, name: string, modifier?: string) => {
    const fallback = modifier === '?' ? '' : `\${${name}}`
    const value = env[name] !== undefined ? env[name] : fallback
    if (esc.length % 2) return orig.slice((esc.length + 1) / 2)
    return esc.slice(esc.length / 2) + value
  })
}

/** `npm_config_foo_bar=x` → `foo-bar`; nerf-darted keys (`npm_config_//host/:_authToken`) are kept as they are; empty values are unset. */
function readEnvLayer(env: Env): Map<string, NpmConfigValue> {
  const values = new Map<string, NpmConfigValue>()
  for (const [name, raw] of Object.entries(env)) {
    if (!/^npm_config_/i.test(name) || raw === undefined || raw === '') continue
    let key = name.slice('npm_config_'.length)
    if (!key.startsWith('//')) key = key.replace(/(?!^)_/g, '-').toLowerCase()
    values.set(envReplace(key, env), envReplace(raw.trim(), env))
  }
  return values
}

function readConfigFile(path: string, env: Env, warnings: string[]): Map<string, NpmConfigValue> | undefined {
  let text: string
  try {
    text = readRegularFile(path, MAX_CONFIG_FILE_BYTES).toString('utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // Not a regular file (a symlink to /dev/zero, a FIFO) or oversized: never read, never skipped
    // silently — it may be what sets a registry or a credential.
    if (code === 'ENOTREG' || code === 'ETOOLARGE') throw inputError('ENPMRC', `${path}: cannot read npm configuration: ${(err as FileReadError).reason}`)
    if (code !== 'ENOENT') {
      const message = `${path}: cannot read npm configuration (${code ?? (err as Error).message}); ignoring it`
      warnings.push(message)
      log.warn('npm config', message)
    }
    return undefined
  }
  const values = new Map<string, NpmConfigValue>()
  for (const [rawKey, raw] of Object.entries(ini.parse(text))) {
    const value = fileValue(raw, env)
    // `[section]`s are not npm configuration.
    if (value !== undefined) values.set(envReplace(rawKey, env), value)
  }
  return values
}

function fileValue(raw: IniValue, env: Env): NpmConfigValue | undefined {
  if (typeof raw === 'string') return envReplace(raw.trim(), env)
  if (typeof raw === 'boolean' || raw === null) return raw
  if (Array.isArray(raw)) return raw.filter((v): v is string => typeof v === 'string').map((v) => envReplace(v.trim(), env))
  return undefined
}

function checkUnscopedAuth(values: ReadonlyMap<string, NpmConfigValue>, path: string): void {
  const found = UNSCOPED_AUTH.filter((key) => values.get(key))
  if (found.length === 0) return
  throw inputError(
    'EINVALIDAUTH',
    `${path}: unscoped credentials (${found.join(', ')}) are not supported, as in npm 9 and later`,
    'Scope them to their registry, e.g. `//registry.npmjs.org/:_authToken=…`, or run `npm config fix`.',
  )
}

function collectSecrets(entries: ReadonlyMap<string, NpmConfigEntry>): string[] {
  const secrets: string[] = []
  for (const [key, { value }] of entries) {
    if (!SECRET_KEY.test(key) || typeof value !== 'string' || !value) continue
    secrets.push(value)
    // `_password` is base64 of the password, `_auth` base64 of user:password; the decoded forms are secret too.
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    if (key.endsWith('_password')) secrets.push(decoded)
    if (key.endsWith('_auth')) secrets.push(decoded, decoded.slice(decoded.indexOf(':') + 1))
  }
  return secrets
}

function redactValue(value: NpmConfigValue, secrets: readonly string[]): NpmConfigValue {
  if (typeof value === 'string') return redact(value, secrets)
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets))
  return value
}

function homeDir(env: Env): string {
  return env.HOME || env.USERPROFILE || homedir()
}

function resolvePath(value: string, base: string, env: Env): string {
  if (/^~[/\\]/.test(value)) return resolve(homeDir(env), value.slice(2))
  return resolve(base, value)
}

/** npm's default global prefix: `prefix` config, `$PREFIX`, else node's install prefix. */
function globalPrefix(options: LoadNpmConfigOptions, lookup: (key: string) => NpmConfigValue | undefined, projectDir: string): string {
  const configured = lookup('prefix')
  if (typeof configured === 'string' && configured) return resolvePath(configured, projectDir, options.env)
  if (options.env.PREFIX) return options.env.PREFIX
  const execPath = options.execPath ?? process.execPath
  const platform = options.platform ?? process.platform
  const prefix = platform === 'win32' ? dirname(execPath) : dirname(dirname(execPath))
  return platform !== 'win32' && options.env.DESTDIR ? join(options.env.DESTDIR, prefix) : prefix
}

function defaultCacheDir(env: Env): string {
  // npm: `%LocalAppData%/npm-cache` on Windows, `~/.npm` elsewhere.
  if (env.LOCALAPPDATA && process.platform === 'win32') return join(env.LOCALAPPDATA, 'npm-cache')
  return join(homeDir(env), '.npm')
}

function userAgentFrom(configured: string | undefined): string {
  const fields: Record<string, string> = { 'node-version': process.version, platform: process.platform, arch: process.arch }
  if (!configured) return `verify-deps node/${process.version} ${process.platform} ${process.arch}`
  // npm's template fields; those about npm itself do not apply to verify-deps.
  return configured.replace(/\{([a-z-]+)\}/g, (_, name: string) => fields[name] ?? '').replace(/\s+/g, ' ').trim()
}

function splitCertificates(pem: string): string[] {
  return pem
    .replace(/\r\n/g, '\n')
    .split(CERT_END)
    .filter((section) => section.trim())
    .map((section) => section.trimStart() + CERT_END)
}

/** npm's "nerf dart" of a registry URL: `//host[:port]/path/`, the prefix per-registry settings are keyed by. */
export function registryNerfDart(registry: string): string {
  const url = new URL(withTrailingSlash(registry))
  return `//${url.host}${url.pathname}`
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`
}
