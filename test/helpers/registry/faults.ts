/**
 * Fault injection: rules that make the registry misbehave for chosen paths, as real registries and
 * networks do (errors, rate limits, slowness, cut-off bodies, resets). A rule matches the raw request
 * path (no query) or its canonical form (`/@scope/name`), by exact path, prefix or regexp; it applies
 * `times` times or, without `times`, forever. One rule per request: the first active match, in the
 * order the rules were added.
 */
import { canonicalPath } from './routes.js'

export type FaultEffect =
  /** Respond with this status and a JSON error body instead of the real response (e.g. 404, 500). */
  | { type: 'status'; status: number }
  /** 429 Too Many Requests with `Retry-After: <seconds>`. */
  | { type: 'rate-limit'; retryAfterSeconds: number }
  /** Wait, then serve normally. */
  | { type: 'delay'; delayMs: number }
  /** Declare the full Content-Length, send `keepBytes` (default: half) of the body, then close. */
  | { type: 'truncate'; keepBytes?: number }
  /** Reset the connection (TCP RST) without responding. */
  | { type: 'reset' }

export type FaultType = FaultEffect['type']

export interface FaultMatcher {
  path?: string
  prefix?: string
  pattern?: RegExp
}

export type FaultRule = FaultMatcher & FaultEffect & { times?: number }

/** A rule in force, with its use so far. `remaining` is undefined for a rule without `times`. */
export interface ActiveFault {
  readonly rule: FaultRule
  remaining: number | undefined
  hits: number
}

export class FaultTable {
  readonly active: ActiveFault[] = []

  add(rule: FaultRule): ActiveFault {
    const matchers = [rule.path, rule.prefix, rule.pattern].filter((m) => m !== undefined)
    if (matchers.length !== 1) throw new Error('a fault rule needs exactly one of path, prefix, pattern')
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times > 0)) {
      throw new Error(`fault times must be a positive integer, got ${rule.times}`)
    }
    const fault: ActiveFault = { rule, remaining: rule.times, hits: 0 }
    this.active.push(fault)
    return fault
  }

  remove(fault: ActiveFault): void {
    const i = this.active.indexOf(fault)
    if (i >= 0) this.active.splice(i, 1)
  }

  clear(): void {
    this.active.length = 0
  }

  /** Takes one use of the first rule matching `rawPath`; exhausted rules are dropped. */
  take(rawPath: string): FaultEffect | undefined {
    const canonical = canonicalPath(rawPath)
    const fault = this.active.find((f) => matches(f.rule, rawPath) || (canonical !== null && matches(f.rule, canonical)))
    if (!fault) return undefined
    fault.hits++
    if (fault.remaining !== undefined && --fault.remaining === 0) this.remove(fault)
    return fault.rule
  }
}

function matches(rule: FaultMatcher, path: string): boolean {
  if (rule.path !== undefined) return path === rule.path
  if (rule.prefix !== undefined) return path.startsWith(rule.prefix)
  if (rule.pattern) {
    rule.pattern.lastIndex = 0 // a /g or /y regexp keeps state between test() calls
    return rule.pattern.test(path)
  }
  return false
}
