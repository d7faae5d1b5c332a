/**
 * A GitHub Actions workload identity (the claims of a GitHub OIDC token) and everything derived
 * from it: the Fulcio certificate SAN and extensions, and the workflow URIs that npm's provenance
 * statement repeats. Certificates and provenance are both built from one `GithubActionsIdentity`
 * so the two always agree unless a test makes them differ on purpose.
 *
 * Claim → extension mapping follows Fulcio's GitHub principal and its OID registry
 * (fulcio/docs/oid-info.md, 1.3.6.1.4.1.57264.1.*).
 */

export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com'
const GITHUB_URL = 'https://github.com'

export type RunnerEnvironment = 'github-hosted' | 'self-hosted'
export type RepositoryVisibility = 'public' | 'private' | 'internal'

export interface GithubActionsIdentity {
  /** `owner/name` (claim `repository`). */
  repository: string
  repositoryId: string
  /** Defaults to the owner part of `repository`. */
  repositoryOwner: string
  repositoryOwnerId: string
  /** Path of the workflow file in `repository` (the calling workflow). */
  workflowPath: string
  /** The workflow's `name:` (claim `workflow`); only the legacy extension .4 carries it. */
  workflowName: string
  ref: string
  sha: string
  /** Commit of the calling workflow file (claim `workflow_sha`); defaults to `sha`. */
  workflowSha: string
  eventName: string
  runnerEnvironment: RunnerEnvironment
  runId: string
  runAttempt: string
  runNumber: string
  actorId: string
  visibility: RepositoryVisibility
  /**
   * `owner/repo/path@ref` of the workflow that ran the job (claim `job_workflow_ref`). Differs
   * from the calling workflow only for reusable workflows; defaults to the calling workflow.
   */
  jobWorkflowRef: string
  /** Claim `job_workflow_sha`; defaults to `workflowSha`. */
  jobWorkflowSha: string
  issuer: string
  /** Emit only the pre-April-2023 extensions .1–.6, like Fulcio certificates from early 2023. */
  legacyExtensionsOnly: boolean
}

export type GithubActionsIdentityInput = Partial<GithubActionsIdentity>

export const DEFAULT_GITHUB_IDENTITY = {
  repository: 'octo-org/octo-pkg',
  repositoryId: '612345678',
  repositoryOwnerId: '91234567',
  workflowPath: '.github/workflows/release.yml',
  workflowName: 'Release',
  ref: 'refs/tags/v1.0.0',
  sha: '3f1c0e2d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e',
  eventName: 'push',
  runnerEnvironment: 'github-hosted',
  runId: '9876543210',
  runAttempt: '1',
  runNumber: '42',
  actorId: '1234567',
  visibility: 'public',
  issuer: GITHUB_ACTIONS_ISSUER,
  legacyExtensionsOnly: false,
} as const satisfies GithubActionsIdentityInput

/** Fills in defaults; derived defaults (owner, workflow SHAs, job workflow) follow the given fields. */
export function githubActionsIdentity(input: GithubActionsIdentityInput = {}): GithubActionsIdentity {
  const base = { ...DEFAULT_GITHUB_IDENTITY, ...stripUndefined(input) }
  const workflowSha = input.workflowSha ?? base.sha
  const repositoryOwner = input.repositoryOwner ?? base.repository.split('/')[0] ?? base.repository
  return {
    ...base,
    repositoryOwner,
    workflowSha,
    jobWorkflowRef: input.jobWorkflowRef ?? `${base.repository}/${base.workflowPath}@${base.ref}`,
    jobWorkflowSha: input.jobWorkflowSha ?? workflowSha,
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** The URIs GitHub/Fulcio/npm build from the claims. */
export interface GithubWorkflowURIs {
  /** Claim `workflow_ref`: `owner/repo/path@ref` of the calling workflow. */
  workflowRef: string
  /** Certificate SAN and extension .9: the workflow that ran the job. */
  buildSignerURI: string
  sourceRepositoryURI: string
  sourceRepositoryOwnerURI: string
  /** Extension .18: the calling workflow. */
  buildConfigURI: string
  runInvocationURI: string
}

export function githubWorkflowURIs(id: GithubActionsIdentity): GithubWorkflowURIs {
  const workflowRef = `${id.repository}/${id.workflowPath}@${id.ref}`
  return {
    workflowRef,
    buildSignerURI: `${GITHUB_URL}/${id.jobWorkflowRef}`,
    sourceRepositoryURI: `${GITHUB_URL}/${id.repository}`,
    sourceRepositoryOwnerURI: `${GITHUB_URL}/${id.repositoryOwner}`,
    buildConfigURI: `${GITHUB_URL}/${workflowRef}`,
    runInvocationURI: `${GITHUB_URL}/${id.repository}/actions/runs/${id.runId}/attempts/${id.runAttempt}`,
  }
}

/** `refs/tags/…` → `tag`, `refs/heads/…` → `branch` (GITHUB_REF_TYPE). */
export function refType(ref: string): string {
  return ref.startsWith('refs/tags/') ? 'tag' : 'branch'
}

export const FULCIO_OID = {
  /** Deprecated: raw bytes, not DER-wrapped. */
  issuerV1: '1.3.6.1.4.1.57264.1.1',
  githubWorkflowTrigger: '1.3.6.1.4.1.57264.1.2',
  githubWorkflowSha: '1.3.6.1.4.1.57264.1.3',
  githubWorkflowName: '1.3.6.1.4.1.57264.1.4',
  githubWorkflowRepository: '1.3.6.1.4.1.57264.1.5',
  githubWorkflowRef: '1.3.6.1.4.1.57264.1.6',
  /** From .8 on, every value is a DER UTF8String inside extnValue. */
  issuer: '1.3.6.1.4.1.57264.1.8',
  buildSignerURI: '1.3.6.1.4.1.57264.1.9',
  buildSignerDigest: '1.3.6.1.4.1.57264.1.10',
  runnerEnvironment: '1.3.6.1.4.1.57264.1.11',
  sourceRepositoryURI: '1.3.6.1.4.1.57264.1.12',
  sourceRepositoryDigest: '1.3.6.1.4.1.57264.1.13',
  sourceRepositoryRef: '1.3.6.1.4.1.57264.1.14',
  sourceRepositoryIdentifier: '1.3.6.1.4.1.57264.1.15',
  sourceRepositoryOwnerURI: '1.3.6.1.4.1.57264.1.16',
  sourceRepositoryOwnerIdentifier: '1.3.6.1.4.1.57264.1.17',
  buildConfigURI: '1.3.6.1.4.1.57264.1.18',
  buildConfigDigest: '1.3.6.1.4.1.57264.1.19',
  buildTrigger: '1.3.6.1.4.1.57264.1.20',
  runInvocationURI: '1.3.6.1.4.1.57264.1.21',
  sourceRepositoryVisibilityAtSigning: '1.3.6.1.4.1.57264.1.22',
} as const

export interface FulcioExtensionValue {
  oid: string
  value: string
  /** `raw`: the string's bytes are extnValue (.1–.6); `utf8String`: a DER UTF8String is. */
  encoding: 'raw' | 'utf8String'
}

/**
 * The Fulcio extensions for a GitHub Actions identity, in the order Fulcio writes them: the
 * deprecated .1–.6 (which Fulcio still emits next to the new ones), then .8–.22.
 */
export function fulcioExtensionValues(id: GithubActionsIdentity): FulcioExtensionValue[] {
  const uris = githubWorkflowURIs(id)
  const raw = (oid: string, value: string): FulcioExtensionValue => ({ oid, value, encoding: 'raw' })
  const utf8 = (oid: string, value: string): FulcioExtensionValue => ({ oid, value, encoding: 'utf8String' })
  const legacy = [
    raw(FULCIO_OID.issuerV1, id.issuer),
    raw(FULCIO_OID.githubWorkflowTrigger, id.eventName),
    raw(FULCIO_OID.githubWorkflowSha, id.sha),
    raw(FULCIO_OID.githubWorkflowName, id.workflowName),
    raw(FULCIO_OID.githubWorkflowRepository, id.repository),
    raw(FULCIO_OID.githubWorkflowRef, id.ref),
  ]
  if (id.legacyExtensionsOnly) return legacy
  return [
    ...legacy,
    utf8(FULCIO_OID.issuer, id.issuer),
    utf8(FULCIO_OID.buildSignerURI, uris.buildSignerURI),
    utf8(FULCIO_OID.buildSignerDigest, id.jobWorkflowSha),
    utf8(FULCIO_OID.runnerEnvironment, id.runnerEnvironment),
    utf8(FULCIO_OID.sourceRepositoryURI, uris.sourceRepositoryURI),
    utf8(FULCIO_OID.sourceRepositoryDigest, id.sha),
    utf8(FULCIO_OID.sourceRepositoryRef, id.ref),
    utf8(FULCIO_OID.sourceRepositoryIdentifier, id.repositoryId),
    utf8(FULCIO_OID.sourceRepositoryOwnerURI, uris.sourceRepositoryOwnerURI),
    utf8(FULCIO_OID.sourceRepositoryOwnerIdentifier, id.repositoryOwnerId),
    utf8(FULCIO_OID.buildConfigURI, uris.buildConfigURI),
    utf8(FULCIO_OID.buildConfigDigest, id.workflowSha),
    utf8(FULCIO_OID.buildTrigger, id.eventName),
    utf8(FULCIO_OID.runInvocationURI, uris.runInvocationURI),
    utf8(FULCIO_OID.sourceRepositoryVisibilityAtSigning, id.visibility),
  ]
}
