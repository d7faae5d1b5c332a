/**
 * The Sigstore bundle verifier against the recorded npm corpus: SLSA provenance bundles verify
 * keyless, npm publish attestations verify with the registry key valid at the integrated time,
 * tampered ones fail; malformed trusted roots and bundles (mutated in the test) give clean codes.
 */
import t from 'tap'
import { corpusPath, loadCorpusCases, readCorpusJSON } from '../helpers/corpus.js'
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import {
  createBundleVerifier,
  parseTrustedRoot,
  SigstoreError,
  VERIFY_ERROR_CODES,
  type BundleVerification,
  type PublicKeyEntry,
} from '../../lib/verify/sigstore/index.js'

const ROOT_FILE = 'trust/sigstore-public-good.trusted_root.json'
const rootJSON = () => structuredClone(readCorpusJSON(ROOT_FILE)) as Record<string, any>
const trustedRoot = parseTrustedRoot(rootJSON(), ROOT_FILE)

interface TufKey {
  keyId: string
  keyUsage: string
  publicKey: { rawBytes: string; validFor: { start: string; end?: string } }
}
const tufKeys = (readCorpusJSON('trust/npm-registry-keys.tuf-keys.json') as { keys: TufKey[] }).keys
function attestationKeys(shift: (validFor: TufKey['publicKey']['validFor']) => PublicKeyEntry['validFor'] = toDates) {
  const keys: Record<string, PublicKeyEntry> = {}
  for (const k of tufKeys.filter((k) => k.keyUsage === 'npm:attestations')) {
    keys[k.keyId] = { publicKey: k.publicKey.rawBytes, validFor: shift(k.publicKey.validFor) }
  }
  return keys
}
function toDates(v: TufKey['publicKey']['validFor']): PublicKeyEntry['validFor'] {
  return { start: new Date(v.start), ...(v.end ? { end: new Date(v.end) } : {}) }
}

const verifier = createBundleVerifier({ trustedRoot, publicKeys: attestationKeys() })

interface Attestation {
  predicateType: string
  bundle: Record<string, any>
}
const attestationCases = loadCorpusCases().filter((c) => c.kind === 'attestations')
const attestationsOf = (file: string) => (readCorpusJSON(file) as { attestations: Attestation[] }).attestations
const role = (a: Attestation) => (a.predicateType.includes('npm/attestation') ? 'publish' : 'provenance')
const validProvenance = () => attestationsOf('attestations/slsa-verifier__provenance-npm-test-cli-v1-prega.json').find((a) => role(a) === 'provenance')!.bundle
const validPublish = () => attestationsOf('attestations/slsa-verifier__provenance-npm-test-cli-v1-prega.json').find((a) => role(a) === 'publish')!.bundle
const v01Provenance = () => attestationsOf('attestations/npm-cli__sigstore@1.0.0.json').find((a) => role(a) === 'provenance')!.bundle

function codeOf(result: BundleVerification): string {
  return result.ok ? 'OK' : result.code
}

t.test('parseTrustedRoot accepts the public-good root', async (t) => {
  t.equal(trustedRoot.tlogs.length, 2)
  t.equal(trustedRoot.ctlogs.length, 2)
  t.equal(trustedRoot.certificateAuthorities.length, 2)
  t.equal(trustedRoot.timestampAuthorities.length, 1)
  t.equal(trustedRoot.tlogs[0]?.validFor.end, undefined, 'an open-ended window has no end')
})

t.test('parseTrustedRoot rejects malformed roots with TRUSTED_ROOT_INVALID', async (t) => {
  const mutations: Record<string, (r: Record<string, any>) => unknown> = {
    'not an object': () => [],
    'unknown mediaType': (r) => (r.mediaType = 'application/json'),
    'tlogs not an array': (r) => (r.tlogs = {}),
    'tlog without publicKey': (r) => delete r.tlogs[0].publicKey,
    'tlog without logId': (r) => delete r.tlogs[0].logId,
    'tlog without baseUrl': (r) => delete r.tlogs[0].baseUrl,
    'key with invalid base64': (r) => (r.tlogs[0].publicKey.rawBytes = '!!not base64!!'),
    'key bytes that are no key': (r) => (r.tlogs[0].publicKey.rawBytes = Buffer.from('garbage').toString('base64')),
    'key that is not what keyDetails says': (r) => (r.tlogs[0].publicKey.keyDetails = 'PKIX_ED25519'),
    'unknown keyDetails': (r) => (r.ctlogs[0].publicKey.keyDetails = 'PKIX_QUANTUM'),
    'validFor without start': (r) => delete r.tlogs[0].publicKey.validFor.start,
    'validFor start not a date': (r) => (r.ctlogs[1].publicKey.validFor.start = 'yesterday'),
    'validFor ending before it starts': (r) => (r.certificateAuthorities[1].validFor = { start: '2030-01-01T00:00:00Z', end: '2020-01-01T00:00:00Z' }),
    'CA with an empty chain': (r) => (r.certificateAuthorities[0].certChain.certificates = []),
    'CA certificate that does not parse': (r) => (r.certificateAuthorities[1].certChain.certificates[0].rawBytes = Buffer.from('not a cert').toString('base64')),
    'TSA without certChain': (r) => delete r.timestampAuthorities[0].certChain,
  }
  for (const [name, mutate] of Object.entries(mutations)) {
    const root = rootJSON()
    const replaced = mutate(root)
    const input = Array.isArray(replaced) ? replaced : root
    t.throws(() => parseTrustedRoot(input, 'mutated.json'), { code: 'TRUSTED_ROOT_INVALID' }, name)
  }
  try {
    parseTrustedRoot({}, 'named-source.json')
  } catch (err) {
    t.ok(err instanceof SigstoreError && err.message.includes('named-source.json'), 'the error names its source')
  }
})

t.test('the corpus attestations verify or fail as cases.json says', async (t) => {
  t.ok(attestationCases.length >= 20)
  for (const c of attestationCases) {
    for (const a of attestationsOf(c.file)) {
      const kind = role(a)
      const result = verifier.verify(a.bundle)
      const mustFail = c.expect === 'fail' && (c.failing ?? []).includes(kind)
      t.equal(result.ok, !mustFail, `${c.id} ${kind}: ${codeOf(result)}`)
      if (!result.ok) continue
      t.ok(result.dsse && result.dsse.payload.length > 0, `${c.id} ${kind}: exposes the DSSE payload`)
      t.ok(result.integratedTime, `${c.id} ${kind}: has a SET-backed integrated time`)
      if (kind === 'provenance') {
        t.equal(result.signer.kind, 'certificate', `${c.id}: keyless`)
        if (result.signer.kind === 'certificate') {
          t.match(result.signer.certificate.subjectAlternativeName, /^https:\/\/github\.com\//, `${c.id}: SAN`)
          t.equal(result.signer.certificate.issuer, 'https://token.actions.githubusercontent.com', `${c.id}: issuer`)
        }
      } else {
        t.same(result.signer, { kind: 'public-key', keyHint: a.bundle.verificationMaterial.publicKey.hint }, `${c.id}: key`)
      }
    }
  }
})

t.test('keyless results carry the certificate and its extensions by OID', async (t) => {
  const result = verifier.verify(validProvenance())
  if (!result.ok || result.signer.kind !== 'certificate') return t.fail(codeOf(result))
  const cert = result.signer.certificate
  t.match(cert.pem, /^-----BEGIN CERTIFICATE-----\n/)
  // RFC 7468: base64 lines of 64 characters, the last one shorter, then the end line.
  const lines = cert.pem.split('\n')
  t.same(lines.slice(-2), ['-----END CERTIFICATE-----', ''])
  t.ok(lines.slice(1, -3).every((line) => line.length === 64) && lines.at(-3)!.length <= 64 && lines.at(-3)!.length > 0, 'lines of 64')
  t.ok(new X509Certificate(cert.pem).raw.equals(cert.der), 'the PEM is the DER')
  t.ok(cert.der.equals(cert.x509.root.toDER()))
  t.ok(cert.extensions['1.3.6.1.4.1.57264.1.8'], 'Fulcio issuer extension, raw')
  t.ok(cert.notBefore <= result.integratedTime! && result.integratedTime! <= cert.notAfter)
  t.equal(result.tlogEntries[0]?.baseUrl, 'https://rekor.sigstore.dev')
  t.equal(result.bundleVersion, '0.2')
})

t.test('older npm bundles carrying the trusted root in their chain still verify', async (t) => {
  const bundle = v01Provenance()
  t.equal(bundle.verificationMaterial.x509CertificateChain.certificates.length, 3)
  t.equal(codeOf(verifier.verify(bundle)), 'OK')
})

t.test('a publish attestation needs its registry key, valid at the integrated time', async (t) => {
  const bundle = validPublish()
  const noKeys = createBundleVerifier({ trustedRoot })
  t.equal(codeOf(noKeys.verify(bundle)), 'PUBLIC_KEY_ERROR', 'unknown key hint')
  const expired = createBundleVerifier({
    trustedRoot,
    publicKeys: attestationKeys(() => ({ start: new Date(0), end: new Date('2020-01-01T00:00:00Z') })),
  })
  t.equal(codeOf(expired.verify(bundle)), 'PUBLIC_KEY_ERROR', 'key expired before the entry was logged')
  t.throws(() => createBundleVerifier({ trustedRoot, publicKeys: { k: { publicKey: 'not a key' } } }), { code: 'PUBLIC_KEY_INVALID' })
})

t.test('policy: identity, issuer and key are checked after the cryptography', async (t) => {
  const result = verifier.verify(validProvenance())
  if (!result.ok || result.signer.kind !== 'certificate') return t.fail(codeOf(result))
  const san = result.signer.certificate.subjectAlternativeName!
  const issuer = 'https://token.actions.githubusercontent.com'
  t.equal(codeOf(verifier.verify(validProvenance(), undefined, { certificateIdentity: san, certificateIssuer: issuer })), 'OK')
  t.equal(codeOf(verifier.verify(validProvenance(), undefined, { certificateIdentity: `${san}x` })), 'IDENTITY_MISMATCH')
  t.equal(codeOf(verifier.verify(validProvenance(), undefined, { certificateIdentity: '.*' })), 'IDENTITY_MISMATCH', 'not a pattern')
  t.equal(codeOf(verifier.verify(validProvenance(), undefined, { certificateIssuer: 'https://accounts.google.com' })), 'IDENTITY_MISMATCH')
  const hint = validPublish().verificationMaterial.publicKey.hint
  t.equal(codeOf(verifier.verify(validProvenance(), undefined, { publicKeyHint: hint })), 'IDENTITY_MISMATCH', 'a key was required')
  t.equal(codeOf(verifier.verify(validPublish(), undefined, { certificateIdentity: san })), 'IDENTITY_MISMATCH', 'a certificate was required')
})

t.test('an artifact given for a DSSE bundle must be an in-toto subject', async (t) => {
  const tarball = readFileSync(corpusPath('tarballs/sigstore-2.3.1.tgz'))
  t.equal(codeOf(verifier.verify(validProvenance(), { bytes: tarball })), 'OK', 'the tarball is the sha512 subject')
  t.equal(codeOf(verifier.verify(validProvenance(), { bytes: Buffer.from('other') })), 'ARTIFACT_MISMATCH')
  t.equal(codeOf(verifier.verify(validProvenance(), { digest: { algorithm: 'sha256', hex: '00'.repeat(32) } })), 'ARTIFACT_MISMATCH')
})

t.test('malformed bundles give BUNDLE_MALFORMED', async (t) => {
  const mutations: Record<string, [() => Record<string, any>, (b: Record<string, any>) => unknown]> = {
    'no mediaType': [validProvenance, (b) => delete b.mediaType],
    'unknown bundle version': [validProvenance, (b) => (b.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=99.9')],
    'no verificationMaterial': [validProvenance, (b) => delete b.verificationMaterial],
    'both content kinds': [validProvenance, (b) => (b.messageSignature = { signature: 'AAAA' })],
    'no content': [validProvenance, (b) => delete b.dsseEnvelope],
    'two DSSE signatures': [validProvenance, (b) => b.dsseEnvelope.signatures.push(b.dsseEnvelope.signatures[0])],
    'DSSE signature not base64': [validProvenance, (b) => (b.dsseEnvelope.signatures[0].sig = 'INVALID!!!BASE64===')],
    'payload not base64': [validProvenance, (b) => (b.dsseEnvelope.payload = '%%%%')],
    'empty certificate chain': [v01Provenance, (b) => (b.verificationMaterial.x509CertificateChain.certificates = [])],
    'certificate bytes that are no certificate': [v01Provenance, (b) => (b.verificationMaterial.x509CertificateChain.certificates[0].rawBytes = 'AAAA')],
    'chain out of order': [v01Provenance, (b) => b.verificationMaterial.x509CertificateChain.certificates.reverse()],
    'root spliced in after the leaf': [
      v01Provenance,
      (b) => {
        const [leaf, intermediate, root] = b.verificationMaterial.x509CertificateChain.certificates
        b.verificationMaterial.x509CertificateChain.certificates = [leaf, root, intermediate]
      },
    ],
    'negative logIndex': [validProvenance, (b) => (b.verificationMaterial.tlogEntries[0].logIndex = '-1')],
    'non-numeric integratedTime': [validProvenance, (b) => (b.verificationMaterial.tlogEntries[0].integratedTime = '12e3')],
    'negative inclusion proof index': [validProvenance, (b) => (b.verificationMaterial.tlogEntries[0].inclusionProof.logIndex = '-5')],
    'v0.2 entry without inclusion proof': [validProvenance, (b) => delete b.verificationMaterial.tlogEntries[0].inclusionProof],
    'v0.2 proof without checkpoint': [validProvenance, (b) => delete b.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint],
    'v0.1 entry without inclusion promise': [v01Provenance, (b) => delete b.verificationMaterial.tlogEntries[0].inclusionPromise],
    'entry without kindVersion': [validProvenance, (b) => delete b.verificationMaterial.tlogEntries[0].kindVersion],
    'canonicalizedBody not base64': [validProvenance, (b) => (b.verificationMaterial.tlogEntries[0].canonicalizedBody = 'e30=!')],
    'timestamp that is no RFC 3161 response': [validProvenance, (b) => (b.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [{ signedTimestamp: 'MAA=' }] })],
    'v0.3 with a certificate chain': [v01Provenance, (b) => (b.mediaType = 'application/vnd.dev.sigstore.bundle.v0.3+json')],
  }
  for (const [name, [base, mutate]] of Object.entries(mutations)) {
    const bundle = structuredClone(base())
    mutate(bundle)
    t.equal(codeOf(verifier.verify(bundle)), 'BUNDLE_MALFORMED', name)
  }
  for (const junk of [null, 42, 'bundle', [], {}]) t.equal(codeOf(verifier.verify(junk)), 'BUNDLE_MALFORMED', JSON.stringify(junk))
})

t.test('removing or corrupting any single field never crashes and never yields a code outside the list', async (t) => {
  const codes = new Set<string>(VERIFY_ERROR_CODES)
  let checked = 0
  for (const base of [validProvenance, validPublish, v01Provenance]) {
    for (const path of leafPaths(base())) {
      for (const edit of ['delete', 'corrupt'] as const) {
        const bundle = structuredClone(base())
        const parent = path.slice(0, -1).reduce((o: any, k) => o[k], bundle)
        const key = path[path.length - 1]!
        if (edit === 'delete') delete parent[key]
        else parent[key] = typeof parent[key] === 'string' ? `${parent[key]}A` : -1
        let result: BundleVerification | undefined
        t.doesNotThrow(() => (result = verifier.verify(bundle)), `${edit} ${path.join('.')}`)
        if (result && !result.ok) t.ok(codes.has(result.code), `${edit} ${path.join('.')}: ${result.code}`)
        checked++
      }
    }
  }
  t.ok(checked > 50, `${checked} edits`)
})

t.test('structural bundles from npm publish tests never verify', async (t) => {
  for (const c of loadCorpusCases().filter((c) => c.kind === 'structural-bundle')) {
    let bundle: unknown
    try {
      bundle = JSON.parse(readFileSync(corpusPath(c.file), 'utf8'))
    } catch {
      bundle = readFileSync(corpusPath(c.file), 'utf8')
    }
    const result = verifier.verify(bundle)
    t.equal(result.ok, false, `${c.id}: ${codeOf(result)}`)
  }
})

function leafPaths(value: unknown, path: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [path]
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]))
}
