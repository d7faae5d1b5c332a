/**
 * Per-registry accounting for the report: where each registry's keys came from, how many of its
 * packages were cryptographically verified, and whether the run could not verify them because the
 * registry publishes no keys and only the built-in default policy decided. Pure.
 */
import type { PackageResult, RegistryKeysSource, RegistrySummary } from '../model.js'
import type { PackageFacts } from '../model/facts.js'

/** Verified by cryptography, not by the registry's word: a registry signature, provenance or publish attestation verified. */
export function isCryptographicallyVerified(facts: PackageFacts | undefined): boolean {
  if (!facts) return false
  return facts.signature.status === 'verified' || facts.provenance.status === 'verified' || facts.publish.status === 'verified'
}

export interface RegistryKeysInfo {
  keysSource: RegistryKeysSource
  keysFrom: string | null
}

/**
 * One summary per registry in `keys` (in that order). `decidedByBuiltIn(p)` says whether the
 * built-in default policy decided the package (no policy file, or no rule and no `default` for it):
 * a keyless registry's unverified packages decided that way make the run "could not verify". A
 * policy rule that accepts the registry (`require: { signature: false }`) decides them explicitly.
 */
export function summarizeRegistries(
  packages: readonly PackageResult[],
  keys: ReadonlyMap<string, RegistryKeysInfo>,
  decidedByBuiltIn: (p: PackageResult) => boolean,
): RegistrySummary[] {
  return [...keys].map(([url, info]) => {
    const from = packages.filter((p) => p.source === 'registry' && p.registry === url)
    const verified = from.filter((p) => isCryptographicallyVerified(p.facts)).length
    const unverifiedByDefault = from.filter((p) => !isCryptographicallyVerified(p.facts) && p.facts && decidedByBuiltIn(p)).length
    return {
      url: withoutCredentials(url),
      keysSource: info.keysSource,
      keysFrom: info.keysFrom,
      packages: from.length,
      verified,
      couldNotVerify: info.keysSource === 'none' && unverifiedByDefault > 0,
    }
  })
}

/** The banner for a registry the run could not verify because it publishes no keys. */
export function keylessRegistryBanner(r: RegistrySummary): string {
  const n = r.packages - r.verified
  return `registry ${r.url} publishes no signing keys: ${n} ${n === 1 ? 'package' : 'packages'} could not be verified`
}

function withoutCredentials(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return u.toString()
  } catch {
    return url
  }
}
