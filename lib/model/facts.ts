/**
 * What the verify stage hands the policy and report stages: what is cryptographically true about one
 * package (PackageFacts), with the signer identity read from signed material. Plain data.
 */
import type { Finding } from '../findings.js'
import type { EvidenceOrigin } from './evidence.js'

/** Where a resolved identity field was read. */
export type IdentitySource = 'certificate' | 'certificate-legacy' | 'certificate-san' | 'predicate'

/** The fields policies match on. All come from signed material (certificate or signed predicate). */
export interface SignerIdentity {
  /** OIDC issuer of the signing certificate. */
  issuer?: string
  /** Certificate SAN: for GitHub Actions the workflow that signed (`job_workflow_ref`, incl. reusable workflows). */
  subjectAlternativeName?: string
  /** Repository that was built, `owner/name` for github.com, else the full source URI. */
  repository?: string
  repositoryUri?: string
  repositoryId?: string
  repositoryOwnerId?: string
  /** Path of the workflow that ran the build in `repository` (e.g. `.github/workflows/release.yml`). */
  workflow?: string
  /** Git ref that was built, e.g. `refs/tags/v1.0.0`. */
  ref?: string
  /** Source commit (git SHA-1). */
  commit?: string
  /** `github-hosted` or `self-hosted`. */
  runner?: string
  /** Event that triggered the build (`push`, `release`, `workflow_dispatch`…). */
  trigger?: string
  visibility?: string
  buildSignerUri?: string
  runInvocationUri?: string
  buildType?: string
  builderId?: string
  /** For each field above, where it was read. */
  sources: Partial<Record<Exclude<keyof SignerIdentity, 'sources'>, IdentitySource>>
}

export type SignatureStatus =
  | 'verified'
  | 'missing'
  | 'invalid'
  | 'key-unknown'
  | 'key-expired'
  | 'unsupported'
  /** No registry version data was given (e.g. `verify-deps verify` without --packument). */
  | 'not-checked'

export interface SignatureFacts {
  status: SignatureStatus
  /** The key that verified the signature, or the key named by the failing one. */
  keyid?: string
  findings: Finding[]
}

export type IntegrityStatus = 'verified' | 'mismatch' | 'missing'

export interface IntegrityFacts {
  status: IntegrityStatus
  /**
   * The integrity everything else was checked against: the lockfile's single sha512, or for a weak
   * lockfile integrity proven by downloaded bytes, the registry's sha512 of those bytes.
   */
  integrity?: string
  registryIntegrity?: string
  /** Whether tarball bytes were hashed and matched. */
  tarball?: 'verified' | 'mismatch'
}

export type AttestationStatus = 'verified' | 'invalid' | 'mismatch' | 'missing' | 'none'

export interface ProvenanceFacts {
  status: AttestationStatus
  predicateType?: string
  bundleMediaType?: string
  signedAt?: string
  identity?: SignerIdentity
}

export interface PublishFacts {
  status: AttestationStatus
  keyid?: string
  signedAt?: string
}

/** Registry metadata about who published: no signature covers it. */
export interface PublisherFacts {
  name?: string
  email?: string
  trustedPublisher?: { id: string; oidcConfigId?: string }
  approver?: { name?: string; email?: string }
  /** Always 'registry-metadata': reported, never treated as verified. */
  source: 'registry-metadata'
}

export interface PackageFacts {
  name: string
  version: string
  integrity: IntegrityFacts
  signature: Omit<SignatureFacts, 'findings'>
  provenance: ProvenanceFacts
  publish: PublishFacts
  publisher: PublisherFacts
  /** Where the evidence was fetched from (registry, mirror or upstream); absent for evidence read from files. */
  origin?: EvidenceOrigin
  findings: Finding[]
}

/**
 * Gives facts whose repeated values are shared with the facts it was given before (createFactsCompactor).
 * `integrity`: the lockfile's integrity of the package, kept elsewhere until the report; the facts
 * repeat it (as the integrity checked, and as the registry's) and then share it.
 */
export type FactsCompactor = (facts: PackageFacts, integrity?: string) => PackageFacts

/** Identity fields that many packages have in common: the CI, the builder, a monorepo's repository. */
const SHARED_IDENTITY_FIELDS = ['issuer', 'repository', 'repositoryUri', 'repositoryId', 'repositoryOwnerId', 'workflow', 'ref', 'runner', 'trigger', 'visibility', 'buildType', 'builderId'] as const

/**
 * Facts are kept for every package until the report is written, and most of their values repeat
 * from package to package: the statuses, the registry key id, the issuer, builder and build type,
 * where each identity field was read, the publisher, the origin. Facts verified in a worker arrive
 * as fresh copies of every string (structured clone), and inline ones hold strings parsed from
 * each package's own documents, so without sharing a 10,000-package check holds ~10,000 copies of
 * each (at 10,000 packages about 1.5 KB a package). The facts given back are equal to the facts
 * given, field for field and in the same key order (the report's bytes do not change); the small
 * objects they share (`identity.sources`, `publisher`, `origin`) are frozen, so that nothing can
 * change one package's facts through another's. Values unique to a package (its name, integrity,
 * commit, SAN, signing times) are not looked up: a table of them would cost more than it saves.
 */
export function createFactsCompactor(): FactsCompactor {
  const strings = new Map<string, string>()
  const objects = new Map<string, object>()
  const shared = <S extends string>(value: S): S => {
    const known = strings.get(value)
    if (known !== undefined) return known as S
    strings.set(value, value)
    return value
  }
  // Keyed by its JSON, so the key order is part of what must match: an object is only shared with one written the same way.
  const sharedObject = <O extends object>(value: O): O => {
    const key = JSON.stringify(value)
    const known = objects.get(key)
    if (known) return known as O
    objects.set(key, Object.freeze(value))
    return value
  }
  return (facts, lockfileIntegrity) => {
    const { integrity, signature, provenance, publish, publisher, origin } = facts
    // Each of a package's copies of its integrity string, kept once: the lockfile's when equal.
    const sameIntegrity = (value: string | undefined): string | undefined => (value !== undefined && value === lockfileIntegrity ? lockfileIntegrity : value === integrity.integrity ? integrity.integrity : value)
    const identity = provenance.identity
    let compactIdentity: SignerIdentity | undefined
    if (identity) {
      compactIdentity = { ...identity, sources: sharedObject({ ...identity.sources }) }
      for (const field of SHARED_IDENTITY_FIELDS) if (identity[field] !== undefined) compactIdentity[field] = shared(identity[field])
      // The build signer is the SAN's workflow in GitHub's certificates: the same text, kept once.
      if (identity.buildSignerUri !== undefined && identity.buildSignerUri === identity.subjectAlternativeName) compactIdentity.buildSignerUri = identity.subjectAlternativeName
    }
    return {
      ...facts,
      version: shared(facts.version),
      integrity: {
        ...integrity,
        status: shared(integrity.status),
        ...(integrity.integrity !== undefined && { integrity: sameIntegrity(integrity.integrity) }),
        ...(integrity.registryIntegrity !== undefined && { registryIntegrity: sameIntegrity(integrity.registryIntegrity) }),
        ...(integrity.tarball !== undefined && { tarball: shared(integrity.tarball) }),
      },
      signature: { ...signature, status: shared(signature.status), ...(signature.keyid !== undefined && { keyid: shared(signature.keyid) }) },
      provenance: {
        ...provenance,
        status: shared(provenance.status),
        ...(provenance.predicateType !== undefined && { predicateType: shared(provenance.predicateType) }),
        ...(provenance.bundleMediaType !== undefined && { bundleMediaType: shared(provenance.bundleMediaType) }),
        ...(compactIdentity && { identity: compactIdentity }),
      },
      publish: { ...publish, status: shared(publish.status), ...(publish.keyid !== undefined && { keyid: shared(publish.keyid) }) },
      publisher: sharedObject({ ...publisher }),
      ...(origin && { origin: sharedObject({ ...origin }) }),
    }
  }
}
