/**
 * Runs @sigstore/verify — the verifier npm itself uses — on bundles from the test PKI. Tests use
 * it to prove the PKI is faithful, and to check that a tampered bundle fails for the intended
 * reason (`verificationErrorCode`). Kept apart from the builders, which never import the verifier.
 */
import { bundleFromJSON } from '@sigstore/bundle'
import { PublicKey, TrustedRoot } from '@sigstore/protobuf-specs'
import { PolicyError, VerificationError, Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify'
import type { BundleJSON } from './bundle.js'
import type { TrustedRootJSON } from './trusted-root.js'
import { formatTufKeys, type RegistryPublicKey } from '../registry/keys.js'

type VerifierOptions = ConstructorParameters<typeof Verifier>[1]
type Policy = Parameters<Verifier['verify']>[1]
export type VerifiedSigner = ReturnType<Verifier['verify']>

export interface ReferenceVerifyOptions {
  /**
   * Keys for public-key bundles, by hint: registry keys as npm gets them from Sigstore TUF
   * (`registry.npmjs.org/keys.json`). The validity window is the key's own (`validFrom` to
   * `expires`) unless `validFor` replaces it.
   */
  keys?: { key: RegistryPublicKey; validFor?: { start?: Date; end?: Date } }[]
  verifierOptions?: VerifierOptions
  policy?: Policy
}

export function verifyWithSigstore(
  trustedRoot: TrustedRootJSON,
  bundle: BundleJSON,
  options: ReferenceVerifyOptions = {},
): VerifiedSigner {
  const keys = Object.fromEntries((options.keys ?? []).map(({ key, validFor }) => [key.keyid, trustedKeyJSON(key, validFor)]))
  const trust = toTrustMaterial(TrustedRoot.fromJSON(trustedRoot), keys)
  const entity = toSignedEntity(bundleFromJSON(bundle))
  return new Verifier(trust, options.verifierOptions).verify(entity, options.policy)
}

function trustedKeyJSON(key: RegistryPublicKey, validFor: { start?: Date; end?: Date } = {}): PublicKey {
  const { publicKey } = formatTufKeys([key]).keys[0]!
  const start = validFor.start?.toISOString() ?? publicKey.validFor.start
  const end = validFor.end?.toISOString() ?? publicKey.validFor.end
  return PublicKey.fromJSON({ ...publicKey, validFor: { start, ...(end ? { end } : {}) } })
}

/** `'OK'` if `fn` returns, else the `code` of the VerificationError or PolicyError it throws. */
export function verificationErrorCode(fn: () => unknown): string {
  try {
    fn()
    return 'OK'
  } catch (err) {
    if (err instanceof VerificationError || err instanceof PolicyError) return err.code
    throw err
  }
}
