/**
 * Bundles from the test PKI fail @sigstore/verify when tampered with, each for the intended
 * reason (asserted by VerificationError code). Every case starts from a bundle that verifies.
 */
import t from 'tap'
import {
  createRegistryKey,
  createTestSigstore,
  verificationErrorCode,
  verifyWithSigstore,
  type BundleJSON,
  type DsseEnvelope,
  type ReferenceVerifyOptions,
  type TestSigstore,
} from './pki/index.js'

const NOW = new Date('2025-03-01T12:00:00Z')
const PKG = { name: '@octo-org/octo-pkg', version: '1.0.0', tarball: Buffer.from('tarball bytes') }
const TEN_MINUTES_MS = 10 * 60 * 1000

function codeOf(world: TestSigstore, bundle: BundleJSON, options?: ReferenceVerifyOptions): string {
  return verificationErrorCode(() => verifyWithSigstore(world.trustedRoot, bundle, options))
}

/** Deep copy, changed by `edit`; the original stays valid for the next case. */
function mutated(bundle: BundleJSON, edit: (b: BundleJSON) => void): BundleJSON {
  const copy = structuredClone(bundle)
  edit(copy)
  return copy
}

function flipBase64(value: string, byteIndex = -1): string {
  const bytes = Buffer.from(value, 'base64')
  const i = byteIndex < 0 ? bytes.length + byteIndex : byteIndex
  bytes[i] = (bytes[i] as number) ^ 0x01
  return bytes.toString('base64')
}

function alterPayload(payload: Buffer): Buffer {
  const statement = JSON.parse(payload.toString('utf8'))
  statement.subject[0].digest.sha512 = '0'.repeat(128)
  return Buffer.from(JSON.stringify(statement))
}

const entryOf = (b: BundleJSON) => b.verificationMaterial.tlogEntries[0]!

t.test('a tampered v0.3 provenance bundle fails for the reason it was tampered', async (t) => {
  const world = createTestSigstore({ now: NOW })
  const { bundle } = world.signProvenance(PKG)
  t.equal(codeOf(world, bundle), 'OK', 'baseline verifies')

  const cases: [string, (b: BundleJSON) => void, string][] = [
    [
      'payload changed',
      (b) => (b.dsseEnvelope.payload = alterPayload(Buffer.from(b.dsseEnvelope.payload, 'base64')).toString('base64')),
      'TLOG_BODY_ERROR',
    ],
    ['signature changed', (b) => (b.dsseEnvelope.signatures[0]!.sig = flipBase64(b.dsseEnvelope.signatures[0]!.sig)), 'TLOG_BODY_ERROR'],
    ['payload type changed', (b) => (b.dsseEnvelope.payloadType = 'application/json'), 'SIGNATURE_ERROR'],
    [
      'inclusion proof hash flipped',
      (b) => (entryOf(b).inclusionProof!.hashes[0] = flipBase64(entryOf(b).inclusionProof!.hashes[0]!, 0)),
      'TLOG_INCLUSION_PROOF_ERROR',
    ],
    [
      'inclusion proof index changed',
      (b) => (entryOf(b).inclusionProof!.logIndex = String(Number(entryOf(b).inclusionProof!.logIndex) - 1)),
      'TLOG_INCLUSION_PROOF_ERROR',
    ],
    [
      'checkpoint signature changed',
      (b) => {
        const cp = entryOf(b).inclusionProof!.checkpoint
        cp.envelope = cp.envelope.replace(/ (\S+)\n$/, (_, sig: string) => ` ${flipBase64(sig)}\n`)
      },
      'TLOG_INCLUSION_PROOF_ERROR',
    ],
    [
      'checkpoint root hash changed',
      (b) => {
        const cp = entryOf(b).inclusionProof!.checkpoint
        const [origin, size, root, ...rest] = cp.envelope.split('\n')
        cp.envelope = [origin, size, flipBase64(root!, 0), ...rest].join('\n')
      },
      'TLOG_INCLUSION_PROOF_ERROR',
    ],
    [
      'checkpoint signed under another log name',
      (b) => {
        const cp = entryOf(b).inclusionProof!.checkpoint
        cp.envelope = cp.envelope.replace('\u2014 rekor.sigstore.test ', '\u2014 rekor.other.test ')
      },
      'TLOG_INCLUSION_PROOF_ERROR',
    ],
    [
      'SET changed',
      (b) => (entryOf(b).inclusionPromise!.signedEntryTimestamp = flipBase64(entryOf(b).inclusionPromise!.signedEntryTimestamp)),
      'TLOG_INCLUSION_PROMISE_ERROR',
    ],
    [
      'integratedTime moved (still inside the certificate validity)',
      (b) => (entryOf(b).integratedTime = String(Number(entryOf(b).integratedTime) + 60)),
      'TLOG_INCLUSION_PROMISE_ERROR',
    ],
    ['log index changed', (b) => (entryOf(b).logIndex = String(Number(entryOf(b).logIndex) + 1)), 'TLOG_INCLUSION_PROMISE_ERROR'],
    [
      'log entry body changed',
      (b) => {
        const body = JSON.parse(Buffer.from(entryOf(b).canonicalizedBody, 'base64').toString())
        body.spec.payloadHash.value = '0'.repeat(64)
        entryOf(b).canonicalizedBody = Buffer.from(JSON.stringify(body)).toString('base64')
      },
      'TLOG_INCLUSION_PROMISE_ERROR',
    ],
    ['log entry removed', (b) => (b.verificationMaterial.tlogEntries = []), 'TIMESTAMP_ERROR'],
  ]
  for (const [name, edit, code] of cases) {
    t.equal(codeOf(world, mutated(bundle, edit)), code, name)
  }
})

t.test('tampering that the log faithfully recorded is caught by the signature check', async (t) => {
  const world = createTestSigstore({ now: NOW })
  const edits: [string, (e: DsseEnvelope) => DsseEnvelope][] = [
    ['payload changed after signing', (e) => ({ ...e, payload: alterPayload(e.payload) })],
    ['signature changed after signing', (e) => ({ ...e, signature: Buffer.from(flipBase64(e.signature.toString('base64')), 'base64') })],
  ]
  for (const [name, editSignedEnvelope] of edits) {
    const { bundle } = world.signProvenance(PKG, { editSignedEnvelope })
    t.equal(codeOf(world, bundle), 'SIGNATURE_ERROR', name)
  }
  const key = createRegistryKey()
  const pub = world.signPublishAttestation(PKG, key, { editSignedEnvelope: edits[0]![1] })
  t.equal(codeOf(world, pub.bundle, { keys: [{ key }] }), 'SIGNATURE_ERROR', 'publish attestation payload changed after signing')
})

t.test('certificate faults fail the certificate checks', async (t) => {
  const world = createTestSigstore({ now: NOW })

  const rogue = world.untrusted()
  t.same(rogue.fulcio.intermediate.name, world.fulcio.intermediate.name, 'the untrusted CA has the same names…')
  t.notSame(rogue.fulcio.intermediate.keyPair.spki, world.fulcio.intermediate.keyPair.spki, '…but other keys')
  t.equal(codeOf(world, rogue.signProvenance(PKG).bundle), 'CERTIFICATE_ERROR', 'certificate from a CA that is not in the trusted root')
  t.equal(
    codeOf(world, rogue.signProvenance(PKG, { bundleVersion: '0.1' }).bundle),
    'CERTIFICATE_ERROR',
    'untrusted chain shipped inside a v0.1 bundle',
  )

  const noSct = world.signProvenance(PKG, { sct: 'omit' })
  t.equal(codeOf(world, noSct.bundle), 'CERTIFICATE_ERROR', 'SCT removed')
  t.equal(codeOf(world, noSct.bundle, { verifierOptions: { ctlogThreshold: 0 } }), 'OK', '…and the SCT is the only fault')
  t.notOk(hasSct(noSct.bundle), 'no SCT extension')
  t.ok(hasSct(world.signProvenance(PKG).bundle), 'unlike a normal leaf')

  const badSct = world.signProvenance(PKG, { sct: 'bad-signature' })
  t.equal(codeOf(world, badSct.bundle), 'CERTIFICATE_ERROR', 'SCT signature corrupted')

  const late = world.signProvenance(PKG, { integratedTime: new Date(NOW.getTime() + TEN_MINUTES_MS + 60_000) })
  t.equal(codeOf(world, late.bundle), 'CERTIFICATE_ERROR', 'logged after the certificate expired')
  const early = world.signProvenance(PKG, { integratedTime: new Date(NOW.getTime() - 60_000) })
  t.equal(codeOf(world, early.bundle), 'CERTIFICATE_ERROR', 'logged before the certificate was issued')
  const edge = world.signProvenance(PKG, { integratedTime: new Date(NOW.getTime() + TEN_MINUTES_MS - 5_000) })
  t.equal(codeOf(world, edge.bundle), 'OK', 'logged just before expiry')

  const beforeRoot = createTestSigstore({ now: NOW, validFrom: new Date('2024-01-01T00:00:00Z') })
  const tooOld = beforeRoot.signProvenance(PKG, { at: new Date('2023-06-01T00:00:00Z') })
  t.equal(codeOf(beforeRoot, tooOld.bundle), 'CERTIFICATE_ERROR', 'signed before the trusted root CA window')
})

t.test('a certificate swapped for another valid one fails the signature check', async (t) => {
  // @sigstore/verify does not compare the Rekor entry's verifier with the bundle's certificate;
  // the DSSE signature check against the certificate's key is what catches the swap.
  const world = createTestSigstore({ now: NOW })
  const victim = world.signProvenance(PKG)
  const other = world.signProvenance(PKG, { identity: { repository: 'evil/pkg' } })
  const swapped = mutated(victim.bundle, (b) => (b.verificationMaterial.certificate = other.bundle.verificationMaterial.certificate))
  t.equal(codeOf(world, swapped), 'SIGNATURE_ERROR')
})

t.test('older bundle versions fail when tampered', async (t) => {
  const world = createTestSigstore({ now: NOW })
  const v1 = world.signProvenance(PKG, { bundleVersion: '0.1' }).bundle
  t.equal(codeOf(world, v1), 'OK')
  t.equal(
    codeOf(world, mutated(v1, (b) => (entryOf(b).inclusionPromise!.signedEntryTimestamp = flipBase64(entryOf(b).inclusionPromise!.signedEntryTimestamp)))),
    'TLOG_INCLUSION_PROMISE_ERROR',
    'v0.1 SET changed',
  )
  t.equal(
    codeOf(world, mutated(v1, (b) => (b.dsseEnvelope.payload = alterPayload(Buffer.from(b.dsseEnvelope.payload, 'base64')).toString('base64')))),
    'TLOG_BODY_ERROR',
    'v0.1 payload changed',
  )

  const v2 = world.signProvenance(PKG, { bundleVersion: '0.2' }).bundle
  t.equal(codeOf(world, v2), 'OK')
  t.equal(
    codeOf(world, mutated(v2, (b) => (entryOf(b).inclusionProof!.hashes[0] = flipBase64(entryOf(b).inclusionProof!.hashes[0]!, 0)))),
    'TLOG_INCLUSION_PROOF_ERROR',
    'v0.2 inclusion proof hash flipped',
  )
  t.equal(
    codeOf(world, mutated(v2, (b) => (b.dsseEnvelope.signatures[0]!.sig = flipBase64(b.dsseEnvelope.signatures[0]!.sig)))),
    'TLOG_BODY_ERROR',
    'v0.2 signature changed',
  )
})

t.test('a publish attestation fails with the wrong or expired registry key', async (t) => {
  const world = createTestSigstore({ now: NOW })
  const key = createRegistryKey()
  const { bundle } = world.signPublishAttestation(PKG, key)
  t.equal(codeOf(world, bundle, { keys: [{ key }] }), 'OK')

  const impostor = createRegistryKey({ keyid: key.keyid })
  t.equal(codeOf(world, bundle, { keys: [{ key: impostor }] }), 'SIGNATURE_ERROR', 'another key under the same id')
  t.equal(
    codeOf(world, bundle, { keys: [{ key, validFor: { start: new Date('2020-01-01T00:00:00Z'), end: new Date('2025-01-01T00:00:00Z') } }] }),
    'PUBLIC_KEY_ERROR',
    'key expired before the entry was logged',
  )
  const retired = createRegistryKey({ expires: '2025-01-01T00:00:00Z' })
  t.equal(
    codeOf(world, world.signPublishAttestation(PKG, retired).bundle, { keys: [{ key: retired }] }),
    'PUBLIC_KEY_ERROR',
    'the key’s own expiry bounds its validity by default',
  )
  t.equal(
    codeOf(world, mutated(bundle, (b) => (b.dsseEnvelope.payload = alterPayload(Buffer.from(b.dsseEnvelope.payload, 'base64')).toString('base64'))), { keys: [{ key }] }),
    'TLOG_BODY_ERROR',
    'payload changed',
  )
  t.equal(
    codeOf(world, mutated(bundle, (b) => (b.verificationMaterial.publicKey = { hint: 'SHA256:unknown' })), { keys: [{ key }] }),
    'PUBLIC_KEY_ERROR',
    'hint names an unknown key',
  )
})

t.test('@sigstore/verify ignores the inclusion proof rootHash field and trusts the checkpoint', async (t) => {
  // Pinned so verify-deps knows what the library leaves unchecked: the root comes from the signed
  // checkpoint; the proof's own rootHash/treeSize fields are never compared with it.
  const world = createTestSigstore({ now: NOW })
  const { bundle } = world.signProvenance(PKG)
  const edited = mutated(bundle, (b) => {
    entryOf(b).inclusionProof!.rootHash = flipBase64(entryOf(b).inclusionProof!.rootHash, 0)
    entryOf(b).inclusionProof!.treeSize = '1'
  })
  t.equal(codeOf(world, edited), 'OK')
})

function hasSct(bundle: BundleJSON): boolean {
  const der = Buffer.from(bundle.verificationMaterial.certificate!.rawBytes, 'base64')
  // OID 1.3.6.1.4.1.11129.2.4.2 in DER.
  return der.includes(Buffer.from('060a2b06010401d679020402', 'hex'))
}
