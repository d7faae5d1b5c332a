/**
 * The policy file `verify-deps setup` writes: valid as is, deciding exactly like the built-in default
 * policy (it has no `default`), with commented examples of each section.
 */
export function starterPolicy(): string {
  return `# yaml-language-server: $schema=./node_modules/verify-deps/docs/policy.schema.json
# verify-deps trust policy: who may sign, build and publish this project's dependencies.
# Reference: node_modules/verify-deps/docs/policy.md
version: 1

# Packages no rule matches. Without a default section the built-in default policy decides them:
# registry signatures must verify, attestations that are present must verify, and missing
# provenance or a registry without signing keys only warns.
# default:
#   mode: warn                 # enforce | warn | off
#   require: { signature: true }

# The most specific rule for a package applies: an exact name beats a glob, a longer literal prefix
# beats a shorter one.
rules: []
#  - packages: ["@acme/*"]
#    mode: enforce
#    require:
#      provenance: true         # verified SLSA provenance
#      trustedPublisher: true   # published through npm trusted publishing (OIDC)
#    builds:                    # the provenance must match one entry
#      - repository: acme/*
#        repositoryId: "123456789"   # survives renames; defeats a re-registered name
#        workflow: .github/workflows/release.yml
#        ref: refs/tags/v*
#        runner: github-hosted
#    continuity:                # trust over time (docs/continuity.md); both warn by default
#      downgrade: enforce       # less verified than earlier versions of its release line: fail
#      identity: warn           # built by another pipeline than the previous release
#    minimumReleaseAge: 4d      # versions published less than 4 days ago fail (none by default)

# Waive specific finding codes for specific packages, with a reason and an expiry date.
exceptions: []
#  - package: "left-pad@1.3.0"
#    allow: [PROVENANCE_MISSING]
#    reason: "published before provenance existed"
#    expires: 2027-03-01

# Packages that always fail.
deny: []
#  - package: "event-stream@3.3.6"
#    reason: "compromised release"
`
}
