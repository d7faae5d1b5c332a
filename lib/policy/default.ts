/**
 * The built-in default policy, used for projects without a policy file (docs/default-policy.md):
 * - registry signatures must verify where the registry publishes keys (fail);
 * - attestations that are present must verify and name this package and these bytes (fail);
 * - missing provenance, a registry without keys and non-registry sources warn;
 * - evidence that could not be fetched fails the package and marks the run "could not verify".
 * That is exactly each finding's `defaultSeverity` in the finding registry. Pure.
 */
import { FINDINGS, finding, type Finding } from '../findings.js'
import type { DecidedFinding, Decision, PackageRef, PackageResult } from '../model.js'
import type { PackageFacts } from '../verify/types.js'

export const DEFAULT_RULE = 'default'

/** What is known about one package when the policy runs. */
export type PackageOutcome =
  | { kind: 'verified'; facts: PackageFacts }
  | { kind: 'fetch-failed'; reason: string }
  | { kind: 'not-registry' }

export function evaluateDefaultPolicy(ref: PackageRef, outcome: PackageOutcome): PackageResult {
  const base = { name: ref.name, version: ref.version, integrity: ref.integrity, source: ref.source, registry: ref.registry, locations: ref.locations, rule: DEFAULT_RULE }
  if (ref.source === 'bundled') {
    return { ...base, decision: 'skipped', skipReason: ref.sourceDetail ? `bundled (${ref.sourceDetail})` : "bundled: covered by its parent's tarball", findings: [] }
  }
  let findings: Finding[]
  let facts: PackageFacts | undefined
  if (outcome.kind === 'not-registry' || ref.source !== 'registry') {
    findings = [finding('UNVERIFIABLE_SOURCE', `${ref.name}@${ref.version}: ${ref.source} dependency${ref.resolved ? ` (${ref.resolved})` : ''} has no registry signature or attestation`)]
  } else if (outcome.kind === 'fetch-failed') {
    findings = [finding('FETCH_FAILED', `${ref.name}@${ref.version}: ${outcome.reason}`)]
  } else {
    facts = outcome.facts
    findings = facts.findings
  }
  const decided = findings.map(decideDefault)
  return { ...base, decision: decisionOf(decided), findings: decided, ...(facts ? { facts } : {}) }
}

function decideDefault(f: Finding): DecidedFinding {
  return { code: f.code, severity: FINDINGS[f.code].defaultSeverity, message: f.message }
}

export function decisionOf(findings: readonly DecidedFinding[]): Decision {
  if (findings.some((f) => f.severity === 'error')) return 'fail'
  if (findings.some((f) => f.severity === 'warning')) return 'warn'
  return 'pass'
}
