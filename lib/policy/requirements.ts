/**
 * A rule's requirements checked against a package's verified facts: signature, provenance, builds,
 * publishers, trusted publisher, approver. Each gives a check for `explain` and, when violated, the
 * finding it raises (unless the verification findings already show it). Pure.
 */
import { finding, type Finding, type FindingCode } from '../findings.js'
import type { SignerIdentity } from '../model/facts.js'
import type { PackageFacts } from '../model/facts.js'
import { describeMismatch, matchBuild, type BuildEntryCheck } from './builds.js'
import { matchGlob } from './match.js'
import type { RuleBody } from './types.js'

export type Requirement = 'signature' | 'provenance' | 'builds' | 'publishers' | 'trustedPublisher' | 'approver'

/**
 * - `met` / `violated`: checked;
 * - `not-required`: the rule does not ask for it (findings about it are info);
 * - `not-checked`: the rule's mode is `off`;
 * - `unknown`: there are no facts to check (not from a registry, or evidence could not be fetched).
 */
export type CheckStatus = 'met' | 'violated' | 'not-required' | 'not-checked' | 'unknown'

export interface RequirementCheck {
  requirement: Requirement
  status: CheckStatus
  observed: string
  allowed: string
  /** The finding a violation raised (or the verification finding that shows it). */
  code?: FindingCode
  /** For `builds`: each entry, field by field. */
  builds?: BuildEntryCheck[]
}

type CheckOutcome = Omit<RequirementCheck, 'requirement' | 'allowed'> & {
  /** The finding a violation raises, when the verification findings do not already show it. */
  raise?: Finding
}

/** The finding code that shows each signature status other than `verified`. */
const SIGNATURE_CODES: Record<Exclude<PackageFacts['signature']['status'], 'verified'>, FindingCode> = {
  unsupported: 'SIGNATURE_UNSUPPORTED_BY_REGISTRY',
  invalid: 'SIGNATURE_INVALID',
  'key-unknown': 'SIGNATURE_KEY_UNKNOWN',
  'key-expired': 'SIGNATURE_KEY_EXPIRED',
  missing: 'SIGNATURE_MISSING',
  'not-checked': 'SIGNATURE_MISSING',
}

/** Checks the rule `id`'s requirements for the package `pkg` (`name@version`). */
export function checkRequirements(body: RuleBody, id: string, pkg: string, facts: PackageFacts | undefined): { checks: RequirementCheck[]; findings: Finding[] } {
  const checks: RequirementCheck[] = []
  const findings: Finding[] = []
  const noFacts = 'no verified facts (not from a registry, or evidence could not be fetched)'
  const add = (requirement: Requirement, required: boolean, allowed: string, evaluate: (facts: PackageFacts) => CheckOutcome) => {
    if (!required) {
      checks.push({ requirement, status: 'not-required', observed: facts ? evaluate(facts).observed : noFacts, allowed: 'not required' })
    } else if (body.mode === 'off') {
      checks.push({ requirement, status: 'not-checked', observed: 'mode: off', allowed })
    } else if (!facts) {
      checks.push({ requirement, status: 'unknown', observed: noFacts, allowed })
    } else {
      const { raise, ...outcome } = evaluate(facts)
      checks.push({ requirement, allowed, ...outcome })
      if (raise) findings.push(raise)
    }
  }

  add('signature', body.require.signature, 'a registry signature that verifies', (f) => {
    const status = f.signature.status
    if (status === 'verified') return { status: 'met', observed: `verified${f.signature.keyid ? ` (${f.signature.keyid})` : ''}` }
    return {
      status: 'violated',
      observed: status,
      code: SIGNATURE_CODES[status],
      // No registry version data: nothing says the version is signed, which a rule requiring it cannot accept.
      ...(status === 'not-checked' ? { raise: finding('SIGNATURE_MISSING', `${pkg}: the registry signature was not checked (no registry version data)`) } : {}),
    }
  })

  add('provenance', body.require.provenance, 'verified SLSA provenance', (f) => {
    const status = f.provenance.status
    if (status === 'verified') return { status: 'met', observed: `verified${f.provenance.predicateType ? ` (${f.provenance.predicateType})` : ''}` }
    if (status === 'none') {
      const shown = f.findings.some((x) => x.code === 'PROVENANCE_MISSING')
      return { status: 'violated', observed: 'none', code: 'PROVENANCE_MISSING', ...(shown ? {} : { raise: finding('PROVENANCE_MISSING', `${pkg}: no provenance attestation`) }) }
    }
    return { status: 'violated', observed: status, code: status === 'mismatch' ? 'ATTESTATION_SUBJECT_MISMATCH' : status === 'missing' ? 'ATTESTATION_MISSING' : 'ATTESTATION_INVALID' }
  })

  if (body.builds) {
    const builds = body.builds
    add('builds', true, builds.length === 1 ? 'the allowed build' : `any of ${builds.length} allowed builds`, (f) => {
      const identity = f.provenance.status === 'verified' ? f.provenance.identity : undefined
      // Without verified provenance the provenance check above carries the finding.
      if (!identity) return { status: 'violated', observed: 'no verified provenance identity' }
      const entries = builds.map((b, i) => matchBuild(b, i, identity))
      const observed = describeIdentity(identity)
      if (entries.some((e) => e.matched)) return { status: 'met', observed, builds: entries }
      const detail = entries.map((e) => `builds[${e.entry}]: ${describeMismatch(e)}`).join('; ')
      return {
        status: 'violated',
        observed,
        code: 'PROVENANCE_IDENTITY_MISMATCH',
        builds: entries,
        raise: finding('PROVENANCE_IDENTITY_MISMATCH', `${pkg}: provenance matches no allowed build of ${id}: ${detail}`),
      }
    })
  }

  if (body.publishers) {
    const publishers = body.publishers
    add('publishers', true, publishers.join(', '), (f) => {
      const name = f.publisher.name
      if (name !== undefined && publishers.some((p) => matchGlob(p, name))) return { status: 'met', observed: name }
      return {
        status: 'violated',
        observed: name ?? 'not stated',
        code: 'PUBLISHER_NOT_ALLOWED',
        raise: finding('PUBLISHER_NOT_ALLOWED', `${pkg}: published by ${name === undefined ? 'an unnamed account' : JSON.stringify(name)} (registry metadata _npmUser.name), allowed: ${publishers.join(', ')}`),
      }
    })
  }

  add('trustedPublisher', body.require.trustedPublisher, 'a trusted publisher (_npmUser.trustedPublisher)', (f) => {
    const tp = f.publisher.trustedPublisher
    if (tp) return { status: 'met', observed: `trusted publisher ${tp.id}` }
    return {
      status: 'violated',
      observed: 'no trusted publisher',
      code: 'TRUSTED_PUBLISHER_MISSING',
      raise: finding('TRUSTED_PUBLISHER_MISSING', `${pkg}: not published through a trusted publisher (no _npmUser.trustedPublisher in the registry metadata)`),
    }
  })

  add('approver', body.require.approver, 'a human approver (_npmUser.approver)', (f) => {
    const ap = f.publisher.approver
    if (ap) return { status: 'met', observed: `approved by ${ap.name ?? ap.email ?? 'someone'}` }
    return {
      status: 'violated',
      observed: 'no approver',
      code: 'APPROVER_MISSING',
      raise: finding('APPROVER_MISSING', `${pkg}: the publish was not approved by a human (no _npmUser.approver in the registry metadata)`),
    }
  })

  return { checks, findings }
}

function describeIdentity(identity: SignerIdentity): string {
  if (!identity.repository) return 'an identity without a repository'
  return [identity.repository, identity.workflow, identity.ref && `@ ${identity.ref}`].filter(Boolean).join(' ')
}
