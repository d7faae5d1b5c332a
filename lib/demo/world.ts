/**
 * The demo world: which packages the sample project depends on, what each is meant to show, and
 * the outcome the real pipeline must produce for it. One table for both sides: the generator
 * (scripts/generate-demo.ts) turns each role into scenario knobs, and `verify-deps demo` checks the
 * report against the expected outcomes, so the demo cannot silently stop showing what it claims.
 *
 * The project has a main branch (fixtures/demo/project: each package as its maintainers published
 * it, at `mainVersion` where the pull request changes it) and a pull request
 * (fixtures/demo/pull-request/package-lock.json: each package at `version`, the tampered one with
 * altered bytes). Each role describes the package in the pull request.
 */
import type { FindingCode } from '../findings.js'
import type { Decision } from '../model.js'

/**
 * - `trusted`: signed by the registry, SLSA provenance from its own repository's release workflow;
 * - `wrong-repository`: genuine signature and provenance, but built in a repository the policy
 *   does not allow (a fork, say), where the release main locks was built in its own;
 * - `no-provenance`: signed by the registry, published without provenance;
 * - `tampered`: the pull request's lockfile records bytes other than the ones the registry signed
 *   and attested (main's records the signed ones);
 * - `downgrade`: signed by the registry, published without provenance from a maintainer's account,
 *   where the release before it in its line had verified provenance from a trusted publisher (the
 *   axios 1.14.1 case, docs/continuity.md).
 */
export type DemoRole = 'trusted' | 'wrong-repository' | 'no-provenance' | 'tampered' | 'downgrade'

export interface DemoPackage {
  name: string
  version: string
  role: DemoRole
  /** The repository whose release workflow built it (`owner/name` on github.com); none without provenance. */
  builtBy?: string
  dependencies?: Record<string, string>
  /** Earlier releases of its line, each built by its `builtBy`'s release workflow and published by a trusted publisher. */
  earlier?: readonly { version: string; builtBy: string }[]
  /**
   * The version the main branch locks, when the pull request is what brings `version` (one of
   * `earlier`); absent when both lock `version`. The pull request's versions were published after
   * DEMO_MAIN_BEFORE, so npm's `--before` keeps them out of main's lockfile.
   */
  mainVersion?: string
}

export interface ExpectedOutcome {
  decision: Decision
  /** Finding codes the package must have (it may have others). */
  codes: readonly FindingCode[]
}

/** The clock the demo world was generated at (publish and signing times lie before it). */
export const DEMO_NOW = new Date('2025-06-02T09:00:00.000Z')

/** The main branch's lockfile was written as of this time (npm `--before`); the pull request updates past it. */
export const DEMO_MAIN_BEFORE = new Date('2025-05-23T09:00:00.000Z')

/** The project's name in fixtures/demo/project/package.json. */
export const DEMO_PROJECT_NAME = 'demo-app'

/** Where the lockfile's `resolved` URLs point: the demo never installs, and `.invalid` never resolves (RFC 6761). */
export const DEMO_PLACEHOLDER_ORIGIN = 'http://registry.demo.invalid'

export const DEMO_PACKAGES: readonly DemoPackage[] = [
  {
    name: '@demo-org/web-kit',
    version: '2.3.1',
    role: 'trusted',
    builtBy: 'demo-org/web-kit',
    dependencies: { '@demo-org/logger': '^1.4.0', '@demo-org/config': '^1.0.2', '@demo-org/http': '^3.0.2' },
  },
  { name: '@demo-org/logger', version: '1.4.0', role: 'trusted', builtBy: 'demo-org/logger' },
  { name: '@demo-org/http', version: '3.0.2', role: 'trusted', builtBy: 'demo-org/http' },
  {
    name: '@demo-org/config',
    version: '1.0.3',
    role: 'wrong-repository',
    builtBy: 'mallory-dev/config',
    earlier: [{ version: '1.0.2', builtBy: 'demo-org/config' }],
    mainVersion: '1.0.2',
  },
  { name: 'tinted', version: '2.1.0', role: 'trusted', builtBy: 'tinted-js/tinted' },
  { name: 'legacy-pad', version: '1.0.4', role: 'no-provenance' },
  { name: 'quick-parse', version: '4.0.1', role: 'tampered', builtBy: 'quick-parse/quick-parse' },
  {
    name: 'fetch-lite',
    version: '1.14.1',
    role: 'downgrade',
    earlier: [{ version: '1.14.0', builtBy: 'fetch-lite/fetch-lite' }],
    mainVersion: '1.14.0',
  },
]

/** What the project's package.json asks for: the packages nothing else depends on. */
export const DEMO_PROJECT_DEPENDENCIES: Readonly<Record<string, string>> = {
  '@demo-org/web-kit': '^2.3.1',
  'fetch-lite': '^1.14.0',
  'legacy-pad': '^1.0.4',
  'quick-parse': '^4.0.1',
  tinted: '^2.1.0',
}

/**
 * The outcome of each role in the pull request's check under the sample policy (`@demo-org/*`
 * enforced with `builds`, everything else warned when provenance is missing), and under the policy
 * and trust lockfile `verify-deps init` writes from main (`verify-deps demo --init`). A tampered
 * package fails whatever the policy says: integrity and signature failures are validity failures.
 */
export const EXPECTED_OUTCOMES: Readonly<Record<DemoRole, ExpectedOutcome>> = {
  trusted: { decision: 'pass', codes: [] },
  'wrong-repository': { decision: 'fail', codes: ['PROVENANCE_IDENTITY_MISMATCH'] },
  'no-provenance': { decision: 'warn', codes: ['PROVENANCE_MISSING'] },
  tampered: { decision: 'fail', codes: ['INTEGRITY_MISMATCH', 'SIGNATURE_INVALID', 'ATTESTATION_SUBJECT_MISMATCH'] },
  // The policy's default enforces continuity.downgrade: the drop from 1.14.0's trusted publisher fails.
  downgrade: { decision: 'fail', codes: ['TRUST_DOWNGRADE'] },
}
