/**
 * The built-in default policy (docs/default-policy.md): an ordinary policy document, validated by
 * the same schema and decided by the same evaluator as a project's verify-deps.policy.yaml. It
 * decides every package of a project without a policy file, and the packages no rule matches in a
 * policy without `default`. Each finding it raises gets the finding registry's `defaultSeverity`
 * (test/policy/default.test.ts holds the two together). Pure.
 */
import type { Policy } from './types.js'

/** The name reports and `explain` give it. */
export const BUILT_IN_POLICY_NAME = 'built-in default policy'

export const BUILT_IN_POLICY_TEXT = `version: 1
default:
  # Registry signatures must verify where the registry publishes keys, and attestations that are
  # present must verify and name this package and these bytes (validity failures fail in every mode).
  mode: enforce
  require: { signature: true }
  severity:
    # A registry without signing keys only warns (a run whose packages nothing else verified is
    # still "could not verify", exit 3); so do missing provenance and a source that is not a registry.
    SIGNATURE_UNSUPPORTED_BY_REGISTRY: warning
    PROVENANCE_MISSING: warning
    UNVERIFIABLE_SOURCE: warning
  # Trust over time (docs/continuity.md): less verified than an earlier version of the same release
  # line, or built by another pipeline, warns. No minimumReleaseAge: new releases are not held back.
  continuity: { downgrade: warn, identity: warn }
`

/**
 * BUILT_IN_POLICY_TEXT as parsePolicy reads it, written out so that a run without a policy file
 * never loads the YAML parser; test/policy/default.test.ts checks that the two are equal.
 */
export const BUILT_IN_POLICY: Policy = {
  version: 1,
  default: {
    mode: 'enforce',
    require: {
      signature: true,
      provenance: false,
      trustedPublisher: false,
      approver: false,
    },
    severity: {
      SIGNATURE_UNSUPPORTED_BY_REGISTRY: 'warning',
      PROVENANCE_MISSING: 'warning',
      UNVERIFIABLE_SOURCE: 'warning',
    },
    continuity: { downgrade: 'warn', identity: 'warn' },
  },
  rules: [],
  exceptions: [],
  deny: [],
  installScripts: {
    mode: 'warn',
    require: {
      provenance: true,
      trustedPublisher: false,
    },
  },
  source: {
    file: BUILT_IN_POLICY_NAME,
    positions: {
      '': { line: 1, column: 1 },
      version: { line: 1, column: 10 },
      default: { line: 5, column: 3 },
      'default.mode': { line: 5, column: 9 },
      'default.require': { line: 6, column: 12 },
      'default.require.signature': { line: 6, column: 25 },
      'default.severity': { line: 10, column: 5 },
      'default.severity.SIGNATURE_UNSUPPORTED_BY_REGISTRY': { line: 10, column: 40 },
      'default.severity.PROVENANCE_MISSING': { line: 11, column: 25 },
      'default.severity.UNVERIFIABLE_SOURCE': { line: 12, column: 26 },
      'default.continuity': { line: 15, column: 15 },
      'default.continuity.downgrade': { line: 15, column: 28 },
      'default.continuity.identity': { line: 15, column: 44 },
    },
  },
}

/**
 * `verify-deps verify` without `--packument` has no registry data, so there is no registry signature
 * to check (signature status `not-checked`): it decides with the built-in document minus that one
 * requirement. Everything else is the built-in policy's, and a tarball that nothing verified is still
 * "could not verify" (lib/verify-tarball.ts), never a pass.
 */
export const BUILT_IN_POLICY_WITHOUT_REGISTRY_DATA: Policy = withoutSignatureRequirement(BUILT_IN_POLICY)

function withoutSignatureRequirement(policy: Policy): Policy {
  const body = policy.default!
  return {
    ...policy,
    default: { ...body, require: { ...body.require, signature: false } },
    source: { file: `${BUILT_IN_POLICY_NAME} (no registry data: no signature to require)`, positions: policy.source?.positions ?? {} },
  }
}
