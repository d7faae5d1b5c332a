// Minimal types for @npmcli/config 10 (npm 11's configuration loader); only what verify-deps uses.
declare module '@npmcli/config' {
  export type ConfigWhere = 'default' | 'builtin' | 'cli' | 'env' | 'project' | 'user' | 'global'
  export interface ConfigDefinition {
    type: unknown
    default: unknown
  }
  export interface ConfigOptions {
    definitions: Record<string, ConfigDefinition>
    shorthands: Record<string, string[]>
    flatten: (obj: Record<string, unknown>, flat?: Record<string, unknown>) => Record<string, unknown>
    nerfDarts?: string[]
    npmPath: string
    argv: string[]
    cwd: string
    env: Record<string, string | undefined>
    platform?: NodeJS.Platform
    execPath?: string
    warn?: boolean
  }
  export interface ConfigLayer {
    readonly data: Record<string, unknown>
    readonly source: string | null
    readonly loadError?: NodeJS.ErrnoException | null
  }
  class Config {
    static readonly typeDefs: Record<string, { type: unknown }>
    constructor(options: ConfigOptions)
    readonly data: ReadonlyMap<ConfigWhere, ConfigLayer>
    readonly types: Record<string, unknown>
    readonly env: Record<string, string | undefined>
    readonly cwd: string
    readonly home: string
    localPrefix: string
    localPackage: boolean
    readonly flat: Record<string, unknown>
    load(): Promise<void>
    validate(where?: ConfigWhere): boolean
    get(key: string, where?: ConfigWhere): unknown
    find(key: string): ConfigWhere | null
    parseField(value: unknown, key: string, listElement?: boolean): unknown
    invalidHandler(key: string, value: unknown, type: unknown, source: string, where: ConfigWhere): void
    loadLocalPrefix(): Promise<void>
    loadBuiltinConfig(): Promise<void>
    loadProjectConfig(): Promise<void>
    loadUserConfig(): Promise<void>
    loadGlobalConfig(): Promise<void>
  }
  export default Config
}

declare module '@npmcli/config/lib/definitions/index.js' {
  import type { ConfigOptions } from '@npmcli/config'
  export const definitions: ConfigOptions['definitions']
  export const shorthands: ConfigOptions['shorthands']
  export const flatten: ConfigOptions['flatten']
  export const nerfDarts: string[]
}

declare module '@npmcli/config/lib/env-replace.js' {
  const envReplace: (text: string, env: Record<string, string | undefined>) => string
  export default envReplace
}
