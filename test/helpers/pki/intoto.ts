/**
 * in-toto statements and the predicates npm attaches to a package version:
 * - SLSA provenance v1, as npm CLI ≥ 9.6 writes it on GitHub Actions (libnpmpublish provenance.js);
 * - SLSA provenance v0.2, the older npm CLI `gha@v0` build type (early 2023 packages);
 * - the npm publish attestation the registry signs (github.com/npm/attestation specs/publish/v0.1).
 * Provenance is derived from the same `GithubActionsIdentity` as the signing certificate.
 */
import { createHash } from 'node:crypto'
import { githubWorkflowURIs, refType, type GithubActionsIdentity } from './identity.js'

export const INTOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1'
export const INTOTO_STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1'
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1'
export const SLSA_PROVENANCE_V02 = 'https://slsa.dev/provenance/v0.2'
export const NPM_PUBLISH_V01 = 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1'
export const GITHUB_WORKFLOW_BUILD_TYPE = 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1'
export const NPM_GHA_BUILD_TYPE_V0 = 'https://github.com/npm/cli/gha@v0'
export const DEFAULT_REGISTRY = 'https://registry.npmjs.org'
/** GitHub's builder id prefix; npm appends RUNNER_ENVIRONMENT. */
const GITHUB_BUILDER_ID_PREFIX = 'https://github.com/actions/runner'

export interface InTotoSubject {
  name: string
  digest: Record<string, string>
}

export interface InTotoStatement<P = unknown> {
  _type: string
  subject: InTotoSubject[]
  predicateType: string
  predicate: P
}

/** What a provenance or publish statement is about: an npm package version and its tarball. */
export interface PackageSubjectInput {
  name: string
  version: string
  /** Give one of: the tarball, its sha512 hex digest, or its SRI `sha512-…` integrity. */
  tarball?: Uint8Array
  sha512?: string
  integrity?: string
  /** A non-default registry adds `?repository_url=` to the purl, as npm-package-arg does. */
  registry?: string
}

/** `pkg:npm/<name>@<version>` with a scope's leading `@` percent-encoded (npm-package-arg toPurl). */
export function npmPurl(name: string, version: string, registry = DEFAULT_REGISTRY): string {
  const purl = `pkg:npm/${name.replace(/^@/, '%40')}@${version}`
  return registry === DEFAULT_REGISTRY ? purl : `${purl}?repository_url=${registry}`
}

export function npmSubject(pkg: PackageSubjectInput): InTotoSubject {
  return { name: npmPurl(pkg.name, pkg.version, pkg.registry), digest: { sha512: sha512Hex(pkg) } }
}

function sha512Hex(pkg: PackageSubjectInput): string {
  if (pkg.sha512) return pkg.sha512
  if (pkg.integrity) {
    if (!pkg.integrity.startsWith('sha512-')) throw new Error(`npmSubject: not a sha512 integrity: ${pkg.integrity}`)
    return Buffer.from(pkg.integrity.slice('sha512-'.length), 'base64').toString('hex')
  }
  if (pkg.tarball) return createHash('sha512').update(pkg.tarball).digest('hex')
  throw new Error(`npmSubject: ${pkg.name}@${pkg.version} needs a tarball, sha512 or integrity`)
}

export function inTotoStatement<P>(options: {
  subject: InTotoSubject[]
  predicateType: string
  predicate: P
  statementType?: string
}): InTotoStatement<P> {
  return {
    _type: options.statementType ?? INTOTO_STATEMENT_V1,
    subject: options.subject,
    predicateType: options.predicateType,
    predicate: options.predicate,
  }
}

/** Statement bytes as npm signs them: plain `JSON.stringify`, keys in construction order. */
export function serializeStatement(statement: InTotoStatement): Buffer {
  return Buffer.from(JSON.stringify(statement), 'utf8')
}

export interface SlsaProvenanceV1Predicate {
  buildDefinition: {
    buildType: string
    externalParameters: { workflow: { ref: string; repository: string; path: string } }
    internalParameters: {
      github: { event_name: string; repository_id: string; repository_owner_id: string; runner_environment?: string }
    }
    resolvedDependencies: { uri: string; digest: { gitCommit: string } }[]
  }
  runDetails: {
    builder: { id: string }
    metadata: { invocationId: string }
  }
}

export interface SlsaProvenanceV1Options {
  /**
   * Add `runner_environment` to internalParameters.github, as GitHub's own
   * actions/attest-build-provenance does. npm CLI (through 11.x) does not write it.
   */
  includeRunnerEnvironment?: boolean
}

/**
 * The SLSA v1 predicate npm writes on GitHub Actions. `workflow` names the calling workflow
 * (GITHUB_WORKFLOW_REF), which for a reusable workflow is not the one in the certificate SAN.
 */
export function slsaProvenanceV1(id: GithubActionsIdentity, options: SlsaProvenanceV1Options = {}): SlsaProvenanceV1Predicate {
  const uris = githubWorkflowURIs(id)
  return {
    buildDefinition: {
      buildType: GITHUB_WORKFLOW_BUILD_TYPE,
      externalParameters: {
        workflow: { ref: id.ref, repository: uris.sourceRepositoryURI, path: id.workflowPath },
      },
      internalParameters: {
        github: {
          event_name: id.eventName,
          repository_id: id.repositoryId,
          repository_owner_id: id.repositoryOwnerId,
          ...(options.includeRunnerEnvironment ? { runner_environment: id.runnerEnvironment } : {}),
        },
      },
      resolvedDependencies: [{ uri: `git+${uris.sourceRepositoryURI}@${id.ref}`, digest: { gitCommit: id.sha } }],
    },
    runDetails: {
      builder: { id: `${GITHUB_BUILDER_ID_PREFIX}/${id.runnerEnvironment}` },
      metadata: { invocationId: uris.runInvocationURI },
    },
  }
}

export interface SlsaProvenanceV02Predicate {
  buildType: string
  builder: { id: string }
  invocation: {
    configSource: { uri: string; digest: { sha1: string }; entryPoint: string }
    parameters: Record<string, never>
    environment: Record<string, string>
  }
  metadata: {
    buildInvocationId: string
    completeness: { parameters: boolean; environment: boolean; materials: boolean }
    reproducible: boolean
  }
  materials: { uri: string; digest: { sha1: string } }[]
}

/** The SLSA v0.2 predicate of npm CLI 9.5 and earlier (`buildType …/npm/cli/gha@v0`). */
export function slsaProvenanceV02(id: GithubActionsIdentity, options: { npmVersion?: string } = {}): SlsaProvenanceV02Predicate {
  const uris = githubWorkflowURIs(id)
  return {
    buildType: NPM_GHA_BUILD_TYPE_V0,
    builder: { id: `https://github.com/npm/cli@${options.npmVersion ?? '9.5.0'}` },
    invocation: {
      configSource: {
        uri: `git+${uris.sourceRepositoryURI}@${id.ref}`,
        digest: { sha1: id.sha },
        entryPoint: uris.workflowRef,
      },
      parameters: {},
      environment: {
        GITHUB_ACTOR_ID: id.actorId,
        GITHUB_EVENT_NAME: id.eventName,
        GITHUB_REF: id.ref,
        GITHUB_REF_TYPE: refType(id.ref),
        GITHUB_REPOSITORY: id.repository,
        GITHUB_REPOSITORY_ID: id.repositoryId,
        GITHUB_REPOSITORY_OWNER_ID: id.repositoryOwnerId,
        GITHUB_RUN_ATTEMPT: id.runAttempt,
        GITHUB_RUN_ID: id.runId,
        GITHUB_RUN_NUMBER: id.runNumber,
        GITHUB_SHA: id.sha,
        GITHUB_WORKFLOW_REF: uris.workflowRef,
        GITHUB_WORKFLOW_SHA: id.workflowSha,
      },
    },
    metadata: {
      buildInvocationId: `${id.runId}-${id.runAttempt}`,
      completeness: { parameters: false, environment: false, materials: false },
      reproducible: false,
    },
    materials: [{ uri: `git+${uris.sourceRepositoryURI}`, digest: { sha1: id.sha } }],
  }
}

export interface NpmPublishPredicate {
  name: string
  version: string
  registry: string
}

export function npmPublishPredicate(name: string, version: string, registry = DEFAULT_REGISTRY): NpmPublishPredicate {
  return { name, version, registry }
}
