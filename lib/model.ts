/**
 * The plain data the pipeline stages hand each other:
 *   tree → PackageRef[] → fetch → PackageEvidence → verify → PackageFacts → policy → PackageResult → Report
 */
import type { Finding, FindingCode, FindingSeverity } from './findings.js'
import type { PackageFacts } from './model/facts.js'
import type { InstallScriptContext, InstallScriptRef, InstallScriptsResult } from './model/install-scripts.js'
import type { PublishTime, TrustBaseline, TrustLevel } from './model/trust.js'

/** Where a package is installed in the project, and the chain of dependents that brings it in. */
export interface PackageLocation {
  /** Location in the tree, e.g. `node_modules/a/node_modules/b` (as in package-lock.json). */
  path: string
  /** root → … → this package, like `npm explain`: each hop as `name@version` (the root as its name or `(root)`). */
  why: string[]
  dev: boolean
  optional: boolean
  peer: boolean
  /** The workspace that depends on it, when it comes in through one. */
  workspace?: string
  /** The name it is installed under, when that differs (an `npm:` alias). */
  alias?: string
  /** Nothing in the project depends on it (an extraneous lockfile entry or folder): `why` is empty. */
  extraneous?: boolean
}

/** Where a package's bytes come from. Only `registry` packages carry registry evidence. */
export type PackageSource = 'registry' | 'git' | 'file' | 'link' | 'remote' | 'bundled'

/** One distinct package to verify: `name@version` with one integrity, however many places it is installed. */
export interface PackageRef {
  /** The real package name (for an alias, the package it resolves to). */
  name: string
  version: string
  /** Integrity recorded in the lockfile. */
  integrity?: string
  /** `resolved` URL recorded in the lockfile. */
  resolved?: string
  /** The registry the package is fetched from (per `@scope:registry` config), trailing slash. */
  registry?: string
  source: PackageSource
  /** For non-registry sources: why it cannot be verified, or what covers it (e.g. the bundling parent). */
  sourceDetail?: string
  locations: PackageLocation[]
  /**
   * What the tree stage found wrong with how the lockfile binds this package to its dependents and
   * its registry (SOURCE_MISMATCH, NAME_MISMATCH, RESOLVED_ORIGIN_MISMATCH): decided with the
   * verification findings, whatever the evidence says.
   */
  lockfileFindings?: Finding[]
  /** The package has install scripts (lockfile `hasInstallScript`), and what npm's allowScripts says of it. */
  installScript?: InstallScriptRef
  /**
   * What npm's allowScripts says of a package the lockfile does not flag, should it have install
   * scripts after all: the flag is attacker-controlled and only a lower bound (a binding.gyp, a
   * bundled package.json, the registry's version document may say otherwise).
   */
  unflaggedInstallScript?: InstallScriptRef
}


/** How a package ends. Every package ends as exactly one of these; nothing disappears. */
export type Decision = 'pass' | 'warn' | 'fail' | 'skipped'

/** A finding as decided by the policy: the same code, with the severity the policy gave it. */
export interface DecidedFinding {
  code: FindingCode
  severity: FindingSeverity
  message: string
}

/** One package's result: what is true about it (facts) and what the policy decided. */
export interface PackageResult {
  name: string
  version: string
  integrity?: string
  source: PackageSource
  registry?: string
  locations: PackageLocation[]
  decision: Decision
  /** For `skipped`: why (e.g. `bundled`, `link`). */
  skipReason?: string
  findings: DecidedFinding[]
  /** Verification facts; absent for skipped packages and packages whose evidence could not be fetched. */
  facts?: PackageFacts
  /** The policy rule that decided (`default` for the built-in default policy). */
  rule: string
  /** Only for a package with install scripts: whether npm will run them, and what was verified about it. */
  installScripts?: InstallScriptsResult
  /** Trust over time (docs/continuity.md), when the check gathered it: the JSON report's `trust`. */
  trust?: PackageTrustSummary
}

/** A package's trust over time as reports give it. */
export interface PackageTrustSummary {
  level: TrustLevel
  /** When the locked version was published and how that is known (`signed`, `registry`); null when unknown. */
  publishedAt: PublishTime | null
  /** `checked`, `unavailable` (the registry gave none: HISTORY_UNAVAILABLE), `not-checked` (continuity off). */
  historyState: 'checked' | 'unavailable' | 'not-checked'
  /** The earlier version compared with: the one that verified above this one, else the previous verified build; null when none. */
  history: { level: TrustLevel; version: string; publishedAt: string } | null
  /** The trust lockfile's entry for its name and release line; null when none. */
  baseline: TrustBaseline | null
}

export interface ReportSummary {
  total: number
  pass: number
  warn: number
  fail: number
  skipped: number
}

/**
 * Where a registry's signing keys came from: named by the user (`pinned`), Sigstore TUF, the copy
 * shipped with verify-deps (`embedded`), the registry's own `/-/npm/v1/keys` (`registry`: only the
 * registry vouches for them), none published (`none`), or not obtained (`unavailable`).
 */
export type RegistryKeysSource = 'pinned' | 'sigstore-tuf' | 'embedded' | 'registry' | 'none' | 'unavailable'

/** One registry the project's packages come from, and how much of it was verified. */
export interface RegistrySummary {
  /** The registry URL, trailing slash, without credentials. */
  url: string
  keysSource: RegistryKeysSource
  /** The file, TUF target or URL the keys came from; for `none`, the endpoint that said so; null when unavailable. */
  keysFrom: string | null
  /** Registry packages from it. */
  packages: number
  /** Of those, cryptographically verified: a registry signature, provenance or publish attestation verified. */
  verified: number
  /** It publishes no keys and the built-in default policy decided its unverified packages: the run could not verify them (exit 3). */
  couldNotVerify: boolean
  /** The upstream its packages were checked against (`--upstream`, docs/mirrors.md): `keysSource` and `keysFrom` are then the upstream's keys. */
  upstream?: string
  /** Of its packages, how many were verified from the upstream's evidence (the mirror's lacked signatures or attestations). */
  fromUpstream?: number
  /** Of its packages, how many had no registry signature that could be checked: none on the version, no keys published, or signatures it publishes no keys for. */
  unsigned?: number
  /** Of those, how many carry signatures it publishes no keys for (could not be verified: a mirror that keeps npm's signatures). */
  signedWithoutKeys?: number
  /** Why most of its packages could not be verified, and what would fix it: the report's one banner for this registry. */
  diagnosis?: RegistryDiagnosis
}

/**
 * A registry's banner, once per registry, never per package: `keyless` (it publishes no keys and its
 * unverified packages were left to the built-in policy), `signed-without-keys` (its versions carry
 * signatures it publishes no keys for: a mirror that keeps npm's signatures), `unsigned` (it has keys
 * but most of its versions carry no signature: a mirror that strips them).
 */
export interface RegistryDiagnosis {
  kind: 'keyless' | 'signed-without-keys' | 'unsigned'
  message: string
  fixes: string[]
}

/** Which package manager's lockfile the check read. */
export type LockfileFormat = 'npm' | 'pnpm' | 'yarn'

/** The one Report model every format renders. */
/**
 * A setting that shaped what was checked or how (`omit`, `workspace`, `offline`, a verify-deps key),
 * and where it came from: a file, the environment, the command line. A pull request can edit the
 * project `.npmrc`; this makes such an edit visible in the report.
 */
export interface RunSetting {
  key: string
  value: string | number | boolean | string[]
  from: string
}

export interface Report {
  schemaVersion: 1
  tool: { name: string; version: string }
  /**
   * `policy`: the policy file used, or null for the built-in default policy; `tarball`: the tarball
   * `verify` checked (no lockfile); `lockfileFormat`: whose lockfile was read (the check only).
   */
  project: { root: string; lockfile: string; policy?: string | null; tarball?: string; settings?: RunSetting[]; lockfileFormat?: LockfileFormat }
  summary: ReportSummary
  packages: PackageResult[]
  /** True when some evidence could not be obtained (registry/network/trust failure): exit 3 unless something failed. */
  couldNotVerify: boolean
  /** Things the user should know about the run itself (e.g. a fall back to embedded trust material). */
  notices: string[]
  /** Each registry the packages come from, with its key source (absent in reports made without a run, e.g. tests). */
  registries?: RegistrySummary[]
  /** Which npm rules decided whether install scripts run, and why (absent when no package has install scripts). */
  installScripts?: InstallScriptContext
}
