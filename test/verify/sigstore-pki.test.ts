/**
 * The verifier on bundles minted by the test PKI (test/helpers/pki): npm-shaped keyless and
 * registry-key bundles of every version, and hand-built hashedrekord bundles for what npm never
 * produces but Sigstore does: message signatures from other key types (checked from the artifact
 * bytes, and from its digest alone with the conformance client's test-only digest verifier), a DSSE
 * envelope logged as a hashedrekord, and Rekor v2 entries.
 */
import t from 'tap'
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import {
  canonicalJSON,
  createRegistryKey,
  createTestSigstore,
  preAuthEncoding,
  type BundleJSON,
  type RekorBody,
} from '../helpers/pki/index.js'
import { createBundleVerifier, parseTrustedRoot, type BundleVerification, type PublicKeyEntry } from '../../lib/verify/sigstore/index.js'
import { verifyDigestSignature } from '../conformance/prehash.js'

const NOW = new Date('2025-03-01T12:00:00Z')
const world = createTestSigstore({ now: NOW })
const trustedRoot = parseTrustedRoot(world.trustedRoot, 'test PKI root')
const pkg = { name: '@scope/pkg', version: '1.0.0', tarball: Buffer.from('tarball bytes') }
const clock = () => new Date(NOW.getTime() + 60_000)

function codeOf(result: BundleVerification): string {
  return result.ok ? 'OK' : result.code
}

t.test('keyless provenance of every bundle version verifies, and its identity is exposed', async (t) => {
  const verifier = createBundleVerifier({ trustedRoot, now: clock })
  for (const bundleVersion of ['0.1', '0.2', '0.3'] as const) {
    const prov = world.signProvenance(pkg, { bundleVersion })
    const result = verifier.verify(prov.bundle)
    t.equal(codeOf(result), 'OK', `v${bundleVersion}`)
    if (!result.ok || result.signer.kind !== 'certificate') continue
    t.equal(result.bundleVersion, bundleVersion)
    t.match(result.signer.certificate.subjectAlternativeName, `https://github.com/${prov.identity.repository}/`, `v${bundleVersion}: SAN`)
    t.equal(result.integratedTime?.getTime(), prov.integratedTime.getTime(), `v${bundleVersion}: integrated time`)
    t.same(JSON.parse(result.dsse!.payload.toString()), prov.statement, `v${bundleVersion}: signed statement`)
  }
})

t.test('keyless failures', async (t) => {
  const verifier = createBundleVerifier({ trustedRoot, now: clock })
  t.equal(codeOf(verifier.verify(world.untrusted().signProvenance(pkg).bundle)), 'CERTIFICATE_ERROR', 'CA not in the root')
  t.equal(codeOf(verifier.verify(world.untrusted().signProvenance(pkg, { bundleVersion: '0.1' }).bundle)), 'CERTIFICATE_ERROR', 'bundle brings its own root')
  t.equal(codeOf(verifier.verify(world.signProvenance(pkg, { sct: 'omit' }).bundle)), 'CERTIFICATE_ERROR', 'no SCT')
  t.equal(codeOf(verifier.verify(world.signProvenance(pkg, { sct: 'bad-signature' }).bundle)), 'CERTIFICATE_ERROR', 'bad SCT')
  const tampered = world.signProvenance(pkg, {
    editSignedEnvelope: (env) => ({ ...env, payload: Buffer.concat([env.payload, Buffer.from(' ')]) }),
  })
  t.equal(codeOf(verifier.verify(tampered.bundle)), 'SIGNATURE_ERROR', 'envelope changed after signing, before logging')
  const late = world.signProvenance(pkg, { integratedTime: new Date(NOW.getTime() + 3_600_000) })
  const later = createBundleVerifier({ trustedRoot, now: () => new Date(NOW.getTime() + 7_200_000) })
  t.equal(codeOf(later.verify(late.bundle)), 'CERTIFICATE_ERROR', 'logged after the certificate expired')
  t.equal(codeOf(verifier.verify(late.bundle)), 'TIMESTAMP_ERROR', 'logged in the future')
})

t.test('publish attestations verify with the registry key valid at the integrated time', async (t) => {
  const key = createRegistryKey()
  const { bundle } = world.signPublishAttestation(pkg, key)
  const keys = (validFor: PublicKeyEntry['validFor']) => ({ [key.keyid]: { publicKey: key.spkiBase64, validFor } })
  const verify = (validFor: PublicKeyEntry['validFor']) => codeOf(createBundleVerifier({ trustedRoot, publicKeys: keys(validFor), now: clock }).verify(bundle))
  t.equal(verify({ start: new Date('2020-01-01T00:00:00Z') }), 'OK')
  t.equal(verify({ start: new Date('2020-01-01T00:00:00Z'), end: new Date('2024-01-01T00:00:00Z') }), 'PUBLIC_KEY_ERROR', 'expired')
  t.equal(verify({ start: new Date('2026-01-01T00:00:00Z') }), 'PUBLIC_KEY_ERROR', 'not yet valid')
  const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const der = key.publicKey.export({ type: 'spki', format: 'der' })
  for (const publicKey of [pem, der]) {
    t.equal(codeOf(createBundleVerifier({ trustedRoot, publicKeys: { [key.keyid]: { publicKey } }, now: clock }).verify(bundle)), 'OK', 'PEM and DER keys')
  }
})

// --- hand-built hashedrekord bundles, logged in the test PKI's Rekor -----------------------------

const artifact = Buffer.from('an artifact\n')
const artifactDigest = createHash('sha256').update(artifact).digest()
const asDigest = { digest: { algorithm: 'sha256' as const, hex: artifactDigest.toString('hex') } }
const asBytes = { bytes: artifact }

interface KeySpec {
  name: string
  pair: () => { privateKey: KeyObject; publicKey: KeyObject }
  sign: (privateKey: KeyObject, data: Buffer) => Buffer
  digestVerifiable: boolean
}
const KEYS: KeySpec[] = [
  { name: 'ECDSA P-256', pair: () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), sign: (k, d) => sign('sha256', d, k), digestVerifiable: true },
  { name: 'ECDSA P-384', pair: () => generateKeyPairSync('ec', { namedCurve: 'secp384r1' }), sign: (k, d) => sign('sha256', d, k), digestVerifiable: true },
  { name: 'ECDSA P-521', pair: () => generateKeyPairSync('ec', { namedCurve: 'secp521r1' }), sign: (k, d) => sign('sha256', d, k), digestVerifiable: true },
  { name: 'RSA PKCS#1 v1.5', pair: () => generateKeyPairSync('rsa', { modulusLength: 2048 }), sign: (k, d) => sign('sha256', d, k), digestVerifiable: true },
  {
    name: 'RSA-PSS',
    pair: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
    sign: (k, d) => sign('sha256', d, { key: k, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }),
    digestVerifiable: true,
  },
  { name: 'Ed25519', pair: () => generateKeyPairSync('ed25519'), sign: (k, d) => sign(null, d, k), digestVerifiable: false },
]

function hashedrekordV001(digest: Buffer, signature: Buffer, publicKey: KeyObject): RekorBody {
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const body = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: digest.toString('hex') } },
      signature: { content: signature.toString('base64'), publicKey: { content: Buffer.from(pem).toString('base64') } },
    },
  }
  return { kind: 'hashedrekord' as RekorBody['kind'], apiVersion: '0.0.1', canonical: Buffer.from(canonicalJSON(body)) }
}

function hashedrekordV002(digest: Buffer, signature: Buffer, publicKey: KeyObject): RekorBody {
  const body = {
    apiVersion: '0.0.2',
    kind: 'hashedrekord',
    spec: {
      hashedRekordV002: {
        data: { algorithm: 'SHA2_256', digest: digest.toString('base64') },
        signature: {
          content: signature.toString('base64'),
          verifier: { keyDetails: 'PKIX_ECDSA_P256_SHA_256', publicKey: { rawBytes: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') } },
        },
      },
    },
  }
  return { kind: 'hashedrekord' as RekorBody['kind'], apiVersion: '0.0.2', canonical: Buffer.from(canonicalJSON(body)) }
}

function keyBundle(body: RekorBody, content: Pick<BundleJSON, 'dsseEnvelope'> | { messageSignature: unknown }, rekorV2 = false): Record<string, unknown> {
  const tlogEntry = world.rekor.append(body, rekorV2 ? { integratedTime: new Date(0), inclusionPromise: false } : { integratedTime: NOW })
  if (rekorV2) delete (tlogEntry as { integratedTime?: string }).integratedTime
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { publicKey: { hint: 'managed' }, tlogEntries: [tlogEntry], timestampVerificationData: { rfc3161Timestamps: [] } },
    ...content,
  }
}

function messageBundle(spec: KeySpec, signed = artifact) {
  const { privateKey, publicKey } = spec.pair()
  const signature = spec.sign(privateKey, signed)
  const bundle = keyBundle(hashedrekordV001(artifactDigest, signature, publicKey), {
    messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: artifactDigest.toString('base64') }, signature: signature.toString('base64') },
  })
  const options = { trustedRoot, publicKeys: { managed: { publicKey: publicKey.export({ type: 'spki', format: 'der' }) } }, now: clock }
  return { bundle, verifier: createBundleVerifier(options), digestVerifier: createBundleVerifier({ ...options, verifyDigestSignature }) }
}

t.test('message signatures verify from the artifact bytes; from its digest alone only with a digest verifier', async (t) => {
  for (const spec of KEYS) {
    const { bundle, verifier, digestVerifier } = messageBundle(spec)
    t.equal(codeOf(verifier.verify(bundle, { bytes: artifact })), 'OK', `${spec.name}: bytes`)
    t.equal(codeOf(verifier.verify(bundle, asDigest)), 'UNSUPPORTED', `${spec.name}: digest, verify-deps' own verifier`)
    t.equal(codeOf(digestVerifier.verify(bundle, asDigest)), spec.digestVerifiable ? 'OK' : 'UNSUPPORTED', `${spec.name}: digest, conformance digest verifier`)
    t.equal(codeOf(verifier.verify(bundle)), 'ARTIFACT_REQUIRED', `${spec.name}: no artifact`)

    const forged = messageBundle(spec, Buffer.from('something else'))
    t.equal(codeOf(forged.verifier.verify(forged.bundle, { bytes: artifact })), 'SIGNATURE_ERROR', `${spec.name}: bad signature, bytes`)
    if (spec.digestVerifiable) t.equal(codeOf(forged.digestVerifier.verify(forged.bundle, asDigest)), 'SIGNATURE_ERROR', `${spec.name}: bad signature, digest`)
  }
})

t.test('a DSSE envelope logged as a hashedrekord of its PAE verifies', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const payloadType = 'application/vnd.in-toto+json'
  const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: artifactDigest.toString('hex') } }], predicateType: 'x', predicate: {} }
  const payload = Buffer.from(JSON.stringify(statement))
  const pae = preAuthEncoding(payloadType, payload)
  const signature = sign('sha256', pae, privateKey)
  const envelope = { payload: payload.toString('base64'), payloadType, signatures: [{ sig: signature.toString('base64'), keyid: '' }] }
  const verifier = createBundleVerifier({ trustedRoot, publicKeys: { managed: { publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() } }, now: clock })
  const good = keyBundle(hashedrekordV001(createHash('sha256').update(pae).digest(), signature, publicKey), { dsseEnvelope: envelope })
  t.equal(codeOf(verifier.verify(good, { bytes: artifact })), 'OK')
  t.equal(codeOf(verifier.verify(good, asDigest)), 'OK')
  const payloadDigest = keyBundle(hashedrekordV001(createHash('sha256').update(payload).digest(), signature, publicKey), { dsseEnvelope: envelope })
  t.equal(codeOf(verifier.verify(payloadDigest)), 'TLOG_ERROR', 'the entry must hash the PAE, not the payload')
})

t.test('Rekor v2 entries carry no integrated time: a key without a validity window needs none', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const signature = sign('sha256', artifact, privateKey)
  const bundle = keyBundle(
    hashedrekordV002(artifactDigest, signature, publicKey),
    { messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: artifactDigest.toString('base64') }, signature: signature.toString('base64') } },
    true,
  )
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const unbounded = createBundleVerifier({ trustedRoot, publicKeys: { managed: { publicKey: spki } }, now: clock })
  const result = unbounded.verify(bundle, asBytes)
  t.equal(codeOf(result), 'OK')
  if (result.ok) {
    t.same(result.timestamps, [], 'no verified time')
    t.equal(result.signedAt, undefined)
    t.same(result.tlogEntries.map((e) => [e.kind, e.version, e.inclusionPromise, e.inclusionProof]), [['hashedrekord', '0.0.2', false, true]])
  }
  const bounded = createBundleVerifier({ trustedRoot, publicKeys: { managed: { publicKey: spki, validFor: { start: new Date(0) } } }, now: clock })
  t.equal(codeOf(bounded.verify(bundle, asBytes)), 'TIMESTAMP_ERROR', 'a key valid only for a while needs a signed time')
})

t.test('an integratedTime no SET covers does not decide when the log key must be valid', async (t) => {
  // The log's key was retired 30 s after NOW; the verifier's clock is NOW + 60 s.
  const retired = structuredClone(world.trustedRoot)
  retired.tlogs[0]!.publicKey.validFor.end = new Date(NOW.getTime() + 30_000).toISOString()
  const root = parseTrustedRoot(retired, 'test PKI root, log key retired')
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const signature = sign('sha256', artifact, privateKey)
  const verifier = createBundleVerifier({ trustedRoot: root, publicKeys: { managed: { publicKey: publicKey.export({ type: 'spki', format: 'der' }) } }, now: clock })
  const bundleWith = (inclusionPromise: boolean) => {
    // A Rekor v1 entry with an inclusion proof; its integratedTime says NOW, inside the key's validity.
    const tlogEntry = world.rekor.append(hashedrekordV001(artifactDigest, signature, publicKey), { integratedTime: NOW, inclusionPromise })
    return {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: 'managed' }, tlogEntries: [tlogEntry], timestampVerificationData: { rfc3161Timestamps: [] } },
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: artifactDigest.toString('base64') }, signature: signature.toString('base64') },
    }
  }
  t.equal(codeOf(verifier.verify(bundleWith(true), asBytes)), 'OK', 'with a SET the integrated time is signed: the key was valid then')
  const proofOnly = bundleWith(false)
  t.equal(codeOf(verifier.verify(proofOnly, asBytes)), 'TLOG_ERROR', 'without a SET its integratedTime is unsigned: the key must be valid now, and is not')
  // The same entry with its integratedTime removed, as a Rekor v2 entry: no signed time either.
  delete (proofOnly.verificationMaterial.tlogEntries[0] as { integratedTime?: string }).integratedTime
  t.equal(codeOf(verifier.verify(proofOnly, asBytes)), 'TLOG_ERROR', 'no integrated time at all')
})

t.test('certificates and registry keys are checked only at signed times: a proof-only entry gives none', async (t) => {
  const verifier = createBundleVerifier({ trustedRoot, now: clock })
  const prov = world.signProvenance(pkg, { bundleVersion: '0.3' })
  const entry = (prov.bundle as unknown as BundleJSON).verificationMaterial.tlogEntries[0] as { inclusionPromise?: unknown }
  delete entry.inclusionPromise
  t.not(codeOf(verifier.verify(prov.bundle)), 'OK', 'keyless: the certificate window needs a signed time, the unsigned integratedTime is not one')

  const key = createRegistryKey()
  const { bundle } = world.signPublishAttestation(pkg, key)
  delete ((bundle as unknown as BundleJSON).verificationMaterial.tlogEntries[0] as { inclusionPromise?: unknown }).inclusionPromise
  const bounded = createBundleVerifier({ trustedRoot, publicKeys: { [key.keyid]: { publicKey: key.spkiBase64, validFor: { start: new Date('2020-01-01T00:00:00Z') } } }, now: clock })
  t.not(codeOf(bounded.verify(bundle)), 'OK', 'a registry key with a validity window needs a signed time')
})
