/**
 * The registry keys of a scenario. One served key signs both `dist.signatures` and publish
 * attestations, as npm's does. The other two exist for the `unknown-key` and `expired-key` knobs.
 */
import { createRegistryKey, type RegistryKeyPair } from '../registry/index.js'

/** How long before the earliest publish time that uses it the expired key stops being valid. */
export const EXPIRED_KEY_MARGIN_MS = 24 * 3600 * 1000

export interface ScenarioKeys {
  /** Served; signs every `valid` signature and publish attestation. */
  key: RegistryKeyPair
  /** Never served, never in the keys file. */
  unknownKey: RegistryKeyPair
  /** Served with an `expires` before the publish time of every version signed with it; only when a version asks. */
  expiredKey: RegistryKeyPair | null
  /** What the registry serves (unless `keys: 'none'`) and the keys file lists. */
  trusted: RegistryKeyPair[]
}

/** `expiredBefore`: the earliest publish time signed by the expired key, or null when none is. */
export function createScenarioKeys(expiredBefore: Date | null): ScenarioKeys {
  const key = createRegistryKey()
  const expiredKey = expiredBefore ? createRegistryKey({ expires: new Date(expiredBefore.getTime() - EXPIRED_KEY_MARGIN_MS) }) : null
  return { key, unknownKey: createRegistryKey(), expiredKey, trusted: expiredKey ? [key, expiredKey] : [key] }
}
