/**
 * Trust material from disk: the embedded Sigstore trusted root and npm registry keys (trust/,
 * refreshed by scripts/refresh-trust.mjs), or files the user names (--trusted-root,
 * --registry-keys). Online refresh through Sigstore TUF lives in tuf.ts.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readJSONFile } from '../tree/files.js'
import { inputError, VerifyDepsError } from '../errors.js'
import { DEFAULT_TUF_MIRROR, fetchTUFTargets, registryKeysTarget, type TUFFetchOptions, type TUFTargets } from './tuf.js'
import { loadRegistryKeysFile, parseRegistryKeys, RegistryKeysError } from './registry-keys/parse.js'
import type { RegistryKey } from '../model/evidence.js'
import type { NpmConfig } from './npm-config.js'

const TRUST_DIR = new URL('../../trust/', import.meta.url)
export const EMBEDDED_TRUSTED_ROOT = fileURLToPath(new URL('trusted_root.json', TRUST_DIR))
export const EMBEDDED_NPM_KEYS = fileURLToPath(new URL('registry.npmjs.org.keys.json', TRUST_DIR))

export interface TrustFiles {
  trustedRootFile?: string
  registryKeysFile?: string
}

export interface LoadedTrust {
  trustedRoot: unknown
  trustedRootSource: string
  registryKeys: RegistryKey[]
  registryKeysSource: string
}

export function loadTrustFiles(files: TrustFiles = {}): LoadedTrust {
  const trustedRootSource = files.trustedRootFile ?? EMBEDDED_TRUSTED_ROOT
  const registryKeysSource = files.registryKeysFile ?? EMBEDDED_NPM_KEYS
  const trustedRoot = loadTrustedRootFile(trustedRootSource)
  return { trustedRoot, trustedRootSource, registryKeys: loadRegistryKeysFile(registryKeysSource), registryKeysSource }
}

/**
 * Reads a trusted root file. Its shape is the verify stage's to check (createTrustContext): callers
 * check a file the user named at once, before any package is fetched, and report a file of the wrong
 * shape (a keys file, a bundle…) with invalidTrustedRootFile — not as an "internal error" when the
 * first package is verified.
 */
export function loadTrustedRootFile(path: string): unknown {
  return readJSONFile(path, 'trusted root')
}

/** A trusted root file of the wrong shape: unusable input naming the file (exit 2). */
export function invalidTrustedRootFile(path: string, err: unknown): VerifyDepsError {
  const message = (err as Error)?.message ?? String(err)
  return inputError('ETRUSTEDROOT', message.startsWith(path) ? message : `${path}: invalid trusted root: ${message}`, 'Pass a Sigstore trusted_root.json (media type application/vnd.dev.sigstore.trustedroot.v0.1+json).')
}

export interface TrustOptions extends TrustFiles {
  /** Skip Sigstore TUF entirely and use the embedded material (or the named files). */
  offline?: boolean
  /** The registry whose keys are wanted (default registry.npmjs.org). */
  registry?: string
  /** Whether that registry's keys are needed at all (default true); when not, and a trusted root file is named, TUF is not asked. */
  registryKeysWanted?: boolean
  tuf: TUFFetchOptions
}

export interface ResolvedTrust extends LoadedTrust {
  /** Where `registryKeys` came from: a named file, Sigstore TUF, the embedded copy, or nowhere. */
  registryKeysKind: 'pinned' | 'sigstore-tuf' | 'embedded' | 'none'
  /** Things the user should see, e.g. a fall back to embedded material. */
  notices: string[]
}

const NPMJS = 'https://registry.npmjs.org/'

/**
 * Where a run's Sigstore trust material comes from, as npm config says (user or global npmrc: a
 * project's may not set these keys): Sigstore TUF cached under npm's cache folder, through
 * `verify-deps-tuf-mirror` when set (checked against the embedded TUF root: tuf.ts), and the trusted
 * root file the command line names, else `verify-deps-trusted-root`. The check's and the audit's.
 */
export function trustSourcesOf(config: NpmConfig, trustedRootFile: string | undefined): { tuf: TUFFetchOptions; trustedRootFile?: string } {
  const setting = (key: 'verify-deps-tuf-mirror' | 'verify-deps-trusted-root'): string | undefined => {
    const value = config.own(key)?.value
    return typeof value === 'string' && value ? value : undefined
  }
  const mirror = setting('verify-deps-tuf-mirror')
  const file = trustedRootFile ?? setting('verify-deps-trusted-root')
  return { tuf: { cachePath: join(config.cacheDir, '_verify-deps', 'tuf'), ...(mirror !== undefined && { mirrorURL: mirror }) }, ...(file !== undefined && { trustedRootFile: file }) }
}

/**
 * Trust material for a run: named files win; otherwise Sigstore TUF online, falling back to the
 * embedded targets with a visible notice when TUF cannot be reached; `offline` skips TUF.
 */
export async function resolveTrust(options: TrustOptions, fetchTargets = fetchTUFTargets): Promise<ResolvedTrust> {
  const registry = options.registry ?? NPMJS
  const notices: string[] = []
  let tuf: TUFTargets | undefined
  const wantKeys = options.registryKeysWanted ?? true
  const needTUF = !options.offline && (!options.trustedRootFile || (wantKeys && !options.registryKeysFile))
  if (needTUF) {
    try {
      tuf = await fetchTargets(registry, options.tuf)
    } catch (err) {
      notices.push(`could not update trust material from Sigstore TUF (${(err as Error).message}); using the embedded trusted root and npm keys from ${embeddedDate()}`)
    }
  }
  let trustedRoot: unknown
  let trustedRootSource: string
  if (options.trustedRootFile) {
    trustedRoot = loadTrustedRootFile(options.trustedRootFile)
    trustedRootSource = options.trustedRootFile
  } else if (tuf) {
    trustedRoot = tuf.trustedRoot
    trustedRootSource = `Sigstore TUF (${options.tuf.mirrorURL ?? DEFAULT_TUF_MIRROR})`
  } else {
    trustedRoot = readJSONFile(EMBEDDED_TRUSTED_ROOT, 'trusted root')
    trustedRootSource = EMBEDDED_TRUSTED_ROOT
  }
  let registryKeys: RegistryKey[] = []
  let registryKeysSource = 'none'
  let registryKeysKind: ResolvedTrust['registryKeysKind'] = 'none'
  if (options.registryKeysFile) {
    registryKeys = loadRegistryKeysFile(options.registryKeysFile)
    registryKeysSource = options.registryKeysFile
    registryKeysKind = 'pinned'
  } else if (!wantKeys) {
    // Not needed: no package comes from this registry, or its keys are pinned elsewhere.
  } else if (tuf?.registryKeys !== undefined) {
    registryKeysSource = `Sigstore TUF target ${registryKeysTarget(registry)}`
    registryKeys = parseKeysOrThrow(tuf.registryKeys, registryKeysSource)
    registryKeysKind = 'sigstore-tuf'
  } else if (new URL(registry).host === new URL(NPMJS).host) {
    registryKeys = loadRegistryKeysFile(EMBEDDED_NPM_KEYS)
    registryKeysSource = EMBEDDED_NPM_KEYS
    registryKeysKind = 'embedded'
  }
  return { trustedRoot, trustedRootSource, registryKeys, registryKeysSource, registryKeysKind, notices }
}

function parseKeysOrThrow(doc: unknown, source: string): RegistryKey[] {
  try {
    return parseRegistryKeys(doc, source)
  } catch (err) {
    if (err instanceof RegistryKeysError) throw new VerifyDepsError('ETRUSTMATERIAL', err.message)
    throw err
  }
}

function embeddedDate(): string {
  try {
    const source = readJSONFile(fileURLToPath(new URL('SOURCE.json', TRUST_DIR)), 'trust source') as { refreshedAt?: string; from?: string }
    return `${source.from ?? 'the package'} (refreshed ${source.refreshedAt?.slice(0, 10) ?? 'unknown'})`
  } catch {
    return 'the package'
  }
}
