/**
 * The built-in default policy (docs/default-policy.md): an ordinary policy document, validated by
 * the same schema and decided by the same evaluator as a project's verify-deps.policy.yaml. It
 * decides every package of a project without a policy file, and the packages no rule matches in a
 * policy without `default`. Each finding it raises gets the finding registry's `defaultSeverity`
 * (test/policy/default.test.ts holds the two together). Pure.
 */
import { parsePolicy } from './parse.js'
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
`

function builtInPolicy(): Policy {
  const parsed = parsePolicy(BUILT_IN_POLICY_TEXT, BUILT_IN_POLICY_NAME)
  if (!parsed.ok) throw parsed.errors[0]!
  return parsed.policy
}

export const BUILT_IN_POLICY: Policy = builtInPolicy()

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
