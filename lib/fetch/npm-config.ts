/**
 * npm's configuration, exactly as npm reads it: @npmcli/config with npm's own definitions
 * (npm-config-load.ts), layers cli > env (`npm_config_*`) > project `.npmrc` > user `~/.npmrc` >
 * global `$PREFIX/etc/npmrc` > builtin `<npm>/npmrc`, the project root found by walking up as npm
 * does. The one loader for check, install, ci, setup and demo. What verify-deps takes from it: the
 * project root and workspace, `omit`/`include`, `offline`, the registry for each package
 * (`registry`, `@scope:registry`), npm-registry-fetch options per registry (credentials, proxy, TLS,
 * cafile, user agent, HTTP cache, fetch-* retries and timeouts), and verify-deps' own keys.
 *
 * Credentials stay per registry: `fetchOptions` passes the nerf-darted keys
 * (`//host/path/:_authToken`, `:_auth`, `:username` + `:_password`, `:certfile` + `:keyfile`) as they
 * are, and npm-registry-fetch picks, for each request URL, the credential whose host and path prefix
 * match it — the same matching npm does — so a token is only ever sent to its own registry. Unscoped
 * credentials are refused as npm 9+ refuses them (ERR_INVALID_AUTH → EINVALIDAUTH).
 *
 * The caller (the CLI) passes the environment in; nothing here reads `process.env`.
 */
import { isAbsolute, join, relative, resolve } from 'node:path'
import { inspect } from 'node:util'
import type Config from '@npmcli/config'
import type { ConfigWhere } from '@npmcli/config'
import type { FetchOptions } from 'npm-registry-fetch'
import { log } from './log.js'
import { inputError } from '../errors.js'
import { FileReadError, MAX_CONFIG_FILE_BYTES, readRegularFile } from '../tree/files.js'
import { LAYERS, OWN_KEYS, REGISTRY_KEYS_CONFIG_KEY, UPSTREAM_CONFIG_KEY, isUsedKey, loadConfig, type Env, type LoadConfigOptions, type OwnKey } from './npm-config-load.js'
import { createRedactor, redact } from './redact.js'


export { OWN_KEYS, REGISTRY_KEYS_CONFIG_KEY, UPSTREAM_CONFIG_KEY, type Env, type OwnKey }
export type LoadNpmConfigOptions = LoadConfigOptions & { userAgent?: string }
export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/'

export type NpmConfigLayer = ConfigWhere
export type OmitType = 'dev' | 'optional' | 'peer'

/** A value and where it came from: a file, `environment (npm_config_…)`, `command line`, … */
export interface ConfigSetting<T> {
  value: T
  from: string
}

/** npm's `fetch-*` settings, present only when configured (the caller has its own defaults). */
export interface NpmFetchSettings {
  retries?: number
  retryFactor?: number
  retryMinTimeoutMs?: number
  retryMaxTimeoutMs?: number
  timeoutMs?: number
}

/** The most verify-deps takes from npm's `fetch-*` settings (docs/check.md "npm configuration"): npm's defaults are 2 retries, factor 10, 10 s / 60 s, 5 min. */
export const FETCH_SETTING_CAPS: Readonly<Record<keyof NpmFetchSettings, { key: string; max: number }>> = {
  retries: { key: 'fetch-retries', max: 5 },
  retryFactor: { key: 'fetch-retry-factor', max: 10 },
  retryMinTimeoutMs: { key: 'fetch-retry-mintimeout', max: 60_000 },
  retryMaxTimeoutMs: { key: 'fetch-retry-maxtimeout', max: 120_000 },
  timeoutMs: { key: 'fetch-timeout', max: 300_000 },
}

// Credential keys npm-registry-fetch matches against a request URL (lib/auth.js).
const NERF_DART_CREDENTIAL = /^\/\/.+:(?:_authToken|_auth|_password|username|certfile|keyfile)$/
const SECRET_KEY = /(?:^|:)(?:_authToken|_auth|_password)$/
const UNSCOPED_AUTH = ['_authtoken', '-authtoken', '_auth', 'username', '_password']
const OMIT_KEYS = ['omit', 'include', 'production', 'only', 'also', 'dev', 'optional']
const CERT_END = '-----END CERTIFICATE-----'

/** Reads npm's configuration from `cwd` upwards; throws a usage VerifyDepsError for configuration npm would refuse. */
export async function loadNpmConfig(options: LoadNpmConfigOptions): Promise<NpmConfig> {
  const { config, invalid } = await loadConfig(options)
  const npm = new NpmConfig(config, options)
  for (const bad of invalid) {
    const text = npm.redact(`${describeSource(bad.where, bad.source)}: ${bad.key}=${JSON.stringify(bad.value)} is not a valid value`)
    // A setting verify-deps acts on is never silently replaced by its default (omit=banana).
    if (bad.key === 'registry') throw inputError('EINVALIDREGISTRY', `${text}: not an http(s) URL`)
    if (isUsedKey(bad.key)) throw inputError('ENPMCONFIG', text, 'Fix or remove the setting; "npm help config" lists the values npm accepts.')
    npm.warn(`${text}; npm ignores it too`)
  }
  npm.checkRegistries()
  npm.checkUpstreams()
  npm.checkOwnKeys()
  return npm
}

/**
 * The project npm would install into from `cwd` (npm's local prefix: the nearest folder up with a
 * package.json or node_modules; from a workspace folder, its workspace root), or null when that
 * folder has no package.json. Reads the whole configuration: a bad .npmrc is an error here too.
 */
export async function findProjectRoot(cwd: string, env: Env): Promise<string | null> {
  const config = await loadNpmConfig({ cwd, env })
  return config.hasPackageJson ? config.projectDir : null
}

export class NpmConfig {
  /** npm's local prefix: the nearest folder up from where it ran with a package.json or node_modules (for a workspace folder, the workspace root). */
  readonly projectDir: string
  /** Whether the project root has a package.json (npm's `localPackage`). */
  readonly hasPackageJson: boolean
  /** The default registry, with a trailing slash. */
  readonly registry: string
  /** npm's `cache` folder (`~/.npm` by default); npm's HTTP cache is its `_cacache`. */
  readonly cacheDir: string
  /** Configuration files that were read, highest layer first. */
  readonly files: readonly string[]
  /** Things the user should know (an unreadable .npmrc, a missing cafile, an ignored setting). */
  readonly warnings: string[] = []
  readonly #config: Config
  readonly #env: Env
  readonly #flat: Readonly<Record<string, unknown>>
  readonly #secrets: string[]
  readonly #redact: (text: string) => string
  readonly #userAgent: string
  readonly #omitFrom: string[]
  #ca: string[] | undefined | null = null
  readonly #own = new Map<OwnKey, ConfigSetting<string | number | boolean> | undefined>()

  /** Use `loadNpmConfig`. */
  constructor(config: Config, options: LoadNpmConfigOptions) {
    this.#config = config
    this.#env = options.env
    this.#secrets = collectSecrets(config)
    this.#redact = createRedactor(this.#secrets)
    // The cafile first, within the size cap: npm's flattening reads it with no limit.
    this.#certificates()
    // Before flattening, which writes `omit` and `include` into the layers it reads them from.
    this.#omitFrom = OMIT_KEYS.filter((key) => config.find(key) !== 'default').map((key) => `${key} (${this.#describe(key)})`)
    this.#flat = flatten(config)
    this.projectDir = config.localPrefix
    this.hasPackageJson = Boolean(config.localPackage)
    this.files = (['project', 'user', 'global', 'builtin'] as const).flatMap((where) => {
      const layer = config.data.get(where)
      return layer?.source && !layer.loadError && !layer.source.startsWith('(') ? [layer.source] : []
    })
    for (const where of ['project', 'user', 'global', 'builtin'] as const) {
      const layer = config.data.get(where)
      const code = layer?.loadError?.code
      // npm ignores a config file it cannot read; say so (the file may set a registry or a credential).
      if (layer?.source && code && code !== 'ENOENT') this.warn(`${layer.source}: cannot read npm configuration (${code}); ignoring it, as npm does`)
    }
    for (const key of UNSCOPED_AUTH) {
      for (const where of ['cli', 'env'] as const) {
        // Unscoped credentials from the environment or command line: npm does not validate those
        // layers, and verify-deps never sends them anywhere; say so.
        if (config.get(key, where)) this.warn(`${describeSource(where, null)}: ignoring unscoped ${key}; scope it to a registry, e.g. //registry.npmjs.org/:${key}`)
      }
    }
    this.registry = withTrailingSlash(String(config.get('registry') || DEFAULT_REGISTRY))
    this.cacheDir = String(config.get('cache'))
    this.#userAgent = options.userAgent ?? (config.find('user-agent') === 'default' ? `verify-deps node/${process.version} ${process.platform} ${process.arch}` : userAgentFrom(String(config.get('user-agent'))))
  }

  /** The value as npm parsed it (typed, `${VAR}` expanded, paths resolved), or undefined when unset. */
  get(key: string): unknown {
    return this.#config.get(key) ?? undefined
  }

  /** Where the value in effect came from. */
  where(key: string): { layer: NpmConfigLayer; source: string } | undefined {
    const layer = this.#config.find(key)
    return layer ? { layer, source: describeSource(layer, this.#config.data.get(layer)?.source ?? null) } : undefined
  }

  /** npm's `offline`: no network at all; evidence only from the verification cache. */
  get offline(): ConfigSetting<boolean> {
    return { value: this.#config.get('offline') === true, from: this.#describe('offline') }
  }

  /** The dependency types npm leaves out (`omit`, `include`, NODE_ENV=production, …), and what set them; undefined when none. */
  get omit(): ConfigSetting<OmitType[]> | undefined {
    const value = (this.#flat.omit as OmitType[] | undefined) ?? []
    if (value.length === 0) return undefined
    return { value, from: this.#omitFrom.length ? this.#omitFrom.join(', ') : 'NODE_ENV=production (environment)' }
  }

  /** The workspaces npm selects (`workspace` config, or the workspace folder it runs in), and why; undefined for the whole project. */
  get workspaces(): ConfigSetting<string[]> | undefined {
    const value = [this.#config.get('workspace') ?? []].flat().map(String)
    if (value.length === 0) return undefined
    const where = this.#config.find('workspace')
    return { value, from: where === 'default' ? `the workspace folder it ran in (project root ${this.projectDir})` : this.#describe('workspace') }
  }

  /**
   * npm's `include-workspace-root` when it is on and workspaces are selected: npm then installs the
   * root's own dependencies too (arborist reify.js `includeRootDeps`); undefined otherwise.
   */
  get includeWorkspaceRoot(): ConfigSetting<boolean> | undefined {
    if (this.#config.get('include-workspace-root') !== true || !this.workspaces) return undefined
    return { value: true, from: this.#describe('include-workspace-root') }
  }

  /**
   * One of verify-deps' own keys (`verify-deps-*`, OWN_KEYS), with where it came from. A key that may
   * not come from the project (`fromProject: false`) is checked by `loadNpmConfig`: set in a
   * project-controlled layer, it is a usage error. A boolean that may come from the project
   * (`verify-deps-fetch-tarballs`) is taken from a project-controlled layer only when `true`: the
   * project can add checks, never remove one set elsewhere.
   */
  own(key: OwnKey): ConfigSetting<string | number | boolean> | undefined {
    // Asked once per package (upstreamFor): the layers do not change once loaded, so the answer is kept.
    if (this.#own.has(key)) return this.#own.get(key)
    let setting: ConfigSetting<string | number | boolean> | undefined
    for (const where of LAYERS) {
      const value = this.#config.get(key, where)
      if (value === undefined || value === null || value === '' || where === 'default') continue
      if (value === false && this.#projectControlled(where)) continue
      setting = { value: value as string | number | boolean, from: describeSource(where, this.#config.data.get(where)?.source ?? null) }
      break
    }
    this.#own.set(key, setting)
    return setting
  }

  /**
   * Refuses a key that may not come from the project (OWN_KEYS `fromProject: false`) set in a
   * project-controlled layer: the project `.npmrc`, or a user or global file the project chose or
   * committed. A usage error, not a notice: npm exports every setting of the project `.npmrc` to the
   * scripts it runs as `npm_config_*`, so under `npm run`/`npx`/a lifecycle hook the same value is in
   * the environment layer too, and skipping only the project layer would let it through.
   */
  checkOwnKeys(): void {
    for (const [key, definition] of Object.entries(OWN_KEYS) as Array<[OwnKey, (typeof OWN_KEYS)[OwnKey]]>) {
      if (definition.fromProject) continue
      for (const where of ['project', 'user', 'global'] as const) {
        const value = this.#config.get(key, where)
        if (value === undefined || value === null || value === '' || !this.#projectControlled(where)) continue
        const file = describeSource(where, this.#config.data.get(where)?.source ?? null)
        const why = where === 'project' ? 'the project .npmrc' : `a ${where} npmrc the project ${this.#config.get(`${where}config`, 'project') === undefined ? 'contains' : 'names'}`
        throw inputError(
          'EPROJECTNPMRC',
          `${file}: ${key} may not be set in ${why}: a pull request can edit it, and under npm the value also reaches verify-deps as npm_config_${key.replaceAll('-', '_')}`,
          `Remove ${key} from ${file}; set it in your user or global npmrc outside the project, in the CI environment, or with its command-line option.`,
        )
      }
    }
  }

  /**
   * Whether a pull request can decide a layer: the project `.npmrc` always; the user or global file
   * when the project layer names it (`userconfig=`/`globalconfig=`) or it lies inside the project
   * folder (under npm, a project's `userconfig=` is exported as npm_config_userconfig, so "set by the
   * environment" can be the project's doing too).
   */
  #projectControlled(where: NpmConfigLayer): boolean {
    if (where === 'project') return true
    if (where !== 'user' && where !== 'global') return false
    if (this.#config.get(`${where}config`, 'project') !== undefined) return true
    const source = this.#config.data.get(where)?.source
    if (!source || source.startsWith('(')) return false
    const inside = relative(this.projectDir, resolve(source))
    return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside)
  }

  /**
   * The keys file pinned for `registry` by `//host/path/:verify-deps-registry-keys=<file>` (nerf-darted
   * as npm scopes credentials; the registry's host, port and path must match exactly), with the file
   * or layer that set it. A relative path resolves against the project root.
   */
  registryKeysPin(registry: string): { file: string; from: string } | undefined {
    const key = `${registryNerfDart(registry)}:${REGISTRY_KEYS_CONFIG_KEY}`
    const value = this.#string(key)
    if (value === undefined) return undefined
    const file = /^~[/\\]/.test(value) ? resolve(this.#config.home, value.slice(2)) : resolve(this.projectDir, value)
    return { file, from: `${this.#describe(key)}: ${key}` }
  }

  /**
   * The upstream a package's evidence may also come from (docs/mirrors.md), with the key and the
   * file or layer that set it: `@scope:verify-deps-upstream` for a scoped name, else
   * `verify-deps-upstream` when the package comes from the default registry (as `registry` applies
   * to it). An upstream equal to the package's own registry is none.
   */
  upstreamFor(name: string, registry: string): { url: string; key: string; from: string } | undefined {
    const scope = /^(@[^/]+)\//.exec(name)?.[1]
    const scopedKey = scope && `${scope}:${UPSTREAM_CONFIG_KEY}`
    const scoped = scopedKey ? this.#string(scopedKey) : undefined
    const own = scoped === undefined && withTrailingSlash(registry) === this.registry ? this.own(UPSTREAM_CONFIG_KEY) : undefined
    const value = scoped ?? (typeof own?.value === 'string' ? own.value : undefined)
    if (value === undefined || withTrailingSlash(value) === withTrailingSlash(registry)) return undefined
    const key = scoped !== undefined ? scopedKey! : UPSTREAM_CONFIG_KEY
    return { url: withTrailingSlash(value), key, from: scoped !== undefined ? this.#describe(key) : own!.from }
  }

  /** Every `@scope:verify-deps-upstream` in effect, with where it came from (the report lists them; `verify-deps-upstream` is one of the own keys). */
  scopedUpstreams(): Array<{ key: string; value: string; from: string }> {
    // Not in npm's flattened options (only `@scope:registry` is): from the layers themselves.
    const keys = new Set(LAYERS.flatMap((layer) => Object.keys(this.#config.data.get(layer)?.data ?? {})))
    return [...keys]
      .filter((key) => key.startsWith('@') && key.endsWith(`:${UPSTREAM_CONFIG_KEY}`))
      .flatMap((key) => {
        const value = this.#string(key)
        return value === undefined ? [] : [{ key, value, from: this.#describe(key) }]
      })
  }

  /** The registry a package is fetched from: `@scope:registry` for scoped names, else `registry`. */
  registryFor(name: string): string {
    const scope = /^(@[^/]+)\//.exec(name)?.[1]
    const scoped = scope && this.#string(`${scope}:registry`)
    return scoped ? withTrailingSlash(scoped) : this.registry
  }

  /**
   * npm-registry-fetch options for requests to `registry`: every nerf-darted credential (the library
   * sends each only to URLs under its own host and path), proxy, TLS, user agent, HTTP cache.
   */
  fetchOptions(registry: string, { credentials = true }: { credentials?: boolean } = {}): FetchOptions {
    const options: FetchOptions = {
      registry: withTrailingSlash(registry),
      userAgent: this.#userAgent,
      strictSSL: this.#config.get('strict-ssl') !== false,
      cache: join(this.cacheDir, '_cacache'),
    }
    // `credentials: false` (an upstream, docs/mirrors.md): no credential of any registry, whatever its
    // host and path, so that none can reach a URL the project .npmrc chose.
    for (const [key, value] of Object.entries(this.#flat)) {
      if (credentials && NERF_DART_CREDENTIAL.test(key) && typeof value === 'string') options[key] = value
    }
    const proxy = this.#proxy()
    if (proxy.httpsProxy) options.httpsProxy = proxy.httpsProxy
    if (proxy.proxy) options.proxy = proxy.proxy
    if (proxy.noProxy) options.noProxy = proxy.noProxy
    const ca = this.#certificates()
    if (ca) options.ca = ca
    return options
  }

  /**
   * npm's `fetch-retries`, `fetch-retry-factor`, `fetch-retry-mintimeout`, `fetch-retry-maxtimeout`,
   * `fetch-timeout`, when set, each capped at FETCH_SETTING_CAPS (a project `.npmrc` with
   * `fetch-retries=1000` must not turn an unreachable registry into a hang); a capped value is a notice.
   */
  fetchSettings(): NpmFetchSettings {
    const settings: NpmFetchSettings = {}
    for (const [field, { key, max }] of Object.entries(FETCH_SETTING_CAPS) as Array<[keyof NpmFetchSettings, { key: string; max: number }]>) {
      const n = this.#config.get(key)
      if (this.#config.find(key) === 'default' || typeof n !== 'number' || !Number.isFinite(n) || n < 0) continue
      if (n > max) this.warn(`${this.#describe(key)}: ${key}=${n} is more than verify-deps allows; using ${max}`)
      settings[field] = Math.min(n, max)
    }
    return settings
  }

  /** `text` without this configuration's secrets or any URL credentials: use on anything logged or thrown. */
  redact(text: string): string {
    return this.#redact(text)
  }

  /**
   * `redact` as a function of its own, for a caller that redacts many strings (check.ts: every string
   * of the report, ~56,000 at 1,000 packages): no method call in between for each. It holds only the
   * secrets: a closure made inside check.ts's gatherRun instead would keep gatherRun's whole scope
   * alive while the report is built (V8 keeps one context per scope): the sealed pack, every verified
   * package and the trust contexts, tens of MB at 10,000 packages.
   */
  get redactor(): (text: string) => string {
    return this.#redact
  }

  /** Every setting that is not npm's default, with secrets replaced: safe to log. */
  toJSON(): Record<string, { value: unknown; layer: NpmConfigLayer; source: string }> {
    const out: Record<string, { value: unknown; layer: NpmConfigLayer; source: string }> = {}
    for (const layer of LAYERS) {
      if (layer === 'default') continue
      const data = this.#config.data.get(layer)
      for (const [key, value] of Object.entries(data?.data ?? {})) {
        if (key in out) continue
        out[key] = { value: SECRET_KEY.test(key) ? '***' : redactValue(value, this.#secrets), layer, source: describeSource(layer, data?.source ?? null) }
      }
    }
    return out
  }

  [inspect.custom](): string {
    return `NpmConfig ${inspect(this.toJSON())}`
  }

  /** Records (once) and logs something the user should know, redacted. */
  warn(message: string): void {
    const text = this.redact(message)
    if (this.warnings.includes(text)) return
    this.warnings.push(text)
    log.warn('npm config', text)
  }

  /** Every registry setting must be an http(s) URL: a usage error naming where it was set. */
  checkRegistries(): void {
    const keys = ['registry', ...Object.keys(this.#flat).filter((key) => /^@[^/]+:registry$/.test(key))]
    for (const key of keys) {
      const value = this.get(key)
      if (value === undefined || value === '') continue
      let url: URL | undefined
      try {
        url = typeof value === 'string' ? new URL(value) : undefined
      } catch {
        url = undefined
      }
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
        throw inputError('EINVALIDREGISTRY', `${this.#describe(key)}: ${key} is not an http(s) URL: ${this.redact(JSON.stringify(value))}`)
      }
    }
  }

  /**
   * Every upstream setting must be an http(s) URL without credentials in it (an upstream is asked
   * anonymously): a usage error naming where it was set.
   */
  checkUpstreams(): void {
    for (const key of [UPSTREAM_CONFIG_KEY, ...this.scopedUpstreams().map((u) => u.key)]) {
      const value = this.get(key)
      if (value === undefined || value === '' || value === null) continue
      let url: URL | undefined
      try {
        url = typeof value === 'string' ? new URL(value) : undefined
      } catch {
        url = undefined
      }
      const where = this.#describe(key)
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
        throw inputError('EINVALIDREGISTRY', `${where}: ${key} is not an http(s) URL: ${this.redact(JSON.stringify(value))}`)
      }
      if (url.username || url.password) {
        throw inputError('EINVALIDREGISTRY', `${where}: ${key} carries credentials: an upstream is only ever asked without credentials`, `Remove the user and password from the ${key} URL.`)
      }
    }
  }

  #string(key: string): string | undefined {
    const value = this.get(key)
    return typeof value === 'string' && value !== '' ? value : undefined
  }

  #proxy(): { httpsProxy?: string; proxy?: string; noProxy?: string } {
    const env = (name: string): string | undefined => this.#env[name.toLowerCase()] || this.#env[name.toUpperCase()] || undefined
    // As @npmcli/agent does with process.env, but from the environment the caller passed.
    const httpsProxy = this.#string('https-proxy') ?? env('https_proxy') ?? env('http_proxy')
    const proxy = this.get('proxy') === false ? undefined : (this.#string('proxy') ?? env('http_proxy') ?? env('proxy'))
    const noProxy = [this.get('noproxy') ?? []].flat().filter(Boolean).join(',') || env('no_proxy')
    return { httpsProxy, proxy, noProxy }
  }

  /** `cafile` (PEM, possibly several certificates) wins over `ca`, as in npm's flattening; read within the size cap. */
  #certificates(): string[] | undefined {
    if (this.#ca !== null) return this.#ca
    let ca: string[] | undefined
    const cafile = this.#string('cafile')
    if (cafile) {
      try {
        ca = splitCertificates(readRegularFile(cafile, MAX_CONFIG_FILE_BYTES).toString('utf8'))
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        // npm ignores a missing cafile; say so rather than fail TLS mysteriously later.
        if (code !== 'ENOENT') throw inputError('ECAFILE', `${this.#describe('cafile')}: cafile: cannot read ${cafile}: ${err instanceof FileReadError ? err.reason : (code ?? (err as Error).message)}`)
        this.warn(`${this.#describe('cafile')}: cafile: ${cafile} does not exist; using the default certificate authorities`)
      }
    }
    if (!ca) {
      const value = this.get('ca')
      if (typeof value === 'string' && value) ca = [value]
      else if (Array.isArray(value) && value.length > 0) ca = value.map(String)
    }
    this.#ca = ca
    return ca
  }

  #describe(key: string): string {
    return this.where(key)?.source ?? key
  }
}

/** How a layer is named to the user: its file, `environment`, `command line`, `npm default`. */
function describeSource(where: ConfigWhere, source: string | null): string {
  switch (where) {
    case 'cli':
      return 'command line'
    case 'env':
      return 'environment (npm_config_*)'
    case 'default':
      return 'npm default'
    default:
      return source ?? where
  }
}

/**
 * npm's flattened options (omit from omit/include/production/NODE_ENV, the nerf-darted keys). The
 * definitions' flatten functions write NODE_ENV and npm_config_user_agent into process.env (npm wants
 * them in its scripts' environment); this process's environment is put back as it was.
 */
function flatten(config: Config): Record<string, unknown> {
  const kept = ['NODE_ENV', 'npm_config_user_agent'].map((name) => [name, process.env[name]] as const)
  try {
    return config.flat
  } finally {
    for (const [name, value] of kept) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

function collectSecrets(config: Config): string[] {
  const secrets: string[] = []
  for (const layer of LAYERS) {
    for (const [key, value] of Object.entries(config.data.get(layer)?.data ?? {})) {
      if (!SECRET_KEY.test(key) || typeof value !== 'string' || !value) continue
      secrets.push(value)
      // `_password` is base64 of the password, `_auth` base64 of user:password; the decoded forms are secret too.
      const decoded = Buffer.from(value, 'base64').toString('utf8')
      if (key.endsWith('_password')) secrets.push(decoded)
      if (key.endsWith('_auth')) secrets.push(decoded, decoded.slice(decoded.indexOf(':') + 1))
    }
  }
  return secrets
}

function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redact(value, secrets)
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets))
  return value
}

function userAgentFrom(configured: string): string {
  const fields: Record<string, string> = { 'node-version': process.version, platform: process.platform, arch: process.arch }
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
