/**
 * The one registry of finding codes. A finding is data about one package; its code is stable
 * public contract (JSON reports, SARIF rule ids, policy exceptions). The text report, SARIF rules
 * and docs/findings.md are all generated from this table.
 */

export type FindingSeverity = 'error' | 'warning' | 'info'

/** Which piece of evidence a finding is about. */
export type EvidenceKind = 'integrity' | 'signature' | 'provenance' | 'publish' | 'publisher' | 'source'

/** A policy rule's mode (lib/policy): how much a requirement that is not met matters. */
export type RuleMode = 'enforce' | 'warn' | 'off'

/**
 * What makes a finding count under a policy rule:
 * - `always`: decided the same in every mode, whatever the rule requires (validity failures, deny);
 * - `signature` / `provenance`: a violation when the rule's `require.signature` / `require.provenance` is on;
 * - `anything`: a violation when the rule requires anything at all (a non-registry source can meet nothing);
 * - `rule`: raised only by one of the rule's own requirements (`builds`, `publishers`, …), so always a violation;
 * - `installScripts`: raised only by the policy's `installScripts` section, whose `mode` decides it;
 * - `continuity`: raised only by the rule's `continuity` section (trust over time, docs/continuity.md),
 *   decided by that section's own mode (`continuity.downgrade` / `continuity.identity`), not `mode`.
 */
export type RequiredBy = 'always' | 'signature' | 'provenance' | 'anything' | 'rule' | 'installScripts' | 'continuity'

/** How the policy treats a finding code. */
export interface FindingPolicy {
  requiredBy: RequiredBy
  /** Its severity per rule mode when the rule requires it (a finding the rule does not require is info). */
  severity: Readonly<Record<RuleMode, FindingSeverity>>
  /** Whether a policy exception may list it in `allow`. */
  waivable: boolean
  /** For a code that cannot be waived: why, and what to do instead (the policy schema's error). */
  notWaivable?: string
}

export interface FindingDefinition {
  /** One-line title. */
  title: string
  /** Which evidence it concerns. */
  evidence: EvidenceKind
  /**
   * Severity under the built-in default policy (lib/policy/default.ts, which a test holds to this).
   * Cryptographic failures are always errors: a broken signature is never only a warning.
   */
  defaultSeverity: FindingSeverity
  /** How a policy rule decides it. */
  policy: FindingPolicy
  /** What it means, for docs and SARIF help. */
  description: string
  /** What would fix it. */
  fix: string
}

const ERROR_IN_EVERY_MODE = { enforce: 'error', warn: 'error', off: 'error' } as const

/**
 * Validity failures (a broken signature, an attestation about another artifact, bytes that do not
 * match) and evidence that could not be fetched: errors in every mode, never waivable. A broken
 * signature is never only a warning.
 */
const VALIDITY = {
  requiredBy: 'always',
  severity: ERROR_IN_EVERY_MODE,
  waivable: false,
  notWaivable: 'validity failures and unfetchable evidence always fail',
} as const satisfies FindingPolicy

/** The lockfile binds the package to other bytes, another source or another name than was verified. */
const BINDING = {
  requiredBy: 'always',
  severity: ERROR_IN_EVERY_MODE,
  waivable: false,
  notWaivable: 'the lockfile binds the package to another source, name or tarball origin than was verified; fix the lockfile instead',
} as const satisfies FindingPolicy

const DENY = { requiredBy: 'always', severity: ERROR_IN_EVERY_MODE, waivable: false, notWaivable: 'remove the deny entry instead' } as const satisfies FindingPolicy

const EXPIRY = {
  requiredBy: 'always',
  severity: { enforce: 'warning', warn: 'warning', off: 'warning' },
  waivable: false,
  notWaivable: 'renew the expired exception instead',
} as const satisfies FindingPolicy

/** Information the policy cannot raise or waive: info in every mode. */
const INFORMATION = {
  requiredBy: 'always',
  severity: { enforce: 'info', warn: 'info', off: 'info' },
  waivable: false,
  notWaivable: 'it is information only and never counts',
} as const satisfies FindingPolicy

/**
 * History the registry did not give: info, except under `continuity.downgrade: enforce` (or
 * `identity: enforce`) without a trust-lockfile baseline that can stand in (lib/policy/continuity.ts
 * decides it with that mode), when nothing at all could show a downgrade (or an identity change): a
 * warning, never a pass in silence.
 */
const HISTORY = {
  requiredBy: 'continuity',
  severity: { enforce: 'warning', warn: 'info', off: 'info' },
  waivable: true,
} as const satisfies FindingPolicy

/** A requirement not met: the rule's mode decides how much it matters, and an exception may waive it. */
function requirement<R extends Exclude<RequiredBy, 'always'>>(requiredBy: R) {
  return { requiredBy, severity: { enforce: 'error', warn: 'warning', off: 'info' }, waivable: true } as const satisfies FindingPolicy
}

export const FINDINGS = {
  INTEGRITY_MISMATCH: {
    title: 'Lockfile integrity differs from the registry',
    evidence: 'integrity',
    defaultSeverity: 'error',
    policy: VALIDITY,
    description:
      "The integrity the project will install (from its lockfile) is not the registry's dist.integrity for this version. Signatures and attestations are checked against the lockfile's integrity, so they cannot vouch for it.",
    fix: 'Regenerate the lockfile entry (`npm install --package-lock-only`) and review why it changed.',
  },
  INTEGRITY_MISSING: {
    title: 'No integrity to verify against',
    evidence: 'integrity',
    defaultSeverity: 'error',
    policy: VALIDITY,
    description:
      "The lockfile records no integrity for this registry package, so `npm ci` would install whatever its `resolved` URL serves, unchecked: nothing binds the evidence to the bytes that will be installed. The registry's integrity is not used in its place, and `--fetch-tarballs` cannot help (a download now says nothing about the one npm makes later).",
    fix: 'Refresh the lockfile entry (`npm install --package-lock-only` with npm 7 or later records sha512 integrities) and review the change.',
  },
  TARBALL_INTEGRITY_MISMATCH: {
    title: 'Tarball bytes do not match the integrity',
    evidence: 'integrity',
    defaultSeverity: 'error',
    policy: VALIDITY,
    description: 'The tarball that was read does not hash to the integrity being verified: it was altered or replaced.',
    fix: 'Do not install this tarball; fetch it again from the registry and investigate the source of the altered copy.',
  },
  INTEGRITY_WEAK: {
    title: 'Lockfile integrity is not a sha512',
    evidence: 'integrity',
    defaultSeverity: 'error',
    policy: VALIDITY,
    description:
      "The lockfile's integrity has no sha512 (only sha1, sha256 or sha384, as old npm versions wrote), or is not an SRI string npm's ssri can check (`SHA512-…`, garbage). `npm ci` checks the tarball against that integrity only, while registry signatures and attestations are about the sha512, so they cannot vouch for what will be installed. With `--fetch-tarballs`, verify-deps downloads the tarball from the lockfile's `resolved` URL on the configured registry and passes the entry only if the bytes hash both to the lockfile's integrity and to the registry's signed sha512 (not for md5 or an unparsable integrity).",
    fix: 'Refresh the lockfile entry so it records the sha512 integrity (`npm install --package-lock-only`, npm 7 or later) and review the change, or run with `--fetch-tarballs`.',
  },
  INTEGRITY_AMBIGUOUS: {
    title: 'Lockfile integrity lists several digests',
    evidence: 'integrity',
    defaultSeverity: 'error',
    policy: VALIDITY,
    description:
      "The lockfile's integrity lists several different digests for the algorithm npm checks (`sha512-A sha512-B`). npm accepts a tarball matching any of them, so a verdict about one digest says nothing about the tarball npm will install; no download can settle which one it will get.",
    fix: 'Refresh the lockfile entry (`npm install --package-lock-only`) so it records the one sha512 the registry publishes, and review why it listed several.',
  },
  SIGNATURE_MISSING: {
    title: 'Registry signature missing',
    evidence: 'signature',
    defaultSeverity: 'error',
    policy: requirement('signature'),
    description: 'The registry publishes signing keys but this version carries no signature (dist.signatures).',
    fix: 'Check that the package comes from the registry you expect; ask the registry operator why the version is unsigned.',
  },
  SIGNATURE_INVALID: {
    title: 'Registry signature invalid',
    evidence: 'signature',
    defaultSeverity: 'error',
    policy: VALIDITY,
    description:
      'The registry signature does not verify over `${name}@${version}:${integrity}` with the registry key it names: the version data or the integrity were altered.',
    fix: 'Do not install this version; compare the lockfile integrity with the registry and report the mismatch.',
  },
  SIGNATURE_KEY_UNKNOWN: {
    title: 'Signed by an unknown registry key',
    evidence: 'signature',
    defaultSeverity: 'error',
    policy: VALIDITY,
    description: 'The version is signed with a key id that is not among the registry keys verify-deps trusts.',
    fix: 'Refresh the trust material (run online, or pass --registry-keys with the current keys).',
  },
  SIGNATURE_KEY_EXPIRED: {
    title: 'Signed with a key that was not valid at publish time',
    evidence: 'signature',
    defaultSeverity: 'error',
    policy: VALIDITY,
    description:
      'The signing key had expired (or was not yet valid) when the version was published, or the publish time is unknown for a key that expires.',
    fix: 'Investigate the version: a signature made after its key expired is not trustworthy.',
  },
  SIGNATURE_UNSUPPORTED_BY_REGISTRY: {
    title: 'Registry does not sign packages',
    evidence: 'signature',
    defaultSeverity: 'warning',
    policy: requirement('signature'),
    description: 'The registry this package comes from publishes no signing keys, so its versions cannot be signature-checked.',
    fix: 'Use a registry that signs packages, or accept the risk for this registry in your policy.',
  },
  ATTESTATION_INVALID: {
    title: 'Attestation invalid',
    evidence: 'provenance',
    defaultSeverity: 'error',
    policy: VALIDITY,
    description:
      'An attestation bundle failed verification: certificate chain, transparency-log proof, signature, statement format, or a disagreement between the certificate and the signed predicate.',
    fix: 'Do not install this version; report the broken attestation to the package maintainers.',
  },
  ATTESTATION_SUBJECT_MISMATCH: {
    title: 'Attestation is about another artifact',
    evidence: 'provenance',
    defaultSeverity: 'error',
    policy: VALIDITY,
    description:
      'The attestation verifies, but its subject names another package or version, or its sha512 is not the integrity being verified.',
    fix: 'Do not install this version: its attestation belongs to a different artifact.',
  },
  ATTESTATION_MISSING: {
    title: 'Advertised attestation missing',
    evidence: 'provenance',
    defaultSeverity: 'error',
    policy: VALIDITY,
    description:
      'The registry advertises attestations for this version (dist.attestations) but they were absent, incomplete or could not be fetched.',
    fix: 'Retry; if it persists, report it to the registry operator.',
  },
  PROVENANCE_MISSING: {
    title: 'No provenance',
    evidence: 'provenance',
    defaultSeverity: 'warning',
    policy: requirement('provenance'),
    description: 'The version has no SLSA provenance: nothing says which source and build produced it.',
    fix: 'Ask the maintainers to publish with provenance (npm publish --provenance or trusted publishing).',
  },
  UNVERIFIABLE_SOURCE: {
    title: 'Not from a registry',
    evidence: 'source',
    defaultSeverity: 'warning',
    policy: requirement('anything'),
    description:
      'The package comes from git, a local file or link, or a remote tarball URL: there is no registry signature or attestation to check.',
    fix: 'Depend on a published registry version, or accept this source in your policy.',
  },
  INSTALLED_MISMATCH: {
    title: 'Installed package differs from the lockfile',
    evidence: 'integrity',
    defaultSeverity: 'error',
    policy: VALIDITY,
    description:
      'With --installed: the package.json on disk at this location does not name the package and version the lockfile records there (or one of them is missing), so what was verified is not what is installed.',
    fix: 'Reinstall from the lockfile (`npm ci`) and investigate what changed node_modules.',
  },
  FETCH_FAILED: {
    title: 'Evidence could not be fetched',
    evidence: 'source',
    defaultSeverity: 'error',
    policy: VALIDITY,
    description:
      'The registry did not deliver the version data or attestations for this package (network error, timeout, HTTP error, malformed response): it could not be verified, which is never a pass.',
    fix: 'Check registry access and credentials, then run again.',
  },
  PROVENANCE_IDENTITY_MISMATCH: {
    title: 'Built by a pipeline the policy does not allow',
    evidence: 'provenance',
    defaultSeverity: 'error',
    policy: requirement('rule'),
    description:
      "The provenance verifies, but the signer identity read from its certificate and signed predicate (issuer, repository, repository id, workflow, ref, runner, trigger, signing workflow) matches none of the policy rule's `builds` entries. Raised only by a policy file: an error under `mode: enforce`, a warning under `warn`.",
    fix: 'Check who built this version; if the new pipeline is legitimate, add it to the rule\'s `builds` in the policy.',
  },
  PUBLISHER_NOT_ALLOWED: {
    title: 'Published by an account the policy does not allow',
    evidence: 'publisher',
    defaultSeverity: 'error',
    policy: requirement('rule'),
    description:
      "The npm account in the registry's `_npmUser.name` is not among the rule's `publishers`. This is unsigned registry metadata. Raised only by a policy file: an error under `mode: enforce`, a warning under `warn`.",
    fix: 'Check who published this version; if the account is legitimate, add it to the rule\'s `publishers`.',
  },
  TRUSTED_PUBLISHER_MISSING: {
    title: 'Not published through a trusted publisher',
    evidence: 'publisher',
    defaultSeverity: 'error',
    policy: requirement('rule'),
    description:
      "The rule requires trusted publishing (`require.trustedPublisher`) but the registry metadata has no `_npmUser.trustedPublisher`: the version was published with a token, not through OIDC. Raised only by a policy file.",
    fix: 'Ask the maintainers to publish through npm trusted publishing, or relax the rule for this package.',
  },
  APPROVER_MISSING: {
    title: 'Publish not approved by a human',
    evidence: 'publisher',
    defaultSeverity: 'error',
    policy: requirement('rule'),
    description:
      "The rule requires a staged publish approved by a human (`require.approver`) but the registry metadata has no `_npmUser.approver`. Raised only by a policy file.",
    fix: 'Ask the maintainers to use staged publishing with approval, or relax the rule for this package.',
  },
  DENIED: {
    title: 'Denied by the policy',
    evidence: 'source',
    defaultSeverity: 'error',
    policy: DENY,
    description: "The package matches an entry of the policy's `deny` list. A denied package always fails, whatever the rule's mode; no exception can waive it.",
    fix: 'Remove or replace the dependency (update to a version the deny entry does not match).',
  },
  EXCEPTION_EXPIRED: {
    title: 'Policy exception expired',
    evidence: 'source',
    defaultSeverity: 'warning',
    policy: EXPIRY,
    description:
      'A policy exception matching this package has passed its `expires` date, so it no longer waives anything: the findings it listed are decided by the rule again.',
    fix: 'Fix the underlying findings, or review the exception and give it a new `expires` date.',
  },
  SOURCE_MISMATCH: {
    title: 'Lockfile installs a registry dependency from elsewhere',
    evidence: 'source',
    defaultSeverity: 'error',
    policy: BINDING,
    description:
      'package.json (or the dependent\'s lockfile entry) asks for a registry version, but the lockfile resolves it to git, a `file:` tarball, a folder or a link: npm would install those bytes instead, and they have no registry evidence. A git or file source declared by some dependent keeps `UNVERIFIABLE_SOURCE`. Never waivable.',
    fix: 'Regenerate the lockfile entry (`npm install --package-lock-only`) and review who changed its `resolved`.',
  },
  NAME_MISMATCH: {
    title: 'Lockfile entry is another package than its name',
    evidence: 'source',
    defaultSeverity: 'error',
    policy: BINDING,
    description:
      'The lockfile entry installed under one name is another registry package (its `name` differs) and no `npm:` alias asks for that package: npm would install it under the name the policy and the dependents expect. Never waivable.',
    fix: 'Regenerate the lockfile entry (`npm install --package-lock-only`); to install another package under a name on purpose, declare an `npm:` alias in package.json.',
  },
  RESOLVED_ORIGIN_MISMATCH: {
    title: 'Tarball URL is not on the verified registry',
    evidence: 'integrity',
    defaultSeverity: 'error',
    policy: BINDING,
    description:
      "The lockfile's `resolved` URL, after npm's `replace-registry-host` rewrite (by default only registry.npmjs.org URLs are rewritten, to the configured `registry`), is not on the registry (scheme, host, port and path) whose evidence was checked: `npm ci` would fetch the bytes from somewhere else. Never waivable.",
    fix: 'Run verify-deps with the registry npm installs from (`--registry`, `@scope:registry` in .npmrc), or regenerate the lockfile against that registry.',
  },
  INSTALL_SCRIPT_UNVERIFIED: {
    title: 'Runs install scripts without a verified build',
    evidence: 'provenance',
    defaultSeverity: 'warning',
    policy: requirement('installScripts'),
    description:
      "npm will run this package's install scripts (the lockfile's `hasInstallScript`, raised by the registry's version document and assumed for a bundled dependency; package.json `allowScripts` and the npm that installs decide whether they run) but verify-deps did not verify what the policy's `installScripts.require` asks for: provenance that verifies and names the locked integrity, and with `trustedPublisher` also a trusted publisher. Registry metadata alone never counts. A warning by default (`installScripts.mode: warn`), an error under `enforce`.",
    fix: 'Keep its scripts from running (`npm deny-scripts <pkg>`, or leave it out of allowScripts under npm 12), move to a version published with provenance, or waive it with a policy exception after reviewing the script.',
  },
  INSTALL_SCRIPT_NOT_ALLOWED: {
    title: 'allowScripts approves another version',
    evidence: 'source',
    defaultSeverity: 'warning',
    policy: requirement('installScripts'),
    description:
      "package.json `allowScripts` allows install scripts for this package pinned to other versions (`\"pkg@1.2.3\": true`) than the one the lockfile installs: the approval was for other code. npm 12 does not run the scripts of the locked version; npm 11 runs them anyway, unreviewed. A warning by default, an error under `installScripts.mode: enforce`.",
    fix: 'Review the locked version\'s install scripts and approve it (`npm approve-scripts <pkg>`), or lock the version that was approved.',
  },
  TRUST_DOWNGRADE: {
    title: 'Less verified than earlier versions of its line',
    evidence: 'provenance',
    defaultSeverity: 'warning',
    policy: requirement('continuity'),
    description:
      "The locked version's trust level (docs/continuity.md: none < signature < provenance < trusted-publisher < approved, from what verified) is below that of an earlier version of the same release line whose evidence was fetched and verified, or below the level the trust lockfile (`verify-deps.trust.json`) accepted for that line. The axios 1.14.1 case: every earlier 1.x release had verified provenance from a trusted publisher, the hijacked one a registry signature only. Registry claims about earlier versions never count unless they verify. Decided by the rule's `continuity.downgrade` (`enforce`: error, `warn`: warning, `off`: not raised); waivable for a legitimate drop.",
    fix: 'Find out why the version was published differently (a token publish from a maintainer machine is the classic compromise); if it is legitimate, waive it with a policy exception for that version, with a reason and an expiry.',
  },
  IDENTITY_CHANGED: {
    title: 'Built by another pipeline than earlier versions',
    evidence: 'provenance',
    defaultSeverity: 'warning',
    policy: requirement('continuity'),
    description:
      "The locked version's verified provenance names another build identity than the most recent earlier version of its release line with verified provenance, or than the trust lockfile recorded: issuer, repository, repository id (a transfer or a re-registered name), workflow path, trigger class (e.g. a tag push → `pull_request_target`), ref kind (tag → branch) or a GitHub-hosted → self-hosted runner. The message lists each field that changed. Decided by the rule's `continuity.identity` (`enforce`: error, `warn`: warning, `off`: not raised).",
    fix: "Check the new pipeline with the maintainers; if it is legitimate, refresh the trust lockfile (`verify-deps trust update`) or waive it with a policy exception.",
  },
  RELEASE_TOO_NEW: {
    title: 'Published more recently than the minimum release age',
    evidence: 'publish',
    defaultSeverity: 'error',
    policy: requirement('rule'),
    description:
      "The rule's `minimumReleaseAge` (`72h`, `4d`) has not passed since the version was published, or its publish time is unknown (its age cannot be established: fail closed). The publish time is the transparency log's signed time of its verified attestations (`signed time`), else the registry's `time[version]` (`registry time, unsigned`). `--at` evaluates the age as of another moment. Decided by the rule's `mode`. Never raised by the built-in default policy, which has no `minimumReleaseAge`.",
    fix: 'Wait until the version is old enough (the message says when), lock an older version, or waive it with a policy exception after reviewing the release.',
  },
  HISTORY_UNAVAILABLE: {
    title: 'The registry gave no history for the release line',
    evidence: 'source',
    defaultSeverity: 'info',
    policy: HISTORY,
    description:
      "The registry gave no publish times or version list for the package (a mirror that strips them, a packument that failed), so earlier versions could not be compared: this is never read as \"no downgrade\". Info, and a warning when the rule's `continuity.downgrade` is `enforce` and there is no trust-lockfile baseline (above `none`) to compare with instead, or when its `continuity.identity` is `enforce`, the version's provenance verified and the baseline records no build identity. The run's notices say once how many packages and which registries.",
    fix: 'Check against a registry that serves full packuments, or commit a trust lockfile (`verify-deps trust update`) so that a drop is caught without history.',
  },
  HISTORY_CLAIM_UNVERIFIED: {
    title: "A registry claim about an earlier version did not verify",
    evidence: 'provenance',
    defaultSeverity: 'info',
    policy: INFORMATION,
    description:
      "The registry's metadata claims that an earlier version of the release line had provenance (or a trusted publisher, an approver), but its attestations did not verify or could not be fetched: the claim is reported and not counted, so it can neither raise the bar (a forged claim blocking an update) nor vouch for anything.",
    fix: 'Nothing to do for this package; if it repeats, report the registry metadata to its operator.',
  },
} as const satisfies Record<string, FindingDefinition>

export type FindingCode = keyof typeof FINDINGS

export interface Finding {
  code: FindingCode
  /** Human-readable, specific to the package: what was observed. */
  message: string
}

export function finding(code: FindingCode, message: string): Finding {
  return { code, message }
}

export function isFindingCode(value: string): value is FindingCode {
  return Object.hasOwn(FINDINGS, value)
}

/** The codes a policy exception may list in `allow`: the requirement codes. */
export type WaivableCode = { [C in FindingCode]: (typeof FINDINGS)[C]['policy']['waivable'] extends true ? C : never }[FindingCode]

export const WAIVABLE_CODES: readonly WaivableCode[] = (Object.keys(FINDINGS) as FindingCode[]).filter((code): code is WaivableCode => FINDINGS[code].policy.waivable)

export function isWaivable(code: string): code is WaivableCode {
  return isFindingCode(code) && FINDINGS[code].policy.waivable
}
