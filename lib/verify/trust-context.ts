/**
 * Builds the per-run trust context once: the Sigstore bundle verifier over the trusted root, with
 * the registry's attestation keys as extra public keys (npm publish attestations are signed with
 * them), each limited to its validity window.
 */
import { createBundleVerifier, parseTrustedRoot } from './sigstore/index.js'
import type { RegistryKey } from './registry-keys.js'
import type { TrustContext } from './types.js'

export interface TrustInput {
  trustedRoot: unknown
  trustedRootSource: string
  /** The registry's keys; `null` when the registry publishes none. */
  registryKeys: readonly RegistryKey[] | null
}

export function createTrustContext(input: TrustInput): TrustContext {
  const trustedRoot = parseTrustedRoot(input.trustedRoot, input.trustedRootSource)
  const publicKeys: Parameters<typeof createBundleVerifier>[0]['publicKeys'] = {}
  for (const key of input.registryKeys ?? []) {
    const validity = key.usages['npm:attestations']
    if (!validity) continue
    publicKeys[key.keyid] = { publicKey: key.spkiBase64, validFor: { start: validity.validFrom, end: validity.expires } }
  }
  return { registryKeys: input.registryKeys, bundles: createBundleVerifier({ trustedRoot, publicKeys }) }
}
