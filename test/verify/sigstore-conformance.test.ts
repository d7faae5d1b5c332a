/**
 * The verifier on variants of the recorded sigstore-conformance `bundle-verify` cases, derived in
 * the test for upstream cases that are not recorded: other bundle versions, checkpoint edits,
 * missing proofs, certificate chains with roots, trusted roots with edited validity windows. The
 * recorded cases themselves, with their codes, are run once by test/conformance/conformance.test.ts.
 * The digest form uses the conformance client's test-only digest verifier, as the client does.
 */
import tap from 'tap'

const t = tap
import { createHash, generateKeyPairSync } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { corpusPath } from '../helpers/corpus.js'
import {
  createBundleVerifier,
  parseTrustedRoot,
  type ArtifactInput,
  type BundleVerification,
  type VerifyPolicy,
} from '../../lib/verify/sigstore/index.js'
import { verifyDigestSignature } from '../conformance/prehash.js'

const CASES = corpusPath('conformance/bundle-verify')
const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main'
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com'

type Json = Record<string, any>
interface Case {
  bundle: Json
  root: Json
  artifact: Buffer
  keyPEM?: string
  policy: VerifyPolicy
}

function loadCase(name: string): Case {
  const dir = join(CASES, name)
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').trim() : undefined)
  const keyPEM = read('key.pub')
  return {
    bundle: JSON.parse(read('bundle.sigstore.json')!),
    root: JSON.parse(read('trusted_root.json') ?? readFileSync(corpusPath('trust/sigstore-public-good.trusted_root.json'), 'utf8')),
    artifact: existsSync(join(dir, 'artifact')) ? readFileSync(join(dir, 'artifact')) : readFileSync(join(CASES, 'a.txt')),
    ...(keyPEM ? { keyPEM } : {}),
    policy: keyPEM ? { publicKeyHint: 'key.pub' } : { certificateIdentity: read('identity') ?? DEFAULT_IDENTITY, certificateIssuer: read('issuer') ?? DEFAULT_ISSUER },
  }
}

/** Verifies a case with the artifact as bytes and as a digest; both forms must agree. */
function verifyBoth(t: Pick<typeof tap, 'equal'>, c: Case, label: string): string {
  const verifier = createBundleVerifier({
    trustedRoot: parseTrustedRoot(c.root, `${label}/trusted_root.json`),
    ...(c.keyPEM ? { publicKeys: { 'key.pub': { publicKey: c.keyPEM } } } : {}),
    verifyDigestSignature,
  })
  const forms: ArtifactInput[] = [
    { bytes: c.artifact },
    { digest: { algorithm: 'sha256', hex: createHash('sha256').update(c.artifact).digest('hex') } },
  ]
  const [bytes, digest] = forms.map((artifact) => codeOf(verifier.verify(c.bundle, artifact, c.policy)))
  t.equal(digest, bytes, `${label}: the digest form agrees with the bytes form`)
  return bytes!
}

function codeOf(result: BundleVerification): string {
  return result.ok ? 'OK' : result.code
}

const HAPPY_V01 = 'happy-path-v0.1'
const REKOR2 = 'rekor2-checkpoint-cosigned'
const entry0 = (b: Json) => b.verificationMaterial.tlogEntries[0]
const editCheckpoint = (b: Json, edit: (envelope: string) => string) => {
  const cp = entry0(b).inclusionProof.checkpoint
  cp.envelope = edit(cp.envelope)
}
const signatureLines = (envelope: string) => envelope.slice(envelope.indexOf('\n\n') + 2).trimEnd().split('\n')
const noteText = (envelope: string) => envelope.slice(0, envelope.indexOf('\n\n') + 1)

interface Variant {
  from: string
  expect: string
  bundle?: (b: Json, c: Case) => void
  root?: (r: Json, c: Case) => void
  policy?: VerifyPolicy
  keyPEM?: () => string
}

const VARIANTS: Record<string, Variant> = {
  'unknown bundle version': { from: HAPPY_V01, expect: 'BUNDLE_MALFORMED', bundle: (b) => (b.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=99.9') },
  'messageDigest that is not the artifact digest': {
    from: HAPPY_V01,
    expect: 'ARTIFACT_MISMATCH',
    bundle: (b) => (b.messageSignature.messageDigest.digest = Buffer.alloc(32, 1).toString('base64')),
  },
  'chain with the trusted intermediate': {
    from: HAPPY_V01,
    expect: 'OK',
    bundle: (b, c) => b.verificationMaterial.x509CertificateChain.certificates.push(c.root.certificateAuthorities[1].certChain.certificates[0]),
  },
  'chain with a root spliced in before the intermediate': {
    from: HAPPY_V01,
    expect: 'BUNDLE_MALFORMED',
    bundle: (b, c) => b.verificationMaterial.x509CertificateChain.certificates.push(...[...c.root.certificateAuthorities[1].certChain.certificates].reverse()),
  },
  'v0.2 bundle without an inclusion proof': {
    from: 'intoto-with-custom-trust-root',
    expect: 'BUNDLE_MALFORMED',
    bundle: (b) => delete entry0(b).inclusionProof,
  },
  'v0.3 bundle without an inclusion proof': { from: REKOR2, expect: 'BUNDLE_MALFORMED', bundle: (b) => delete entry0(b).inclusionProof },
  'inclusion proof without a checkpoint': { from: REKOR2, expect: 'BUNDLE_MALFORMED', bundle: (b) => delete entry0(b).inclusionProof.checkpoint },
  'checkpoint without its root hash line': {
    from: REKOR2,
    expect: 'TLOG_ERROR',
    bundle: (b) => editCheckpoint(b, (e) => e.replace(/\n[A-Za-z0-9+/]{43}=\n/, '\n')),
  },
  'checkpoint without its size line': { from: REKOR2, expect: 'TLOG_ERROR', bundle: (b) => editCheckpoint(b, (e) => e.replace(/\n\d+\n/, '\n')) },
  'checkpoint without the log signature': {
    from: REKOR2,
    expect: 'TLOG_ERROR',
    bundle: (b) => editCheckpoint(b, (e) => `${noteText(e)}\n${signatureLines(e).filter((l) => l.includes('witness')).join('\n')}\n`),
  },
  'checkpoint signed under another key name': {
    from: REKOR2,
    expect: 'TLOG_ERROR',
    bundle: (b) => editCheckpoint(b, (e) => e.replaceAll('\u2014 log2025-alpha1.rekor.sigstage.dev', '\u2014 log2025-beta1.rekor.sigstage.dev')),
  },
  'checkpoint with a malformed signature line': {
    from: REKOR2,
    expect: 'TLOG_ERROR',
    bundle: (b) => editCheckpoint(b, (e) => `${e}garbage line\n`),
  },
  "checkpoint with the log's signature not first": {
    from: REKOR2,
    expect: 'OK',
    bundle: (b) => editCheckpoint(b, (e) => `${noteText(e)}\n${signatureLines(e).reverse().join('\n')}\n`),
  },
  'checkpoint with several cosignatures': {
    from: REKOR2,
    expect: 'OK',
    bundle: (b) =>
      editCheckpoint(b, (e) => {
        const [log, witness] = signatureLines(e) as [string, string]
        return `${noteText(e)}\n${witness.replace('witness.example', 'witness2.example')}\n${log}\n${witness}\n`
      }),
  },
  'entry from a log not in the trusted root': { from: REKOR2, expect: 'TLOG_ERROR', root: (r) => (r.tlogs = r.tlogs.slice(0, 1)) },
  'timestamp over another signature': {
    from: REKOR2,
    expect: 'TIMESTAMP_ERROR',
    bundle: (b) => (b.verificationMaterial.timestampVerificationData = loadCase('rekor2-timestamp-without-embedded-cert').bundle.verificationMaterial.timestampVerificationData),
  },
  'timestamp outside the TSA validity in the trusted root': {
    from: REKOR2,
    expect: 'TIMESTAMP_ERROR',
    root: (r) => (r.timestampAuthorities[0].validFor.end = '2025-05-01T00:00:00Z'),
  },
  'tlog validity ending exactly at the integrated time (closed interval)': {
    from: HAPPY_V01,
    expect: 'OK',
    root: (r, c) => (r.tlogs[0].publicKey.validFor.end = new Date(Number(entry0(c.bundle).integratedTime) * 1000).toISOString()),
  },
  'tlog validity ending a second before the integrated time': {
    from: HAPPY_V01,
    expect: 'TLOG_ERROR',
    root: (r, c) => (r.tlogs[0].publicKey.validFor.end = new Date((Number(entry0(c.bundle).integratedTime) - 1) * 1000).toISOString()),
  },
  'CA validity not covering the signing time': {
    from: HAPPY_V01,
    expect: 'CERTIFICATE_ERROR',
    root: (r) => (r.certificateAuthorities[1].validFor.end = '2023-01-01T00:00:00Z'),
  },
  'no CT log to check the SCT with': { from: HAPPY_V01, expect: 'CERTIFICATE_ERROR', root: (r) => (r.ctlogs = []) },
  'SET over another log index': { from: HAPPY_V01, expect: 'TLOG_ERROR', bundle: (b) => (entry0(b).logIndex = String(Number(entry0(b).logIndex) + 1)) },
  'integrated time in the future': { from: HAPPY_V01, expect: 'TIMESTAMP_ERROR', bundle: (b) => (entry0(b).integratedTime = '99999999999') },
  'no transparency-log entry': { from: HAPPY_V01, expect: 'TLOG_ERROR', bundle: (b) => (b.verificationMaterial.tlogEntries = []) },
  'managed key: a different key': {
    from: 'managed-key-happy-path',
    expect: 'TLOG_ERROR', // (+) the log entry records another key
    keyPEM: () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  },
  'keyless bundle verified as key-signed': {
    from: HAPPY_V01,
    expect: 'IDENTITY_MISMATCH',
    policy: { publicKeyHint: 'key.pub' },
    keyPEM: () => loadCase('managed-key-happy-path').keyPEM!,
  },
}

t.test('variants of the recorded cases', async (t) => {
  for (const [name, v] of Object.entries(VARIANTS)) {
    const c = structuredClone(loadCase(v.from))
    const base = structuredClone(c)
    v.bundle?.(c.bundle, base)
    v.root?.(c.root, base)
    if (v.policy) c.policy = v.policy
    if (v.keyPEM) c.keyPEM = v.keyPEM()
    t.equal(verifyBoth(t, c, name), v.expect, name)
  }
})

t.test('a malformed trusted root is an error, not a verification', async (t) => {
  const c = loadCase(HAPPY_V01)
  delete c.root.tlogs[0].publicKey.validFor.start
  t.throws(() => parseTrustedRoot(c.root, 'root'), { code: 'TRUSTED_ROOT_INVALID' })
})

t.test('"now" decides what is in the future', async (t) => {
  const c = loadCase(HAPPY_V01)
  const trustedRoot = parseTrustedRoot(c.root, 'root')
  const integrated = new Date(Number(entry0(c.bundle).integratedTime) * 1000)
  const at = (now: Date) => codeOf(createBundleVerifier({ trustedRoot, now: () => now }).verify(c.bundle, { bytes: c.artifact }, c.policy))
  t.equal(at(new Date(integrated.getTime() + 1000)), 'OK')
  t.equal(at(new Date(integrated.getTime() - 3_600_000)), 'TIMESTAMP_ERROR')
})

t.test('a message signature known only by its digest is UNSUPPORTED without a digest verifier (verify-deps always has the bytes)', async (t) => {
  for (const name of [HAPPY_V01, 'managed-key-happy-path']) {
    const c = loadCase(name)
    const verifier = createBundleVerifier({
      trustedRoot: parseTrustedRoot(c.root, `${name}/trusted_root.json`),
      ...(c.keyPEM ? { publicKeys: { 'key.pub': { publicKey: c.keyPEM } } } : {}),
    })
    const digest = { algorithm: 'sha256' as const, hex: createHash('sha256').update(c.artifact).digest('hex') }
    t.equal(codeOf(verifier.verify(c.bundle, { digest }, c.policy)), 'UNSUPPORTED', `${name}: digest only`)
    t.equal(codeOf(verifier.verify(c.bundle, { bytes: c.artifact }, c.policy)), 'OK', `${name}: bytes`)
  }
})
