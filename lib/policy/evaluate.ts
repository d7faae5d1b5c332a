/**
 * Policy evaluation: whether what is cryptographically true about a package (PackageFacts) is
 * allowed by the project's policy. Pure, and a package's outcome is a result, never an exception
 * (like ampel): the only error is a policy that decides a package two ways (PolicyError).
 *
 * For one package, in order:
 *   1. pick the rule: `deny` first, then the most specific `rules` entry, else `default`, else the
 *      built-in default policy (for an `npm:` alias, under the real and the installed name: the
 *      stricter decision wins);
 *   2. decide each verification finding under that rule (validity failures are errors in every mode);
 *   3. check the rule's requirements (signature, provenance, builds, publishers, trusted publisher,
 *      approver) and raise a finding per violation, with the mode's severity;
 *   4. apply exceptions (waive listed codes; an expired one raises EXCEPTION_EXPIRED instead);
 *   5. add DENIED when a deny entry matches.
 * `explainPackage` returns every step; `evaluatePolicy` its result, so `explain` cannot disagree
 * with the check.
 */
import { FINDINGS, finding, type Finding, type FindingCode, type FindingSeverity } from '../findings.js'
import type { DecidedFinding, PackageRef, PackageResult } from '../model.js'
import type { PackageFacts, SignerIdentity } from '../model/facts.js'
import { describeMismatch, matchBuild, type BuildEntryCheck } from './builds.js'
import { VALIDITY_CODES } from './codes.js'
import { DEFAULT_RULE, bundledSkipReason, decideDefault, decisionOf, evaluateDefaultPolicy, packageFindings, type PackageOutcome } from './default.js'
import { PolicyError } from './errors.js'
import { describeSpecificity, matchGlob, matchPackageSpec, selectRule, type RuleCandidate } from './match.js'
import type { Mode, Policy, PolicyException, RuleBody } from './types.js'

export type RuleKind = 'rule' | 'default' | 'built-in'

export interface RuleMatch {
  /** The readable id the report shows: `rules[0] (@acme/*)`, `default`, `deny[1] (event-stream@3.3.6)`. */
  id: string
  kind: RuleKind
  /** For a rule: the pattern that matched. */
  pattern?: string
  /** Why this rule decides: `exact name`, `glob, literal prefix "@acme/" (6 characters)`, `no rule matches`. */
  why: string
  /** Rules that also match but are less specific. */
  outranked: { id: string; pattern: string; why: string }[]
}

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

export interface ExceptionUse {
  /** `exceptions[0] (left-pad@1.3.0)` */
  id: string
  index: number
  package: string
  reason: string
  expires?: string
  /** `applied`: it waived something; `expired`: it matched but has expired; `nothing-to-waive`: it matched, but none of its codes needed waiving. */
  status: 'applied' | 'expired' | 'nothing-to-waive'
  waived: FindingCode[]
}

export interface PackageExplanation {
  /** `name@version` */
  package: string
  /** The policy file, or `built-in default policy`. */
  policy: string
  rule: RuleMatch
  mode: Mode | 'built-in'
  denied?: { id: string; reason: string }
  checks: RequirementCheck[]
  exceptions: ExceptionUse[]
  result: PackageResult
  /** When an alias decided: the installed name the rule, deny and exceptions were matched by. */
  matchedAs?: string
  /** For an aliased package: the evaluations under its other names, which were less strict. */
  alternatives?: PackageExplanation[]
}

export const BUILT_IN_POLICY = 'built-in default policy'

/** Decides one package. `policy: null` is the built-in default policy (no policy file). */
export function evaluatePolicy(policy: Policy | null, ref: PackageRef, outcome: PackageOutcome, now: Date): PackageResult {
  return explainPackage(policy, ref, outcome, now).result
}

/**
 * Decides one package and says why, step by step (`verify-deps explain <name>`). A package installed
 * under an `npm:` alias is decided under its real name *and* each name it is installed under, and
 * the strictest decision wins: a rule for `@acme/*` cannot be met by another package installed as
 * `@acme/x`, and a rule for the real package is not escaped by installing it under another name.
 */
export function explainPackage(policy: Policy | null, ref: PackageRef, outcome: PackageOutcome, now: Date): PackageExplanation {
  if (!policy) return explainBuiltIn(ref, outcome)
  const primary = explainAs(policy, ref, outcome, now, ref.name)
  const aliases = [...new Set(ref.locations.map((l) => l.alias).filter((a): a is string => a !== undefined && a !== ref.name))]
  if (aliases.length === 0) return primary
  const all = [primary, ...aliases.map((alias) => explainAs(policy, ref, outcome, now, alias))]
  const chosen = all.reduce((a, b) => (compareStrictness(b.result, a.result) > 0 ? b : a))
  return { ...chosen, alternatives: all.filter((e) => e !== chosen) }
}

const DECISION_RANK = { skipped: 0, pass: 1, warn: 2, fail: 3 } as const

/** Positive when `a` is stricter than `b`: a worse decision, then more errors, then more warnings. */
function compareStrictness(a: PackageResult, b: PackageResult): number {
  const count = (r: PackageResult, severity: FindingSeverity) => r.findings.filter((f) => f.severity === severity).length
  return DECISION_RANK[a.decision] - DECISION_RANK[b.decision] || count(a, 'error') - count(b, 'error') || count(a, 'warning') - count(b, 'warning')
}

/** Decides the package under the rules, deny entries and exceptions that match `name` (its real name or an alias). */
function explainAs(policy: Policy, ref: PackageRef, outcome: PackageOutcome, now: Date, name: string): PackageExplanation {
  const id = `${ref.name}@${ref.version}`
  const rule = pickRule(policy, name, id)
  if (name !== ref.name) rule.match.why = `${rule.match.why}; matched by the name it is installed under, ${JSON.stringify(name)} (an npm: alias of ${ref.name})`
  const body = rule.kind === 'rule' ? policy.rules[rule.index]! : rule.kind === 'default' ? policy.default : undefined
  const denyIndex = policy.deny.findIndex((d) => matchPackageSpec(d.package, name, ref.version, { includePrerelease: true }))
  const denied = denyIndex === -1 ? undefined : { id: denyId(policy, denyIndex), reason: policy.deny[denyIndex]!.reason }
  const base = { name: ref.name, version: ref.version, integrity: ref.integrity, source: ref.source, registry: ref.registry, locations: ref.locations }
  const explanation = (result: PackageResult, checks: RequirementCheck[], exceptions: ExceptionUse[]): PackageExplanation => ({
    package: id,
    ...(name !== ref.name && { matchedAs: name }),
    policy: policy.source?.file ?? 'policy',
    rule: rule.match,
    mode: body?.mode ?? 'built-in',
    ...(denied ? { denied } : {}),
    checks,
    exceptions,
    result,
  })

  // A bundled package is inside its parent's tarball, which is what gets verified; a denied one still fails.
  if (ref.source === 'bundled') {
    if (!denied) return explanation({ ...base, rule: rule.match.id, decision: 'skipped', skipReason: bundledSkipReason(ref), findings: [] }, [], [])
    const findings = [deniedFinding(id, denied)]
    return explanation({ ...base, rule: denied.id, decision: decisionOf(findings), findings }, [], [])
  }

  // 2–3. Verification findings under the rule, then the rule's own checks.
  const { findings: verification, facts } = packageFindings(ref, outcome)
  let findings: DecidedFinding[]
  let checks: RequirementCheck[]
  if (!body) {
    findings = verification.map(decideDefault)
    checks = builtInChecks(facts)
  } else {
    const checked = checkRequirements(body, rule.match.id, id, facts)
    checks = checked.checks
    findings = [...verification, ...checked.findings].map((f) => decide(f, body, rule.match.id))
  }

  // 4. Exceptions.
  const exceptions: ExceptionUse[] = []
  policy.exceptions.forEach((exception, index) => {
    if (!matchPackageSpec(exception.package, name, ref.version)) return
    const use = applyException(exception, index, exceptionId(exception, index), id, findings, now)
    exceptions.push(use.use)
    if (use.expired) findings.push(use.expired)
  })

  // 5. Deny.
  if (denied) findings.unshift(deniedFinding(id, denied))

  const result: PackageResult = { ...base, rule: denied?.id ?? rule.match.id, decision: decisionOf(findings), findings, ...(facts ? { facts } : {}) }
  return explanation(result, checks, exceptions)
}

// ---------------------------------------------------------------------------------------------
// 1. Which rule decides.

type PickedRule = { kind: 'rule'; index: number; match: RuleMatch } | { kind: 'default' | 'built-in'; match: RuleMatch }

export function ruleId(policy: Policy, index: number): string {
  return `rules[${index}] (${policy.rules[index]!.packages.join(', ')})`
}

function denyId(policy: Policy, index: number): string {
  return `deny[${index}] (${policy.deny[index]!.package})`
}

function exceptionId(exception: PolicyException, index: number): string {
  return `exceptions[${index}] (${exception.package})`
}

function pickRule(policy: Policy, name: string, id: string): PickedRule {
  const selection = selectRule(policy.rules, name)
  if (selection.kind === 'ambiguous') throw ambiguityError(policy, selection.tied, id)
  const outranked = (others: RuleCandidate[]) => others.map((c) => ({ id: ruleId(policy, c.index), pattern: c.pattern, why: describeSpecificity(c.pattern) }))
  if (selection.kind === 'rule') {
    const { winner } = selection
    return {
      kind: 'rule',
      index: winner.index,
      match: { id: ruleId(policy, winner.index), kind: 'rule', pattern: winner.pattern, why: describeSpecificity(winner.pattern), outranked: outranked(selection.others) },
    }
  }
  if (policy.default) return { kind: 'default', match: { id: DEFAULT_RULE, kind: 'default', why: 'no rule matches', outranked: [] } }
  return {
    kind: 'built-in',
    match: { id: DEFAULT_RULE, kind: 'built-in', why: 'no rule matches and the policy has no `default`: the built-in default policy decides', outranked: [] },
  }
}

function ambiguityError(policy: Policy, tied: RuleCandidate[], id: string): PolicyError {
  const file = policy.source?.file ?? 'policy'
  const last = tied[tied.length - 1]!
  const path = `rules[${last.index}].packages[${policy.rules[last.index]!.packages.indexOf(last.pattern)}]`
  const position = policy.source?.positions[path] ?? { line: 0, column: 0 }
  const names = tied.map((c) => `rules[${c.index}] (${JSON.stringify(c.pattern)})`)
  return new PolicyError({
    file,
    path,
    line: position.line,
    column: position.column,
    reason: `${id} is matched equally specifically by ${names.join(' and ')}`,
    hint: 'make one pattern more specific (an exact name, or a longer literal text before the first `*`)',
    rules: tied.map((c) => c.index),
    package: id,
  })
}

// ---------------------------------------------------------------------------------------------
// 2. How a finding is decided under a rule.

function violationSeverity(mode: Mode): FindingSeverity {
  return mode === 'enforce' ? 'error' : mode === 'warn' ? 'warning' : 'info'
}

function requiresAnything(body: RuleBody): boolean {
  const r = body.require
  return r.signature || r.provenance || r.trustedPublisher || r.approver || body.publishers !== undefined || body.builds !== undefined
}

/** The severity of a finding under a rule; `violation` says whether it breaks one of the rule's requirements. */
export function severityUnder(code: FindingCode, body: RuleBody): { severity: FindingSeverity; violation: boolean } {
  if (VALIDITY_CODES.has(code)) return { severity: 'error', violation: false }
  const required = (() => {
    switch (code) {
      case 'SIGNATURE_MISSING':
      case 'SIGNATURE_UNSUPPORTED_BY_REGISTRY':
        return body.require.signature
      case 'PROVENANCE_MISSING':
        return body.require.provenance
      case 'UNVERIFIABLE_SOURCE':
        return requiresAnything(body)
      case 'PROVENANCE_IDENTITY_MISMATCH':
      case 'PUBLISHER_NOT_ALLOWED':
      case 'TRUSTED_PUBLISHER_MISSING':
      case 'APPROVER_MISSING':
        return true
      default:
        return undefined
    }
  })()
  // Codes the policy does not classify (DENIED, EXCEPTION_EXPIRED, codes added later) keep their registry severity.
  if (required === undefined) return { severity: FINDINGS[code].defaultSeverity, violation: false }
  if (!required) return { severity: 'info', violation: false }
  const severity = violationSeverity(body.mode)
  return { severity, violation: severity !== 'info' }
}

function decide(f: Finding, body: RuleBody, id: string): DecidedFinding {
  const { severity, violation } = severityUnder(f.code, body)
  // Say which rule made it a violation, unless the policy's own message already does.
  return { code: f.code, severity, message: violation && !f.message.includes(id) ? `${f.message} (required by ${id})` : f.message }
}

// ---------------------------------------------------------------------------------------------
// 3. The rule's requirements.

type CheckOutcome = Omit<RequirementCheck, 'requirement' | 'allowed'> & {
  /** The finding a violation raises, when the verification findings do not already show it. */
  raise?: Finding
}

function checkRequirements(body: RuleBody, id: string, pkg: string, facts: PackageFacts | undefined): { checks: RequirementCheck[]; findings: Finding[] } {
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
      code: signatureCode(status),
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

function signatureCode(status: string): FindingCode {
  switch (status) {
    case 'unsupported':
      return 'SIGNATURE_UNSUPPORTED_BY_REGISTRY'
    case 'invalid':
      return 'SIGNATURE_INVALID'
    case 'key-unknown':
      return 'SIGNATURE_KEY_UNKNOWN'
    case 'key-expired':
      return 'SIGNATURE_KEY_EXPIRED'
    default:
      return 'SIGNATURE_MISSING'
  }
}

function builtInChecks(facts: PackageFacts | undefined): RequirementCheck[] {
  if (!facts) return []
  return [
    { requirement: 'signature', status: facts.signature.status === 'verified' ? 'met' : 'violated', observed: facts.signature.status, allowed: 'a registry signature that verifies, where the registry publishes keys' },
    { requirement: 'provenance', status: facts.provenance.status === 'verified' ? 'met' : 'violated', observed: facts.provenance.status, allowed: 'optional, but an attestation that is present must verify (missing provenance warns)' },
  ]
}

function explainBuiltIn(ref: PackageRef, outcome: PackageOutcome): PackageExplanation {
  const result = evaluateDefaultPolicy(ref, outcome)
  return {
    package: `${ref.name}@${ref.version}`,
    policy: BUILT_IN_POLICY,
    rule: { id: DEFAULT_RULE, kind: 'built-in', why: 'no policy file: the built-in default policy decides', outranked: [] },
    mode: 'built-in',
    checks: ref.source === 'bundled' ? [] : builtInChecks(result.facts),
    exceptions: [],
    result,
  }
}

// ---------------------------------------------------------------------------------------------
// 4–5. Exceptions and deny.

/** From 00:00 UTC on its `expires` date an exception no longer applies. */
export function isExpired(exception: PolicyException, now: Date): boolean {
  return exception.expires !== undefined && now.getTime() >= Date.parse(`${exception.expires}T00:00:00Z`)
}

function applyException(exception: PolicyException, index: number, id: string, pkg: string, findings: DecidedFinding[], now: Date): { use: ExceptionUse; expired?: DecidedFinding } {
  const base = { id, index, package: exception.package, reason: exception.reason, ...(exception.expires ? { expires: exception.expires } : {}) }
  if (isExpired(exception, now)) {
    return {
      use: { ...base, status: 'expired', waived: [] },
      expired: {
        code: 'EXCEPTION_EXPIRED',
        severity: FINDINGS.EXCEPTION_EXPIRED.defaultSeverity,
        message: `${pkg}: ${id} expired on ${exception.expires} and no longer waives ${exception.allow.join(', ')}`,
      },
    }
  }
  const waived: FindingCode[] = []
  for (const f of findings) {
    // Only what the rule made a warning or an error needs waiving; info stays info.
    if (f.severity === 'info' || !(exception.allow as readonly string[]).includes(f.code)) continue
    f.severity = 'info'
    f.message = `${f.message} (waived by ${id}: ${exception.reason})`
    if (!waived.includes(f.code)) waived.push(f.code)
  }
  return { use: { ...base, status: waived.length > 0 ? 'applied' : 'nothing-to-waive', waived } }
}

function deniedFinding(pkg: string, denied: { id: string; reason: string }): DecidedFinding {
  return { code: 'DENIED', severity: 'error', message: `${pkg}: denied by ${denied.id}: ${denied.reason}` }
}

// ---------------------------------------------------------------------------------------------
// A whole run.

export interface RunPackage {
  ref: PackageRef
  outcome: PackageOutcome
}

/** An exception that did nothing in a run: stale policy the user should remove or fix. */
export interface UnusedException {
  index: number
  id: string
  package: string
  /** `no-match`: no package in the run matches it; `nothing-waived`: packages match, but none had a finding it lists. */
  reason: 'no-match' | 'nothing-waived'
  /** A one-line notice for the report. */
  message: string
}

export interface RunEvaluation {
  /** One result per package, in the order given. */
  packages: PackageResult[]
  unusedExceptions: UnusedException[]
}

/** Decides every package of a run and reports exceptions that did nothing. Throws PolicyError for an ambiguous policy. */
export function evaluateRun(policy: Policy | null, packages: readonly RunPackage[], now: Date): RunEvaluation {
  const used = new Map<number, 'matched' | 'used'>()
  const results = packages.map(({ ref, outcome }) => {
    const explanation = explainPackage(policy, ref, outcome, now)
    for (const use of [explanation, ...(explanation.alternatives ?? [])].flatMap((e) => e.exceptions)) {
      // An expired exception that matched is reported on those packages (EXCEPTION_EXPIRED), not as unused.
      if (use.status !== 'nothing-to-waive') used.set(use.index, 'used')
      else if (!used.has(use.index)) used.set(use.index, 'matched')
    }
    return explanation.result
  })
  const unusedExceptions: UnusedException[] = []
  policy?.exceptions.forEach((exception, index) => {
    const state = used.get(index)
    if (state === 'used') return
    const id = exceptionId(exception, index)
    unusedExceptions.push(
      state === undefined
        ? { index, id, package: exception.package, reason: 'no-match', message: `${id} matches no package in this run: remove it or fix the package spec` }
        : {
            index,
            id,
            package: exception.package,
            reason: 'nothing-waived',
            message: `${id} waived nothing in this run: no matching package has ${exception.allow.join(' or ')} as a warning or error any more`,
          },
    )
  })
  return { packages: results, unusedExceptions }
}
