/**
 * Each scenario knob serves what it says. Checked from the outside — the documents and bytes the
 * loopback registry serves — with the helpers' own verifiers (registry signature check,
 * @sigstore/verify against the written trusted root), never with lib/verify: this is the world
 * that lib/verify is tested against.
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { X509Certificate } from '@sigstore/core'
import {
  BUNDLE_MEDIA_TYPE,
  FULCIO_OID,
  NPM_PUBLISH_V01,
  SLSA_PROVENANCE_V02,
  SLSA_PROVENANCE_V1,
  npmPurl,
  verificationErrorCode,
  verifyWithSigstore,
  type BundleJSON,
  type TrustedRootJSON,
} from './pki/index.js'
import {
  DEFAULT_KEY_VALID_FROM,
  publicKeyFromSpki,
  verifyRegistrySignatureWithKey,
  type KeysEndpointDocument,
  type RegistryPublicKey,
} from './registry/index.js'
import { DEFAULT_SCENARIO_NOW, EXPIRED_KEY_MARGIN_MS, createScenario, defaultProvenanceIdentity } from './scenario/index.js'

const EARLIER = '2025-02-01T00:00:00.000Z'
const TRUSTED_PUBLISHER = {
  name: 'GitHub Actions',
  email: 'npm-oidc-no-reply@github.com',
  trustedPublisher: { id: 'github', oidcConfigId: 'oidc:5259c11f-dfdf-4d41-877f-b470d9a086cd' },
  approver: { name: 'alice', email: 'alice@example.test' },
}
const IDENTITY_OVERRIDES = {
  repository: 'acme/monorepo',
  repositoryId: '42',
  repositoryOwnerId: '7',
  workflowPath: '.github/workflows/publish.yml',
  ref: 'refs/heads/main',
  runnerEnvironment: 'self-hosted',
  eventName: 'workflow_dispatch',
  jobWorkflowRef: 'acme/shared/.github/workflows/npm.yml@refs/tags/v2',
} as const

// No lockfile: the knobs concern what the registry serves, and npm's view is covered in scenario.test.ts.
const s = await createScenario(t, {
  lockfile: false,
  packages: [
    { name: 'valid', version: '1.0.0' },
    { name: 'sig-missing', version: '1.0.0', signature: 'missing' },
    { name: 'sig-invalid', version: '1.0.0', signature: 'invalid' },
    { name: 'sig-unknown-key', version: '1.0.0', signature: 'unknown-key' },
    { name: 'sig-expired-key', version: '1.0.0', signature: 'expired-key', publishTime: EARLIER },
    { name: 'prov-missing', version: '1.0.0', provenance: 'missing' },
    { name: 'prov-tampered', version: '1.0.0', provenance: 'tampered' },
    { name: 'prov-untrusted-ca', version: '1.0.0', provenance: 'untrusted-ca' },
    { name: 'prov-wrong-subject-name', version: '1.0.0', provenance: 'wrong-subject-name' },
    { name: 'prov-wrong-subject-digest', version: '1.0.0', provenance: 'wrong-subject-digest' },
    { name: 'prov-advertised-missing', version: '1.0.0', provenance: 'advertised-missing' },
    { name: '@acme/prov-identity', version: '3.0.0', provenance: { identity: IDENTITY_OVERRIDES } },
    { name: 'prov-legacy', version: '1.0.0', provenance: { bundleVersion: '0.1', slsaVersion: 'v0.2' } },
    { name: 'prov-v02-tampered', version: '1.0.0', provenance: { bundleVersion: '0.2', fault: 'tampered' } },
    { name: 'pub-missing', version: '1.0.0', publishAttestation: 'missing' },
    { name: 'pub-tampered', version: '1.0.0', publishAttestation: 'tampered' },
    { name: 'pub-unknown-key', version: '1.0.0', publishAttestation: 'unknown-key' },
    { name: 'tarball-tampered', version: '1.0.0', tarball: 'tampered' },
    { name: 'publisher', version: '1.0.0', npmUser: TRUSTED_PUBLISHER, publishTime: EARLIER, scripts: { postinstall: 'node x.js' } },
    { name: 'multi', version: '1.0.0' },
    { name: 'multi', version: '2.0.0' },
  ],
})
const trustedRoot = JSON.parse(readFileSync(s.trustedRootFile, 'utf8')) as TrustedRootJSON

async function get(path: string): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(s.registry.origin + path)
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) }
}

async function getJSON(pathOrUrl: string): Promise<any> {
  const res = await get(pathOrUrl.replace(s.registry.origin, ''))
  if (res.status !== 200) throw new Error(`${pathOrUrl}: ${res.status}`)
  return JSON.parse(res.body.toString('utf8'))
}

const servedKeys: RegistryPublicKey[] = ((await getJSON('/-/npm/v1/keys')) as KeysEndpointDocument).keys.map((k) => ({
  keyid: k.keyid,
  spkiBase64: k.key,
  expires: k.expires,
  validFrom: DEFAULT_KEY_VALID_FROM,
}))

interface Served {
  manifest: any
  packument: any
  tarball: Buffer
  attestations: { status: number; document?: { attestations: { predicateType: string; bundle: BundleJSON }[] } }
}

/** What a client sees of `name@version`: manifest, packument, tarball bytes, attestations endpoint. */
async function served(name: string, version: string): Promise<Served> {
  const escaped = name.replace('/', '%2f')
  const packument = await getJSON(`/${escaped}`)
  const manifest = packument.versions[version]
  const tarball = (await get(new URL(manifest.dist.tarball).pathname)).body
  const res = await get(`/-/npm/v1/attestations/${escaped}@${version}`)
  const document = res.status === 200 ? JSON.parse(res.body.toString('utf8')) : undefined
  return { manifest, packument, tarball, attestations: { status: res.status, document } }
}

/** The one registry signature, checked with the served key it names (undefined: no such key). */
function checkSignature(manifest: any): { keyid: string; key?: RegistryPublicKey; verified: boolean } {
  const [sig, ...more] = manifest.dist.signatures as { keyid: string; sig: string }[]
  if (!sig || more.length) throw new Error('expected exactly one signature')
  const key = servedKeys.find((k) => k.keyid === sig.keyid)
  const pkg = { name: manifest.name, version: manifest.version, integrity: manifest.dist.integrity }
  return { keyid: sig.keyid, ...(key ? { key } : {}), verified: !!key && verifyRegistrySignatureWithKey(publicKeyFromSpki(key.spkiBase64), sig.sig, pkg) }
}

function bundleOf(doc: Served['attestations']['document'], predicateType: string): BundleJSON {
  const entry = doc?.attestations.find((a) => a.predicateType === predicateType)
  if (!entry) throw new Error(`no ${predicateType} attestation`)
  return entry.bundle
}

function provenanceBundle(doc: Served['attestations']['document']): BundleJSON {
  const entry = doc?.attestations.find((a) => a.predicateType.startsWith('https://slsa.dev/provenance/'))
  if (!entry) throw new Error('no provenance attestation')
  return entry.bundle
}

function statementOf(bundle: BundleJSON): any {
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'))
}

function verifyCode(bundle: BundleJSON): string {
  return verificationErrorCode(() => verifyWithSigstore(trustedRoot, bundle, { keys: servedKeys.map((key) => ({ key })) }))
}

function sha512Hex(bytes: Buffer): string {
  return createHash('sha512').update(bytes).digest('hex')
}

function leafOf(bundle: BundleJSON): X509Certificate {
  const vm = bundle.verificationMaterial
  const raw = vm.certificate?.rawBytes ?? vm.x509CertificateChain?.certificates[0]?.rawBytes
  if (!raw) throw new Error('bundle has no certificate')
  return X509Certificate.parse(Buffer.from(raw, 'base64'))
}

function extension(cert: X509Certificate, oid: string): string | undefined {
  return cert.extension(oid)?.valueObj.subs[0]?.value.toString('utf8')
}

t.test('by default everything verifies and names the tarball that is served', async (t) => {
  const v = await served('valid', '1.0.0')
  t.equal(`sha512-${createHash('sha512').update(v.tarball).digest('base64')}`, v.manifest.dist.integrity, 'integrity of the served bytes')
  t.same(checkSignature(v.manifest), { keyid: s.key.keyid, key: servedKeys[0], verified: true })
  t.equal(servedKeys.length, 2, 'the served key and the expired one (a version uses it)')

  t.same(v.manifest.dist.attestations, {
    url: `${s.registry.origin}/-/npm/v1/attestations/valid@1.0.0`,
    provenance: { predicateType: SLSA_PROVENANCE_V1 },
  })
  t.same(v.attestations.document?.attestations.map((a) => a.predicateType), [SLSA_PROVENANCE_V1, NPM_PUBLISH_V01], 'npm’s order')
  const subject = [{ name: 'pkg:npm/valid@1.0.0', digest: { sha512: sha512Hex(v.tarball) } }]
  for (const predicateType of [SLSA_PROVENANCE_V1, NPM_PUBLISH_V01]) {
    const bundle = bundleOf(v.attestations.document, predicateType)
    t.equal(verifyCode(bundle), 'OK', `${predicateType} verifies against the trusted root file`)
    t.same(statementOf(bundle).subject, subject, `${predicateType} subject`)
  }
  const provenance = provenanceBundle(v.attestations.document)
  t.equal(provenance.mediaType, BUNDLE_MEDIA_TYPE['0.3'])
  t.equal(bundleOf(v.attestations.document, NPM_PUBLISH_V01).verificationMaterial.publicKey?.hint, s.key.keyid, 'one key for both')

  const identity = defaultProvenanceIdentity('valid', '1.0.0')
  t.same(s.published('valid').provenance?.identity, identity)
  t.equal(leafOf(provenance).subjectAltName, 'https://github.com/valid/valid/.github/workflows/release.yml@refs/tags/v1.0.0')
  t.equal(v.packument.time['1.0.0'], DEFAULT_SCENARIO_NOW.toISOString())
})

t.test('signature knobs: missing, invalid, unknown key, expired key', async (t) => {
  t.notOk('signatures' in (await served('sig-missing', '1.0.0')).manifest.dist, 'missing: no dist.signatures')

  t.same(checkSignature((await served('sig-invalid', '1.0.0')).manifest), { keyid: s.key.keyid, key: servedKeys[0], verified: false }, 'invalid')

  const unknown = await served('sig-unknown-key', '1.0.0')
  t.same(checkSignature(unknown.manifest), { keyid: s.unknownKey.keyid, verified: false }, 'unknown-key: not a served key')
  const sig = unknown.manifest.dist.signatures[0].sig
  t.ok(verifyRegistrySignatureWithKey(s.unknownKey.publicKey, sig, { ...unknown.manifest, integrity: unknown.manifest.dist.integrity }), '…but a good signature by it')

  const expired = await served('sig-expired-key', '1.0.0')
  const check = checkSignature(expired.manifest)
  t.equal(check.verified, true, 'expired-key: signed by a served key')
  t.equal(check.keyid, s.expiredKey?.keyid)
  t.ok(check.key?.expires, 'the served key has an expiry')
  t.equal(Date.parse(expired.packument.time['1.0.0']) - Date.parse(check.key!.expires!), EXPIRED_KEY_MARGIN_MS, '…a day before the publish time')
})

t.test('provenance missing: nothing advertised, nothing served', async (t) => {
  const v = await served('prov-missing', '1.0.0')
  t.notOk('attestations' in v.manifest.dist)
  t.equal(v.attestations.status, 404, 'no publish attestation either, as npm only adds it with provenance')
  t.equal(checkSignature(v.manifest).verified, true)
})

t.test('provenance faults fail verification or break the subject binding', async (t) => {
  const tampered = await served('prov-tampered', '1.0.0')
  const bundle = provenanceBundle(tampered.attestations.document)
  const signed = s.published('prov-tampered').provenance!.bundle
  const [a, b] = [bundle, signed].map((x) => Buffer.from(x.dsseEnvelope.payload, 'base64'))
  t.equal(a!.length, b!.length)
  t.equal([...a!].filter((byte, i) => byte !== b![i]).length, 1, 'tampered: one payload byte differs from what was signed')
  t.doesNotThrow(() => statementOf(bundle), 'and it is still JSON')
  t.equal(verifyCode(bundle), 'TLOG_BODY_ERROR')
  t.equal(verifyCode(bundleOf(tampered.attestations.document, NPM_PUBLISH_V01)), 'OK', 'the publish attestation is untouched')

  const legacyTampered = await served('prov-v02-tampered', '1.0.0')
  t.not(verifyCode(provenanceBundle(legacyTampered.attestations.document)), 'OK', 'tampered v0.2 bundle')

  const untrusted = await served('prov-untrusted-ca', '1.0.0')
  t.equal(verifyCode(provenanceBundle(untrusted.attestations.document)), 'CERTIFICATE_ERROR', 'untrusted-ca')

  const wrongName = await served('prov-wrong-subject-name', '1.0.0')
  const nameBundle = provenanceBundle(wrongName.attestations.document)
  t.equal(verifyCode(nameBundle), 'OK', 'wrong-subject-name is validly signed…')
  t.same(statementOf(nameBundle).subject, [{ name: npmPurl('prov-wrong-subject-name-impostor', '1.0.0'), digest: { sha512: sha512Hex(wrongName.tarball) } }], '…for another package')

  const wrongDigest = await served('prov-wrong-subject-digest', '1.0.0')
  const digestBundle = provenanceBundle(wrongDigest.attestations.document)
  t.equal(verifyCode(digestBundle), 'OK', 'wrong-subject-digest is validly signed…')
  const subject = statementOf(digestBundle).subject[0]
  t.equal(subject.name, 'pkg:npm/prov-wrong-subject-digest@1.0.0')
  t.not(subject.digest.sha512, sha512Hex(wrongDigest.tarball), '…for other bytes')

  const advertised = await served('prov-advertised-missing', '1.0.0')
  t.same(advertised.manifest.dist.attestations, {
    url: `${s.registry.origin}/-/npm/v1/attestations/prov-advertised-missing@1.0.0`,
    provenance: { predicateType: SLSA_PROVENANCE_V1 },
  })
  t.equal(advertised.attestations.status, 404, 'advertised-missing: the endpoint 404s')
})

t.test('provenance identity overrides appear in the certificate and the SLSA predicate', async (t) => {
  const v = await served('@acme/prov-identity', '3.0.0')
  const bundle = provenanceBundle(v.attestations.document)
  t.equal(verifyCode(bundle), 'OK')
  const cert = leafOf(bundle)
  t.equal(cert.subjectAltName, 'https://github.com/acme/shared/.github/workflows/npm.yml@refs/tags/v2', 'SAN: the reusable workflow')
  t.equal(extension(cert, FULCIO_OID.sourceRepositoryURI), 'https://github.com/acme/monorepo')
  t.equal(extension(cert, FULCIO_OID.sourceRepositoryRef), 'refs/heads/main')
  t.equal(extension(cert, FULCIO_OID.sourceRepositoryIdentifier), '42')
  t.equal(extension(cert, FULCIO_OID.sourceRepositoryOwnerIdentifier), '7')
  t.equal(extension(cert, FULCIO_OID.runnerEnvironment), 'self-hosted')
  t.equal(extension(cert, FULCIO_OID.buildTrigger), 'workflow_dispatch')
  t.equal(extension(cert, FULCIO_OID.buildConfigURI), 'https://github.com/acme/monorepo/.github/workflows/publish.yml@refs/heads/main')
  t.same(statementOf(bundle).predicate.buildDefinition.externalParameters.workflow, {
    ref: 'refs/heads/main',
    repository: 'https://github.com/acme/monorepo',
    path: '.github/workflows/publish.yml',
  })
  t.equal(statementOf(bundle).subject[0].name, 'pkg:npm/%40acme/prov-identity@3.0.0')
})

t.test('bundle and SLSA versions: a v0.1 bundle with SLSA v0.2 provenance', async (t) => {
  const v = await served('prov-legacy', '1.0.0')
  t.same(v.manifest.dist.attestations.provenance, { predicateType: SLSA_PROVENANCE_V02 })
  const bundle = provenanceBundle(v.attestations.document)
  t.equal(bundle.mediaType, BUNDLE_MEDIA_TYPE['0.1'])
  t.equal(statementOf(bundle).predicateType, SLSA_PROVENANCE_V02)
  t.equal(verifyCode(bundle), 'OK')
})

t.test('publish attestation knobs: missing, tampered, unknown key', async (t) => {
  const missing = await served('pub-missing', '1.0.0')
  t.same(missing.attestations.document?.attestations.map((a) => a.predicateType), [SLSA_PROVENANCE_V1])

  const tampered = await served('pub-tampered', '1.0.0')
  t.equal(verifyCode(bundleOf(tampered.attestations.document, NPM_PUBLISH_V01)), 'TLOG_BODY_ERROR')
  t.equal(verifyCode(provenanceBundle(tampered.attestations.document)), 'OK', 'provenance untouched')

  const unknown = bundleOf((await served('pub-unknown-key', '1.0.0')).attestations.document, NPM_PUBLISH_V01)
  t.equal(unknown.verificationMaterial.publicKey?.hint, s.unknownKey.keyid)
  t.equal(verifyCode(unknown), 'PUBLIC_KEY_ERROR', 'no served key by that id')
  t.equal(verificationErrorCode(() => verifyWithSigstore(trustedRoot, unknown, { keys: [{ key: s.unknownKey }] })), 'OK', 'valid with the unknown key itself')
})

t.test('tarball tampered: the served bytes are not the ones that were signed', async (t) => {
  const v = await served('tarball-tampered', '1.0.0')
  const published = s.published('tarball-tampered')
  t.not(sha512Hex(v.tarball), sha512Hex(published.tarball))
  t.equal(v.manifest.dist.integrity, published.integrity, 'the registry still advertises the published integrity')
  t.equal(checkSignature(v.manifest).verified, true, 'signature over the advertised integrity')
  const subject = statementOf(provenanceBundle(v.attestations.document)).subject[0]
  t.equal(subject.digest.sha512, sha512Hex(published.tarball), 'provenance names the published tarball')
})

t.test('publisher metadata, publish time and install scripts are served', async (t) => {
  const v = await served('publisher', '1.0.0')
  t.same(v.manifest._npmUser, TRUSTED_PUBLISHER)
  t.equal(v.packument.time['1.0.0'], EARLIER)
  t.equal(v.manifest.hasInstallScript, true)
  t.same(v.manifest.scripts, { postinstall: 'node x.js' })
  const integratedTime = Number(provenanceBundle(v.attestations.document).verificationMaterial.tlogEntries[0]!.integratedTime)
  t.equal(integratedTime * 1000, Date.parse(EARLIER) - 60_000, 'provenance logged a minute before the publish')
})

t.test('several versions of a name: the last declared is latest, lookups need the version', async (t) => {
  t.equal((await getJSON('/multi'))['dist-tags'].latest, '2.0.0')
  t.equal(s.version('multi@1.0.0').version, '1.0.0')
  t.throws(() => s.version('multi'), /ambiguous/)
})

t.test('defaults, a registry without keys and a TUF-shaped keys file', async (t) => {
  const unsigned = await createScenario(t, {
    lockfile: false,
    registry: { keys: 'none', keysFile: 'tuf' },
    defaults: { signature: 'missing', provenance: 'missing' },
    packages: [
      { name: 'plain', version: '1.0.0' },
      { name: 'signed', version: '1.0.0', signature: 'valid' },
    ],
  })
  const origin = unsigned.registry.origin
  t.equal((await fetch(`${origin}/-/npm/v1/keys`)).status, 404)
  const plain = (await (await fetch(`${origin}/plain`)).json()) as any
  t.notOk(plain.versions['1.0.0'].dist.signatures)
  t.notOk(plain.versions['1.0.0'].dist.attestations)
  const signed = (await (await fetch(`${origin}/signed`)).json()) as any
  t.same(signed.versions['1.0.0'].dist.signatures.map((sig: { keyid: string }) => sig.keyid), [unsigned.key.keyid])
  const keysFile = JSON.parse(readFileSync(unsigned.registryKeysFile, 'utf8'))
  t.same(
    keysFile.keys.map((k: { keyId: string; keyUsage: string }) => [k.keyId, k.keyUsage]),
    [[unsigned.key.keyid, 'npm:signatures'], [unsigned.key.keyid, 'npm:attestations']],
    'the keys file still lists the key, for out-of-band trust',
  )
})

t.test("registry history 'stripped': packuments without time, and other versions without signatures and attestations", async (t) => {
  const stripped = await createScenario(t, {
    registry: { history: 'stripped' },
    packages: [
      { name: 'h', version: '1.0.0', publishTime: '2025-01-01T00:00:00.000Z' },
      { name: 'h', version: '1.1.0' },
    ],
  })
  const packument = (await (await fetch(`${stripped.registry.origin}/h`)).json()) as any
  t.equal(packument.time, undefined, 'no time')
  t.same(Object.keys(packument.versions['1.0.0'].dist).filter((k) => k === 'signatures' || k === 'attestations'), [], 'an untagged version: no claims')
  t.ok(packument.versions['1.1.0'].dist.signatures && packument.versions['1.1.0'].dist.attestations, 'the latest keeps its own')
  const manifest = (await (await fetch(`${stripped.registry.origin}/h/1.0.0`)).json()) as any
  t.ok(manifest.dist.signatures && manifest.dist.attestations, 'the version document is served as usual')
  const served = (await (await fetch(`${s.registry.origin}/multi`)).json()) as any
  t.ok(served.time?.['1.0.0'], 'control: a registry that serves history gives time')
})
