/**
 * `verify-deps explain --json` (docs/explain.schema.json): each explanation with its package entry as
 * `check --json` shows it. Apart from json.ts so that a check's JSON report does not load the
 * explanation's steps (policy/explain.ts). Pure.
 */
import type { PackageExplanation } from '../policy/evaluate.js'
import { toExplanationJson } from '../policy/explain.js'
import { stringifyJSON } from './describe.js'
import { toJsonPackage } from './json.js'

/**
 * Written by stringifyJSON like every JSON output, so no C1 control character from a registry or a
 * lockfile reaches a terminal unescaped.
 */
export function formatExplanationsJson(explanations: readonly PackageExplanation[]): string {
  return stringifyJSON({ explanations: explanations.map((e) => ({ package: toJsonPackage(e.result), ...toExplanationJson(e) })) }) + '\n'
}
