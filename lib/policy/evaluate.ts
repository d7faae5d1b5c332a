/**
 * Policy evaluation: whether what is cryptographically true about a package (PackageFacts) is
 * allowed by the project's policy. Pure, and a package's outcome is a result, never an exception
 * (like ampel): the only error is a policy that decides a package two ways (PolicyFileError).
 *
 * For one package, in order, one module per step:
 *   1. pick the rule (select.ts): the most specific `rules` entry, else `default`, else the built-in
 *      default policy (for an `npm:` alias, under the real and the installed name: the stricter
 *      decision wins);
 *   2. decide each verification finding under that rule (severity.ts, from the finding registry);
 *   3. check the rule's requirements and raise a finding per violation (requirements.ts);
 *   4. the `installScripts` section: will npm run its install scripts, and was what that needs
 *      verified (install-scripts.ts); then the rule's `continuity` section and `minimumReleaseAge`:
 *      trust over time, from the package's PackageTrust when the check gathered one (continuity.ts);
 *   5. apply exceptions (exceptions.ts; an expired one raises EXCEPTION_EXPIRED instead);
 *   6. add DENIED when a deny entry matches (deny.ts);
 *   7. the decision (decision.ts).
 * `explainPackage` returns every step; `evaluatePolicy` its result, so `explain` cannot disagree
 * with the check.
 */
import type { PackageRef, PackageResult } from '../model.js'
import type { InstallScriptContext } from '../model/install-scripts.js'
import { trustLevelOf, type PackageTrust } from '../model/trust.js'
import { checkContinuity, trustSummaryOf, type ContinuityCheck } from './continuity.js'
import { continuityOf } from './continuity-settings.js'
import { bundledSkipReason, compareStrictness, decisionOf, packageFindings, type PackageOutcome } from './decision.js'
import { BUILT_IN_POLICY, BUILT_IN_POLICY_NAME } from './default.js'
import { deniedFinding, findDenial } from './deny.js'
import { checkInstallScripts, DEFAULT_INSTALL_SCRIPTS_POLICY, installScriptsOf } from './install-scripts.js'
import { applyException, unusedExceptions, type ExceptionUse, type UnusedException } from './exceptions.js'
import { matchPackageSpec } from './match.js'
import { checkRequirements, type RequirementCheck } from './requirements.js'
import { pickRule, type RuleMatch } from './select.js'
import { decideFinding } from './severity.js'
import { DEFAULT_MODE, DEFAULT_REQUIREMENTS, type InstallScriptsPolicy, type Mode, type Policy, type RuleBody } from './types.js'

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
  /**
   * Whether the deciding rule leaves a registry without signing keys unaccepted: its `severity` map
   * lowers SIGNATURE_UNSUPPORTED_BY_REGISTRY to a warning (as the built-in default policy does) —
   * reported, not accepted, so such a package that nothing else verified makes the run "could not
   * verify". A rule accepts a keyless registry with `require: { signature: false }`, `info`, `mode`.
   */
  keylessRegistryUnaccepted: boolean
  /** The policy's `installScripts` section that decided (the result is `result.installScripts`). */
  installScripts: InstallScriptsPolicy
  /** What the continuity step compared and concluded; absent when no PackageTrust was given (or a bundled package). */
  continuity?: ContinuityCheck
}

/** Never used: the built-in default policy has a `default` (a test holds it); here so a missing one fails closed. */
const DEFAULT_BODY: RuleBody = { mode: DEFAULT_MODE, require: DEFAULT_REQUIREMENTS }

/**
 * Decides one package under the built-in default policy (no policy file). The same as
 * `evaluatePolicy(null, …)`; kept for the library API.
 */
export function evaluateDefaultPolicy(ref: PackageRef, outcome: PackageOutcome): PackageResult {
  // The built-in default policy has no exceptions, so the time does not matter.
  return evaluatePolicy(null, ref, outcome, new Date(0))
}

/**
 * Decides one package. `policy: null` is the built-in default policy (no policy file). `trust`: the
 * package's trust over time (RunPackage.trust), when the check gathered it.
 */
export function evaluatePolicy(policy: Policy | null, ref: PackageRef, outcome: PackageOutcome, now: Date, scripts?: InstallScriptContext, trust?: PackageTrust): PackageResult {
  return explainPackage(policy, ref, outcome, now, scripts, trust).result
}

/**
 * Decides one package and says why, step by step (`verify-deps explain <name>`). A package installed
 * under an `npm:` alias is decided under its real name *and* each name it is installed under, and
 * the strictest decision wins: a rule for `@acme/*` cannot be met by another package installed as
 * `@acme/x`, and a rule for the real package is not escaped by installing it under another name.
 * `scripts` is the run's install-script context; without it (no project, e.g. a lone tarball)
 * install scripts are not evaluated. `trust` (RunPackage.trust): without it, trust over time is not
 * evaluated (no continuity findings).
 */
export function explainPackage(file: Policy | null, ref: PackageRef, outcome: PackageOutcome, now: Date, scripts?: InstallScriptContext, trust?: PackageTrust): PackageExplanation {
  const policy = file ?? BUILT_IN_POLICY
  const primary = explainAs(policy, ref, outcome, now, ref.name, scripts, trust)
  const aliases = [...new Set(ref.locations.map((l) => l.alias).filter((a): a is string => a !== undefined && a !== ref.name))]
  if (aliases.length === 0) return primary
  const all = [primary, ...aliases.map((alias) => explainAs(policy, ref, outcome, now, alias, scripts, trust))]
  const chosen = all.reduce((a, b) => (compareStrictness(b.result, a.result) > 0 ? b : a))
  return { ...chosen, alternatives: all.filter((e) => e !== chosen) }
}

/** Decides the package under the rules, deny entries and exceptions that match `name` (its real name or an alias). */
function explainAs(policy: Policy, ref: PackageRef, outcome: PackageOutcome, now: Date, name: string, scripts: InstallScriptContext | undefined, trust: PackageTrust | undefined): PackageExplanation {
  const id = `${ref.name}@${ref.version}`
  // 1. The rule.
  const rule = pickRule(policy, name, id)
  if (name !== ref.name) rule.match.why = `${rule.match.why}; matched by the name it is installed under, ${JSON.stringify(name)} (an npm: alias of ${ref.name})`
  // No rule and no `default`: the built-in default policy's `default` decides.
  const body = rule.kind === 'rule' ? policy.rules[rule.index]! : ((rule.kind === 'default' ? policy.default : BUILT_IN_POLICY.default) ?? DEFAULT_BODY)
  const denied = findDenial(policy, name, ref.version)
  const base = { name: ref.name, version: ref.version, integrity: ref.integrity, source: ref.source, registry: ref.registry, locations: ref.locations }
  // 4. Install scripts: decided by the `installScripts` section's mode (a rule's `severity` may still name the codes).
  const { findings: verification, facts } = packageFindings(ref, outcome)
  const section = policy.installScripts ?? DEFAULT_INSTALL_SCRIPTS_POLICY
  const installScripts = scripts ? installScriptsOf(ref, facts, scripts) : undefined
  const scriptFindings = checkInstallScripts(section, id, installScripts).map((f) => decideFinding(f, { ...body, mode: section.mode }, policy === BUILT_IN_POLICY ? undefined : 'installScripts'))
  // Optional members are added by assignment in their place, not spread in: a spread after the first
  // member of an object literal is a runtime call, several per package (~2 ms of a warm 1,000-package check).
  const withScripts = (r: PackageResult): PackageResult => {
    if (installScripts) r.installScripts = installScripts
    return r
  }
  const explanation = (result: PackageResult, checks: RequirementCheck[], exceptions: ExceptionUse[], continuity?: ContinuityCheck): PackageExplanation => {
    const e: PackageExplanation = { package: id } as PackageExplanation
    if (name !== ref.name) e.matchedAs = name
    e.policy = policy === BUILT_IN_POLICY ? BUILT_IN_POLICY_NAME : (policy.source?.file ?? 'policy')
    e.rule = rule.match
    e.mode = rule.kind === 'built-in' ? 'built-in' : body.mode
    if (denied) e.denied = denied
    e.checks = checks
    e.exceptions = exceptions
    e.result = result
    e.keylessRegistryUnaccepted = leavesKeylessRegistryUnaccepted(body)
    e.installScripts = section
    if (continuity) e.continuity = continuity
    return e
  }

  // A bundled package is inside its parent's tarball, which is what gets verified; a denied one still fails.
  // Its install scripts are its own, though, and nothing verified them (npm 11 runs them).
  if (ref.source === 'bundled') {
    if (!denied && scriptFindings.length === 0) return explanation(withScripts({ ...base, rule: rule.match.id, decision: 'skipped', skipReason: bundledSkipReason(ref), findings: [] }), [], [])
    const findings = [...(denied ? [deniedFinding(id, denied)] : []), ...scriptFindings]
    return explanation(withScripts({ ...base, rule: denied?.id ?? rule.match.id, decision: decisionOf(findings), findings }), [], [])
  }

  // 2–3. Verification findings under the rule, then the rule's own checks.
  const checked = checkRequirements(body, rule.match.id, id, facts)
  const checks = checked.checks
  // A violation names the policy rule that required it; the built-in default policy is no rule of the project's.
  const findings = [...[...verification, ...checked.findings].map((f) => decideFinding(f, body, rule.kind === 'built-in' ? undefined : rule.match.id)), ...scriptFindings]

  // 4b. Trust over time: the rule's continuity settings against the package's history, baseline and age.
  let continuity: ContinuityCheck | undefined
  // Settings are worked out only when needed: this runs for every package of a run.
  const ruleId = rule.kind === 'built-in' ? undefined : rule.match.id
  if (outcome.kind === 'fetch-failed') {
    // FETCH_FAILED already fails it, whatever its history: nothing of it verified to compare.
  } else if (trust) {
    const identity = facts?.provenance.status === 'verified' ? facts.provenance.identity : undefined
    const checkedContinuity = checkContinuity({ pkg: id, name: ref.name, version: ref.version, trust, settings: continuityOf(body), body, ruleId, identity, now })
    findings.push(...checkedContinuity.findings)
    continuity = checkedContinuity.check
  } else if (body.minimumReleaseAge !== undefined && ref.source === 'registry') {
    // Fail closed: a rule that asks for a minimum release age cannot pass a registry version whose
    // publish time was not gathered (no PackageTrust): its age cannot be established.
    const ageOnly = { downgrade: 'off', identity: 'off', minimumReleaseAge: body.minimumReleaseAge } as const
    const checkedAge = checkContinuity({ pkg: id, name: ref.name, version: ref.version, trust: { level: trustLevelOf(facts) }, settings: ageOnly, body, ruleId, identity: undefined, now })
    findings.push(...checkedAge.findings)
    continuity = checkedAge.check
  }

  // 5. Exceptions.
  const exceptions: ExceptionUse[] = []
  policy.exceptions.forEach((exception, index) => {
    if (!matchPackageSpec(exception.package, name, ref.version)) return
    const use = applyException(exception, index, id, findings, now)
    exceptions.push(use.use)
    if (use.expired) findings.push(use.expired)
  })

  // 6. Deny.
  if (denied) findings.unshift(deniedFinding(id, denied))

  // 7. The decision.
  const result: PackageResult = { ...base, rule: denied?.id ?? rule.match.id, decision: decisionOf(findings), findings }
  if (facts) result.facts = facts
  if (trust) result.trust = trustSummaryOf(trust)
  return explanation(withScripts(result), checks, exceptions, continuity)
}

// ---------------------------------------------------------------------------------------------
// A whole run.

export interface RunPackage {
  ref: PackageRef
  outcome: PackageOutcome
  /** Trust over time (docs/continuity.md): its level, history and trust-lockfile baseline; absent when not gathered. */
  trust?: PackageTrust
}

export interface RunEvaluation {
  /** One result per package, in the order given. */
  packages: PackageResult[]
  unusedExceptions: UnusedException[]
  /** The results whose deciding rule leaves a registry without keys unaccepted (PackageExplanation.keylessRegistryUnaccepted). */
  keylessRegistryUnaccepted: ReadonlySet<PackageResult>
  /** Notices about the run as a whole (HISTORY_UNAVAILABLE, reported once per run with its count and registries). */
  notices: string[]
}

/** The built-in default policy's own rule for keyless registries, and any rule that copies it. */
function leavesKeylessRegistryUnaccepted(body: RuleBody): boolean {
  return body.severity?.SIGNATURE_UNSUPPORTED_BY_REGISTRY === 'warning'
}

/** Decides every package of a run and reports exceptions that did nothing. Throws PolicyFileError for an ambiguous policy. */
export function evaluateRun(policy: Policy | null, packages: readonly RunPackage[], now: Date, scripts?: InstallScriptContext): RunEvaluation {
  // Each explanation is let go as soon as its result and exception uses are taken: at 10,000
  // packages, keeping every step of every package (checks, rule matches) at once costs tens of MB.
  const results: PackageResult[] = []
  const uses: ExceptionUse[] = []
  const keyless = new Set<PackageResult>()
  for (const { ref, outcome, trust } of packages) {
    const e = explainPackage(policy, ref, outcome, now, scripts, trust)
    results.push(e.result)
    if (policy) for (const each of [e, ...(e.alternatives ?? [])]) uses.push(...each.exceptions)
    if (e.keylessRegistryUnaccepted) keyless.add(e.result)
  }
  return {
    packages: results,
    unusedExceptions: policy ? unusedExceptions(policy, uses) : [],
    keylessRegistryUnaccepted: keyless,
    notices: [...historyUnavailableNotices(results), ...futureSinceNotices(policy, now)],
  }
}

/**
 * A `continuity.since` after the time of the check leaves no earlier version in the history: the
 * history check is off in all but name there. Allowed (a policy edit shows in review), but said once
 * per section in the run's notices, so that a CI log shows it too.
 */
function futureSinceNotices(policy: Policy | null, now: Date): string[] {
  if (!policy) return []
  const sections: Array<[string, RuleBody | undefined]> = [['default', policy.default], ...policy.rules.map((r, i): [string, RuleBody] => [`rules[${i}] (${r.packages.join(', ')})`, r])]
  return sections.flatMap(([where, body]) => {
    const since = body?.continuity?.since
    if (since === undefined || Date.parse(`${since}T00:00:00Z`) <= now.getTime()) return []
    return [`policy: ${where} continuity.since ${since} is after the time of the check (${now.toISOString()}): no earlier version is history there, so only the trust lockfile can show a downgrade or an identity change`]
  })
}

/**
 * HISTORY_UNAVAILABLE once per run: how many packages, from which registries. Each package still
 * carries its own finding; this is the line a reader of a 1,000-package report cannot miss.
 */
function historyUnavailableNotices(results: readonly PackageResult[]): string[] {
  const unavailable = results.filter((r) => r.findings.some((f) => f.code === 'HISTORY_UNAVAILABLE'))
  if (unavailable.length === 0) return []
  const registries = [...new Set(unavailable.map((r) => r.registry ?? 'unknown registry'))].sort()
  const count = unavailable.length === 1 ? '1 package' : `${unavailable.length} packages`
  return [`continuity: the registry gave no version history for ${count} (${registries.join(', ')}): trust downgrades and build-identity changes could only be checked against the trust lockfile, if any (HISTORY_UNAVAILABLE)`]
}
