/**
 * The built-in default policy, used for projects without a policy file (docs/default-policy.md):
 * - registry signatures must verify where the registry publishes keys (fail);
 * - attestations that are present must verify and name this package and these bytes (fail);
 * - missing provenance, a registry without keys and non-registry sources warn (a registry without
 *   keys whose packages nothing else verified also makes the run "could not verify": runCheck);
 * - evidence that could not be fetched fails the package and marks the run "could not verify".
 * That is exactly each finding's `defaultSeverity` in the finding registry. Pure.
 */
import { FINDINGS, finding, type Finding } from '../findings.js'
import type { DecidedFinding, Decision, PackageRef, PackageResult } from '../model.js'
import type { PackageFacts } from '../model/facts.js'

export const DEFAULT_RULE = 'default'

/** What is known about one package when the policy runs. */
export type PackageOutcome =
  | { kind: 'verified'; facts: PackageFacts }
  | { kind: 'fetch-failed'; reason: string }
  | { kind: 'not-registry' }

export function evaluateDefaultPolicy(ref: PackageRef, outcome: PackageOutcome): PackageResult {
  const base = { name: ref.name, version: ref.version, integrity: ref.integrity, source: ref.source, registry: ref.registry, locations: ref.locations, rule: DEFAULT_RULE }
  if (ref.source === 'bundled') {
    return { ...base, decision: 'skipped', skipReason: bundledSkipReason(ref), findings: [] }
  }
  const { findings, facts } = packageFindings(ref, outcome)
  const decided = findings.map(decideDefault)
  return { ...base, decision: decisionOf(decided), findings: decided, ...(facts ? { facts } : {}) }
}

export function bundledSkipReason(ref: PackageRef): string {
  return ref.sourceDetail ? `bundled (${ref.sourceDetail})` : "bundled: covered by its parent's tarball"
}

/** What is known about a (not bundled) package as findings: its verification findings, or why there are none. */
export function packageFindings(ref: PackageRef, outcome: PackageOutcome): { findings: Finding[]; facts?: PackageFacts } {
  // How the lockfile binds the package (tree stage) comes first: it decides whatever the evidence says.
  const binding = ref.lockfileFindings ?? []
  if (outcome.kind === 'not-registry' || ref.source !== 'registry') {
    return { findings: [...binding, finding('UNVERIFIABLE_SOURCE', `${ref.name}@${ref.version}: ${ref.source} dependency${ref.resolved ? ` (${ref.resolved})` : ''} has no registry signature or attestation`)] }
  }
  if (outcome.kind === 'fetch-failed') return { findings: [...binding, finding('FETCH_FAILED', `${ref.name}@${ref.version}: ${outcome.reason}`)] }
  return { findings: [...binding, ...outcome.facts.findings], facts: outcome.facts }
}

export function decideDefault(f: Finding): DecidedFinding {
  return { code: f.code, severity: FINDINGS[f.code].defaultSeverity, message: f.message }
}

export function decisionOf(findings: readonly DecidedFinding[]): Decision {
  if (findings.some((f) => f.severity === 'error')) return 'fail'
  if (findings.some((f) => f.severity === 'warning')) return 'warn'
  return 'pass'
}
