/**
 * Whether a verified provenance identity matches a rule's `builds` entries. Every field compares
 * with what the verify stage read from the signed certificate or the signed predicate
 * (lib/verify/identity.ts), never with unsigned registry metadata. A field the identity does not
 * state never matches (fail closed).
 *
 * Reusable workflows: `workflow` is the *calling* workflow in the built repository (Build Config
 * URI), while the workflow that actually ran the signing job is the Build Signer URI / SAN. Unless an
 * entry names `signer`, the signing workflow must live in the repository that was built, so a build
 * that hands its OIDC token to another repository's workflow does not match by accident.
 */
import type { SignerIdentity } from '../model/facts.js'
import { matchGlob } from './match.js'
import type { BuildPattern } from './types.js'

export type BuildField = keyof BuildPattern

/** Which identity field each `builds` key reads, for docs and explanations. */
export const BUILD_FIELD_READS: Record<BuildField, string> = {
  issuer: 'issuer (certificate 1.3.6.1.4.1.57264.1.8)',
  repository: 'repository (certificate Source Repository URI .12, else the predicate)',
  repositoryId: 'repositoryId (certificate .15, else predicate repository_id)',
  repositoryOwnerId: 'repositoryOwnerId (certificate .17, else predicate repository_owner_id)',
  workflow: 'workflow (certificate Build Config URI .18, else the predicate)',
  ref: 'ref (certificate Source Repository Ref .14, else the predicate)',
  runner: 'runner (certificate Runner Environment .11, else the predicate)',
  trigger: 'trigger (certificate Build Trigger .20, else the predicate)',
  visibility: 'visibility (certificate .22)',
  signer: 'signing workflow (certificate Build Signer URI .9, else the SAN)',
}

const FIELD_ORDER: readonly BuildField[] = ['issuer', 'repository', 'repositoryId', 'repositoryOwnerId', 'workflow', 'ref', 'runner', 'trigger', 'visibility', 'signer']

export interface BuildFieldCheck {
  field: BuildField
  /** What the pattern allows, as written (a trigger list joined with ` | `). */
  allowed: string
  /** What the identity says; absent when it says nothing. */
  observed?: string
  matched: boolean
  /** The check `signer` makes when the entry does not name one: the signer lives in the built repository. */
  implicit?: boolean
}

export interface BuildEntryCheck {
  /** Index in the rule's `builds`. */
  entry: number
  matched: boolean
  fields: BuildFieldCheck[]
}

/** The workflow that signed, from the Build Signer URI (or SAN): `https://host/<repo>/<path>@<ref>`. */
export interface SignerWorkflow {
  /** `owner/name/<path>` for github.com, else the URI without the ref. */
  id: string
  ref?: string
  /** The repository holding the signing workflow, when the URI says. */
  repositoryUri?: string
}

export function signerWorkflow(identity: SignerIdentity): SignerWorkflow | undefined {
  const uri = identity.buildSignerUri ?? identity.subjectAlternativeName
  if (!uri) return undefined
  const m = /^(https:\/\/[^/@]+)\/([^@]+)(?:@(.+))?$/.exec(uri)
  if (!m) return { id: uri }
  const [, origin, path, ref] = m as unknown as [string, string, string, string | undefined]
  // GitLab separates the project (which may sit in nested groups) from the file with `//`; GitHub
  // repositories are always `owner/name`.
  const split = path.indexOf('//')
  const repoPath = split !== -1 ? path.slice(0, split) : path.split('/').slice(0, 2).join('/')
  const base = `${origin}/${path}`
  const id = origin === 'https://github.com' ? path : base
  return { id, ...(ref ? { ref } : {}), repositoryUri: `${origin}/${repoPath}` }
}

function normalizeRepositoryUri(uri: string): string {
  return uri.replace(/^git\+/, '').replace(/\.git$/, '').replace(/\/+$/, '')
}

function observedValue(field: BuildField, pattern: string, identity: SignerIdentity): string | undefined {
  switch (field) {
    case 'repository':
      // A full-URI pattern compares with the URI; `owner/name` with the short github.com form.
      return pattern.includes('://') ? identity.repositoryUri : identity.repository
    case 'signer': {
      const signer = signerWorkflow(identity)
      if (!signer) return undefined
      return pattern.includes('@') && signer.ref ? `${signer.id}@${signer.ref}` : signer.id
    }
    case 'trigger':
      return identity.trigger
    default:
      return identity[field]
  }
}

export function matchBuild(pattern: BuildPattern, index: number, identity: SignerIdentity): BuildEntryCheck {
  const fields: BuildFieldCheck[] = []
  for (const field of FIELD_ORDER) {
    const allowed = pattern[field]
    if (allowed === undefined) continue
    const patterns = Array.isArray(allowed) ? allowed : [allowed]
    const observed = observedValue(field, patterns[0]!, identity)
    const matched = patterns.some((p) => {
      const value = observedValue(field, p, identity)
      return value !== undefined && matchGlob(p, value)
    })
    fields.push({ field, allowed: patterns.join(' | '), ...(observed !== undefined ? { observed } : {}), matched })
  }
  if (pattern.signer === undefined) {
    const implicit = implicitSignerCheck(identity)
    if (implicit) fields.push(implicit)
  }
  return { entry: index, matched: fields.every((f) => f.matched), fields }
}

function implicitSignerCheck(identity: SignerIdentity): BuildFieldCheck | undefined {
  const signer = signerWorkflow(identity)
  if (!signer?.repositoryUri || !identity.repositoryUri) return undefined
  const built = normalizeRepositoryUri(identity.repositoryUri)
  return {
    field: 'signer',
    allowed: `a workflow in ${identity.repository ?? built} (name a reusable workflow in \`signer\` to allow it)`,
    observed: signer.id,
    matched: normalizeRepositoryUri(signer.repositoryUri) === built,
    implicit: true,
  }
}

/** `field is "x", allowed "y"` for each field that did not match. */
export function describeMismatch(check: BuildEntryCheck): string {
  return check.fields
    .filter((f) => !f.matched)
    .map((f) => `${f.field} is ${f.observed === undefined ? 'not stated' : JSON.stringify(f.observed)}, allowed ${f.implicit ? f.allowed : JSON.stringify(f.allowed)}`)
    .join('; ')
}
