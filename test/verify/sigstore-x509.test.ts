/**
 * lib/verify/sigstore/x509.ts: certificates that answer from their original DER must behave exactly
 * as @sigstore/core's X509Certificate does, and the per-run caches must never turn a failure into a
 * pass — a tampered certificate or signature after a cached success still fails, in the same run.
 */
import t from 'tap'
import { ASN1Obj, X509Certificate } from '@sigstore/core'
import { readCorpusJSON } from '../helpers/corpus.js'
import { CertificateCache, RawCertificate, certificateDER, encodeDER, isCanonicalDER } from '../../lib/verify/sigstore/x509.js'
import { createBundleVerifier, parseTrustedRoot } from '../../lib/verify/sigstore/index.js'

const ROOT_FILE = 'trust/sigstore-public-good.trusted_root.json'
const rootJSON = readCorpusJSON(ROOT_FILE) as { certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[] }
const caCerts = rootJSON.certificateAuthorities.flatMap((ca) => ca.certChain.certificates.map((c) => Buffer.from(c.rawBytes, 'base64')))

interface Attestation {
  predicateType: string
  bundle: Record<string, any>
}
const FILES = ['attestations/npm-cli__sigstore@1.0.0.json', 'attestations/slsa-verifier__provenance-npm-test-cli-v1-prega.json']
const provenance = (file: string) =>
  structuredClone((readCorpusJSON(file) as { attestations: Attestation[] }).attestations.find((a) => !a.predicateType.includes('npm/attestation'))!.bundle)
const chainOf = (bundle: Record<string, any>): string[] =>
  bundle.verificationMaterial.x509CertificateChain?.certificates.map((c: { rawBytes: string }) => c.rawBytes) ?? [bundle.verificationMaterial.certificate.rawBytes]
const leaves = FILES.map((f) => Buffer.from(chainOf(provenance(f))[0]!, 'base64'))
const realCerts = [...leaves, ...caCerts]

const upstreamCanonical = (der: Buffer): boolean | undefined => {
  let cert: X509Certificate
  try {
    cert = X509Certificate.parse(Buffer.from(der))
  } catch {
    return undefined
  }
  return cert.root.toDER().equals(der)
}

// A small deterministic PRNG: the mutations are the same on every run.
function prng(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    return s
  }
}

t.test('real certificates are canonical, and every upstream accessor agrees with the raw-DER ones', async (t) => {
  const cache = new CertificateCache()
  for (const der of realCerts) {
    t.ok(isCanonicalDER(der), 'canonical')
    const ours = cache.parse(der)
    const theirs = X509Certificate.parse(der)
    t.ok(ours.canonical)
    t.ok(ours.tbs.equals(theirs.tbsCertificate.toDER()), 'TBS bytes')
    t.ok(ours.publicKey.equals(theirs.publicKey), 'SPKI bytes')
    t.ok(certificateDER(ours).equals(theirs.root.toDER()), 'DER')
    t.ok(encodeDER(theirs.root).equals(der), 'one-pass encoding equals toDER')
    t.ok(ours.equals(cache.parse(Buffer.from(der))) && ours.equals(theirs) && theirs.equals(ours), 'equals')
    // The SCT precertificate path: clone, drop an extension, re-encode the TBS.
    const a = ours.clone()
    const b = theirs.clone()
    a.extensions.splice(0, 1)
    b.extensions.splice(0, 1)
    t.ok(a.tbsCertificate.toDER().equals(b.tbsCertificate.toDER()), 'clone minus an extension encodes as upstream')
    t.equal(ours.extensions.length, theirs.extensions.length, 'cloning never mutates the original')
  }
  const other = cache.parse(caCerts[0]!)
  t.notOk(cache.parse(leaves[0]!).equals(other))
})

t.test('isCanonicalDER is exactly "upstream re-encodes to the same bytes", on mutated certificates', async (t) => {
  const rand = prng(11)
  let parsed = 0
  let nonCanonical = 0
  for (const der of realCerts) {
    const variants: Buffer[] = [
      Buffer.concat([der, Buffer.from([0])]), // trailing byte
      Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), der.subarray(2)]), // non-minimal outer length
    ]
    for (let i = 0; i < 300; i++) {
      const v = Buffer.from(der)
      const flips = 1 + (rand() % 3)
      for (let f = 0; f < flips; f++) v[rand() % v.length] = rand() & 0xff
      variants.push(v)
    }
    for (const v of variants) {
      const expected = upstreamCanonical(v)
      if (expected === undefined) continue
      parsed++
      if (!expected) nonCanonical++
      t.equal(isCanonicalDER(v), expected, `variant ${v.toString('hex').slice(0, 24)}…`)
    }
  }
  t.ok(parsed > 500, `${parsed} variants parsed`)
  t.ok(nonCanonical > 2, `${nonCanonical} of them not canonical`)
})

t.test('a non-canonical certificate keeps upstream behaviour', async (t) => {
  const der = Buffer.concat([leaves[0]!, Buffer.from([0])])
  const cert = new CertificateCache().parse(der)
  t.notOk(cert.canonical)
  t.ok(certificateDER(cert).equals(leaves[0]!), 'upstream drops the trailing byte')
  t.ok(cert.equals(X509Certificate.parse(leaves[0]!)), 'compared as upstream compares')
  t.ok(cert.publicKey.equals(X509Certificate.parse(leaves[0]!).publicKey))
  t.ok(cert.clone().root.toDER().equals(leaves[0]!))
  // Upstream verifies the re-encoded TBS, which the trailing byte is not part of.
  const issuer = new CertificateCache().parse(Buffer.from(chainOf(provenance(FILES[0]!))[1]!, 'base64'))
  t.equal(cert.verify(issuer), X509Certificate.parse(Buffer.from(der)).verify(X509Certificate.parse(Buffer.from(issuer.der))))
  t.ok(cert.verify(issuer))
})

t.test('a cached signature check never passes a tampered certificate or the wrong issuer', async (t) => {
  const cache = new CertificateCache()
  const chain = chainOf(provenance(FILES[0]!)).map((b) => Buffer.from(b, 'base64'))
  const [leafDER, intermediateDER, rootDER] = chain as [Buffer, Buffer, Buffer]
  const leaf = cache.parse(leafDER)
  const intermediate = cache.parse(intermediateDER)
  const root = cache.parse(rootDER)
  t.ok(leaf.verify(intermediate), 'leaf issued by the intermediate')
  t.ok(leaf.verify(intermediate), 'again, from the cache')
  t.ok(intermediate.verify(root) && root.verify(), 'intermediate by root, root self-signed')

  const tamperedSignature = Buffer.from(leafDER)
  tamperedSignature[tamperedSignature.length - 3]! ^= 0x01
  t.notOk(cache.parse(tamperedSignature).verify(intermediate), 'signature byte flipped: fails after the cached success')

  const tamperedTbs = Buffer.from(leafDER)
  const at = tamperedTbs.indexOf('github.com')
  t.ok(at > 0)
  tamperedTbs[at] = 'G'.charCodeAt(0)
  const forged = cache.parse(tamperedTbs)
  t.ok(forged.canonical, 'still well-formed DER')
  t.notOk(forged.verify(intermediate), 'TBS byte changed: fails after the cached success')
  t.notOk(forged.verify(intermediate), 'and again: failures are not cached as passes')

  t.notOk(leaf.verify(root), 'the wrong issuer fails')
  t.notOk(leaf.verify(), 'the leaf is not self-signed')
  t.ok(leaf.verify(intermediate), 'the original still verifies')
  // Upstream agrees on each.
  t.notOk(X509Certificate.parse(Buffer.from(tamperedTbs)).verify(X509Certificate.parse(Buffer.from(intermediateDER))))
  t.ok(X509Certificate.parse(Buffer.from(leafDER)).verify(X509Certificate.parse(Buffer.from(intermediateDER))))
})

t.test('the bundle verifier, same run: a tampered bundle after a cached success still fails', async (t) => {
  const trustedRoot = parseTrustedRoot(readCorpusJSON(ROOT_FILE), ROOT_FILE)
  const verifier = createBundleVerifier({ trustedRoot })
  for (const file of FILES) {
    const good = provenance(file)
    t.ok(verifier.verify(good).ok, `${file} verifies`)
    t.ok(verifier.verify(provenance(file)).ok, `${file} verifies again (caches warm)`)
    // The leaf and the intermediate; a bundled copy of the root is not what anchors the chain (the
    // trusted root's is), so a changed copy decides nothing, before this module as after it.
    const certs = chainOf(good).slice(0, 2)
    certs.forEach((raw, i) => {
      const der = Buffer.from(raw, 'base64')
      for (const where of [der.length - 3, der.indexOf(i === 0 ? 'github.com' : 'sigstore')]) {
        const bad = provenance(file)
        const tampered = Buffer.from(der)
        tampered[where]! ^= 0x01
        const list = bad.verificationMaterial.x509CertificateChain?.certificates ?? [bad.verificationMaterial.certificate]
        list[i].rawBytes = tampered.toString('base64')
        const result = verifier.verify(bad)
        t.notOk(result.ok, `${file}: certificate ${i} byte ${where} changed: ${result.ok ? 'OK' : result.code}`)
      }
    })
    const badSig = provenance(file)
    const sig = Buffer.from(badSig.dsseEnvelope.signatures[0].sig, 'base64')
    sig[sig.length - 2]! ^= 0x01
    badSig.dsseEnvelope.signatures[0].sig = sig.toString('base64')
    t.notOk(verifier.verify(badSig).ok, `${file}: DSSE signature changed`)
    t.ok(verifier.verify(provenance(file)).ok, `${file}: the original still verifies`)
  }
})

t.test('encodeDER matches toDER on trees with long lengths and empty nodes', async (t) => {
  const big = Buffer.alloc(70_000, 0x41)
  const der = Buffer.concat([Buffer.from([0x30, 0x83, 0x01, 0x11, 0x77]), Buffer.from([0x04, 0x83, 0x01, 0x11, 0x70]), big, Buffer.from([0x30, 0x00])])
  const tree = ASN1Obj.parseBuffer(der)
  t.ok(encodeDER(tree).equals(tree.toDER()))
  t.ok(isCanonicalDER(der))
  t.notOk(isCanonicalDER(Buffer.from([0x30])), 'not DER at all')
  t.notOk(isCanonicalDER(Buffer.from([0x30, 0x81, 0x00])), 'a length upstream rejects')
  t.ok(RawCertificate.prototype instanceof X509Certificate)
})

t.test('the parse cache returns the same object for the same bytes and stays bounded', async (t) => {
  const cache = new CertificateCache()
  const variant = (i: number) => {
    const der = Buffer.from(leaves[0]!)
    der.writeUInt16BE(i, der.length - 4) // inside the signature value: still well-formed, other bytes
    return der
  }
  const first = cache.parse(variant(0))
  t.equal(cache.parse(variant(0)), first, 'same bytes, same object')
  const kept = cache.parse(variant(1))
  for (let i = 2; i < 100; i++) {
    cache.parse(variant(i))
    cache.parse(variant(1)) // kept recently used
  }
  t.equal(cache.parse(variant(1)), kept, 'a recently used entry stays')
  t.not(cache.parse(variant(0)), first, 'the least recently used was dropped')
  t.ok(cache.parse(variant(0)).equals(first), 'and parses again to an equal certificate')
})

t.test('extension lookups read each OID once and answer exactly as upstream, malformed extensions included', async (t) => {
  const oids = ['2.5.29.15', '2.5.29.37', '2.5.29.14', '2.5.29.35', '2.5.29.17', '2.5.29.19', '1.3.6.1.4.1.11129.2.4.2', '1.3.6.1.4.1.57264.1.8', '1.3.6.1.4.1.57264.1.1', '1.2.3']
  const answers = (cert: X509Certificate) =>
    oids.map((oid) => {
      try {
        const ext = cert.extension(oid)
        return ext ? `${ext.oid}:${ext.critical}:${ext.value.toString('hex')}` : 'absent'
      } catch (err) {
        return `throws ${(err as Error).constructor.name}`
      }
    })
  const getters = (cert: X509Certificate) =>
    (['extBasicConstraints', 'extKeyUsage', 'extSubjectKeyID', 'extAuthorityKeyID', 'extSubjectAltName', 'extSCT'] as const).map((name) => {
      try {
        return cert[name] === undefined ? 'absent' : 'present'
      } catch (err) {
        return `throws ${(err as Error).constructor.name}`
      }
    })
  for (const der of realCerts) {
    const ours = new CertificateCache().parse(der)
    const theirs = X509Certificate.parse(Buffer.from(der))
    t.same(answers(ours), answers(theirs))
    t.same(answers(ours), answers(theirs), 'again, from the memo')
    t.same(getters(ours), getters(theirs))
  }
  // An extension whose OID is not an OID: upstream's find throws for every OID it has to read past
  // it, and finds the extensions before it. Made by turning the 4th extension's OID tag into an INTEGER.
  const der = Buffer.from(leaves[0]!)
  const fourth = X509Certificate.parse(Buffer.from(der)).extensions[3]!.subs[0]!.value
  const at = der.indexOf(Buffer.concat([Buffer.from([0x06, fourth.length]), fourth]))
  t.ok(at > 0)
  der[at] = 0x02
  const ours = new CertificateCache().parse(der)
  const theirs = X509Certificate.parse(Buffer.from(der))
  const mine = answers(ours)
  t.same(mine, answers(theirs))
  t.ok(mine.some((a) => a.startsWith('throws')) && mine.some((a) => a !== 'absent' && !a.startsWith('throws')), 'some found, some throw')
  t.same(getters(ours), getters(theirs))
})

t.test('a clone shares untouched nodes yet encodes as upstream after any extension is removed', async (t) => {
  for (const der of realCerts) {
    const ours = new CertificateCache().parse(der)
    const count = ours.extensions.length
    for (let i = 0; i < count; i++) {
      const a = ours.clone()
      const b = X509Certificate.parse(Buffer.from(der)).clone()
      a.extensions.splice(i, 1)
      b.extensions.splice(i, 1)
      t.ok(a.tbsCertificate.toDER().equals(b.tbsCertificate.toDER()), `extension ${i} removed`)
      t.ok(a.root.toDER().equals(b.root.toDER()))
    }
    // Every extension removed: upstream then writes the emptied list's original bytes; so do we.
    const a = ours.clone()
    const b = X509Certificate.parse(Buffer.from(der)).clone()
    a.extensions.splice(0)
    b.extensions.splice(0)
    t.ok(a.tbsCertificate.toDER().equals(b.tbsCertificate.toDER()), 'all removed')
    t.equal(ours.extensions.length, count, 'the original keeps its extensions')
    t.ok(ours.clone().tbsCertificate.toDER().equals(ours.tbs), 'an untouched clone encodes to the original TBS')
  }
})
