/**
 * The one home of "explain": why the policy decided a package the way it did.
 * - `formatExplanation`: plain text for `verify-deps explain <name>` — which rule decided and why,
 *   each requirement with what was observed and what is allowed, exceptions, the findings;
 * - `toExplanationJson`: the same as data, for `verify-deps explain --json` (docs/explain.schema.json);
 * - `describeRule`: a rule in plain words, for the demo's account of its report.
 * Pure; the CLI writes it (and may colour it).
 */
import { BUILT_IN_POLICY_NAME } from './default.js'
import type { PackageExplanation } from './evaluate.js'
import type { ContinuityCheck } from './continuity.js'
import type { ExceptionUse } from './exceptions.js'
import type { RequirementCheck } from './requirements.js'
import type { RuleMatch } from './select.js'
import type { BuildPattern, InstallScriptsPolicy, Policy, RuleBody } from './types.js'

const MARK: Record<RequirementCheck['status'], string> = {
  met: 'ok',
  violated: 'NO',
  'not-required': '-',
  'not-checked': 'off',
  unknown: '?',
}

/** Where a package is installed are listed up to this many; the rest are counted. */
export const DEFAULT_MAX_WHY_PATHS = 10

export function formatExplanation(e: PackageExplanation): string {
  const r = e.result
  const lines: string[] = [`${e.package}: ${r.decision}${r.skipReason ? ` (${r.skipReason})` : ''}`]
  lines.push(...formatWhyPaths(r.locations))
  lines.push(`  policy      ${e.policy}`)
  lines.push(`  rule        ${e.rule.id}: ${e.rule.pattern ? `${JSON.stringify(e.rule.pattern)}, ` : ''}${e.rule.why}`)
  for (const o of e.rule.outranked) lines.push(`              also matches, less specific: ${o.id}: ${JSON.stringify(o.pattern)}, ${o.why}`)
  if (e.matchedAs) lines.push(`  alias       installed as ${e.matchedAs}: decided by the rules for that name, the stricter`)
  for (const a of e.alternatives ?? []) {
    lines.push(`  also as     ${a.matchedAs ?? a.package}: ${a.rule.id} -> ${a.result.decision} (less strict, not used)`)
  }
  lines.push(`  mode        ${e.mode}`)
  if (e.denied) lines.push(`  denied      ${e.denied.id}: ${e.denied.reason}`)

  if (e.checks.length > 0) {
    lines.push('  checks')
    const width = Math.max(...e.checks.map((c) => c.requirement.length))
    for (const c of e.checks) {
      const code = c.code && c.status === 'violated' ? ` -> ${c.code}` : ''
      lines.push(`    ${MARK[c.status].padEnd(3)} ${c.requirement.padEnd(width)}  observed: ${c.observed}; allowed: ${c.allowed}${code}`)
      for (const b of c.builds ?? []) {
        lines.push(`          builds[${b.entry}] ${b.matched ? 'matches' : 'does not match'}`)
        for (const f of b.fields) {
          const observed = f.observed === undefined ? '(not stated)' : JSON.stringify(f.observed)
          lines.push(`            ${(f.matched ? 'ok' : 'NO').padEnd(3)}${f.field}${f.implicit ? ' (implicit)' : ''}: ${observed}, allowed ${f.implicit ? f.allowed : JSON.stringify(f.allowed)}`)
        }
      }
    }
  }

  const scripts = r.installScripts
  if (scripts) {
    const needs = Object.entries(e.installScripts.require).filter(([, on]) => on).map(([what]) => what)
    lines.push(`  scripts     ${scripts.willRun ? 'will run' : 'will not run'}: ${scripts.reason}`)
    lines.push(`              allowScripts: ${scripts.allowScripts}${scripts.matched.length ? ` (${scripts.matched.join(', ')})` : ''}${scripts.pinnedElsewhere.length ? `; approved only for ${scripts.pinnedElsewhere.join(', ')}` : ''}`)
    lines.push(`              installScripts: mode ${e.installScripts.mode}, requires ${needs.length ? needs.join(', ') : 'nothing'}; verified: provenance ${scripts.verified.provenance ? 'yes' : 'no'}, trusted publisher ${scripts.verified.trustedPublisher ? 'yes' : 'no'}`)
  }

  if (e.continuity) {
    // Trust over time: what was compared and concluded, also when nothing was found.
    lines.push(`  continuity  ${e.continuity.settings}`)
    for (const c of e.continuity.compared) lines.push(`              ${c}`)
    if (e.continuity.compared.length === 0) lines.push('              nothing to check')
  }

  if (e.exceptions.length > 0) {
    lines.push('  exceptions')
    for (const x of e.exceptions) {
      const what = x.status === 'applied' ? `waived ${x.waived.join(', ')}` : x.status === 'expired' ? `expired on ${x.expires}` : 'matched, nothing to waive'
      lines.push(`    ${x.id}: ${what} (${x.reason})`)
    }
  }

  lines.push('  findings')
  if (r.findings.length === 0) lines.push('    none')
  for (const f of r.findings) lines.push(`    ${f.severity.padEnd(7)} ${f.code}: ${f.message}`)
  return lines.join('\n') + '\n'
}

/**
 * Each place the package is installed and the chain of dependents that brings it in, whole (as
 * `npm explain` prints it), with the name it is installed under when that is an `npm:` alias.
 */
function formatWhyPaths(locations: PackageExplanation['result']['locations']): string[] {
  const lines = locations.slice(0, DEFAULT_MAX_WHY_PATHS).map((l, i) => {
    const path = l.extraneous || l.why.length === 0 ? 'extraneous: nothing depends on it' : l.why.join(' → ')
    const kinds = [l.dev && 'dev', l.optional && 'optional', l.peer && 'peer'].filter(Boolean).join(', ')
    const notes = [l.alias !== undefined && `installed as ${l.alias}`, `at ${l.path}`, kinds].filter(Boolean).join(', ')
    return `  ${i === 0 ? 'why        ' : '           '} ${path}  (${notes})`
  })
  const more = locations.length - DEFAULT_MAX_WHY_PATHS
  if (more > 0) lines.push(`             … ${more} more ${more === 1 ? 'location' : 'locations'} (explain --json lists them all)`)
  return lines
}

/** An explanation as data, without the package's own report entry (the CLI adds it, as `check --json` shows it). */
export interface ExplanationJson {
  /** The policy file that decided, or null for the built-in default policy. */
  policy: string | null
  rule: RuleMatch
  /** `enforce`, `warn`, `off`, or `built-in` when the built-in default policy decided. */
  mode: string
  /** For a package installed under an `npm:` alias: the installed name that decided, else null. */
  matchedAs: string | null
  denied: { id: string; reason: string } | null
  checks: RequirementCheck[]
  exceptions: ExceptionUse[]
  /** For an aliased package: the decisions under its other names, which were less strict. */
  alternatives: { matchedAs: string | null; rule: string; decision: string }[]
  /** The policy's `installScripts` section that decided the install-script findings. */
  installScripts: InstallScriptsPolicy
  /** What the continuity step compared and concluded; null when no trust was gathered. */
  continuity: ContinuityCheck | null
}

export function toExplanationJson(e: PackageExplanation): ExplanationJson {
  return {
    policy: e.policy === BUILT_IN_POLICY_NAME ? null : e.policy,
    rule: e.rule,
    mode: e.mode,
    matchedAs: e.matchedAs ?? null,
    denied: e.denied ?? null,
    checks: e.checks,
    exceptions: e.exceptions,
    alternatives: (e.alternatives ?? []).map((a) => ({ matchedAs: a.matchedAs ?? null, rule: a.result.rule, decision: a.result.decision })),
    installScripts: { mode: e.installScripts.mode, require: { provenance: e.installScripts.require.provenance, trustedPublisher: e.installScripts.require.trustedPublisher } },
    continuity: e.continuity ? { settings: e.continuity.settings, compared: [...e.continuity.compared] } : null,
  }
}

/** The body of the rule a report names (`rules[N] (…)` or `default`); undefined for the built-in default policy. */
export function ruleBodyOf(policy: Policy | null, ruleId: string): RuleBody | undefined {
  const index = /^rules\[(\d+)\]/.exec(ruleId)?.[1]
  return index !== undefined ? policy?.rules[Number(index)] : policy?.default
}

/** `enforce; requires signature, provenance; builds from repository demo-org/*, …`, for `rules[N] (…)` or `default`. */
export function describeRule(policy: Policy | null, ruleId: string): string {
  const body = ruleBodyOf(policy, ruleId)
  if (!body) return 'the built-in default policy (a registry signature is required)'
  const required = Object.entries(body.require).filter(([, on]) => on).map(([what]) => what)
  const parts = [`mode ${body.mode}`, `requires ${required.length > 0 ? required.join(', ') : 'nothing'}`]
  if (body.builds?.length) parts.push(`builds only from ${body.builds.map(describeBuild).join('; or ')}`)
  if (body.publishers?.length) parts.push(`published only by ${body.publishers.join(', ')}`)
  // Trust over time, when the rule sets it (otherwise the defaults: both warn).
  if (body.continuity) parts.push(`continuity: downgrade ${body.continuity.downgrade}, identity ${body.continuity.identity}${body.continuity.since ? `, history since ${body.continuity.since}` : ''}`)
  if (body.minimumReleaseAge) parts.push(`releases at least ${body.minimumReleaseAge} old`)
  return parts.join('; ')
}

function describeBuild(build: BuildPattern): string {
  return Object.entries(build)
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => `${field} ${Array.isArray(value) ? value.join(' | ') : String(value)}`)
    .join(', ')
}
