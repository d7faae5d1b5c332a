/**
 * The trust material a scenario hands to verify-deps as files (`--trusted-root`,
 * `--registry-keys`): the PKI's trusted root, and the registry keys in either shape npm
 * distributes them.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TrustedRootJSON } from '../pki/index.js'
import { formatKeysEndpoint, formatTufKeys, type RegistryKeyPair } from '../registry/index.js'

export const TRUSTED_ROOT_FILE = 'trusted_root.json'
export const REGISTRY_KEYS_FILE = { endpoint: 'registry-keys.json', tuf: 'registry-keys.tuf.json' } as const

export type KeysFileShape = keyof typeof REGISTRY_KEYS_FILE

export interface TrustFiles {
  trustedRootFile: string
  registryKeysFile: string
}

export function writeTrustFiles(dir: string, trustedRoot: TrustedRootJSON, keys: readonly RegistryKeyPair[], shape: KeysFileShape): TrustFiles {
  mkdirSync(dir, { recursive: true })
  const trustedRootFile = join(dir, TRUSTED_ROOT_FILE)
  writeFileSync(trustedRootFile, JSON.stringify(trustedRoot, null, 2) + '\n')
  return { trustedRootFile, registryKeysFile: writeRegistryKeysFile(dir, keys, shape) }
}

/** Writes `keys` in `shape` into `dir`; returns the path. */
export function writeRegistryKeysFile(dir: string, keys: readonly RegistryKeyPair[], shape: KeysFileShape): string {
  const file = join(dir, REGISTRY_KEYS_FILE[shape])
  const document = shape === 'tuf' ? formatTufKeys(keys) : formatKeysEndpoint(keys)
  writeFileSync(file, JSON.stringify(document, null, 2) + '\n')
  return file
}
