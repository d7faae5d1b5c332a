/**
 * Per-registry accounting for the report: where each registry's keys came from (its own, or its
 * upstream's behind a mirror), how many of its packages were cryptographically verified, whether the
 * run could not verify them because the registry publishes no keys and only the built-in default
 * policy decided, and the one banner that says why most of a registry's packages could not be
 * verified and what would fix it (docs/mirrors.md). Pure: the words and the data live here, every
 * format renders them.
 */
import type { PackageResult, RegistryDiagnosis, RegistryKeysSource, RegistrySummary, Report } from '../model.js'
import type { PackageFacts } from '../model/facts.js'

/** The registry most mirrors and proxies serve: what the fix lines name as the upstream. */
export const PUBLIC_NPM_REGISTRY = 'https://registry.npmjs.org/'

/** Verified by cryptography, not by the registry's word: a registry signature, provenance or publish attestation verified. */
export function isCryptographicallyVerified(facts: PackageFacts | undefined): boolean {
  if (!facts) return false
  return facts.signature.status === 'verified' || facts.provenance.status === 'verified' || facts.publish.status === 'verified'
}

export interface RegistryKeysInfo {
  keysSource: RegistryKeysSource
  keysFrom: string | null
}

/** A registry packages come from: the keys its packages are checked with, and its upstream when it has one (then those are the upstream's keys). */
export interface RegistryInfo extends RegistryKeysInfo {
  upstream?: string
}

/**
 * One summary per registry in `registries` (in that order). `decidedByBuiltIn(p)` says whether the
 * built-in default policy decided the package (no policy file, or no rule and no `default` for it):
 * a keyless registry's unverified packages decided that way make the run "could not verify". A
 * policy rule that accepts the registry (`require: { signature: false }`) decides them explicitly.
 * `signedWithoutKeys(p)`: the package could not be verified because its version carries signatures
 * that its registry publishes no keys for.
 */
export function summarizeRegistries(
  packages: readonly PackageResult[],
  registries: ReadonlyMap<string, RegistryInfo>,
  decidedByBuiltIn: (p: PackageResult) => boolean,
  signedWithoutKeys: (p: PackageResult) => boolean = () => false,
): RegistrySummary[] {
  return [...registries].map(([url, info]) => {
    // One pass over the registry's packages, counting each kind (a report has thousands of packages).
    let count = 0
    let verified = 0
    let unverifiedByDefault = 0
    let signedOnly = 0
    let unsignedOnly = 0
    let fromUpstream = 0
    for (const p of packages) {
      if (p.source !== 'registry' || p.registry !== url) continue
      count++
      if (isCryptographicallyVerified(p.facts)) verified++
      else if (p.facts && decidedByBuiltIn(p)) unverifiedByDefault++
      if (signedWithoutKeys(p)) signedOnly++
      const signature = p.facts?.signature.status
      if (signature === 'missing' || signature === 'unsupported') unsignedOnly++
      if (p.facts?.origin?.role === 'upstream') fromUpstream++
    }
    const summary: RegistrySummary = {
      url: withoutCredentials(url),
      keysSource: info.keysSource,
      keysFrom: info.keysFrom,
      packages: count,
      verified,
      couldNotVerify: info.keysSource === 'none' && unverifiedByDefault > 0,
      ...(info.upstream !== undefined && { upstream: withoutCredentials(info.upstream), fromUpstream }),
      unsigned: unsignedOnly + signedOnly,
      signedWithoutKeys: signedOnly,
    }
    const diagnosis = diagnoseRegistry(summary)
    return diagnosis ? { ...summary, diagnosis } : summary
  })
}

/**
 * The banner for a registry, or none: when it publishes no keys and its packages were left
 * unverified under the built-in policy (`keyless`), when its versions carry signatures it publishes
 * no keys for (`signed-without-keys`: a mirror that keeps npm's signatures), or when it has keys but
 * most of its versions carry no signature (`unsigned`: a mirror that strips them).
 */
export function diagnoseRegistry(r: RegistrySummary): RegistryDiagnosis | undefined {
  const signedWithoutKeys = r.signedWithoutKeys ?? 0
  const n = (count: number) => `${count} ${count === 1 ? 'package' : 'packages'}`
  const where = r.upstream ? `registry ${r.url} (upstream ${r.upstream})` : `registry ${r.url}`
  const fixes = {
    upstream: `if it mirrors the public npm registry (Artifactory, Nexus, Verdaccio): --upstream ${PUBLIC_NPM_REGISTRY}, or verify-deps-upstream=${PUBLIC_NPM_REGISTRY} in .npmrc, checks its packages against npm's keys, signatures and attestations (docs/mirrors.md)`,
    policy: 'accept unsigned packages from it explicitly: a policy rule for your private scopes with `require: { signature: false }` (docs/trust.md)',
    pin: (url: string) => `if it does sign packages, pin its keys: --registry-keys ${url}=FILE or ${nerfDart(url)}:verify-deps-registry-keys=FILE in .npmrc`,
  }
  if (r.upstream) {
    // The upstream was named: what is left to say is about it, not about the mirror.
    if (r.couldNotVerify) return { kind: 'keyless', message: `the upstream ${r.upstream} of registry ${r.url} publishes no signing keys: ${n(r.packages - r.verified)} could not be verified`, fixes: [fixes.pin(r.upstream), `name an upstream that signs its packages, such as ${PUBLIC_NPM_REGISTRY}`] }
    if (r.packages > 0 && (r.unsigned ?? 0) * 2 > r.packages) return { kind: 'unsigned', message: `${where}: ${r.unsigned} of ${n(r.packages)} carry no registry signature there either`, fixes: [`name an upstream that serves npm's signatures, such as ${PUBLIC_NPM_REGISTRY}`, fixes.policy] }
    return undefined
  }
  if (r.keysSource === 'none' && signedWithoutKeys > 0) {
    return {
      kind: 'signed-without-keys',
      message: `${where} publishes no signing keys, yet ${signedWithoutKeys} of ${n(r.packages)} from it carry registry signatures: it looks like a mirror of a registry that signs; they could not be verified`,
      fixes: [fixes.upstream, fixes.pin(r.url)],
    }
  }
  if (r.couldNotVerify) return { kind: 'keyless', message: `${where} publishes no signing keys: ${n(r.packages - r.verified)} could not be verified`, fixes: [fixes.upstream, fixes.policy, fixes.pin(r.url)] }
  if (r.keysSource !== 'none' && r.keysSource !== 'unavailable' && r.packages > 0 && (r.unsigned ?? 0) * 2 > r.packages) {
    return {
      kind: 'unsigned',
      message: `${where} has signing keys, yet ${r.unsigned} of ${n(r.packages)} from it carry no registry signature: it looks like a mirror or proxy that strips npm's signatures and attestations`,
      fixes: [fixes.upstream, fixes.policy],
    }
  }
  return undefined
}

/** The registry banners of a report, once per registry, in the report's order (a summary made without one is diagnosed now). */
export function registryDiagnoses(report: Pick<Report, 'registries'>): RegistryDiagnosis[] {
  return (report.registries ?? []).flatMap((r) => {
    const diagnosis = r.diagnosis ?? diagnoseRegistry(r)
    return diagnosis ? [diagnosis] : []
  })
}

function nerfDart(url: string): string {
  return url.replace(/^[a-z]+:/i, '')
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
