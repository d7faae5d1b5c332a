/**
 * The test PKI produces bundles that the real @sigstore/verify accepts, carrying the identity that
 * npm provenance from GitHub Actions carries. Tampering is covered in pki-tamper.test.ts and the
 * building blocks in pki-parts.test.ts.
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { assertBundleLatest, assertBundleV01, assertBundleV02, bundleFromJSON } from '@sigstore/bundle'
import { X509Certificate } from '@sigstore/core'
import {
  BUNDLE_MEDIA_TYPE,
  FULCIO_OID,
  GITHUB_ACTIONS_ISSUER,
  INTOTO_PAYLOAD_TYPE,
  INTOTO_STATEMENT_V01,
  INTOTO_STATEMENT_V1,
  NPM_PUBLISH_V01,
  SLSA_PROVENANCE_V02,
  SLSA_PROVENANCE_V1,
  TRUSTED_ROOT_MEDIA_TYPE,
  createRegistryKey,
  createTestSigstore,
  publicKeyPEM,
  verificationErrorCode,
  verifyWithSigstore,
  type BundleJSON,
  type SlsaProvenanceV02Predicate,
  type SlsaProvenanceV1Predicate,
} from './pki/index.js'

const NOW = new Date('2025-03-01T12:00:00Z')
const TARBALL = Buffer.from('tarball bytes')
const TARBALL_SHA512 = createHash('sha512').update(TARBALL).digest('hex')
const PKG = { name: '@octo-org/octo-pkg', version: '1.0.0', tarball: TARBALL }
const LAST_FULCIO_ARC = 22

function leafOf(bundle: BundleJSON): X509Certificate {
  const vm = bundle.verificationMaterial
  const raw = vm.certificate?.rawBytes ?? vm.x509CertificateChain?.certificates[0]?.rawBytes
  if (!raw) throw new Error('bundle has no certificate')
  return X509Certificate.parse(Buffer.from(raw, 'base64'))
}

/** Extensions .8 and later: a DER UTF8String inside extnValue. */
function utf8Extension(cert: X509Certificate, oid: string): string | undefined {
  const ext = cert.extension(oid)
  if (!ext) return undefined
  const inner = ext.valueObj.subs[0]
  if (!inner || !inner.tag.isUniversal() || inner.tag.number !== 0x0c) throw new Error(`${oid} is not a UTF8String`)
  return inner.value.toString('utf8')
}

/** Extensions .1–.6: the raw extnValue bytes are the value. */
function rawExtension(cert: X509Certificate, oid: string): string | undefined {
  return cert.extension(oid)?.value.toString('utf8')
}

function fulcioArcs(cert: X509Certificate): number[] {
  return cert.extensions
    .map((ext) => ext.subs[0]!.toOID())
    .filter((oid) => oid.startsWith('1.3.6.1.4.1.57264.1.'))
    .map((oid) => Number(oid.split('.').pop()))
}

function payloadOf(bundle: BundleJSON): unknown {
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'))
}

t.test('a v0.3 provenance bundle verifies against the generated trusted root', async (t) => {
  const world = createTestSigstore({ now: NOW })
  const prov = world.signProvenance(PKG)

  t.equal(world.trustedRoot.mediaType, TRUSTED_ROOT_MEDIA_TYPE)
  t.equal(prov.bundle.mediaType, BUNDLE_MEDIA_TYPE['0.3'])
  t.doesNotThrow(() => assertBundleLatest(bundleFromJSON(prov.bundle)))
  t.ok(prov.bundle.verificationMaterial.certificate, 'v0.3 carries a single certificate')
  const entry = prov.bundle.verificationMaterial.tlogEntries[0]!
  t.same(entry.kindVersion, { kind: 'dsse', version: '0.0.1' })
  t.ok(entry.inclusionPromise, 'has a SET')
  t.ok(entry.inclusionProof && entry.inclusionProof.hashes.length > 0, 'has a non-trivial inclusion proof')
  t.equal(entry.integratedTime, String(NOW.getTime() / 1000))
  t.equal(prov.bundle.dsseEnvelope.payloadType, INTOTO_PAYLOAD_TYPE)
  t.same(Object.keys(prov.bundle.dsseEnvelope.signatures[0]!), ['sig'], 'keyless DSSE signatures carry no keyid')

  const body = JSON.parse(Buffer.from(entry.canonicalizedBody, 'base64').toString('utf8'))
  t.same(Object.keys(body.spec), ['envelopeHash', 'payloadHash', 'signatures'])
  t.equal(Buffer.from(body.spec.signatures[0].verifier, 'base64').toString(), prov.certificate.pem)

  const signer = verifyWithSigstore(world.trustedRoot, prov.bundle)
  const san = 'https://github.com/octo-org/octo-pkg/.github/workflows/release.yml@refs/tags/v1.0.0'
  t.equal(signer.identity?.subjectAlternativeName, san)
  t.equal(signer.identity?.extensions?.issuer, GITHUB_ACTIONS_ISSUER)
  t.equal(
    verificationErrorCode(() =>
      verifyWithSigstore(world.trustedRoot, prov.bundle, {
        policy: { subjectAlternativeName: san, extensions: { issuer: GITHUB_ACTIONS_ISSUER } },
      }),
    ),
    'OK',
  )
  t.equal(
    verificationErrorCode(() =>
      verifyWithSigstore(world.trustedRoot, prov.bundle, { policy: { subjectAlternativeName: 'https://github.com/evil/repo' } }),
    ),
    'UNTRUSTED_SIGNER_ERROR',
  )
})

t.test('v0.2 bundles (leaf-only chain, intoto entry, proof) verify', async (t) => {
  const world = createTestSigstore({ now: NOW })
  const prov = world.signProvenance(PKG, { bundleVersion: '0.2' })
  const vm = prov.bundle.verificationMaterial
  t.equal(prov.bundle.mediaType, 'application/vnd.dev.sigstore.bundle+json;version=0.2')
  t.doesNotThrow(() => assertBundleV02(bundleFromJSON(prov.bundle)))
  t.equal(vm.x509CertificateChain?.certificates.length, 1)
  t.same(vm.tlogEntries[0]!.kindVersion, { kind: 'intoto', version: '0.0.2' })
  t.ok(vm.tlogEntries[0]!.inclusionProof)

  const body = JSON.parse(Buffer.from(vm.tlogEntries[0]!.canonicalizedBody, 'base64').toString('utf8'))
  const sig = body.spec.content.envelope.signatures[0]
  t.equal(Buffer.from(sig.sig, 'base64').toString(), prov.bundle.dsseEnvelope.signatures[0]!.sig, 'signature is double-base64')
  t.notOk('payload' in body.spec.content.envelope, 'Rekor does not store the payload')
  t.equal(verificationErrorCode(() => verifyWithSigstore(world.trustedRoot, prov.bundle)), 'OK')
})

t.test('v0.1 bundles (full chain, intoto entry, SET only) verify', async (t) => {
  const world = createTestSigstore({ now: new Date('2023-02-09T17:56:00Z') })
  const prov = world.signProvenance(PKG, {
    bundleVersion: '0.1',
    slsaVersion: 'v0.2',
    identity: { legacyExtensionsOnly: true },
  })
  const vm = prov.bundle.verificationMaterial
  t.equal(prov.bundle.mediaType, 'application/vnd.dev.sigstore.bundle+json;version=0.1')
  t.doesNotThrow(() => assertBundleV01(bundleFromJSON(prov.bundle)))
  t.equal(vm.x509CertificateChain?.certificates.length, 3, 'leaf, intermediate, root')
  t.notOk(vm.tlogEntries[0]!.inclusionProof)
  t.ok(vm.tlogEntries[0]!.inclusionPromise)
  t.equal(prov.bundle.dsseEnvelope.signatures[0]!.keyid, '', 'older npm bundles wrote an empty keyid')
  t.equal(leafOf(prov.bundle).notBefore.getUTCFullYear(), 2023)

  const signer = verifyWithSigstore(world.trustedRoot, prov.bundle)
  t.equal(signer.identity?.extensions?.issuer, GITHUB_ACTIONS_ISSUER, 'issuer read from legacy extension .1')

  t.equal(prov.statement._type, INTOTO_STATEMENT_V01)
  t.equal(prov.statement.predicateType, SLSA_PROVENANCE_V02)
  const p = prov.statement.predicate as SlsaProvenanceV02Predicate
  t.equal(p.buildType, 'https://github.com/npm/cli/gha@v0')
  t.same(p.invocation.configSource, {
    uri: 'git+https://github.com/octo-org/octo-pkg@refs/tags/v1.0.0',
    digest: { sha1: prov.identity.sha },
    entryPoint: 'octo-org/octo-pkg/.github/workflows/release.yml@refs/tags/v1.0.0',
  })
  t.equal(p.invocation.environment.GITHUB_REF_TYPE, 'tag')
  t.equal(p.metadata.buildInvocationId, `${prov.identity.runId}-${prov.identity.runAttempt}`)
})

t.test('a publish attestation verifies with the registry key as trust material', async (t) => {
  const world = createTestSigstore({ now: NOW })
  const key = createRegistryKey()
  const pub = world.signPublishAttestation({ name: '@octo-org/octo-pkg', version: '1.0.0', integrity: `sha512-${createHash('sha512').update(TARBALL).digest('base64')}` }, key)

  t.match(key.keyid, /^SHA256:[A-Za-z0-9+/]{43}$/)
  t.same(pub.bundle.verificationMaterial.publicKey, { hint: key.keyid })
  t.equal(pub.bundle.dsseEnvelope.signatures[0]!.keyid, key.keyid)
  const entry = pub.bundle.verificationMaterial.tlogEntries[0]!
  t.same(entry.kindVersion, { kind: 'dsse', version: '0.0.1' })
  const body = JSON.parse(Buffer.from(entry.canonicalizedBody, 'base64').toString('utf8'))
  t.equal(Buffer.from(body.spec.signatures[0].verifier, 'base64').toString(), publicKeyPEM(key.publicKey))

  t.same(payloadOf(pub.bundle), {
    _type: INTOTO_STATEMENT_V01,
    subject: [{ name: 'pkg:npm/%40octo-org/octo-pkg@1.0.0', digest: { sha512: TARBALL_SHA512 } }],
    predicateType: NPM_PUBLISH_V01,
    predicate: { name: '@octo-org/octo-pkg', version: '1.0.0', registry: 'https://registry.npmjs.org' },
  })
  t.equal(pub.attestation.predicateType, NPM_PUBLISH_V01)

  t.equal(verificationErrorCode(() => verifyWithSigstore(world.trustedRoot, pub.bundle, { keys: [{ key }] })), 'OK')
  t.equal(
    verificationErrorCode(() => verifyWithSigstore(world.trustedRoot, pub.bundle)),
    'PUBLIC_KEY_ERROR',
    'fails without the key',
  )

  for (const version of ['0.1', '0.2'] as const) {
    const old = world.signPublishAttestation(PKG, key, { bundleVersion: version })
    t.same(old.bundle.verificationMaterial.tlogEntries[0]!.kindVersion, { kind: 'intoto', version: '0.0.2' })
    t.equal(verificationErrorCode(() => verifyWithSigstore(world.trustedRoot, old.bundle, { keys: [{ key }] })), 'OK', `v${version}`)
  }
})

t.test('the leaf certificate carries every Fulcio GitHub Actions extension', async (t) => {
  const world = createTestSigstore({ now: NOW })
  const prov = world.signProvenance(PKG, {
    identity: {
      repository: 'octo-org/octo-pkg',
      repositoryId: '111',
      repositoryOwnerId: '222',
      ref: 'refs/tags/v1.0.0',
      sha: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      eventName: 'release',
      runId: '333',
      runAttempt: '2',
      visibility: 'private',
    },
  })
  const cert = leafOf(prov.bundle)
  const workflow = 'https://github.com/octo-org/octo-pkg/.github/workflows/release.yml@refs/tags/v1.0.0'

  t.equal(cert.subjectAltName, workflow)
  t.equal(cert.extSubjectAltName?.critical, true)
  t.equal(cert.extKeyUsage?.critical, true)
  t.equal(cert.extKeyUsage?.digitalSignature, true)
  t.equal(cert.isCA, false)
  t.equal(cert.subject.length, 0, 'empty subject')
  t.equal(cert.notAfter.getTime() - cert.notBefore.getTime(), 10 * 60 * 1000, 'valid for 10 minutes')
  t.ok(cert.notBefore < NOW && NOW < cert.notAfter, 'issued just before the signature was logged')
  t.equal(cert.extSCT?.signedCertificateTimestamps.length, 1)
  t.same(cert.extSCT?.signedCertificateTimestamps[0]?.logID, world.ctLog.logId)

  const expected: Record<number, string> = {
    8: GITHUB_ACTIONS_ISSUER,
    9: workflow,
    10: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    11: 'github-hosted',
    12: 'https://github.com/octo-org/octo-pkg',
    13: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    14: 'refs/tags/v1.0.0',
    15: '111',
    16: 'https://github.com/octo-org',
    17: '222',
    18: workflow,
    19: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    20: 'release',
    21: 'https://github.com/octo-org/octo-pkg/actions/runs/333/attempts/2',
    22: 'private',
  }
  for (let arc = 8; arc <= LAST_FULCIO_ARC; arc++) {
    t.equal(utf8Extension(cert, `1.3.6.1.4.1.57264.1.${arc}`), expected[arc], `extension .${arc}`)
  }
  // Fulcio still writes the deprecated extensions next to the new ones.
  t.same(fulcioArcs(cert), [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22])
  t.equal(rawExtension(cert, FULCIO_OID.issuerV1), GITHUB_ACTIONS_ISSUER)
  t.equal(rawExtension(cert, FULCIO_OID.githubWorkflowTrigger), 'release')
  t.equal(rawExtension(cert, FULCIO_OID.githubWorkflowSha), 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')
  t.equal(rawExtension(cert, FULCIO_OID.githubWorkflowName), 'Release')
  t.equal(rawExtension(cert, FULCIO_OID.githubWorkflowRepository), 'octo-org/octo-pkg')
  t.equal(rawExtension(cert, FULCIO_OID.githubWorkflowRef), 'refs/tags/v1.0.0')
})

t.test('provenance and certificate are derived from the same identity', async (t) => {
  const world = createTestSigstore({ now: NOW })
  const prov = world.signProvenance(PKG, { identity: { eventName: 'workflow_dispatch', runId: '77' } })
  const cert = leafOf(prov.bundle)
  const ext = (oid: string) => utf8Extension(cert, oid)
  t.same(payloadOf(prov.bundle), prov.statement, 'the signed payload is the returned statement')

  t.equal(prov.statement._type, INTOTO_STATEMENT_V1)
  t.equal(prov.statement.predicateType, SLSA_PROVENANCE_V1)
  t.equal(prov.attestation.predicateType, SLSA_PROVENANCE_V1)
  t.same(prov.statement.subject, [{ name: 'pkg:npm/%40octo-org/octo-pkg@1.0.0', digest: { sha512: TARBALL_SHA512 } }])
  const p = prov.statement.predicate as SlsaProvenanceV1Predicate
  t.equal(p.buildDefinition.buildType, 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1')
  t.same(p.buildDefinition.externalParameters.workflow, {
    ref: ext(FULCIO_OID.sourceRepositoryRef),
    repository: ext(FULCIO_OID.sourceRepositoryURI),
    path: '.github/workflows/release.yml',
  })
  t.equal(`${ext(FULCIO_OID.sourceRepositoryURI)}/${p.buildDefinition.externalParameters.workflow.path}@${p.buildDefinition.externalParameters.workflow.ref}`, ext(FULCIO_OID.buildConfigURI))
  t.same(p.buildDefinition.internalParameters.github, {
    event_name: 'workflow_dispatch',
    repository_id: ext(FULCIO_OID.sourceRepositoryIdentifier),
    repository_owner_id: ext(FULCIO_OID.sourceRepositoryOwnerIdentifier),
  })
  t.equal(ext(FULCIO_OID.buildTrigger), 'workflow_dispatch')
  t.same(p.buildDefinition.resolvedDependencies, [
    {
      uri: `git+${ext(FULCIO_OID.sourceRepositoryURI)}@${ext(FULCIO_OID.sourceRepositoryRef)}`,
      digest: { gitCommit: ext(FULCIO_OID.sourceRepositoryDigest) },
    },
  ])
  t.equal(p.runDetails.builder.id, `https://github.com/actions/runner/${ext(FULCIO_OID.runnerEnvironment)}`)
  t.equal(p.runDetails.metadata.invocationId, ext(FULCIO_OID.runInvocationURI))
  t.equal(p.runDetails.metadata.invocationId, 'https://github.com/octo-org/octo-pkg/actions/runs/77/attempts/1')

  const withRunner = world.signProvenance(PKG, { includeRunnerEnvironment: true })
  t.equal((withRunner.statement.predicate as SlsaProvenanceV1Predicate).buildDefinition.internalParameters.github.runner_environment, 'github-hosted')
})

t.test('a reusable workflow signs as the shared workflow but builds the calling repository', async (t) => {
  const world = createTestSigstore({ now: NOW })
  const prov = world.signProvenance(PKG, {
    identity: {
      repository: 'octo-org/octo-pkg',
      workflowPath: '.github/workflows/publish.yml',
      ref: 'refs/heads/main',
      jobWorkflowRef: 'other/repo/.github/workflows/x.yml@refs/heads/main',
      jobWorkflowSha: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    },
  })
  const cert = leafOf(prov.bundle)
  const shared = 'https://github.com/other/repo/.github/workflows/x.yml@refs/heads/main'
  t.equal(cert.subjectAltName, shared)
  t.equal(utf8Extension(cert, FULCIO_OID.buildSignerURI), shared)
  t.equal(utf8Extension(cert, FULCIO_OID.buildSignerDigest), 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb')
  t.equal(utf8Extension(cert, FULCIO_OID.sourceRepositoryURI), 'https://github.com/octo-org/octo-pkg')
  t.equal(
    utf8Extension(cert, FULCIO_OID.buildConfigURI),
    'https://github.com/octo-org/octo-pkg/.github/workflows/publish.yml@refs/heads/main',
  )
  t.equal(utf8Extension(cert, FULCIO_OID.buildConfigDigest), prov.identity.sha)
  const p = prov.statement.predicate as SlsaProvenanceV1Predicate
  t.same(p.buildDefinition.externalParameters.workflow, {
    ref: 'refs/heads/main',
    repository: 'https://github.com/octo-org/octo-pkg',
    path: '.github/workflows/publish.yml',
  })
  t.equal(verifyWithSigstore(world.trustedRoot, prov.bundle).identity?.subjectAlternativeName, shared)
})

t.test('a self-hosted runner shows in extension .11 and the builder id', async (t) => {
  const world = createTestSigstore({ now: NOW })
  const prov = world.signProvenance(PKG, { identity: { runnerEnvironment: 'self-hosted' } })
  t.equal(utf8Extension(leafOf(prov.bundle), FULCIO_OID.runnerEnvironment), 'self-hosted')
  t.equal((prov.statement.predicate as SlsaProvenanceV1Predicate).runDetails.builder.id, 'https://github.com/actions/runner/self-hosted')
  t.equal(verificationErrorCode(() => verifyWithSigstore(world.trustedRoot, prov.bundle)), 'OK')
})

t.test('legacy-only certificates carry extensions .1–.6 and none of the new ones', async (t) => {
  const world = createTestSigstore({ now: new Date('2023-03-01T00:00:00Z') })
  const prov = world.signProvenance(PKG, {
    identity: { legacyExtensionsOnly: true, eventName: 'release', workflowName: 'Publish Package to npmjs' },
  })
  const cert = leafOf(prov.bundle)
  t.same(fulcioArcs(cert), [1, 2, 3, 4, 5, 6])
  t.equal(cert.extension(FULCIO_OID.issuerV1)?.value.toString(), GITHUB_ACTIONS_ISSUER, 'not DER-wrapped')
  t.equal(rawExtension(cert, FULCIO_OID.githubWorkflowTrigger), 'release')
  t.equal(rawExtension(cert, FULCIO_OID.githubWorkflowSha), prov.identity.sha)
  t.equal(rawExtension(cert, FULCIO_OID.githubWorkflowName), 'Publish Package to npmjs')
  t.equal(rawExtension(cert, FULCIO_OID.githubWorkflowRepository), 'octo-org/octo-pkg')
  t.equal(rawExtension(cert, FULCIO_OID.githubWorkflowRef), 'refs/tags/v1.0.0')
  t.equal(verifyWithSigstore(world.trustedRoot, prov.bundle).identity?.extensions?.issuer, GITHUB_ACTIONS_ISSUER)
})

t.test('the clock sets certificate and log times, and a custom log host names the checkpoint signer', async (t) => {
  let now = new Date('2023-06-01T00:00:00Z')
  const world = createTestSigstore({ now: () => now, logHost: 'rekor.example.test' })
  t.equal(world.trustedRoot.tlogs[0]!.baseUrl, 'https://rekor.example.test')

  const first = world.signProvenance(PKG)
  now = new Date('2023-06-02T00:00:00Z')
  const second = world.signProvenance(PKG, { identity: { ref: 'refs/tags/v1.0.1' } })
  const explicit = world.signProvenance(PKG, { at: new Date('2024-01-01T00:00:00Z') })

  t.same(first.integratedTime, new Date('2023-06-01T00:00:00Z'))
  t.same(second.integratedTime, new Date('2023-06-02T00:00:00Z'))
  t.same(explicit.integratedTime, new Date('2024-01-01T00:00:00Z'))
  t.ok(second.logIndex > first.logIndex, 'the log only grows')
  const checkpoint = second.bundle.verificationMaterial.tlogEntries[0]!.inclusionProof!.checkpoint.envelope
  t.match(checkpoint, /^rekor\.example\.test - \d+\n\d+\n[A-Za-z0-9+/=]+\n\n\u2014 rekor\.example\.test \S+\n$/)
  for (const b of [first, second, explicit]) {
    t.equal(verificationErrorCode(() => verifyWithSigstore(world.trustedRoot, b.bundle)), 'OK')
  }
})
