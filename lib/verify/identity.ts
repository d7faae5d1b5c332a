/**
 * Who built a package: the signer identity read from a verified provenance certificate and from the
 * signed SLSA predicate, merged into one record that says where each field came from.
 *
 * Fulcio certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md):
 * 1.3.6.1.4.1.57264.1.8–.22 are DER UTF8Strings; the deprecated .1–.6 (certificates from before about
 * April 2023) hold the raw string bytes. With a reusable workflow the SAN and build signer URI name
 * the shared workflow, while the source repository (.12) and build config (.18) name the repository
 * that was built and its calling workflow.
 */
import type { X509Certificate } from '@sigstore/core'
import { parseDER } from './sigstore/index.js'
import { PREDICATE_SLSA_V02, PREDICATE_SLSA_V1 } from './statement.js'
import type { IdentitySource, SignerIdentity } from '../model/facts.js'

const FULCIO = '1.3.6.1.4.1.57264.1'

/** Fulcio extension OIDs by the field name verify-deps reports them under. */
export const FULCIO_EXTENSIONS = {
  issuer: `${FULCIO}.8`,
  buildSignerUri: `${FULCIO}.9`,
  buildSignerDigest: `${FULCIO}.10`,
  runnerEnvironment: `${FULCIO}.11`,
  sourceRepositoryUri: `${FULCIO}.12`,
  sourceRepositoryDigest: `${FULCIO}.13`,
  sourceRepositoryRef: `${FULCIO}.14`,
  sourceRepositoryIdentifier: `${FULCIO}.15`,
  sourceRepositoryOwnerUri: `${FULCIO}.16`,
  sourceRepositoryOwnerIdentifier: `${FULCIO}.17`,
  buildConfigUri: `${FULCIO}.18`,
  buildConfigDigest: `${FULCIO}.19`,
  buildTrigger: `${FULCIO}.20`,
  runInvocationUri: `${FULCIO}.21`,
  sourceRepositoryVisibility: `${FULCIO}.22`,
} as const

/** Deprecated extensions: raw (not DER-wrapped) strings. */
export const FULCIO_LEGACY_EXTENSIONS = {
  issuer: `${FULCIO}.1`,
  githubWorkflowTrigger: `${FULCIO}.2`,
  githubWorkflowSha: `${FULCIO}.3`,
  githubWorkflowName: `${FULCIO}.4`,
  githubWorkflowRepository: `${FULCIO}.5`,
  githubWorkflowRef: `${FULCIO}.6`,
} as const

export type CertificateField = keyof typeof FULCIO_EXTENSIONS
export type LegacyCertificateField = keyof typeof FULCIO_LEGACY_EXTENSIONS

export interface CertificateIdentity {
  subjectAlternativeName?: string
  extensions: Partial<Record<CertificateField, string>>
  legacyExtensions: Partial<Record<LegacyCertificateField, string>>
}

export function readCertificateIdentity(cert: X509Certificate): CertificateIdentity {
  const extensions: CertificateIdentity['extensions'] = {}
  for (const [field, oid] of Object.entries(FULCIO_EXTENSIONS) as [CertificateField, string][]) {
    const value = derUtf8Extension(cert, oid)
    if (value !== undefined) extensions[field] = value
  }
  const legacyExtensions: CertificateIdentity['legacyExtensions'] = {}
  for (const [field, oid] of Object.entries(FULCIO_LEGACY_EXTENSIONS) as [LegacyCertificateField, string][]) {
    const ext = cert.extension(oid)
    if (ext) legacyExtensions[field] = ext.value.toString('utf8')
  }
  let subjectAlternativeName: string | undefined
  try {
    subjectAlternativeName = cert.subjectAltName
  } catch {
    subjectAlternativeName = undefined
  }
  return { subjectAlternativeName, extensions, legacyExtensions }
}

function derUtf8Extension(cert: X509Certificate, oid: string): string | undefined {
  const ext = cert.extension(oid)
  if (!ext) return undefined
  try {
    // ASN1Obj.parseBuffer's tree and failures, without its per-byte allocations (sigstore/der.ts).
    const obj = parseDER(ext.value)
    return obj.value.toString('utf8')
  } catch {
    // Not DER: attacker-controlled bytes in a CA-signed cert would be a CA bug; report raw.
    return ext.value.toString('utf8')
  }
}

/** Identity claims made by a signed SLSA predicate. */
export interface PredicateIdentity {
  buildType?: string
  builderId?: string
  repositoryUri?: string
  workflow?: string
  ref?: string
  commit?: string
  trigger?: string
  repositoryId?: string
  repositoryOwnerId?: string
  runner?: string
}

export function readPredicateIdentity(predicateType: string, predicate: Record<string, unknown>): PredicateIdentity {
  if (predicateType === PREDICATE_SLSA_V1) return readSlsaV1(predicate)
  if (predicateType === PREDICATE_SLSA_V02) return readSlsaV02(predicate)
  return {}
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined
}

function obj(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

// https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1
function readSlsaV1(p: Record<string, unknown>): PredicateIdentity {
  const def = obj(p.buildDefinition)
  const workflow = obj(obj(def.externalParameters).workflow)
  const github = obj(obj(def.internalParameters).github)
  const deps = Array.isArray(def.resolvedDependencies) ? def.resolvedDependencies.map(obj) : []
  const builderId = str(obj(obj(p.runDetails).builder).id)
  return {
    buildType: str(def.buildType),
    builderId,
    repositoryUri: str(workflow.repository),
    workflow: str(workflow.path),
    ref: str(workflow.ref),
    commit: str(obj(deps[0]?.digest).gitCommit),
    trigger: str(github.event_name),
    repositoryId: str(github.repository_id),
    repositoryOwnerId: str(github.repository_owner_id),
    runner: str(github.runner_environment) ?? builderId?.match(/\/(github-hosted|self-hosted)$/)?.[1],
  }
}

// npm's SLSA v0.2 predicate (buildType https://github.com/npm/cli/gha@v0 and /gha/v2).
function readSlsaV02(p: Record<string, unknown>): PredicateIdentity {
  const invocation = obj(p.invocation)
  const env = obj(invocation.environment)
  const config = obj(invocation.configSource)
  const repository = str(env.GITHUB_REPOSITORY)
  const serverUrl = str(env.GITHUB_SERVER_URL) ?? 'https://github.com'
  // GITHUB_WORKFLOW_REF is `owner/repo/<path>@<ref>`; the path is what follows the repository.
  const workflowRef = str(env.GITHUB_WORKFLOW_REF)
  const workflowPath = repository && workflowRef?.startsWith(`${repository}/`) ? workflowRef.slice(repository.length + 1).replace(/@[^@]*$/, '') : undefined
  return {
    buildType: str(p.buildType),
    builderId: str(obj(p.builder).id),
    repositoryUri: repository ? `${serverUrl}/${repository}` : undefined,
    workflow: workflowPath,
    ref: str(env.GITHUB_REF),
    commit: str(env.GITHUB_SHA) ?? str(obj(config.digest).sha1),
    trigger: str(env.GITHUB_EVENT_NAME),
    repositoryId: str(env.GITHUB_REPOSITORY_ID),
    repositoryOwnerId: str(env.GITHUB_REPOSITORY_OWNER_ID),
  }
}

/** `https://github.com/owner/name` → `owner/name`; other URIs are kept whole. */
export function repositoryName(uri: string): string {
  const m = /^(?:git\+)?https:\/\/github\.com\/([^/]+\/[^/@]+?)(?:\.git)?$/.exec(uri)
  return m ? m[1]! : uri
}

/** `https://github.com/owner/name/.github/workflows/x.yml@refs/heads/main` → parts. */
function parseWorkflowUri(uri: string): { repositoryUri: string; path: string; ref: string } | undefined {
  const m = /^(https:\/\/[^/]+\/[^/]+\/[^/]+)\/(.+)@(refs\/.+)$/.exec(uri)
  return m ? { repositoryUri: m[1]!, path: m[2]!, ref: m[3]! } : undefined
}

export interface MergedIdentity {
  identity: SignerIdentity
  /** Fields where certificate and predicate disagree: the attestation is invalid. */
  conflicts: string[]
}

/**
 * Merges what the certificate and the predicate say. The certificate wins where both speak (Fulcio
 * derived it from the OIDC token; the predicate was written by the build); a disagreement on
 * repository, ref, commit, ids or trigger means the attestation contradicts itself.
 */
export function mergeIdentity(cert: CertificateIdentity, predicate: PredicateIdentity): MergedIdentity {
  const identity: SignerIdentity = { sources: {} }
  const conflicts: string[] = []
  const ext = cert.extensions
  const legacy = cert.legacyExtensions

  const set = <K extends Exclude<keyof SignerIdentity, 'sources'>>(field: K, value: string | undefined, source: IdentitySource) => {
    if (value === undefined || identity[field] !== undefined) return
    ;(identity as unknown as Record<string, string>)[field] = value
    identity.sources[field] = source
  }
  const agree = (field: string, a: string | undefined, b: string | undefined) => {
    if (a !== undefined && b !== undefined && a !== b) conflicts.push(`${field}: certificate says ${a}, predicate says ${b}`)
  }

  // Certificate, new-style extensions.
  set('issuer', ext.issuer, 'certificate')
  set('subjectAlternativeName', cert.subjectAlternativeName, 'certificate-san')
  set('repositoryUri', ext.sourceRepositoryUri, 'certificate')
  set('repositoryId', ext.sourceRepositoryIdentifier, 'certificate')
  set('repositoryOwnerId', ext.sourceRepositoryOwnerIdentifier, 'certificate')
  const buildConfig = ext.buildConfigUri ? parseWorkflowUri(ext.buildConfigUri) : undefined
  set('workflow', buildConfig?.path, 'certificate')
  set('ref', ext.sourceRepositoryRef, 'certificate')
  set('commit', ext.sourceRepositoryDigest, 'certificate')
  set('runner', ext.runnerEnvironment, 'certificate')
  set('trigger', ext.buildTrigger, 'certificate')
  set('visibility', ext.sourceRepositoryVisibility, 'certificate')
  set('buildSignerUri', ext.buildSignerUri, 'certificate')
  set('runInvocationUri', ext.runInvocationUri, 'certificate')

  // Certificate, deprecated extensions (pre-April-2023 certificates).
  set('issuer', legacy.issuer, 'certificate-legacy')
  set('repositoryUri', legacy.githubWorkflowRepository && `https://github.com/${legacy.githubWorkflowRepository}`, 'certificate-legacy')
  set('ref', legacy.githubWorkflowRef, 'certificate-legacy')
  set('commit', legacy.githubWorkflowSha, 'certificate-legacy')
  set('trigger', legacy.githubWorkflowTrigger, 'certificate-legacy')

  // The SAN of a GitHub Actions certificate is the signing workflow's URI; without a build config
  // extension it is the best statement of the workflow (and, if not reusable, of the repository).
  const san = cert.subjectAlternativeName ? parseWorkflowUri(cert.subjectAlternativeName) : undefined
  if (san && !buildConfig) {
    const sameRepo = !identity.repositoryUri || identity.repositoryUri === san.repositoryUri
    if (sameRepo) {
      set('repositoryUri', san.repositoryUri, 'certificate-san')
      set('workflow', san.path, 'certificate-san')
    }
  }

  // Agreement between certificate and predicate where both state a field.
  agree('repository', identity.repositoryUri && repositoryName(identity.repositoryUri), predicate.repositoryUri && repositoryName(predicate.repositoryUri))
  agree('ref', identity.ref, predicate.ref)
  agree('commit', identity.commit, predicate.commit)
  agree('repositoryId', identity.repositoryId, predicate.repositoryId)
  agree('repositoryOwnerId', identity.repositoryOwnerId, predicate.repositoryOwnerId)
  agree('trigger', identity.trigger, predicate.trigger)
  agree('workflow', identity.workflow, predicate.workflow)

  // Then the predicate fills what the certificate does not say.
  set('repositoryUri', predicate.repositoryUri, 'predicate')
  set('repositoryId', predicate.repositoryId, 'predicate')
  set('repositoryOwnerId', predicate.repositoryOwnerId, 'predicate')
  set('workflow', predicate.workflow, 'predicate')
  set('ref', predicate.ref, 'predicate')
  set('commit', predicate.commit, 'predicate')
  set('trigger', predicate.trigger, 'predicate')
  set('runner', predicate.runner, 'predicate')
  set('buildType', predicate.buildType, 'predicate')
  set('builderId', predicate.builderId, 'predicate')

  if (identity.repositoryUri) {
    identity.repository = repositoryName(identity.repositoryUri)
    identity.sources.repository = identity.sources.repositoryUri
  }
  return { identity, conflicts }
}
