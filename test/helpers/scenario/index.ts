/**
 * Declarative test worlds: declare packages and what is wrong with each, get a running loopback
 * registry serving them, a private Sigstore that signed their provenance, trust files on disk and
 * a project whose package-lock.json the real npm CLI wrote against that registry.
 *
 * ```ts
 * const s = await createScenario(t, {
 *   packages: [
 *     { name: 'a', version: '1.0.0', dependencies: { '@acme/b': '^1.0.0' } },
 *     { name: '@acme/b', version: '1.0.0', provenance: { identity: { workflowPath: '.github/workflows/ci.yml' } } },
 *     { name: 'c', version: '2.0.0', signature: 'invalid', provenance: 'missing' },
 *   ],
 *   // project (default): depends on every declared name nothing else depends on, at its exact version → a, c
 * })
 * s.projectDir         // package.json, package-lock.json (real npm), .npmrc with registry= (and the token)
 * s.trustedRootFile    // the PKI's trusted_root.json      s.registryKeysFile  // /-/npm/v1/keys shape (or TUF)
 * s.registry           // RegistryServer: url, requests (cleared after setup), faults, store
 * s.pki, s.key         // TestSigstore; the one registry key behind dist.signatures and publish attestations
 * s.version('c@2.0.0') // VersionRecord, mutable; s.published('c') adds the signed tarball and provenance
 * await s.npm(['ci'])  // real npm in the project: scripts off, short retry backoff (override via config)
 * ```
 *
 * Defaults make everything valid: `dist.signatures` by `s.key` over `name@version:integrity`;
 * SLSA v1 provenance in a v0.3 bundle, built by `defaultProvenanceIdentity(name, version)`
 * (repository from the name, ref `refs/tags/v<version>`) and signed a minute before the publish
 * time; an npm publish attestation by `s.key`; both advertised in `dist.attestations` and served
 * at the attestations endpoint; the served tarball is the one every signature names. Subjects are
 * `pkg:npm/<name with %40>@<version>` with the tarball's sha512.
 *
 * Per-version knobs (options.ts documents each; `defaults` sets them for all packages):
 * - `signature`: valid | missing | invalid | unknown-key | expired-key
 * - `provenance`: valid | missing | tampered | untrusted-ca | wrong-subject-name |
 *   wrong-subject-digest | advertised-missing | { identity, bundleVersion, slsaVersion,
 *   includeRunnerEnvironment, fault }
 * - `publishAttestation`: valid | missing | tampered | unknown-key (default missing without provenance)
 * - `tarball`: valid | tampered (served bytes ≠ advertised integrity; `npm install` fails EINTEGRITY)
 * - `npmUser`, `publishTime`, `dependencies`, `optionalDependencies`, `peerDependencies`,
 *   `scripts`, `manifest`, `files`, `tag`
 *
 * Scenario options: `now` (PKI clock, default publish time; default DEFAULT_SCENARIO_NOW),
 * `registry: { token, keys: 'served' | 'none', keysFile: 'endpoint' | 'tuf' }`, `project`
 * (dependencies of each kind, `workspaces: { 'packages/x': {...} }`, `packageJson`, `files` — a
 * function value gets the registry url and token), `lockfile: false` to skip npm, `dir`.
 * One real npm run per scenario (~1–3 s): share a scenario between the tests of a file when they
 * do not mutate it.
 */
export { createScenario, Scenario, type Lockfile, type LockfileEntry, type ScenarioOwner } from './scenario.js'
export {
  DEFAULT_SCENARIO_NOW,
  type PackageSpec,
  type ProjectFile,
  type ProjectSpec,
  type ProvenanceFault,
  type ProvenanceKnob,
  type ProvenanceSpec,
  type PublishAttestationKnob,
  type ScenarioOptions,
  type ScenarioRegistryOptions,
  type SignatureKnob,
  type TarballKnob,
  type VersionKnobs,
  type WorkspaceSpec,
} from './options.js'
export { defaultProvenanceIdentity } from './identity.js'
export { PROVENANCE_LEAD_MS, tamperPayload } from './attestations.js'
export { EXPIRED_KEY_MARGIN_MS } from './keys.js'
export { DEFAULT_PROJECT_NAME, LOCKFILE_ARGS, LOOPBACK_NPM_CONFIG, defaultRootDependencies, formatNpmrc } from './project.js'
export { REGISTRY_KEYS_FILE, TRUSTED_ROOT_FILE, type KeysFileShape } from './trust-files.js'
export type { PublishedVersion } from './publish.js'
