/**
 * How a finding is decided under a rule: its severity from the finding registry (lib/findings.ts:
 * which requirement makes it count, its severity per mode). Validity failures are errors in every
 * mode. Pure.
 */
import { FINDINGS, type Finding, type FindingCode, type FindingSeverity, type WaivableCode } from '../findings.js'
import type { DecidedFinding } from '../model.js'
import type { RuleBody } from './types.js'

function requiresAnything(body: RuleBody): boolean {
  const r = body.require
  return r.signature || r.provenance || r.trustedPublisher || r.approver || body.publishers !== undefined || body.builds !== undefined
}

/**
 * The severity of a finding under a rule; `violation` says whether it breaks one of the rule's
 * requirements. An `installScripts` finding is decided with the section's mode in `body.mode`, a
 * `continuity` one with its `continuity` mode (lib/policy/continuity.ts).
 */
export function severityUnder(code: FindingCode, body: RuleBody): { severity: FindingSeverity; violation: boolean } {
  const { requiredBy, severity } = FINDINGS[code].policy
  if (requiredBy === 'always') return { severity: severity[body.mode], violation: false }
  // The rule names this code's severity (schema: requirement codes only, never validity failures).
  const named = body.severity?.[code as WaivableCode]
  if (named) return { severity: named, violation: named !== 'info' }
  const required = requiredBy === 'signature' ? body.require.signature : requiredBy === 'provenance' ? body.require.provenance : requiredBy === 'anything' ? requiresAnything(body) : true
  if (!required) return { severity: 'info', violation: false }
  return { severity: severity[body.mode], violation: severity[body.mode] !== 'info' }
}

/**
 * A finding decided under a rule. A violation says which rule made it one (`requiredBy`, the rule's
 * id; none for the built-in default policy), unless the message already does.
 */
export function decideFinding(f: Finding, body: RuleBody, requiredBy?: string): DecidedFinding {
  const { severity, violation } = severityUnder(f.code, body)
  return { code: f.code, severity, message: violation && requiredBy && !f.message.includes(requiredBy) ? `${f.message} (required by ${requiredBy})` : f.message }
}
