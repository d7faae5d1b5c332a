/**
 * What a scenario declares: packages with per-version knobs, the registry, the project. Every knob
 * defaults to the valid case (signed by the served registry key, SLSA v1 provenance in a v0.3
 * bundle, a publish attestation, the tarball the registry advertises), so a test names only what
 * it breaks.
 */
import type { BundleVersion, GithubActionsIdentityInput } from '../pki/index.js'
import type { NpmUser, PackageFiles } from '../registry/index.js'

/**
 * `dist.signatures`:
 * - `invalid`: made by the served key over another integrity;
 * - `unknown-key`: made by a key the registry does not serve (`scenario.unknownKey`);
 * - `expired-key`: made by a served key (`scenario.expiredKey`) whose `expires` is a day before
 *   the earliest publish time of the versions that use it.
 */
export type SignatureKnob = 'valid' | 'missing' | 'invalid' | 'unknown-key' | 'expired-key'

/**
 * Ways provenance goes wrong; each leaves everything else valid:
 * - `tampered`: one byte of the served DSSE payload changed (a hex digit of the source commit);
 * - `untrusted-ca`: the certificate comes from a CA the trusted root does not list;
 * - `wrong-subject-name`: the signed subject names another package (`<name>-impostor`);
 * - `wrong-subject-digest`: the signed subject digest is not the tarball's;
 * - `advertised-missing`: `dist.attestations` is advertised but the attestations endpoint 404s.
 */
export type ProvenanceFault = 'tampered' | 'untrusted-ca' | 'wrong-subject-name' | 'wrong-subject-digest' | 'advertised-missing'

export interface ProvenanceSpec {
  /** Over the package's default identity (see `defaultProvenanceIdentity`). */
  identity?: GithubActionsIdentityInput
  bundleVersion?: BundleVersion
  slsaVersion?: 'v1' | 'v0.2'
  includeRunnerEnvironment?: boolean
  fault?: ProvenanceFault
}

/** `missing`: no attestations at all and nothing advertised in `dist.attestations`. */
export type ProvenanceKnob = 'valid' | 'missing' | ProvenanceFault | ProvenanceSpec

/** `tampered`: one byte of the payload changed; `unknown-key`: signed by `scenario.unknownKey`. */
export type PublishAttestationKnob = 'valid' | 'missing' | 'tampered' | 'unknown-key'

/** `tampered`: the served bytes differ from what `dist.integrity`, signatures and attestations name. */
export type TarballKnob = 'valid' | 'tampered'

/** Knobs that `ScenarioOptions.defaults` may set for every package. */
export interface VersionKnobs {
  signature?: SignatureKnob
  provenance?: ProvenanceKnob
  /** Default: `valid`, or `missing` when there is no provenance (npm only adds it with provenance). */
  publishAttestation?: PublishAttestationKnob
  tarball?: TarballKnob
  npmUser?: NpmUser
}

export interface PackageSpec extends VersionKnobs {
  name: string
  version: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  /** e.g. `{ postinstall: 'node install.js' }`; the manifest then says `hasInstallScript`. */
  scripts?: Record<string, string>
  /** Any other package.json fields (bin, engines, os, …). */
  manifest?: Record<string, unknown>
  /** Files besides package.json; default `index.js` exporting `"<name>@<version>"`. */
  files?: PackageFiles
  /** dist-tag to move to this version; default `latest` (so the last declared version wins); null for none. */
  tag?: string | null
  /** `time[version]`, and the signing time of its attestations; default the scenario's `now`. */
  publishTime?: Date | string
}

/** A project file's content, or a function of the running registry (e.g. for a custom `.npmrc`). */
export type ProjectFile = string | Uint8Array | ((registry: { url: string; token: string | null }) => string)

export interface WorkspaceSpec {
  /** Default: the last segment of the workspace path. */
  name?: string
  version?: string
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

export interface ProjectSpec {
  name?: string
  /**
   * When the project declares no dependencies of any kind and no workspaces, it depends on every
   * root package: each declared name that no declared package depends on, at the exact version
   * declared last.
   */
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  /** Workspace path (relative to the project) → its package.json. */
  workspaces?: Record<string, WorkspaceSpec>
  /** More package.json fields (overrides, engines, …). */
  packageJson?: Record<string, unknown>
  /** Extra files, relative to the project dir. A `.npmrc` here replaces the generated one. */
  files?: Record<string, ProjectFile>
}

export interface ScenarioRegistryOptions {
  /** Require `Authorization: Bearer <token>`; the project `.npmrc` carries it. */
  token?: string
  /**
   * `served` (default): `/-/npm/v1/keys` lists the registry keys. `none`: it 404s (a registry
   * that publishes no keys); signatures are still made per knob and the keys file still written.
   */
  keys?: 'served' | 'none'
  /** Shape of `registryKeysFile`: `/-/npm/v1/keys` (default) or Sigstore TUF `keys.json`. */
  keysFile?: 'endpoint' | 'tuf'
  /** `stripped`: packuments without `time`, and without other versions' signatures and attestations (a mirror that strips history). Default `served`. */
  history?: 'served' | 'stripped'
}

export interface ScenarioOptions {
  /** PKI clock and default publish time; default `DEFAULT_SCENARIO_NOW`. */
  now?: Date
  registry?: ScenarioRegistryOptions
  /** Knobs for every package that does not set its own. */
  defaults?: VersionKnobs
  packages: PackageSpec[]
  project?: ProjectSpec
  /** Run the real `npm install --package-lock-only --ignore-scripts` in the project (default true). */
  lockfile?: boolean
  /** Where to put the project and trust files; default a fresh temp dir removed at teardown. */
  dir?: string
}

export const DEFAULT_SCENARIO_NOW = new Date('2025-03-01T12:00:00.000Z')

/** A package's knobs with the scenario defaults applied. */
export interface ResolvedKnobs {
  signature: SignatureKnob
  provenance: (ProvenanceSpec & { fault?: ProvenanceFault }) | null
  publishAttestation: PublishAttestationKnob
  tarball: TarballKnob
  npmUser: NpmUser | undefined
  publishTime: Date
}

export function resolveKnobs(spec: PackageSpec, defaults: VersionKnobs, now: Date): ResolvedKnobs {
  const provenance = spec.provenance ?? defaults.provenance ?? 'valid'
  const provenanceSpec: ProvenanceSpec | null =
    provenance === 'missing' ? null : provenance === 'valid' ? {} : typeof provenance === 'string' ? { fault: provenance } : provenance
  return {
    signature: spec.signature ?? defaults.signature ?? 'valid',
    provenance: provenanceSpec,
    publishAttestation: spec.publishAttestation ?? defaults.publishAttestation ?? (provenanceSpec ? 'valid' : 'missing'),
    tarball: spec.tarball ?? defaults.tarball ?? 'valid',
    npmUser: spec.npmUser ?? defaults.npmUser,
    publishTime: toDate(spec.publishTime ?? now),
  }
}

export function toDate(value: Date | string): Date {
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) throw new Error(`not a date: ${String(value)}`)
  return date
}
