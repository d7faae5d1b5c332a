// verifyPackage against bundles and signatures minted by the test Sigstore PKI and registry key:
// every identity field, reusable workflows, self-hosted runners, and each finding code from a mutation.
import t from 'tap'
import { createTestSigstore, type GithubActionsIdentityInput, type ProvenanceOptions } from '../helpers/pki/index.js'
import { createRegistryKey, formatKeysEndpoint, packTarball, signRegistrySignature } from '../helpers/registry/index.js'
import { parseRegistryKeys } from '../../lib/fetch/registry-keys/parse.js'
import { createTrustContext } from '../../lib/verify/trust-context.js'
import { verifyPackage } from '../../lib/verify/package.js'
import type { PackageEvidence } from '../../lib/model/evidence.js'

const NOW = new Date('2025-06-01T12:00:00Z')
const world = createTestSigstore({ now: NOW })
const key = createRegistryKey()
const keys = parseRegistryKeys(formatKeysEndpoint([key]), 'test keys')
const trust = createTrustContext({ trustedRoot: world.trustedRoot, trustedRootSource: 'test root', registryKeys: keys })

const name = '@acme/widget'
const version = '1.2.3'
const tarball = Buffer.from(packTarball({ name, version }).bytes)
const { integrity } = packTarball({ name, version })

function attestations(provenance: ProvenanceOptions = {}, pkg = { name, version, tarball }) {
  return {
    attestations: [world.signProvenance(pkg, provenance).attestation, world.signPublishAttestation(pkg, key).attestation],
  }
}

function evidence(over: Partial<PackageEvidence> = {}, doc: unknown = attestations()): PackageEvidence {
  return {
    name,
    version,
    integrity,
    publishTime: NOW.toISOString(),
    versionData: {
      dist: {
        integrity,
        signatures: [signRegistrySignature(key, { name, version, integrity })],
        attestations: { url: 'https://registry.example/-/npm/v1/attestations/@acme%2fwidget@1.2.3', provenance: { predicateType: 'https://slsa.dev/provenance/v1' } },
      },
      _npmUser: { name: 'acme-bot', email: 'bot@acme.example', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:1' } },
    },
    attestations: { state: 'fetched', document: doc },
    tarball,
    ...over,
  }
}
const codes = (e: PackageEvidence) => verifyPackage(e, trust).findings.map((f) => f.code)
const identityOf = (identity: GithubActionsIdentityInput) => verifyPackage(evidence({}, attestations({ identity })), trust).provenance.identity

t.test('everything valid: verified, no findings, every identity field extracted', async (t) => {
  const facts = verifyPackage(
    evidence({}, attestations({ identity: { repository: 'acme/widget', repositoryId: '42', repositoryOwnerId: '7', ref: 'refs/tags/v1.2.3', workflowPath: '.github/workflows/publish.yml', eventName: 'release', runId: '99', runAttempt: '2', visibility: 'private', sha: 'a'.repeat(40) } })),
    trust,
  )
  t.same(facts.findings, [])
  t.same([facts.integrity.status, facts.signature.status, facts.provenance.status, facts.publish.status], ['verified', 'verified', 'verified', 'verified'])
  t.equal(facts.signature.keyid, key.keyid)
  t.equal(facts.publish.keyid, key.keyid)
  t.match(facts.provenance.identity, {
    issuer: 'https://token.actions.githubusercontent.com',
    subjectAlternativeName: 'https://github.com/acme/widget/.github/workflows/publish.yml@refs/tags/v1.2.3',
    repository: 'acme/widget',
    repositoryUri: 'https://github.com/acme/widget',
    repositoryId: '42',
    repositoryOwnerId: '7',
    workflow: '.github/workflows/publish.yml',
    ref: 'refs/tags/v1.2.3',
    commit: 'a'.repeat(40),
    runner: 'github-hosted',
    trigger: 'release',
    visibility: 'private',
    buildSignerUri: 'https://github.com/acme/widget/.github/workflows/publish.yml@refs/tags/v1.2.3',
    runInvocationUri: 'https://github.com/acme/widget/actions/runs/99/attempts/2',
    buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
  })
  t.equal(facts.provenance.identity?.sources.repositoryId, 'certificate')
  t.same(facts.publisher, { source: 'registry-metadata', name: 'acme-bot', email: 'bot@acme.example', trustedPublisher: { id: 'github', oidcConfigId: 'oidc:1' } })
})

t.test('a reusable workflow: the SAN names the shared workflow, repository and workflow the caller', async (t) => {
  const id = identityOf({ repository: 'acme/widget', jobWorkflowRef: 'shared-org/release-tools/.github/workflows/npm.yml@refs/heads/main' })
  t.equal(id?.subjectAlternativeName, 'https://github.com/shared-org/release-tools/.github/workflows/npm.yml@refs/heads/main')
  t.equal(id?.buildSignerUri, 'https://github.com/shared-org/release-tools/.github/workflows/npm.yml@refs/heads/main')
  t.equal(id?.repository, 'acme/widget')
  t.equal(id?.workflow, '.github/workflows/release.yml')
})

t.test('a self-hosted runner is reported as such', async (t) => {
  t.equal(identityOf({ runnerEnvironment: 'self-hosted' })?.runner, 'self-hosted')
})

t.test('a legacy-only certificate still yields repository, ref and commit, marked as legacy', async (t) => {
  const id = identityOf({ legacyExtensionsOnly: true, repository: 'acme/old' })
  t.equal(id?.repository, 'acme/old')
  t.equal(id?.sources.repository, 'certificate-legacy')
  t.equal(id?.sources.ref, 'certificate-legacy')
})

t.test('SLSA v0.2 provenance in a v0.2 bundle and a v0.1 bundle verify', async (t) => {
  for (const bundleVersion of ['0.1', '0.2'] as const) {
    const e = evidence({}, attestations({ slsaVersion: 'v0.2', bundleVersion }))
    e.versionData!.dist!.attestations = { url: 'x', provenance: { predicateType: 'https://slsa.dev/provenance/v0.2' } }
    const facts = verifyPackage(e, trust)
    t.same(facts.findings, [], `bundle v${bundleVersion}`)
    t.equal(facts.provenance.predicateType, 'https://slsa.dev/provenance/v0.2')
  }
})

t.test('each finding code from a mutated fixture', async (t) => {
  const other = packTarball({ name, version, description: 'other' }).integrity
  const dist = evidence().versionData!.dist!
  t.same(codes(evidence({ versionData: { dist: { ...dist, integrity: other } } })), ['INTEGRITY_MISMATCH'])
  t.same(codes(evidence({ integrity: undefined, versionData: { dist: { ...dist, integrity: undefined } }, tarball: undefined })), ['INTEGRITY_MISSING'])
  const altered = Buffer.from(tarball)
  altered.writeUInt8(altered.readUInt8(20) ^ 1, 20)
  t.same(codes(evidence({ tarball: altered })), ['TARBALL_INTEGRITY_MISMATCH'])

  t.same(codes(evidence({ versionData: { dist: { ...dist, signatures: [] } } })), ['SIGNATURE_MISSING'])
  t.same(codes(evidence({ versionData: { dist: { ...dist, signatures: [signRegistrySignature(key, { name, version: '9.9.9', integrity })] } } })), ['SIGNATURE_INVALID'])
  const stranger = createRegistryKey()
  t.same(codes(evidence({ versionData: { dist: { ...dist, signatures: [signRegistrySignature(stranger, { name, version, integrity })] } } })), ['SIGNATURE_KEY_UNKNOWN'])
  const noKeys = createTrustContext({ trustedRoot: world.trustedRoot, trustedRootSource: 'test root', registryKeys: null })
  t.same(verifyPackage(evidence(), noKeys).findings.map((f) => f.code).sort(), ['ATTESTATION_INVALID', 'SIGNATURE_UNSUPPORTED_BY_REGISTRY'], 'no keys: publish attestation cannot verify either')

  t.same(codes(evidence({ attestations: { state: 'not-requested' }, versionData: { dist: { ...dist, attestations: undefined } } })), ['PROVENANCE_MISSING'])
  t.same(codes(evidence({ attestations: { state: 'not-found' } })), ['ATTESTATION_MISSING'], 'advertised but 404')
  t.same(codes(evidence({ attestations: { state: 'failed', reason: 'HTTP 500' } })), ['ATTESTATION_MISSING'], 'advertised but unfetchable')
  const onlyPublish = { attestations: [attestations().attestations[1]] }
  t.same(codes(evidence({}, onlyPublish)), ['ATTESTATION_MISSING'], 'advertised provenance absent from the document')
  t.same(codes(evidence({ versionData: { dist: { ...dist, attestations: undefined } } }, onlyPublish)), ['PROVENANCE_MISSING'], 'never advertised')

  const tampered = attestations()
  const env = tampered.attestations[0]!.bundle.dsseEnvelope as { payload: string }
  const payload = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8'))
  payload.predicate.buildDefinition.externalParameters.workflow.ref = 'refs/heads/evil'
  env.payload = Buffer.from(JSON.stringify(payload)).toString('base64')
  t.same(codes(evidence({}, tampered)), ['ATTESTATION_INVALID'], 'payload changed after signing')

  t.same(codes(evidence({}, { attestations: [world.untrusted().signProvenance({ name, version, tarball }).attestation, attestations().attestations[1]] })), ['ATTESTATION_INVALID'], 'certificate from an untrusted CA')
  const relabelled = attestations()
  relabelled.attestations[0]!.predicateType = 'https://slsa.dev/provenance/v0.2'
  t.same(codes(evidence({}, relabelled)), ['ATTESTATION_INVALID'], 'outer predicateType differs from the signed one')
  const disagreeing = attestations({
    editStatement: (s) => {
      ;(s.predicate as any).buildDefinition.externalParameters.workflow.ref = 'refs/heads/other'
      return s
    },
  })
  t.same(codes(evidence({}, disagreeing)), ['ATTESTATION_INVALID'], 'certificate and predicate disagree on ref')

  t.same(codes(evidence({}, attestations({}, { name, version: '1.2.4', tarball }))), ['ATTESTATION_SUBJECT_MISMATCH', 'ATTESTATION_SUBJECT_MISMATCH'], 'signed for another version')
  t.same(codes(evidence({}, attestations({}, { name: '@acme/other', version, tarball }))), ['ATTESTATION_SUBJECT_MISMATCH', 'ATTESTATION_SUBJECT_MISMATCH'], 'signed for another package')
  const otherBytes = Buffer.from(packTarball({ name, version, description: 'other' }).bytes)
  t.same(codes(evidence({}, attestations({}, { name, version, tarball: otherBytes }))), ['ATTESTATION_SUBJECT_MISMATCH', 'ATTESTATION_SUBJECT_MISMATCH'], 'signed over other bytes')

  const publishByStranger = { attestations: [attestations().attestations[0], world.signPublishAttestation({ name, version, tarball }, stranger).attestation] }
  t.same(codes(evidence({}, publishByStranger)), ['ATTESTATION_INVALID'], 'publish attestation by an unknown key')
  const expiring = createRegistryKey({ expires: '2025-01-01T00:00:00Z' })
  const expiringTrust = createTrustContext({ trustedRoot: world.trustedRoot, trustedRootSource: 'r', registryKeys: parseRegistryKeys(formatKeysEndpoint([key, expiring]), 'k') })
  const signedByExpiring = { ...dist, signatures: [signRegistrySignature(expiring, { name, version, integrity })] }
  t.same(verifyPackage(evidence({ versionData: { dist: signedByExpiring } }), expiringTrust).findings.map((f) => f.code), ['SIGNATURE_KEY_EXPIRED'], 'signed by a key that expired before the publish time')
  const lateDoc = { attestations: [attestations().attestations[0], world.signPublishAttestation({ name, version, tarball }, expiring).attestation] }
  t.same(verifyPackage(evidence({}, lateDoc), expiringTrust).findings.map((f) => f.code), ['ATTESTATION_INVALID'], 'publish attestation logged after its key expired')
  t.same(codes(evidence({}, { attestations: 'nope' })), ['ATTESTATION_INVALID'], 'malformed document')
})

t.test('never reports verified for anything it could not check', async (t) => {
  const facts = verifyPackage(evidence({ versionData: undefined, attestations: { state: 'failed', reason: 'timeout' } }), trust)
  t.equal(facts.signature.status, 'not-checked')
  t.equal(facts.provenance.status, 'missing')
  t.equal(facts.publish.status, 'missing')
})

t.test('reports INTEGRITY_AMBIGUOUS instead of passing A\'s evidence for B\'s bytes (lockfile lists two sha512)', async (t) => {
  const otherBytes = Buffer.from(packTarball({ name, version, description: 'other' }).bytes)
  const otherIntegrity = packTarball({ name, version, description: 'other' }).integrity
  // Everything is about A (signature, provenance, publish attestation); the bytes given are B's.
  const e = evidence({ integrity: `${integrity} ${otherIntegrity}`, versionData: undefined, tarball: otherBytes })
  const facts = verifyPackage(e, trust)
  t.same(facts.findings.map((f) => f.code), ['INTEGRITY_AMBIGUOUS'])
  t.not(facts.provenance.status, 'verified', 'no provenance is reported verified for bytes it is not about')
  t.not(facts.publish.status, 'verified')
  t.not(facts.integrity.tarball, 'verified')
})

t.test('an integrity ssri cannot parse, in the lockfile or the version document, is a finding on the package', async (t) => {
  const dist = evidence().versionData!.dist!
  for (const bad of ['SHA512-' + integrity.slice(7), 'not-an-sri', ' ', 'sha512-%%%']) {
    const lockfileBad = verifyPackage(evidence({ integrity: bad }), trust)
    t.ok(lockfileBad.findings.some((f) => f.code === 'INTEGRITY_WEAK' || f.code === 'INTEGRITY_MISSING'), `lockfile ${JSON.stringify(bad)}`)
    t.not(lockfileBad.signature.status, 'verified')
    const registryBad = verifyPackage(evidence({ versionData: { dist: { ...dist, integrity: bad } } }), trust)
    t.ok(registryBad.findings.some((f) => f.code === 'INTEGRITY_MISMATCH') || bad.trim() === '', `registry ${JSON.stringify(bad)}`)
  }
})
