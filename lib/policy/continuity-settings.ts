/**
 * The continuity settings that decide a package (docs/continuity.md): its rule's `continuity`
 * section, with defaults, and `minimumReleaseAge`. The check asks this before fetching history, so
 * that a package whose rule turns both checks off costs no extra request. Pure.
 */
import { BUILT_IN_POLICY } from './default.js'
import { pickRule } from './select.js'
import { DEFAULT_CONTINUITY, type ContinuityPolicy, type Policy, type RuleBody } from './types.js'

export interface ContinuitySettings extends ContinuityPolicy {
  minimumReleaseAge?: string
}

/** A rule body's continuity settings, defaults applied. */
export function continuityOf(body: RuleBody | undefined): ContinuitySettings {
  const settings: ContinuitySettings = { ...DEFAULT_CONTINUITY, ...body?.continuity }
  if (body?.minimumReleaseAge !== undefined) settings.minimumReleaseAge = body.minimumReleaseAge
  return settings
}

/**
 * The settings for package `name` at `version` under `file` (null: the built-in default policy),
 * from the rule that decides it (rule, else `default`, else the built-in default's `default`).
 */
export function continuitySettings(file: Policy | null, name: string, version: string): ContinuitySettings {
  const policy = file ?? BUILT_IN_POLICY
  const rule = pickRule(policy, name, `${name}@${version}`)
  const body = rule.kind === 'rule' ? policy.rules[rule.index] : rule.kind === 'default' ? policy.default : BUILT_IN_POLICY.default
  return continuityOf(body)
}

/** Whether the package's history is needed at all: downgrade or identity checks are on. */
export function wantsHistory(settings: ContinuitySettings): boolean {
  return settings.downgrade !== 'off' || settings.identity !== 'off'
}
