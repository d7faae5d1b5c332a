/**
 * One private Sigstore instance ("world"): a Fulcio-like CA, a CT log and a Rekor-like log, the
 * trusted root that lists them, and signers that produce bundles the way npm does on GitHub
 * Actions (keyless provenance) and on the registry (publish attestations with the registry key).
 */
import { createPublicKey } from 'node:crypto'
import { assembleBundle, DEFAULT_TLOG_KIND, type BundleJSON, type BundleVersion } from './bundle.js'
import { CTLog, type SCTFault } from './ct-log.js'
import { INTOTO_PAYLOAD_TYPE, signEnvelope, type DsseEnvelope } from './dsse.js'
import { FulcioCA, type IssuedCertificate } from './fulcio.js'
import { githubActionsIdentity, type GithubActionsIdentity, type GithubActionsIdentityInput } from './identity.js'
import {
  INTOTO_STATEMENT_V01,
  INTOTO_STATEMENT_V1,
  NPM_PUBLISH_V01,
  SLSA_PROVENANCE_V02,
  SLSA_PROVENANCE_V1,
  inTotoStatement,
  npmPublishPredicate,
  npmSubject,
  serializeStatement,
  slsaProvenanceV02,
  slsaProvenanceV1,
  type InTotoStatement,
  type NpmPublishPredicate,
  type PackageSubjectInput,
  type SlsaProvenanceV02Predicate,
  type SlsaProvenanceV1Predicate,
} from './intoto.js'
import { generateP256KeyPair, publicKeyPEM, type KeyPair } from './keys.js'
import { dsseBody, intotoBody, type RekorBody, type RekorKind } from './rekor-entries.js'
import { TransparencyLog, type TransparencyLogOptions } from './rekor.js'
import { buildTrustedRoot, type TrustedRootJSON } from './trusted-root.js'
import type { RegistryKeyPair } from '../registry/keys.js'

export const DEFAULT_LOG_HOST = 'rekor.sigstore.test'
export const DEFAULT_CT_LOG_URL = 'https://ctfe.sigstore.test/test'
export const DEFAULT_CA_URL = 'https://fulcio.sigstore.test'
/** How far before `now` the trusted root's windows (and the CA certificates) start by default. */
export const DEFAULT_TRUST_LEAD_MS = 5 * 365 * 24 * 3600 * 1000
/** CA certificates stay valid this long after their start. */
const CA_LIFETIME_MS = 30 * 365 * 24 * 3600 * 1000
/** Fulcio issues the certificate a moment before the signature reaches Rekor. */
export const CERTIFICATE_LEAD_MS = 2000

export interface TestSigstoreOptions {
  /** The world's clock; signing uses it unless a call passes `at`. Defaults to the real time. */
  now?: Date | (() => Date)
  /** Rekor host: baseUrl `https://<logHost>` and the checkpoint signer name. */
  logHost?: string
  /** Start of every validity window in the trusted root and of the CA certificates. */
  validFrom?: Date
  /** Tuning of the transparency log (prefill, trailing entries, shard offset). */
  rekor?: Omit<TransparencyLogOptions, 'baseUrl'>
}

/** Options shared by every signing call. */
export interface SignOptions {
  /** Signing time; defaults to the world's clock. */
  at?: Date
  bundleVersion?: BundleVersion
  /** Rekor entry kind; defaults to what npm used with the bundle version (v0.3 dsse, else intoto). */
  tlogKind?: RekorKind
  /** Fault: the time Rekor records (and signs into the SET); defaults to `at`. */
  integratedTime?: Date
  /**
   * Fault: change the envelope after it is signed but before it is logged, so the log entry
   * matches the tampered envelope and only the signature check can catch it (a log that
   * skipped its own signature check, or colluded).
   */
  editSignedEnvelope?: (envelope: DsseEnvelope) => DsseEnvelope
}

export interface KeylessSignOptions extends SignOptions {
  identity?: GithubActionsIdentityInput
  /** Fault: leave the SCT out of the certificate, or embed one with a bad signature. */
  sct?: SCTFault
}

export interface ProvenanceOptions extends KeylessSignOptions {
  /** `v1` (npm CLI ≥ 9.6, the default) or `v0.2` (npm CLI `gha@v0`, with Statement v0.1). */
  slsaVersion?: 'v1' | 'v0.2'
  /** SLSA v1 only: add internalParameters.github.runner_environment (see slsaProvenanceV1). */
  includeRunnerEnvironment?: boolean
  /**
   * Change the statement before it is signed, e.g. to make the provenance disagree with the
   * certificate while every signature stays valid.
   */
  editStatement?: (statement: InTotoStatement) => InTotoStatement
}

export interface PublishAttestationOptions extends SignOptions {
  registry?: string
  /** The registry has written publish statements as in-toto Statement v0.1; override if needed. */
  statementType?: string
  editStatement?: (statement: InTotoStatement) => InTotoStatement
}

/** What a signing call produced. The bundle is plain JSON, free for tests to mutate. */
export interface SignedBundle {
  bundle: BundleJSON
  envelope: DsseEnvelope
  /** Rekor's integratedTime (whole seconds). */
  integratedTime: Date
  logIndex: number
}

export interface KeylessSignedBundle extends SignedBundle {
  identity: GithubActionsIdentity
  certificate: IssuedCertificate
  /** The ephemeral key the certificate was issued for. */
  signingKey: KeyPair
}

export interface SignedStatement<P> {
  statement: InTotoStatement<P>
  /** The entry of `GET /-/npm/v1/attestations/<name>@<version>` for this bundle. */
  attestation: { predicateType: string; bundle: BundleJSON }
}

export type ProvenanceAttestation = KeylessSignedBundle &
  SignedStatement<SlsaProvenanceV1Predicate | SlsaProvenanceV02Predicate>
export type PublishAttestation = SignedBundle & SignedStatement<NpmPublishPredicate>

interface WorldParts {
  clock: () => Date
  fulcio: FulcioCA
  ctLog: CTLog
  rekor: TransparencyLog
  trustedRoot: TrustedRootJSON
  /** The CA that `untrusted()` signs with: same names, different keys, absent from the root. */
  untrustedCA: () => FulcioCA
}

export class TestSigstore {
  readonly fulcio: FulcioCA
  readonly ctLog: CTLog
  readonly rekor: TransparencyLog
  /** `trusted_root.json` listing this world's CA, Rekor and CT log. */
  readonly trustedRoot: TrustedRootJSON
  private readonly parts: WorldParts

  constructor(parts: WorldParts) {
    this.parts = parts
    this.fulcio = parts.fulcio
    this.ctLog = parts.ctLog
    this.rekor = parts.rekor
    this.trustedRoot = parts.trustedRoot
  }

  now(): Date {
    return this.parts.clock()
  }

  /**
   * The same world (logs, trusted root, clock) but certificates come from a CA that the trusted
   * root does not list. Its root and intermediate carry the same names as the trusted ones, so
   * only the keys differ.
   */
  untrusted(): TestSigstore {
    return new TestSigstore({ ...this.parts, fulcio: this.parts.untrustedCA() })
  }

  /** Keyless signing: ephemeral key, Fulcio certificate for `identity`, DSSE, Rekor entry. */
  signDsse(payload: Uint8Array, payloadType: string, options: KeylessSignOptions = {}): KeylessSignedBundle {
    const at = options.at ?? this.now()
    const identity = githubActionsIdentity(options.identity)
    const signingKey = generateP256KeyPair()
    const certificate = this.fulcio.issueLeaf({
      spki: signingKey.spki,
      identity,
      issuedAt: new Date(at.getTime() - CERTIFICATE_LEAD_MS),
      ctLog: this.ctLog,
      ...(options.sct ? { sctFault: options.sct } : {}),
    })
    // npm leaves the DSSE keyid empty for keyless signatures.
    const envelope = this.tamper(signEnvelope(payload, payloadType, signingKey.privateKey, ''), options)
    const logged = this.logAndBundle(envelope, certificate.pem, at, options, {
      kind: 'certificate',
      leaf: certificate.der,
      chain: this.fulcio.chainDER,
    })
    return { ...logged, identity, certificate, signingKey }
  }

  /** Signing with a long-lived key, named in the bundle by `key.keyid` (publicKey.hint and DSSE keyid). */
  signWithKey(
    payload: Uint8Array,
    payloadType: string,
    key: Pick<RegistryKeyPair, 'privateKey' | 'keyid'>,
    options: SignOptions = {},
  ): SignedBundle {
    const at = options.at ?? this.now()
    const envelope = this.tamper(signEnvelope(payload, payloadType, key.privateKey, key.keyid), options)
    const pem = publicKeyPEM(createPublicKey(key.privateKey))
    return this.logAndBundle(envelope, pem, at, options, { kind: 'publicKey', hint: key.keyid })
  }

  /** npm provenance for a package version, built and signed on GitHub Actions as `identity`. */
  signProvenance(pkg: PackageSubjectInput, options: ProvenanceOptions = {}): ProvenanceAttestation {
    const identity = githubActionsIdentity(options.identity)
    const v02 = options.slsaVersion === 'v0.2'
    let statement: InTotoStatement<SlsaProvenanceV1Predicate | SlsaProvenanceV02Predicate> = inTotoStatement({
      subject: [npmSubject(pkg)],
      predicateType: v02 ? SLSA_PROVENANCE_V02 : SLSA_PROVENANCE_V1,
      predicate: v02
        ? slsaProvenanceV02(identity)
        : slsaProvenanceV1(identity, { includeRunnerEnvironment: options.includeRunnerEnvironment ?? false }),
      statementType: v02 ? INTOTO_STATEMENT_V01 : INTOTO_STATEMENT_V1,
    })
    if (options.editStatement) statement = options.editStatement(statement) as typeof statement
    const signed = this.signDsse(serializeStatement(statement), INTOTO_PAYLOAD_TYPE, { ...options, identity })
    return { ...signed, statement, attestation: { predicateType: statement.predicateType, bundle: signed.bundle } }
  }

  /**
   * The registry's publish attestation for a package version, signed with the registry key: the
   * same `RegistryKeyPair` (registry helper) that signs `dist.signatures`.
   */
  signPublishAttestation(
    pkg: PackageSubjectInput,
    key: Pick<RegistryKeyPair, 'privateKey' | 'keyid'>,
    options: PublishAttestationOptions = {},
  ): PublishAttestation {
    let statement: InTotoStatement<NpmPublishPredicate> = inTotoStatement({
      subject: [npmSubject(pkg)],
      predicateType: NPM_PUBLISH_V01,
      predicate: npmPublishPredicate(pkg.name, pkg.version, options.registry),
      statementType: options.statementType ?? INTOTO_STATEMENT_V01,
    })
    if (options.editStatement) statement = options.editStatement(statement) as typeof statement
    const signed = this.signWithKey(serializeStatement(statement), INTOTO_PAYLOAD_TYPE, key, options)
    return { ...signed, statement, attestation: { predicateType: statement.predicateType, bundle: signed.bundle } }
  }

  private tamper(envelope: DsseEnvelope, options: SignOptions): DsseEnvelope {
    return options.editSignedEnvelope ? options.editSignedEnvelope(envelope) : envelope
  }

  private logAndBundle(
    envelope: DsseEnvelope,
    verifierPEM: string,
    at: Date,
    options: SignOptions,
    signer: Parameters<typeof assembleBundle>[0]['signer'],
  ): SignedBundle {
    const version = options.bundleVersion ?? '0.3'
    const kind = options.tlogKind ?? DEFAULT_TLOG_KIND[version]
    const body: RekorBody = kind === 'dsse' ? dsseBody(envelope, verifierPEM) : intotoBody(envelope, verifierPEM)
    const tlogEntry = this.rekor.append(body, {
      integratedTime: options.integratedTime ?? at,
      inclusionPromise: true,
      // v0.1 bundles predate inclusion proofs in bundles.
      inclusionProof: version !== '0.1',
    })
    return {
      bundle: assembleBundle({ version, envelope, signer, tlogEntry }),
      envelope,
      integratedTime: new Date(Number(tlogEntry.integratedTime) * 1000),
      logIndex: Number(tlogEntry.logIndex),
    }
  }
}

/** Creates a fresh world with new keys; cheap enough (a few ms) to make one per test. */
export function createTestSigstore(options: TestSigstoreOptions = {}): TestSigstore {
  const fixedNow = options.now
  const clock = typeof fixedNow === 'function' ? fixedNow : fixedNow ? () => new Date(fixedNow) : () => new Date()
  const validFrom = options.validFrom ?? new Date(clock().getTime() - DEFAULT_TRUST_LEAD_MS)
  const caValidity = { validFrom, validTo: new Date(validFrom.getTime() + CA_LIFETIME_MS) }
  const logHost = options.logHost ?? DEFAULT_LOG_HOST

  const fulcio = new FulcioCA(caValidity)
  const ctLog = new CTLog(DEFAULT_CT_LOG_URL)
  const rekor = new TransparencyLog({ ...options.rekor, baseUrl: `https://${logHost}` })
  const trustedRoot = buildTrustedRoot({ ca: fulcio, caURI: DEFAULT_CA_URL, rekor, ctLog, validFrom })
  let untrustedCA: FulcioCA | undefined
  return new TestSigstore({
    clock,
    fulcio,
    ctLog,
    rekor,
    trustedRoot,
    untrustedCA: () => (untrustedCA ??= new FulcioCA(caValidity)),
  })
}
