/**
 * X.509 certificates that keep the bytes they were parsed from, and the per-run caches around them.
 *
 * `@sigstore/core`'s `X509Certificate` re-encodes its parsed ASN.1 tree to DER whenever it needs
 * bytes: to compare two certificates (`equals`), to copy one (`clone`), to read the public key, and
 * to get the signed TBS bytes (`verify`). Re-encoding is slow (a growing buffer per node, about a
 * millisecond for a Fulcio leaf), and `@sigstore/verify` does it many times per bundle. A
 * `RawCertificate` is the same class with the same behaviour, answering those from the original
 * bytes instead. That is exact only when re-encoding would give back the same bytes; `canonical`
 * (checked once, on upstream's own parse tree) says so, and a certificate that is not canonical keeps
 * upstream's own methods for everything.
 *
 * A `CertificateCache` (one per trusted root, so one per run) holds:
 * - issuer public keys as `KeyObject`s, by their exact SPKI bytes;
 * - the *positive* result of `subject.verify(issuer)` — a pure function of the two certificates'
 *   bytes — keyed by both DER encodings in full. A failure is never stored, so a tampered certificate
 *   or signature (other bytes, another key) is verified afresh and fails. Validity at a time, CA
 *   flags, name chaining and everything else upstream checks still run for every bundle;
 * - parsed certificates by their exact bytes (the trusted root's intermediate and root reappear in
 *   every v0.1/v0.2 bundle), bounded. Nothing mutates a parsed certificate: `clone()` copies the
 *   part a caller can change (the extension list) and shares the rest.
 *
 * Signature math stays in `node:crypto`.
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { ASN1Obj, X509Certificate } from '@sigstore/core'
import { parseDER } from './der.js'

/** The verified-pair and parsed-certificate caches are LRU-bounded: leaves are unique per package. */
const PAIR_CACHE_SIZE = 256
const PARSE_CACHE_SIZE = 64
/** Issuers are few (the trusted CAs); a bound keeps bundles with made-up chains from growing it. */
const KEY_CACHE_SIZE = 64

export class CertificateCache {
  private readonly keys = new Map<string, KeyObject>()
  private readonly verified = new Map<string, true>()
  private readonly parsed = new Map<string, RawCertificate>()

  /** Parses DER (throws as `X509Certificate.parse` does); the same bytes give the same object. */
  parse(der: Buffer): RawCertificate {
    const id = der.toString('latin1')
    const hit = touch(this.parsed, id)
    if (hit) return hit
    // parseDER: the tree X509Certificate.parse would build (der.ts), read by index.
    const cert = new RawCertificate(parseDER(der), Buffer.from(der), this)
    remember(this.parsed, id, cert, PARSE_CACHE_SIZE)
    return cert
  }

  /** A public key from SPKI DER, imported once per run. Throws as `createPublicKey` does. */
  publicKey(spki: Buffer): KeyObject {
    const id = spki.toString('latin1')
    let key = touch(this.keys, id)
    if (!key) {
      key = createPublicKey({ key: spki, format: 'der', type: 'spki' })
      remember(this.keys, id, key, KEY_CACHE_SIZE)
    }
    return key
  }

  /** `subject`'s signature verifies under `issuer`'s key: verified once, then remembered. */
  verifies(subject: RawCertificate, issuer: RawCertificate): boolean {
    const id = `${subject.der.length}:${subject.der.toString('latin1')}${issuer.der.toString('latin1')}`
    if (touch(this.verified, id)) return true
    const key = this.publicKey(issuer.spki)
    let ok: boolean
    try {
      ok = cryptoVerify(subject.signatureAlgorithm, subject.tbs, key, subject.signatureValue)
    } catch {
      ok = false
    }
    if (ok) remember(this.verified, id, true, PAIR_CACHE_SIZE)
    return ok
  }
}

/** An `X509Certificate` that remembers its DER; see the module comment. */
export class RawCertificate extends X509Certificate {
  /** The bytes this certificate was parsed from. */
  readonly der: Buffer
  /** Re-encoding the parsed tree gives exactly `der` back. */
  readonly canonical: boolean
  readonly cache: CertificateCache
  private cachedTbs?: Buffer
  private cachedSpki?: Buffer

  constructor(root: ASN1Obj, der: Buffer, cache: CertificateCache) {
    super(root)
    this.der = der
    this.cache = cache
    this.canonical = encodedLength(root) === der.length
  }

  /** The signed TBSCertificate bytes. Only for a canonical certificate. */
  get tbs(): Buffer {
    this.cachedTbs ??= childSpan(this.der, 0, 0)
    return this.cachedTbs
  }

  /** SubjectPublicKeyInfo bytes: upstream reads the seventh TBS element. Only for a canonical certificate. */
  get spki(): Buffer {
    this.cachedSpki ??= childSpan(this.tbs, 0, 6)
    return this.cachedSpki
  }

  override get publicKey(): Buffer {
    return this.canonical ? Buffer.from(this.spki) : super.publicKey
  }

  override verify(issuerCertificate?: X509Certificate): boolean {
    const issuer = issuerCertificate ?? this
    if (this.canonical && issuer instanceof RawCertificate && issuer.canonical) return this.cache.verifies(this, issuer)
    return super.verify(issuerCertificate)
  }

  override equals(other: X509Certificate): boolean {
    if (this.canonical && other instanceof RawCertificate && other.canonical) return this.der.equals(other.der)
    return super.equals(other)
  }

  /**
   * A copy of the parsed tree, not a re-parse of re-encoded bytes: `@sigstore/verify` clones the
   * leaf to drop its SCT extension and re-encode the TBS (RFC 6962 precertificate). Only the path
   * down to the extension list is copied (the certificate, the TBS, its `[3]` and the list itself,
   * with arrays of their own), which is all a caller of `extensions` can change; the rest is shared
   * with this certificate, whose nodes nothing mutates. The copy encodes in one pass (`encodeDER`)
   * with the same result as `ASN1Obj.toDER`, and a shared node, being canonical, as its original
   * bytes (tag, length, `value`) without walking below it.
   */
  override clone(): X509Certificate {
    return this.canonical ? new X509Certificate(copySpine(this.root)) : super.clone()
  }

  /**
   * Extensions by OID, with the OIDs read once per certificate: upstream's `findExtension` decodes
   * every extension's OID again on each lookup (each `ext*` getter, `extension()`, and callers read
   * a dozen Fulcio extensions per leaf). Same answers in the same order: the first extension with
   * the OID, and an extension before it whose OID cannot be read throws as upstream's `find` would.
   * Installed on the prototype below: upstream declares `findExtension` private.
   */
  private findExtensionOnce(oid: string): ASN1Obj | undefined {
    const exts = this.extensions
    this.oids ??= exts.map(readOID)
    for (let i = 0; i < exts.length; i++) {
      const read = this.oids[i] as string | { error: unknown }
      if (typeof read !== 'string') throw read.error
      if (read === oid) return exts[i]
    }
    return undefined
  }
  private oids?: (string | { error: unknown })[]

  static {
    Object.defineProperty(RawCertificate.prototype, 'findExtension', { value: RawCertificate.prototype.findExtensionOnce })
  }
}

function readOID(ext: ASN1Obj): string | { error: unknown } {
  try {
    return (ext.subs[0] as ASN1Obj).toOID()
  } catch (error) {
    return { error }
  }
}

/** The certificate's DER: the original bytes when they are what upstream would encode. */
export function certificateDER(cert: X509Certificate): Buffer {
  return cert instanceof RawCertificate && cert.canonical ? Buffer.from(cert.der) : cert.root.toDER()
}

// ---------------------------------------------------------------------------------------------
// Canonical DER. Upstream re-encodes a node as its tag, the shortest length and its children's
// encodings (or its value), so each node's encoding is never longer than the bytes it was parsed
// from, and is the same length only if it is the same bytes (a minimal length encoding is unique).
// So the whole re-encoding equals the input exactly when its length equals the input's, which
// `encodedLength` computes over upstream's own parse tree without encoding anything.

/** `ASN1Obj.parseBuffer(der).toDER()` equals `der` (no trailing bytes, shortest lengths everywhere). */
export function isCanonicalDER(der: Buffer): boolean {
  let root: ASN1Obj
  try {
    root = parseDER(der)
  } catch {
    return false
  }
  return encodedLength(root) === der.length
}

interface Header {
  /** Offset of the content. */
  start: number
  /** Offset just past the content. */
  end: number
}

// Only used on canonical DER, which upstream has already parsed.
function readHeader(buf: Buffer, pos: number): Header {
  const first = buf[pos + 1] as number
  let at = pos + 2
  let len = first
  if (first & 0x80) {
    len = 0
    for (let i = 0; i < (first & 0x7f); i++) len = len * 256 + (buf[at++] as number)
  }
  return { start: at, end: at + len }
}

function byteLength(n: number): number {
  let bytes = 0
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes++
  return bytes
}

/** The bytes of the `index`th child (header included) of the element at `pos`. */
function childSpan(buf: Buffer, pos: number, index: number): Buffer {
  let at = readHeader(buf, pos).start
  for (let i = 0; i < index; i++) at = readHeader(buf, at).end
  return buf.subarray(at, readHeader(buf, at).end)
}

// ---------------------------------------------------------------------------------------------
// One-pass DER encoding, equal to ASN1Obj.toDER (asn1/obj.js): tag, shortest length, then the
// children's encodings or, for a node without children, its value.

/** A copied node of a clone's spine (see `RawCertificate.clone`): encoded from its children. */
class SpineASN1Obj extends ASN1Obj {
  override toDER(): Buffer {
    return encodeDER(this, true)
  }
}

// The certificate, its TBS, the TBS's [3] (extensions) and the extension list under it. With
// `find`, upstream uses the first [3]; copying each keeps that choice.
function copySpine(root: ASN1Obj): ASN1Obj {
  const copy = (node: ASN1Obj, subs: ASN1Obj[]): ASN1Obj => new SpineASN1Obj(node.tag, node.value, subs)
  const [tbs, ...rest] = root.subs
  if (!tbs) return copy(root, [])
  const tbsSubs = tbs.subs.map((sub) => (sub.tag.isContextSpecific(0x03) ? copy(sub, sub.subs.map((list) => copy(list, [...list.subs]))) : sub))
  return copy(root, [copy(tbs, tbsSubs), ...rest])
}

/**
 * `node`'s DER, equal to `ASN1Obj.toDER`. With `spine`, only `SpineASN1Obj` nodes are encoded from
 * their children; every other node is an untouched node of a canonical certificate and is written as
 * its original bytes (canonical: its children re-encode to exactly its `value`).
 */
export function encodeDER(node: ASN1Obj, spine = false): Buffer {
  const contents = new Map<ASN1Obj, number>()
  const out = Buffer.allocUnsafe(encodedLength(node, contents, spine))
  writeNode(node, out, 0, contents, spine)
  return out
}

function fromChildren(node: ASN1Obj, spine: boolean): boolean {
  return node.subs.length > 0 && (!spine || node instanceof SpineASN1Obj)
}

/** Content lengths are remembered in `contents` while encoding, so each node is measured once. */
function contentLength(node: ASN1Obj, contents?: Map<ASN1Obj, number>, spine = false): number {
  const known = contents?.get(node)
  if (known !== undefined) return known
  let n = node.value.length
  if (fromChildren(node, spine)) {
    n = 0
    for (const sub of node.subs) n += encodedLength(sub, contents, spine)
  }
  contents?.set(node, n)
  return n
}

function encodedLength(node: ASN1Obj, contents?: Map<ASN1Obj, number>, spine = false): number {
  const len = contentLength(node, contents, spine)
  return 1 + lengthBytes(len) + len
}

function lengthBytes(len: number): number {
  return len < 128 ? 1 : 1 + byteLength(len)
}

function writeNode(node: ASN1Obj, out: Buffer, pos: number, contents: Map<ASN1Obj, number>, spine: boolean): number {
  const len = contentLength(node, contents, spine)
  out[pos++] = node.tag.toDER()
  if (len < 128) {
    out[pos++] = len
  } else {
    const count = byteLength(len)
    out[pos++] = 0x80 | count
    for (let i = count - 1; i >= 0; i--) out[pos++] = Math.floor(len / 256 ** i) % 256
  }
  if (!fromChildren(node, spine)) return pos + node.value.copy(out, pos)
  for (const sub of node.subs) pos = writeNode(sub, out, pos, contents, spine)
  return pos
}

function touch<V>(map: Map<string, V>, id: string): V | undefined {
  const hit = map.get(id)
  if (hit !== undefined) {
    map.delete(id)
    map.set(id, hit)
  }
  return hit
}

function remember<V>(map: Map<string, V>, id: string, value: V, limit: number): void {
  map.set(id, value)
  if (map.size > limit) map.delete(map.keys().next().value as string)
}
