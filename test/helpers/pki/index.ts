/**
 * A private Sigstore PKI for tests: bundles made here verify with @sigstore/verify against the
 * generated trusted root exactly as npm's do against Sigstore's, and fail when tampered with.
 * Built from node:crypto and a small DER writer; nothing touches the network.
 *
 *   const world = createTestSigstore({ now: new Date('2025-03-01T12:00:00Z') })
 *   world.trustedRoot                        // trusted_root.json (CA, Rekor, CT log)
 *   const prov = world.signProvenance(
 *     { name: '@scope/pkg', version: '1.0.0', tarball },
 *     { identity: { repository: 'owner/repo', ref: 'refs/tags/v1.0.0' } })
 *   prov.bundle                              // v0.3 bundle JSON; prov.statement, prov.identity, prov.certificate
 *   const key = createRegistryKey()          // the registry helper's key (re-exported): npm-style key id,
 *   const pub = world.signPublishAttestation({ name: '@scope/pkg', version: '1.0.0', tarball }, key)
 *                                            // … and the same key signs dist.signatures (version.sign(key))
 *   world.untrusted().signProvenance(...)    // same logs, certificate from a CA not in the root
 *
 * Identity: `GithubActionsIdentity` (every field defaulted; override one) drives both the Fulcio
 * certificate (SAN, extensions 1.3.6.1.4.1.57264.1.1–.6 and .8–.22) and the SLSA predicate.
 * `jobWorkflowRef` models reusable workflows; `legacyExtensionsOnly` early-2023 certificates.
 *
 * Bundle shapes: `bundleVersion` '0.3' (default: certificate, dsse entry, SET + inclusion proof),
 * '0.2' (leaf-only chain, intoto entry, SET + proof), '0.1' (full chain, intoto, SET only).
 *
 * Faults for negative tests: `sct: 'omit' | 'bad-signature'`, `integratedTime` (Rekor's recorded
 * time), `at` (signing time), `editStatement` (sign a statement that disagrees with the identity),
 * `editSignedEnvelope` (tamper before logging), `untrusted()`. Anything else: mutate the returned
 * bundle JSON.
 *
 * `verifyWithSigstore(world.trustedRoot, bundle, {keys: [{key}]})` runs the real @sigstore/verify Verifier;
 * `verificationErrorCode(() => …)` gives the VerificationError/PolicyFileError code it threw, or 'OK'.
 *
 * Lower-level pieces (DER, X.509, CA, CT log, Merkle tree, Rekor bodies) are exported for tests
 * that need to build unusual material by hand.
 */
export {
  createTestSigstore,
  TestSigstore,
  CERTIFICATE_LEAD_MS,
  DEFAULT_CA_URL,
  DEFAULT_CT_LOG_URL,
  DEFAULT_LOG_HOST,
  DEFAULT_TRUST_LEAD_MS,
  type KeylessSignOptions,
  type KeylessSignedBundle,
  type ProvenanceAttestation,
  type ProvenanceOptions,
  type PublishAttestation,
  type PublishAttestationOptions,
  type SignOptions,
  type SignedBundle,
  type SignedStatement,
  type TestSigstoreOptions,
} from './world.js'
export {
  DEFAULT_GITHUB_IDENTITY,
  FULCIO_OID,
  GITHUB_ACTIONS_ISSUER,
  fulcioExtensionValues,
  githubActionsIdentity,
  githubWorkflowURIs,
  type FulcioExtensionValue,
  type GithubActionsIdentity,
  type GithubActionsIdentityInput,
  type GithubWorkflowURIs,
  type RepositoryVisibility,
  type RunnerEnvironment,
} from './identity.js'
export {
  DEFAULT_REGISTRY,
  GITHUB_WORKFLOW_BUILD_TYPE,
  INTOTO_STATEMENT_V01,
  INTOTO_STATEMENT_V1,
  NPM_GHA_BUILD_TYPE_V0,
  NPM_PUBLISH_V01,
  SLSA_PROVENANCE_V02,
  SLSA_PROVENANCE_V1,
  inTotoStatement,
  npmPublishPredicate,
  npmPurl,
  npmSubject,
  serializeStatement,
  slsaProvenanceV02,
  slsaProvenanceV1,
  type InTotoStatement,
  type InTotoSubject,
  type NpmPublishPredicate,
  type PackageSubjectInput,
  type SlsaProvenanceV02Predicate,
  type SlsaProvenanceV1Options,
  type SlsaProvenanceV1Predicate,
} from './intoto.js'
// The registry key is the registry helper's: one key object signs dist.signatures and publish attestations.
export { createRegistryKey, npmKeyId, type RegistryKeyPair, type RegistryPublicKey } from '../registry/keys.js'
export {
  verificationErrorCode,
  verifyWithSigstore,
  type ReferenceVerifyOptions,
  type VerifiedSigner,
} from './reference-verifier.js'
export { BUNDLE_MEDIA_TYPE, DEFAULT_TLOG_KIND, assembleBundle, type BundleJSON, type BundleVersion } from './bundle.js'
export { INTOTO_PAYLOAD_TYPE, envelopeJSON, preAuthEncoding, signEnvelope, type DsseEnvelope, type DsseEnvelopeJSON } from './dsse.js'
export { TRUSTED_ROOT_MEDIA_TYPE, buildTrustedRoot, type TrustedRootJSON } from './trusted-root.js'
export { FulcioCA, LEAF_VALIDITY_MS, type IssuedCertificate, type LeafRequest } from './fulcio.js'
export { CTLog, sctListExtension, type SCTFault } from './ct-log.js'
export { TransparencyLog, type InclusionProofJSON, type TLogEntryJSON, type TransparencyLogOptions } from './rekor.js'
export { dsseBody, intotoBody, type RekorBody, type RekorKind } from './rekor-entries.js'
export { MerkleTree, hashChildren, hashLeaf, inclusionProof, treeHash } from './merkle.js'
export { canonicalJSON, type JSONValue } from './canonical-json.js'
export { generateP256KeyPair, logIdOf, publicKeyPEM, sha256, spkiDER, type KeyPair } from './keys.js'
export * as der from './der.js'
export * as x509 from './x509.js'
