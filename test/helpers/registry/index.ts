/**
 * A loopback npm registry for tests: real HTTP on 127.0.0.1, a random port, no other network.
 * Real npm (`npm install --registry <registry.url>`), pacote and verify-deps can install from it.
 *
 * ```ts
 * const key = createRegistryKey()                          // ECDSA P-256; keyid = npm's SHA256: fingerprint
 * const registry = await startRegistry({ keys: [key] })    // no keys (the default): /-/npm/v1/keys is 404
 * const v = registry.addVersion({ name: '@acme/lib', version: '1.0.0',
 *   manifest: { dependencies: { dep: '^1.0.0' } }, files: { 'index.js': '…' },
 *   attestations: { attestations: [{ predicateType, bundle }] },   // served as-is; you build the bundles
 *   npmUser: { name: 'GitHub Actions', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:…' } },
 *   publishTime: '2025-03-01T00:00:00Z' })
 * v.sign(key)                              // dist.signatures gets `${name}@${version}:${integrity}` signed
 * registry.addFault({ path: '/@acme/lib', type: 'status', status: 500, times: 1 })
 * … registry.requests …                    // everything served, in order
 * await registry.close()
 * ```
 *
 * Endpoints (GET/HEAD; scoped names as `@scope%2fname`, `%40scope%2fname` or `@scope/name`):
 *  - `/<name>`: full packument, or the abbreviated "corgi" one when `Accept` names
 *    `application/vnd.npm.install-v1+json` (npm's default when installing)
 *  - `/<name>/<version|dist-tag>`: version manifest
 *  - `/<name>/-/<basename>-<version>.tgz`: tarball (`dist.tarball` always points at this server)
 *  - `/-/npm/v1/attestations/<name>@<version>`: the version's attestations document, or 404
 *  - `/-/npm/v1/keys`: `{keys: [{expires, keyid, keytype, scheme, key}]}`, or 404 when keys are null
 *  - `<feedPrefix>/_changes?since=SEQ&limit=N`: the replication feed, CouchDB's shape
 *    (`{results: [{seq, id, changes: [{rev}]}], last_seq}`), one change per publish in publish
 *    order (`store.changes`); `feedPrefix` (server option, default '') stands for another host
 * Anything else is 404 `{error}`. With `token` set, a request without `Authorization: Bearer <token>`
 * gets 401 and `WWW-Authenticate`. Faults are checked before auth (they stand for the network).
 *
 * State is plain data rendered on every request: mutate `registry.store` (packages, `keys`,
 * `keysDocument`), a `VersionRecord` (signatures, integrity, attestations, npmUser, publishTime,
 * `dist` overrides), `registry.token` or `registry.faults` between requests.
 * Signing is always the caller's decision: nothing is signed unless `version.sign(key)` or
 * `signatures` says so. `formatTufKeys(keys)` gives the same keys in Sigstore's TUF `keys.json` shape.
 * `runNpm(args, {cwd, scratchDir, registry})` runs the real npm CLI against it, isolated from the
 * machine's npm configuration.
 */
export {
  createRegistryKey,
  npmKeyId,
  publicKeyFromSpki,
  registrySignedMessage,
  signRegistrySignature,
  verifyRegistrySignatureWithKey,
  formatKeysEndpoint,
  formatTufKeys,
  NPM_KEY_TYPE,
  DEFAULT_KEY_VALID_FROM,
  type RegistryKeyPair,
  type RegistryPublicKey,
  type RegistryKeyOptions,
  type RegistrySignature,
  type SignedPackage,
  type KeysEndpointDocument,
  type TufKeysDocument,
} from './keys.js'
export { packTarball, tarballDigests, TARBALL_MTIME_SECONDS, type PackageFiles, type PackedTarball } from './tarball.js'
export {
  RegistryStore,
  DEFAULT_NPM_USER,
  type NpmUser,
  type AttestationsDocument,
  type VersionInput,
  type VersionRecord,
  type RegistryChange,
  type PackageInput,
  type PackageRecord,
} from './store.js'
export {
  formatPackument,
  formatCorgi,
  formatVersionManifest,
  formatDist,
  tarballPath,
  attestationsPath,
  CORGI_VERSION_FIELDS,
} from './documents.js'
export { FaultTable, type FaultRule, type FaultEffect, type FaultType, type FaultMatcher, type ActiveFault } from './faults.js'
export { parseRoute, canonicalPath, changesPath, type Route, type RouteKind } from './routes.js'
export { runNpm, npmMajorOnPath, npmDefinitionsOnPath, DEFAULT_NPM_TIMEOUT_MS, type NpmRunOptions, type NpmResult } from './npm.js'
export {
  RegistryServer,
  startRegistry,
  CORGI_MEDIA_TYPE,
  CHANGES_LIMIT_MAX,
  type RegistryServerOptions,
  type RecordedRequest,
} from './server.js'
