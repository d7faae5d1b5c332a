/**
 * The data the verify stage takes (Evidence, fetched by lib/fetch or read from files) and gives
 * (PackageFacts). Plain data: no I/O handles, no god objects.
 */
import type { Finding } from '../findings.js'
import type { SignerIdentity } from './identity.js'
import type { RegistryKey } from './registry-keys.js'
import type { SignatureFacts } from './registry-signature.js'
import type { BundleVerifier } from './sigstore/index.js'

/** What was obtained of the attestations document (`GET /-/npm/v1/attestations/<name>@<version>`). */
export type AttestationsEvidence =
  | { state: 'fetched'; document: unknown }
  /** The registry answered that there is none (404). */
  | { state: 'not-found' }
  /** It could not be obtained (network, 5xx, malformed response…): a "could not verify", never a pass. */
  | { state: 'failed'; reason: string }
  /** Not asked for (the registry did not advertise any). */
  | { state: 'not-requested' }

/** Registry version data as received: untrusted, validated by the checks that read it. */
export interface VersionData {
  dist?: {
    integrity?: unknown
    signatures?: unknown
    attestations?: unknown
  }
  _npmUser?: unknown
}

export interface PackageEvidence {
  /** The real package name (for an alias, the package it resolves to). */
  name: string
  version: string
  /**
   * Integrity the project will install (lockfile): attacker-controlled, parsed totally. Never
   * replaced by the registry's: without one that npm checks as a single sha512, nothing is bound.
   */
  integrity?: string
  /** The registry's version document, if fetched. */
  versionData?: VersionData
  /** `time[version]` from the packument. */
  publishTime?: string
  attestations: AttestationsEvidence
  /** The tarball bytes, when available (`verify-deps verify <tarball>`, `check --fetch-tarballs`). */
  tarball?: Buffer
  /** Why the tarball asked for (`--fetch-tarballs`) was not downloaded; said in the integrity finding. */
  tarballSkipped?: string
}

/** Trust material for one run: build once, reuse for every package. */
export interface TrustContext {
  /** Registry keys of the package's registry; `null` when the registry publishes none. */
  registryKeys: readonly RegistryKey[] | null
  /** The Sigstore bundle verifier, built once per run from the trusted root and registry keys. */
  bundles: BundleVerifier
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
  findings: Finding[]
}
