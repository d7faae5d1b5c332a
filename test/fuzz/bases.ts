/**
 * The valid evidence the mutation fuzz starts from, built once per run:
 *  - real npm evidence from the recorded corpus (fixtures/corpus): attestation documents with their
 *    tarballs, registry signatures, packument versions, checked against the Sigstore public-good
 *    trusted root and npm's registry keys;
 *  - full packages from the test Sigstore PKI and a test registry key (signature, provenance v1/v0.2
 *    in bundles v0.3/v0.2/v0.1, publish attestation, tarball);
 *  - sigstore-conformance bundles that verify, and bundles *refused* only because the trusted root says
 *    the transparency log's key was not valid at the bundle's verified time (a trust-side refusal that
 *    no edit of the bundle can legitimately lift).
 * Every base's expected verdict is asserted by the suite before it is mutated.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import ssri from 'ssri'
import { corpusPath, loadCorpusCases, readCorpusJSON } from '../helpers/corpus.js'
import { createTestSigstore, type BundleVersion, type InTotoStatement } from '../helpers/pki/index.js'
import { createRegistryKey, formatKeysEndpoint, packTarball, signRegistrySignature } from '../helpers/registry/index.js'
import { loadTrustFiles } from '../../lib/fetch/trust.js'
import { parseRegistryKeys } from '../../lib/fetch/registry-keys/parse.js'
import { createBundleVerifier, parseTrustedRoot, type ArtifactInput, type BundleVerifier, type VerifyPolicy } from '../../lib/verify/sigstore/index.js'
import { createTrustContext } from '../../lib/verify/trust-context.js'
import type { TrustContext } from '../../lib/verify/trust-context.js'
import type { PackageEvidence } from '../../lib/model/evidence.js'

// Untyped JSON the fuzz edits in place.
export type Json = any

export type Facet = 'signature' | 'provenance' | 'publish'
export const FACETS: readonly Facet[] = ['signature', 'provenance', 'publish']

/** What a base is really about: anything verified must be bound to exactly this. */
export interface Truth {
  name: string
  version: string
  /** The one sha512 digest (base64) of the real tarball. */
  sha512: string
}

export interface EvidenceBase {
  id: string
  evidence: PackageEvidence
  trust: TrustContext
  truth: Truth
  /** Facets the unmutated base verifies (asserted before fuzzing). */
  verified: Facet[]
  /** Evidence of other package versions from the same trust world, for swaps. */
  donors: PackageEvidence[]
}

export interface BundleBase {
  id: string
  bundle: Json
  verifier: BundleVerifier
  artifact: ArtifactInput
  policy: VerifyPolicy
  /** 'refused' bases are refused for a reason outside the bundle: they must stay refused. */
  expect: 'verified' | 'refused'
  why: string
  /** Times worth trying in time fields (validity window edges of this base's trusted root). */
  timeHints: number[]
  donors: Json[]
}

export interface Bases {
  evidence: EvidenceBase[]
  /** Resigned semantic variants: correctly signed evidence that names the wrong thing. */
  resigned: { id: string; base: EvidenceBase; evidence: PackageEvidence; breaks: Facet[] }[]
  bundles: BundleBase[]
}

const PUBLIC_GOOD_ROOT = 'trust/sigstore-public-good.trusted_root.json'

export function sha512Of(bytes: Buffer): string {
  return createHash('sha512').update(bytes).digest('base64')
}

export function clone<T>(value: T): T {
  return structuredClone(value)
}

// ---------------------------------------------------------------------------------------------
// Real npm evidence

function realBases(): EvidenceBase[] {
  const loaded = loadTrustFiles({ trustedRootFile: corpusPath(PUBLIC_GOOD_ROOT), registryKeysFile: corpusPath('trust/npm-registry-keys.tuf-keys.json') })
  const trust = createTrustContext(loaded)
  const cases = loadCorpusCases()
  const signed = (readCorpusJSON('registry-signatures/cases.json') as Json).cases as Json[]
  const out: EvidenceBase[] = []

  for (const c of cases.filter((c) => c.kind === 'attestations' && c.expect === 'verify')) {
    const tarball = readFileSync(corpusPath(c.tarball!))
    const document = readCorpusJSON(c.file) as Json
    const evidence: PackageEvidence = { name: c.name!, version: c.version!, integrity: c.integrity!, tarball, attestations: { state: 'fetched', document } }
    const verified: Facet[] = []
    const sig = signed.find((s) => s.name === c.name && s.version === c.version && String(s.expect).startsWith('VERIFY'))
    if (sig) {
      // The recorded version data has no publish time; npm logged the publish attestation seconds
      // after publishing, so its (SET-signed) integrated time stands in for time[version].
      const publish = document.attestations.find((a: Json) => a.predicateType.includes('npm/attestation'))
      evidence.publishTime = new Date(Number(publish.bundle.verificationMaterial.tlogEntries[0].integratedTime) * 1000).toISOString()
      evidence.versionData = { dist: { integrity: c.integrity, signatures: sig.signatures, ...(sig.attestations ? { attestations: sig.attestations } : {}) } }
      verified.push('signature')
    }
    verified.push('provenance', 'publish')
    out.push({ id: `real:${c.id}`, evidence, trust, truth: { name: c.name!, version: c.version!, sha512: sha512Of(tarball) }, verified, donors: [] })
  }

  for (const file of ['packuments/abbrev.json', 'packuments/has-package-exports.json']) {
    const packument = readCorpusJSON(file) as Json
    for (const [version, doc] of Object.entries<Json>(packument.versions)) {
      if (!Array.isArray(doc.dist?.signatures) || typeof doc.dist.integrity !== 'string') continue
      const digests = (ssri.parse(doc.dist.integrity) as Json)?.sha512 ?? []
      if (digests.length !== 1) continue
      out.push({
        id: `real:${packument.name}@${version}`,
        evidence: {
          name: packument.name,
          version,
          integrity: doc.dist.integrity,
          publishTime: packument.time[version],
          versionData: { dist: doc.dist, _npmUser: doc._npmUser },
          // The attestations document of these versions is not recorded: only the signature is fuzzed.
          attestations: { state: 'not-requested' },
        },
        trust,
        truth: { name: packument.name, version, sha512: digests[0].digest },
        verified: ['signature'],
        donors: [],
      })
    }
  }
  linkDonors(out)
  return out
}

/** Donors are evidence of *other* package versions (same name, version and tarball is the same thing). */
function linkDonors(bases: EvidenceBase[]): void {
  const key = (t: Truth) => `${t.name}@${t.version}#${t.sha512}`
  for (const b of bases) b.donors = bases.filter((o) => key(o.truth) !== key(b.truth)).map((o) => o.evidence)
}

// ---------------------------------------------------------------------------------------------
// Test PKI evidence

interface PkiPackage {
  name: string
  version: string
  bundleVersion: BundleVersion
  slsaVersion: 'v1' | 'v0.2'
}

const PKI_PACKAGES: PkiPackage[] = [
  { name: '@acme/widget', version: '1.2.3', bundleVersion: '0.3', slsaVersion: 'v1' },
  { name: '@acme/widget', version: '1.2.4', bundleVersion: '0.2', slsaVersion: 'v1' },
  { name: 'left-pad-lite', version: '0.9.0', bundleVersion: '0.1', slsaVersion: 'v0.2' },
]
const PKI_NOW = new Date('2025-06-01T12:00:00Z')
const PREDICATE = { v1: 'https://slsa.dev/provenance/v1', 'v0.2': 'https://slsa.dev/provenance/v0.2' }

function pkiBases(): { bases: EvidenceBase[]; resigned: Bases['resigned'] } {
  const world = createTestSigstore({ now: PKI_NOW })
  const key = createRegistryKey()
  const trust = createTrustContext({ trustedRoot: world.trustedRoot, trustedRootSource: 'test root', registryKeys: parseRegistryKeys(formatKeysEndpoint([key]), 'test keys') })

  const make = (p: PkiPackage, edit?: { provenance?: (s: InTotoStatement) => InTotoStatement; publish?: (s: InTotoStatement) => InTotoStatement }): PackageEvidence => {
    const packed = packTarball({ name: p.name, version: p.version })
    const tarball = Buffer.from(packed.bytes)
    const pkg = { name: p.name, version: p.version, tarball }
    const options = { bundleVersion: p.bundleVersion }
    const provenance = world.signProvenance(pkg, { ...options, slsaVersion: p.slsaVersion, ...(edit?.provenance ? { editStatement: edit.provenance } : {}) })
    const publish = world.signPublishAttestation(pkg, key, { ...options, ...(edit?.publish ? { editStatement: edit.publish } : {}) })
    return {
      name: p.name,
      version: p.version,
      integrity: packed.integrity,
      publishTime: PKI_NOW.toISOString(),
      tarball,
      versionData: {
        dist: {
          integrity: packed.integrity,
          signatures: [signRegistrySignature(key, { name: p.name, version: p.version, integrity: packed.integrity })],
          attestations: { url: `https://registry.test/-/npm/v1/attestations/${p.name}@${p.version}`, provenance: { predicateType: PREDICATE[p.slsaVersion] } },
        },
        _npmUser: { name: 'acme-bot', email: 'bot@acme.test' },
      },
      attestations: { state: 'fetched', document: { attestations: [provenance.attestation, publish.attestation] } },
    }
  }

  const bases: EvidenceBase[] = PKI_PACKAGES.map((p) => {
    const evidence = make(p)
    return {
      id: `pki:${p.name}@${p.version}(bundle v${p.bundleVersion}, slsa ${p.slsaVersion})`,
      evidence,
      trust,
      truth: { name: p.name, version: p.version, sha512: sha512Of(evidence.tarball!) },
      verified: ['signature', 'provenance', 'publish'],
      donors: [],
    }
  })
  linkDonors(bases)

  // Semantic mutations need a valid signature over the wrong content: sign edited statements.
  const first = bases[0]!
  const p = PKI_PACKAGES[0]!
  const other = bases[1]!.truth
  const hex = (b64: string) => Buffer.from(b64, 'base64').toString('hex')
  const subject = (s: InTotoStatement, edit: (sub: Json) => void): InTotoStatement => {
    const copy = clone(s) as Json
    edit(copy.subject[0])
    return copy
  }
  const variants: { id: string; provenance?: (s: InTotoStatement) => InTotoStatement; publish?: (s: InTotoStatement) => InTotoStatement; breaks: Facet[] }[] = [
    { id: 'provenance subject names another version', provenance: (s) => subject(s, (x) => (x.name = 'pkg:npm/%40acme/widget@1.2.4')), breaks: ['provenance'] },
    { id: 'provenance subject names another package', provenance: (s) => subject(s, (x) => (x.name = 'pkg:npm/%40acme/widgets@1.2.3')), breaks: ['provenance'] },
    { id: 'provenance subject scope not percent-encoded', provenance: (s) => subject(s, (x) => (x.name = 'pkg:npm/@acme/widget@1.2.3')), breaks: ['provenance'] },
    { id: 'provenance subject digest of another tarball', provenance: (s) => subject(s, (x) => (x.digest = { sha512: hex(other.sha512) })), breaks: ['provenance'] },
    { id: 'provenance subject digest sha256 only', provenance: (s) => subject(s, (x) => (x.digest = { sha256: 'ab'.repeat(32) })), breaks: ['provenance'] },
    { id: 'provenance subject digest truncated', provenance: (s) => subject(s, (x) => (x.digest.sha512 = x.digest.sha512.slice(0, 64))), breaks: ['provenance'] },
    {
      id: 'provenance with a second subject',
      provenance: (s) => ({ ...s, subject: [...s.subject, { name: 'pkg:npm/%40acme/widget@1.2.4', digest: { sha512: hex(other.sha512) } }] }) as InTotoStatement,
      breaks: ['provenance'],
    },
    {
      id: 'provenance with the wrong subject first',
      provenance: (s) => ({ ...s, subject: [{ name: 'pkg:npm/%40acme/widget@1.2.4', digest: { sha512: hex(other.sha512) } }, ...s.subject] }) as InTotoStatement,
      breaks: ['provenance'],
    },
    { id: 'provenance signed predicateType differs from the listed one', provenance: (s) => ({ ...s, predicateType: PREDICATE['v0.2'] }) as InTotoStatement, breaks: ['provenance'] },
    { id: 'provenance statement type unknown', provenance: (s) => ({ ...s, _type: 'https://in-toto.io/Statement/v9' }) as InTotoStatement, breaks: ['provenance'] },
    { id: 'publish subject names another version', publish: (s) => subject(s, (x) => (x.name = 'pkg:npm/%40acme/widget@1.2.4')), breaks: ['publish'] },
    { id: 'publish subject digest of another tarball', publish: (s) => subject(s, (x) => (x.digest = { sha512: hex(other.sha512) })), breaks: ['publish'] },
    { id: 'publish predicate names another version', publish: (s) => ({ ...s, predicate: { ...(s.predicate as Json), version: '1.2.4' } }) as InTotoStatement, breaks: ['publish'] },
    { id: 'publish predicate names another package', publish: (s) => ({ ...s, predicate: { ...(s.predicate as Json), name: 'widget' } }) as InTotoStatement, breaks: ['publish'] },
  ]
  const resigned = variants.map((v) => ({
    id: v.id,
    base: first,
    evidence: make(p, { ...(v.provenance ? { provenance: v.provenance } : {}), ...(v.publish ? { publish: v.publish } : {}) }),
    breaks: v.breaks,
  }))
  return { bases, resigned }
}

// ---------------------------------------------------------------------------------------------
// Conformance bundles

const CONFORMANCE = 'conformance/bundle-verify'
const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main'
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com'
const VERIFYING_CASES = [
  'happy-path-v0.1',
  'happy-path-intoto-in-dsse-v3',
  'bundle-with-sct-with-extensions',
  'managed-key-happy-path',
  'intoto-with-custom-trust-root',
  'rekor2-timestamp-without-embedded-cert',
  'rekor2-checkpoint-cosigned',
]
// Trust-side refusals: the log key's validity window is moved to 2000–2001, long before any of these
// bundles was signed. The verified times (SET, RFC 3161) cannot be edited without breaking a signature.
const STALE_LOG_WINDOW = { start: '2000-01-01T00:00:00Z', end: '2001-01-01T00:00:00Z' }
const REFUSED_CASES = ['managed-key-happy-path', 'intoto-with-custom-trust-root', 'rekor2-timestamp-without-embedded-cert']

interface ConformanceCase {
  id: string
  bundle: Json
  root: Json
  artifact: Buffer
  keyPEM?: string
  policy: VerifyPolicy
}

function loadConformance(id: string): ConformanceCase {
  const dir = corpusPath(join(CONFORMANCE, id))
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').trim() : undefined)
  const keyPEM = read('key.pub')
  return {
    id,
    bundle: JSON.parse(read('bundle.sigstore.json')!),
    root: JSON.parse(read('trusted_root.json') ?? readFileSync(corpusPath(PUBLIC_GOOD_ROOT), 'utf8')),
    artifact: existsSync(join(dir, 'artifact')) ? readFileSync(join(dir, 'artifact')) : readFileSync(corpusPath(join(CONFORMANCE, 'a.txt'))),
    ...(keyPEM ? { keyPEM } : {}),
    policy: keyPEM ? { publicKeyHint: 'key.pub' } : { certificateIdentity: read('identity') ?? DEFAULT_IDENTITY, certificateIssuer: read('issuer') ?? DEFAULT_ISSUER },
  }
}

function timeHints(root: Json): number[] {
  const hints = new Set<number>()
  for (const log of root.tlogs ?? []) {
    for (const edge of [log.publicKey?.validFor?.start, log.publicKey?.validFor?.end]) {
      if (typeof edge !== 'string') continue
      const s = Math.floor(Date.parse(edge) / 1000)
      for (const d of [-1, 0, 1, 86_400]) hints.add(s + d)
    }
  }
  return [...hints]
}

function conformanceBases(): BundleBase[] {
  const cases = VERIFYING_CASES.map(loadConformance)
  const bundle = (c: ConformanceCase, root: Json, expect: BundleBase['expect'], why: string): BundleBase => ({
    id: `${expect === 'refused' ? 'refused' : 'conformance'}:${c.id}`,
    bundle: c.bundle,
    verifier: createBundleVerifier({ trustedRoot: parseTrustedRoot(root, `${c.id}/trusted_root.json`), ...(c.keyPEM ? { publicKeys: { 'key.pub': { publicKey: c.keyPEM } } } : {}) }),
    artifact: { bytes: c.artifact },
    policy: c.policy,
    expect,
    why,
    timeHints: timeHints(root),
    donors: cases.filter((o) => o !== c).map((o) => o.bundle),
  })
  const out = cases.map((c) => bundle(c, c.root, 'verified', 'sigstore-conformance case that verifies'))
  for (const c of cases.filter((c) => REFUSED_CASES.includes(c.id))) {
    const root = clone(c.root)
    for (const log of root.tlogs) log.publicKey.validFor = { ...STALE_LOG_WINDOW }
    out.push(bundle(c, root, 'refused', 'the trusted root says every log key expired in 2001, years before this bundle was logged or timestamped'))
  }
  return out
}

export function buildBases(): Bases {
  const real = realBases()
  const pki = pkiBases()
  return { evidence: [...real, ...pki.bases], resigned: pki.resigned, bundles: conformanceBases() }
}
