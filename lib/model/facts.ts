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
