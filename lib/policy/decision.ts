/**
 * From what is known about a package to its decision: the verification findings the policy decides
 * (or why there are none), how decided findings make a decision, and which of two results is the
 * stricter. Pure.
 */
import { finding, type Finding, type FindingSeverity } from '../findings.js'
import type { DecidedFinding, Decision, PackageRef, PackageResult } from '../model.js'
import type { PackageFacts } from '../model/facts.js'

/** What is known about one package when the policy runs. */
export type PackageOutcome =
  | { kind: 'verified'; facts: PackageFacts }
  /** `signedWithoutKeys`: the version carries signatures its registry publishes no keys for (the report's mirror diagnosis). */
  | { kind: 'fetch-failed'; reason: string; signedWithoutKeys?: true }
  | { kind: 'not-registry' }

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

export function decisionOf(findings: readonly DecidedFinding[]): Decision {
  if (findings.some((f) => f.severity === 'error')) return 'fail'
  if (findings.some((f) => f.severity === 'warning')) return 'warn'
  return 'pass'
}

const DECISION_RANK = { skipped: 0, pass: 1, warn: 2, fail: 3 } as const

/** Positive when `a` is stricter than `b`: a worse decision, then more errors, then more warnings. */
export function compareStrictness(a: PackageResult, b: PackageResult): number {
  const count = (r: PackageResult, severity: FindingSeverity) => r.findings.filter((f) => f.severity === severity).length
  return DECISION_RANK[a.decision] - DECISION_RANK[b.decision] || count(a, 'error') - count(b, 'error') || count(a, 'warning') - count(b, 'warning')
}
