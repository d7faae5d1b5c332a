/**
 * What the fetch stage hands the verify stage: a package's evidence as received (untrusted, validated
 * by the checks that read it) and the registry keys to check it with. Plain data: no I/O handles.
 * Fetched from the registry (lib/fetch/evidence.ts) or read from files (`verify-deps verify`).
 */
import type { KeyObject } from 'node:crypto'
import type { RegistryHistory } from './trust.js'

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
  /**
   * The registry says this version has install scripts: its `hasInstallScript`, a non-empty
   * `scripts.preinstall`/`install`/`postinstall`, or `gypfile` (npm runs `node-gyp rebuild` for a
   * binding.gyp). Only ever raises what the lockfile says (a lockfile flag can be deleted).
   */
  installScripts?: true
}

/**
 * Where a package's evidence came from (the fetch stage's account, carried into its facts for the
 * report). With an upstream (docs/mirrors.md) the package's registry is a mirror: its evidence is
 * used when complete, else the upstream's; either is checked with the upstream's keys.
 */
export interface EvidenceOrigin {
  /** The registry the version document and attestations were read from (trailing slash). */
  registry: string
  /**
   * `registry`: the package's own registry, checked with its own keys; `mirror`: the package's own
   * registry, a mirror with an upstream, its evidence complete (signatures and attestations) and
   * checked with the upstream's keys; `upstream`: the upstream, because the mirror's version lacked
   * signatures or attestations.
   */
  role: 'registry' | 'mirror' | 'upstream'
  /** The registry whose signing keys checked it (trailing slash). */
  keys: string
}

/** An earlier version's document as a packument gave it, with its `time[version]`: registry metadata, verified like any. */
export interface EarlierVersion {
  versionData: VersionData
  publishTime: string
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
  /** The locked version's release line as the packument lists it, when the check wants its history (fetch/history.ts). */
  history?: RegistryHistory
  /**
   * The packument's version documents of the earlier versions the check will most likely verify
   * first (EarlierVersion), so that verifying them needs no second request for the same packument.
   * Never stored (evidence cache, facts memo): only the same run's history pass reads them.
   */
  historyDocuments?: Record<string, EarlierVersion>
  attestations: AttestationsEvidence
  /** The tarball bytes, when available (`verify-deps verify <tarball>`, `check --fetch-tarballs`). */
  tarball?: Buffer
  /** Why the tarball asked for (`--fetch-tarballs`) was not downloaded; said in the integrity finding. */
  tarballSkipped?: string
  /** Where it came from; absent for evidence read from files (`verify-deps verify`). */
  origin?: EvidenceOrigin
}

export type RegistryKeyUsage = 'npm:signatures' | 'npm:attestations'

/** An npm registry signing key, parsed by lib/fetch/registry-keys/ from either shape it is distributed in. */
export interface RegistryKey {
  keyid: string
  publicKey: KeyObject
  /** SPKI DER, base64: what the attestation trust material needs. */
  spkiBase64: string
  /** What the key may be used for, each with its own validity window (the TUF shape differs per use). */
  usages: Partial<Record<RegistryKeyUsage, KeyValidity>>
}

export interface KeyValidity {
  /** Start of validity, when known (TUF shape). */
  validFrom?: Date
  /** End of validity; undefined means no expiry. */
  expires?: Date
}
