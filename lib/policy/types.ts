/**
 * A policy as the evaluator uses it: the validated document with defaults applied. Plain data, so
 * tests and callers can build one by hand; `source` is only there to point errors at the file.
 */
import type { FindingSeverity, RuleMode, WaivableCode } from '../findings.js'

export type Mode = RuleMode

export interface Requirements {
  signature: boolean
  provenance: boolean
  trustedPublisher: boolean
  approver: boolean
}

/** One allowed build; every field present must match. Values are exact strings or globs. */
export interface BuildPattern {
  issuer?: string
  repository?: string
  repositoryId?: string
  repositoryOwnerId?: string
  workflow?: string
  ref?: string
  runner?: string
  /** Any of. */
  trigger?: string[]
  visibility?: string
  signer?: string
}

/** The `continuity` section of a rule (docs/continuity.md): how a drop in trust or a change of build identity is decided. */
export interface ContinuityPolicy {
  /** TRUST_DOWNGRADE: error, warning, or not raised. Default `warn`. */
  downgrade: Mode
  /** IDENTITY_CHANGED: error, warning, or not raised. Default `warn`. */
  identity: Mode
  /** `YYYY-MM-DD`: versions published before 00:00 UTC that day are not history. */
  since?: string
}

export const DEFAULT_CONTINUITY: Readonly<ContinuityPolicy> = { downgrade: 'warn', identity: 'warn' }

export interface RuleBody {
  /** Trust over time; absent: DEFAULT_CONTINUITY. */
  continuity?: ContinuityPolicy
  /** `72h`, `4d` (model/trust.ts parseDuration): a version published more recently is RELEASE_TOO_NEW. */
  minimumReleaseAge?: string
  mode: Mode
  require: Requirements
  publishers?: string[]
  builds?: BuildPattern[]
  /** Severity of these (requirement) codes under the rule, instead of what `mode` and `require` make of them. */
  severity?: Partial<Record<WaivableCode, FindingSeverity>>
}

export interface Rule extends RuleBody {
  packages: string[]
}

export interface PolicyException {
  /** `name`, `name@version` or `name@range`. */
  package: string
  allow: WaivableCode[]
  reason: string
  /** `YYYY-MM-DD`: from 00:00 UTC that day the exception no longer applies. */
  expires?: string
}

/** The `installScripts` section: what a package whose install scripts npm will run must have verified. */
export interface InstallScriptsPolicy {
  mode: Mode
  require: { provenance: boolean; trustedPublisher: boolean }
}

export interface PolicyDenial {
  package: string
  reason: string
}

export interface SourcePosition {
  line: number
  column: number
}

export interface Policy {
  version: 1
  /** Applies when no rule matches; absent → the built-in default policy decides those packages. */
  default?: RuleBody
  rules: Rule[]
  exceptions: PolicyException[]
  deny: PolicyDenial[]
  /** Absent in a hand-built policy: DEFAULT_INSTALL_SCRIPTS_POLICY (lib/policy/install-scripts.ts). */
  installScripts?: InstallScriptsPolicy
  /** Where the policy came from, to point errors at it. */
  source?: {
    file: string
    /** Position of each value by document path (`rules[0]`, `rules[0].packages[1]`, …). */
    positions: Record<string, SourcePosition>
  }
}

export const DEFAULT_REQUIREMENTS: Readonly<Requirements> = { signature: true, provenance: false, trustedPublisher: false, approver: false }
export const DEFAULT_MODE: Mode = 'enforce'
