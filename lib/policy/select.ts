/**
 * Which rule decides a package: the most specific `rules` entry whose `packages` match its name, else
 * the policy's `default`, else the built-in default policy. Two equally specific rules are a policy
 * error, never a guess. Pure.
 */
import { BUILT_IN_POLICY } from './default.js'
import { PolicyFileError } from './errors.js'
import { describeSpecificity, selectRule, type RuleCandidate } from './match.js'
import type { Policy } from './types.js'

/** The id reports give the rule that decided when no `rules` entry did. */
export const DEFAULT_RULE = 'default'

export type RuleKind = 'rule' | 'default' | 'built-in'

export interface RuleMatch {
  /** The readable id the report shows: `rules[0] (@acme/*)`, `default`, `deny[1] (event-stream@3.3.6)`. */
  id: string
  kind: RuleKind
  /** For a rule: its index in `rules`. */
  index?: number
  /** For a rule: the pattern that matched. */
  pattern?: string
  /** Why this rule decides: `exact name`, `glob, literal prefix "@acme/" (6 characters)`, `no rule matches`. */
  why: string
  /** Rules that also match but are less specific. */
  outranked: { id: string; pattern: string; why: string }[]
}

/** `built-in`: the built-in default policy's `default` decides (no policy file, or no rule and no `default`). */
export type PickedRule = { kind: 'rule'; index: number; match: RuleMatch } | { kind: 'default' | 'built-in'; match: RuleMatch }

export function ruleId(policy: Policy, index: number): string {
  return `rules[${index}] (${policy.rules[index]!.packages.join(', ')})`
}

/** The rule for `name` (`id` is `name@version`, for the error). Throws PolicyFileError when two rules tie. */
export function pickRule(policy: Policy, name: string, id: string): PickedRule {
  const selection = selectRule(policy.rules, name)
  if (selection.kind === 'ambiguous') throw ambiguityError(policy, selection.tied, id)
  const outranked = (others: RuleCandidate[]) => others.map((c) => ({ id: ruleId(policy, c.index), pattern: c.pattern, why: describeSpecificity(c.pattern) }))
  if (selection.kind === 'rule') {
    const { winner } = selection
    return {
      kind: 'rule',
      index: winner.index,
      match: { id: ruleId(policy, winner.index), kind: 'rule', index: winner.index, pattern: winner.pattern, why: describeSpecificity(winner.pattern), outranked: outranked(selection.others) },
    }
  }
  if (policy === BUILT_IN_POLICY) return { kind: 'built-in', match: { id: DEFAULT_RULE, kind: 'built-in', why: 'no policy file: the built-in default policy decides', outranked: [] } }
  if (policy.default) return { kind: 'default', match: { id: DEFAULT_RULE, kind: 'default', why: 'no rule matches', outranked: [] } }
  return {
    kind: 'built-in',
    match: { id: DEFAULT_RULE, kind: 'built-in', why: 'no rule matches and the policy has no `default`: the built-in default policy decides', outranked: [] },
  }
}

function ambiguityError(policy: Policy, tied: RuleCandidate[], id: string): PolicyFileError {
  const file = policy.source?.file ?? 'policy'
  const last = tied[tied.length - 1]!
  const path = `rules[${last.index}].packages[${policy.rules[last.index]!.packages.indexOf(last.pattern)}]`
  const position = policy.source?.positions[path] ?? { line: 0, column: 0 }
  const names = tied.map((c) => `rules[${c.index}] (${JSON.stringify(c.pattern)})`)
  return new PolicyFileError({
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
