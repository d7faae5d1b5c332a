/**
 * Matching in the policy: globs, package specs (`name`, `name@version`, `name@range`) and which rule
 * is the most specific for a package. No regular expressions reach the policy author: a value is an
 * exact string or a glob where `*` matches any run of characters except `/` and `**` matches any run
 * including `/`. Every glob is anchored (it must match the whole value). Comparisons are
 * case-sensitive.
 */
import { requireCjs } from '../cjs.js'
import type SemverValidRange from 'semver/ranges/valid.js'
import type SemverValid from 'semver/functions/valid.js'
import type SemverSatisfies from 'semver/functions/satisfies.js'

// semver is loaded on first use, one function file each (its index loads 48 files, where a run uses
// a handful): a policy that names no version range, as the built-in default policy, never loads it
// (satisfies and its Range, Comparator and regular expressions take ~10 ms to load).
let semver: { validRange: typeof SemverValidRange; valid: typeof SemverValid; satisfies: typeof SemverSatisfies } | undefined
function semverFunctions(): NonNullable<typeof semver> {
  semver ??= {
    validRange: requireCjs('semver/ranges/valid.js') as typeof SemverValidRange,
    valid: requireCjs('semver/functions/valid.js') as typeof SemverValid,
    satisfies: requireCjs('semver/functions/satisfies.js') as typeof SemverSatisfies,
  }
  return semver
}

const compiled = new Map<string, RegExp>()

export function isGlob(pattern: string): boolean {
  return pattern.includes('*')
}

function globRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern)
  if (!re) {
    let source = '^'
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!
      if (c === '*') {
        if (pattern[i + 1] === '*') {
          source += '.*'
          while (pattern[i + 1] === '*') i++
        } else {
          source += '[^/]*'
        }
      } else {
        source += c.replace(/[\\^$.|?+()[\]{}-]/g, '\\$&')
      }
    }
    re = new RegExp(`${source}$`, 's')
    compiled.set(pattern, re)
  }
  return re
}

/**
 * Whether `value` matches `pattern` (exact, or glob). `value` is often attacker-controlled (a
 * repository name or ref from a certificate); the compiled expression only has `[^/]*` and `.*`
 * between literals, so its cost is polynomial in the short strings it sees.
 */
export function matchGlob(pattern: string, value: string): boolean {
  if (!isGlob(pattern)) return pattern === value
  return globRegExp(pattern).test(value)
}

/** The literal text before the first `*`: what makes a glob specific. */
export function literalPrefix(pattern: string): string {
  const star = pattern.indexOf('*')
  return star === -1 ? pattern : pattern.slice(0, star)
}

/** How specifically a pattern names a package: an exact name beats any glob; longer literal prefixes beat shorter. */
export interface Specificity {
  exact: boolean
  prefixLength: number
}

export function specificityOf(pattern: string): Specificity {
  return { exact: !isGlob(pattern), prefixLength: literalPrefix(pattern).length }
}

/** Positive when `a` is more specific than `b`, 0 when equally specific. */
export function compareSpecificity(a: Specificity, b: Specificity): number {
  if (a.exact !== b.exact) return a.exact ? 1 : -1
  return a.prefixLength - b.prefixLength
}

export function describeSpecificity(pattern: string): string {
  const s = specificityOf(pattern)
  return s.exact ? 'exact name' : `glob, literal prefix ${JSON.stringify(literalPrefix(pattern))} (${s.prefixLength} characters)`
}

export interface RuleCandidate {
  /** Index in `rules`. */
  index: number
  /** The rule's pattern that matched (its most specific one, when several do). */
  pattern: string
  specificity: Specificity
}

export type RuleSelection =
  | { kind: 'none' }
  | { kind: 'rule'; winner: RuleCandidate; others: RuleCandidate[] }
  /** Two or more rules match equally specifically: the policy is ambiguous for this package. */
  | { kind: 'ambiguous'; tied: RuleCandidate[]; others: RuleCandidate[] }

/** The rules matching a package name, most specific first; the winner is unique or the match is ambiguous. */
export function selectRule(rules: readonly { packages: readonly string[] }[], name: string): RuleSelection {
  const candidates: RuleCandidate[] = []
  rules.forEach((rule, index) => {
    let best: RuleCandidate | undefined
    for (const pattern of rule.packages) {
      if (!matchGlob(pattern, name)) continue
      const specificity = specificityOf(pattern)
      if (!best || compareSpecificity(specificity, best.specificity) > 0) best = { index, pattern, specificity }
    }
    if (best) candidates.push(best)
  })
  if (candidates.length === 0) return { kind: 'none' }
  candidates.sort((a, b) => compareSpecificity(b.specificity, a.specificity) || a.index - b.index)
  const top = candidates[0]!
  const tied = candidates.filter((c) => compareSpecificity(c.specificity, top.specificity) === 0)
  if (tied.length > 1) return { kind: 'ambiguous', tied, others: candidates.slice(tied.length) }
  return { kind: 'rule', winner: top, others: candidates.slice(1) }
}

/** A package spec as written in `exceptions` and `deny`: a name (or name glob), optionally `@version` or `@range`. */
export interface PackageSpec {
  name: string
  range?: string
}

/** Splits `name@range`; a scope's leading `@` is part of the name. Does not validate. */
export function splitPackageSpec(spec: string): PackageSpec {
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0)
  if (at === -1) return { name: spec }
  return { name: spec.slice(0, at), range: spec.slice(at + 1) }
}

/** What is wrong with a range, or undefined when semver accepts it. */
export function checkRange(range: string): string | undefined {
  if (range.trim() === '') return 'has an empty version range after "@"'
  return semverFunctions().validRange(range) === null ? `has ${JSON.stringify(range)}, which is not a version or semver range` : undefined
}

export interface MatchSpecOptions {
  /**
   * Let a range match prerelease versions inside it (semver's `includePrerelease`). On for `deny`
   * (a compromised `1.x` line includes `1.5.0-beta.1`: a deny is never narrower than written), off
   * for exceptions (a waiver is never wider than written).
   */
  includePrerelease?: boolean
}

/**
 * Whether `name@version` matches a spec. By default ranges use semver's ordinary rules: prerelease
 * versions match only ranges that name a prerelease of the same version.
 */
export function matchPackageSpec(spec: string, name: string, version: string, options: MatchSpecOptions = {}): boolean {
  const { name: pattern, range } = splitPackageSpec(spec)
  if (!matchGlob(pattern, name)) return false
  if (range === undefined) return true
  const { valid, satisfies } = semverFunctions()
  return valid(version) !== null && satisfies(version, range, { includePrerelease: options.includePrerelease === true })
}
