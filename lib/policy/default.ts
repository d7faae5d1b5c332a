/**
 * The built-in default policy, used for projects without a policy file (docs/default-policy.md):
 * - registry signatures must verify where the registry publishes keys (fail);
 * - attestations that are present must verify and name this package and these bytes (fail);
 * - missing provenance, a registry without keys and non-registry sources warn (a registry without
 *   keys whose packages nothing else verified also makes the run "could not verify": runCheck);
 * - evidence that could not be fetched fails the package and marks the run "could not verify".
 * That is exactly each finding's `defaultSeverity` in the finding registry. Pure.
 */
import { FINDINGS, type Finding } from '../findings.js'
import type { DecidedFinding, PackageRef, PackageResult } from '../model.js'
import { bundledSkipReason, decisionOf, packageFindings, type PackageOutcome } from './decision.js'
import { DEFAULT_RULE } from './select.js'

export function evaluateDefaultPolicy(ref: PackageRef, outcome: PackageOutcome): PackageResult {
  const base = { name: ref.name, version: ref.version, integrity: ref.integrity, source: ref.source, registry: ref.registry, locations: ref.locations, rule: DEFAULT_RULE }
  if (ref.source === 'bundled') {
    return { ...base, decision: 'skipped', skipReason: bundledSkipReason(ref), findings: [] }
  }
  const { findings, facts } = packageFindings(ref, outcome)
  const decided = findings.map(decideDefault)
  return { ...base, decision: decisionOf(decided), findings: decided, ...(facts ? { facts } : {}) }
}

export function decideDefault(f: Finding): DecidedFinding {
  return { code: f.code, severity: FINDINGS[f.code].defaultSeverity, message: f.message }
}
