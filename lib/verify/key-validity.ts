/**
 * When a registry key may vouch for something: its validity window for the use in question. The keys
 * themselves are parsed and loaded by the fetch stage (lib/fetch/registry-keys/).
 */
import type { RegistryKey, RegistryKeyUsage } from '../model/evidence.js'

/**
 * Whether a key may vouch, for the given use, for something made at `time` (the version's publish
 * time for registry signatures, the transparency log's integrated time for publish attestations).
 */
export function keyValidAt(key: RegistryKey, usage: RegistryKeyUsage, time: Date): boolean {
  const validity = key.usages[usage]
  if (!validity) return false
  if (validity.validFrom && time < validity.validFrom) return false
  if (validity.expires && time >= validity.expires) return false
  return true
}
