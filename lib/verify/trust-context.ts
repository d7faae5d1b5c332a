/**
 * Builds the per-run trust context once: the Sigstore bundle verifier over the trusted root, with
 * the registry's attestation keys as extra public keys (npm publish attestations are signed with
 * them), each limited to its validity window.
 */
import { createBundleVerifier, parseTrustedRoot } from './sigstore/index.js'
import type { RegistryKey } from '../model/evidence.js'
import type { BundleVerifier } from './sigstore/index.js'

/** Trust material for one run: build once, reuse for every package. */
export interface TrustContext {
  /** Registry keys of the package's registry; `null` when the registry publishes none. */
  registryKeys: readonly RegistryKey[] | null
  /** The Sigstore bundle verifier, built once per run from the trusted root and registry keys. */
  bundles: BundleVerifier
}

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
