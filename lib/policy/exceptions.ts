/**
 * Policy exceptions: waiving listed finding codes for matching packages until an exception expires,
 * and, over a run, the exceptions that did nothing (stale policy). Pure.
 */
import { FINDINGS, type FindingCode } from '../findings.js'
import type { DecidedFinding } from '../model.js'
import type { Policy, PolicyException } from './types.js'

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

export function exceptionId(exception: PolicyException, index: number): string {
  return `exceptions[${index}] (${exception.package})`
}

/** From 00:00 UTC on its `expires` date an exception no longer applies. */
export function isExpired(exception: PolicyException, now: Date): boolean {
  return exception.expires !== undefined && now.getTime() >= Date.parse(`${exception.expires}T00:00:00Z`)
}

/**
 * Applies one matching exception to a package's decided findings (`pkg` is `name@version`): waived
 * findings become info, in place. An expired exception waives nothing and returns EXCEPTION_EXPIRED.
 */
export function applyException(exception: PolicyException, index: number, pkg: string, findings: DecidedFinding[], now: Date): { use: ExceptionUse; expired?: DecidedFinding } {
  const id = exceptionId(exception, index)
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

/** The exceptions of `policy` that waived nothing, given every use of an exception in the run. */
export function unusedExceptions(policy: Policy, uses: readonly ExceptionUse[]): UnusedException[] {
  const used = new Map<number, 'matched' | 'used'>()
  for (const use of uses) {
    // An expired exception that matched is reported on those packages (EXCEPTION_EXPIRED), not as unused.
    if (use.status !== 'nothing-to-waive') used.set(use.index, 'used')
    else if (!used.has(use.index)) used.set(use.index, 'matched')
  }
  const unused: UnusedException[] = []
  policy.exceptions.forEach((exception, index) => {
    const state = used.get(index)
    if (state === 'used') return
    const id = exceptionId(exception, index)
    unused.push(
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
  return unused
}
