/**
 * The policy's `deny` list: a matching package fails with DENIED in every mode, even a bundled one;
 * no exception waives it. A deny range also matches the prereleases inside it, so a deny is never
 * narrower than written. Pure.
 */
import type { DecidedFinding } from '../model.js'
import { matchPackageSpec } from './match.js'
import type { Policy } from './types.js'

export interface Denial {
  /** `deny[1] (event-stream@3.3.6)` */
  id: string
  reason: string
}

/** The first deny entry matching `name` at `version`, if any. */
export function findDenial(policy: Policy, name: string, version: string): Denial | undefined {
  const index = policy.deny.findIndex((d) => matchPackageSpec(d.package, name, version, { includePrerelease: true }))
  if (index === -1) return undefined
  const entry = policy.deny[index]!
  return { id: `deny[${index}] (${entry.package})`, reason: entry.reason }
}

export function deniedFinding(pkg: string, denied: Denial): DecidedFinding {
  return { code: 'DENIED', severity: 'error', message: `${pkg}: denied by ${denied.id}: ${denied.reason}` }
}
