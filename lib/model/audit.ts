/**
 * The audit (issue 13, `verify-deps audit`, docs/audit.md): what is kept of each verified version
 * (AuditRecord). Pure: the collector (I/O) verifies each version with the check's engine and turns
 * its facts into a record (auditRecordOf), so the audit's verdicts are the check's; the metrics of
 * the records are model/audit-metrics.ts's.
 *
 * Statuses use one vocabulary for signature, provenance and publish attestation:
 * - `verified`: present and verified;
 * - `invalid`: present (or advertised) and not verified — a bad signature, an expired or unknown
 *   key, a tampered bundle, a subject that is not the tarball, attestations advertised but absent;
 * - `missing`: none, and none claimed;
 * - `unverifiable`: could not be checked — not fetched (FETCH_FAILED: `fetchFailed`, counted apart
 *   and retried on the next run, never counted as missing) or the registry publishes no keys.
 */
import type { AttestationStatus, PackageFacts, SignatureStatus } from './facts.js'
import { publishTimeOf, refKind, trustLevelOf, type TrustLevel } from './trust.js'

export const AUDIT_STATUSES = ['verified', 'invalid', 'missing', 'unverifiable'] as const
export type AuditStatus = (typeof AUDIT_STATUSES)[number]

/** One version as the audit stores and exports it (`audit export --format csv|jsonl`). */
export interface AuditRecord {
  name: string
  version: string
  /** The registry's `time[version]` (ISO 8601): unsigned, but every version has one. Absent when its packument could not be read. */
  publishedAt?: string
  /** The latest signed time of its verified attestations (model/trust.ts publishTimeOf), when one verified. */
  signedAt?: string
  signature: AuditStatus
  provenance: AuditStatus
  /** The provenance's predicate type (SLSA v0.2 or v1), when one was there. */
  predicateType?: string
  publishAttestation: AuditStatus
  /** `_npmUser.trustedPublisher` is set: registry metadata, counted only with verified provenance. */
  trustedPublisher: boolean
  /** `_npmUser.approver` is set (staged publishing): registry metadata, counted only with verified provenance. */
  approver: boolean
  /** Of verified provenance only (signed material), as the check reads it: the OIDC issuer (the CI provider). */
  issuer?: string
  repository?: string
  repositoryId?: string
  workflow?: string
  ref?: string
  refKind?: string
  trigger?: string
  /** `github-hosted`, `self-hosted` (Fulcio extension .11). */
  runner?: string
  /** Source repository visibility at signing (Fulcio extension .22). */
  visibility?: string
  /** Whether the provenance repository is package.json's `repository`; absent when either is unknown. */
  repositoryMatchesPackageJson?: boolean
  /** The check's finding codes for this version, in its order. */
  findings: string[]
  /** Its evidence could not be fetched (FETCH_FAILED): every status `unverifiable`, retried on the next run. */
  fetchFailed: boolean
}

/** The registry signature's status in the audit's vocabulary. */
export function auditSignatureStatus(status: SignatureStatus): AuditStatus {
  switch (status) {
    case 'verified':
      return 'verified'
    case 'missing':
      return 'missing'
    case 'invalid':
    case 'key-expired':
    case 'key-unknown':
      return 'invalid'
    case 'unsupported':
    case 'not-checked':
      return 'unverifiable'
  }
}

/** An attestation's status in the audit's vocabulary: the check's `missing` is advertised-but-absent (a failed claim), its `none` is none at all. */
export function auditAttestationStatus(status: AttestationStatus): AuditStatus {
  switch (status) {
    case 'verified':
      return 'verified'
    case 'invalid':
    case 'mismatch':
    case 'missing':
      return 'invalid'
    case 'none':
      return 'missing'
  }
}

export interface AuditRecordInput {
  name: string
  version: string
  publishedAt?: string
  /** The check's facts for the version; undefined when its evidence could not be fetched. */
  facts: PackageFacts | undefined
  /** The check's finding codes for it (FETCH_FAILED among them when not fetched). */
  findings: readonly string[]
  repositoryMatchesPackageJson?: boolean
}

/** The record of one version from what the check's engine found: the audit's verdicts are the check's. */
export function auditRecordOf(input: AuditRecordInput): AuditRecord {
  const { name, version, publishedAt, facts } = input
  const base = {
    name,
    version,
    ...(publishedAt !== undefined && { publishedAt }),
  }
  if (!facts) {
    return { ...base, signature: 'unverifiable', provenance: 'unverifiable', publishAttestation: 'unverifiable', trustedPublisher: false, approver: false, findings: [...input.findings], fetchFailed: true }
  }
  const signed = publishTimeOf(facts, publishedAt)
  const provenance = auditAttestationStatus(facts.provenance.status)
  const identity = provenance === 'verified' ? facts.provenance.identity : undefined
  return {
    ...base,
    ...(signed?.source === 'signed' && { signedAt: signed.at }),
    signature: auditSignatureStatus(facts.signature.status),
    provenance,
    ...(facts.provenance.predicateType !== undefined && { predicateType: facts.provenance.predicateType }),
    publishAttestation: auditAttestationStatus(facts.publish.status),
    trustedPublisher: facts.publisher.trustedPublisher !== undefined,
    approver: facts.publisher.approver !== undefined,
    ...(identity?.issuer !== undefined && { issuer: identity.issuer }),
    ...(identity?.repository !== undefined && { repository: identity.repository }),
    ...(identity?.repositoryId !== undefined && { repositoryId: identity.repositoryId }),
    ...(identity?.workflow !== undefined && { workflow: identity.workflow }),
    ...(identity?.ref !== undefined && { ref: identity.ref, refKind: refKind(identity.ref) }),
    ...(identity?.trigger !== undefined && { trigger: identity.trigger }),
    ...(identity?.runner !== undefined && { runner: identity.runner }),
    ...(identity?.visibility !== undefined && { visibility: identity.visibility }),
    ...(input.repositoryMatchesPackageJson !== undefined && { repositoryMatchesPackageJson: input.repositoryMatchesPackageJson }),
    findings: [...input.findings],
    fetchFailed: false,
  }
}

/** The trust level of a record (model/trust.ts trustLevelOf: metadata counts only over verified provenance). Undefined when it could not be fetched. */
export function auditTrustLevel(record: AuditRecord): TrustLevel | undefined {
  if (record.fetchFailed) return undefined
  return trustLevelOf({
    signature: { status: record.signature === 'verified' ? 'verified' : 'missing' },
    provenance: { status: record.provenance === 'verified' ? 'verified' : 'none' },
    publisher: {
      source: 'registry-metadata',
      ...(record.trustedPublisher && { trustedPublisher: { id: 'registry-metadata' } }),
      ...(record.approver && { approver: {} }),
    },
  })
}
