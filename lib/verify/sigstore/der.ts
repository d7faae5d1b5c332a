/**
 * `ASN1Obj.parseBuffer` of `@sigstore/core` (asn1/obj.js), the same tree by a cheaper road (issue 11).
 *
 * Upstream reads DER through a `ByteStream` that makes a `Buffer` view for every byte it reads (the
 * tag, each length byte) and throws, then catches, an error for every OCTET STRING whose content is
 * not itself DER (most certificate extensions): parsing a Fulcio leaf allocated about 110 KB, a third
 * of what verifying a package allocates. Here the bytes are read by index and a failed attempt is a
 * return value; what comes out is the same: `ASN1Obj` nodes with upstream's `ASN1Tag`s, each `value`
 * a view of one copy of the input, the same children.
 *
 * Upstream's rules, each kept:
 *  - a tag byte with number 0x1f (long form) or universal tag 0 fails;
 *  - a length is short form, or 0x80|n followed by n ≤ 6 bytes that do not make 0 (indefinite);
 *  - the content must lie within the input;
 *  - a constructed node's children must tile its content exactly (upstream lets a child run past its
 *    parent's end within the input, then fails the parent: here the child fails; the same failure);
 *  - an OCTET STRING whose content tiles exactly into children has them, else it is a primitive;
 *  - bytes after the first element are ignored.
 * Any failure fails the whole parse (the callers say "not a DER X.509 certificate"), except inside an
 * OCTET STRING's attempt, as upstream.
 *
 * One rule is not upstream's: nesting deeper than MAX_DEPTH fails the whole parse, OCTET STRING
 * attempt or not. Upstream recurses until the stack overflows, and where that happens depends on
 * the stack (frame sizes, the caller's depth, the thread): its RangeError fails the parse outside an
 * OCTET STRING and, inside one, is caught and makes the OCTET STRING a primitive. Following that by
 * recursion here would give a different tree or a different answer at depths where the two stacks
 * differ (a certificate upstream refuses accepted, an OCTET STRING read as children where upstream
 * reads it as bytes). With the bound, a parse either builds upstream's tree or throws; a real
 * certificate is about 8 levels deep.
 */
import { ASN1Obj } from '@sigstore/core'
import { ASN1Tag } from '@sigstore/core/dist/asn1/tag.js'

const OCTET_STRING = 0x04
/** Far below where upstream's recursion overflows a default stack (thousands of levels), far above any certificate. */
export const MAX_DEPTH = 128

// One tag object per tag byte: upstream makes a new one per node, but nothing changes a tag after
// construction, so a node of the same byte may share it (a certificate has a few hundred nodes, of a
// dozen tag bytes). `null`: a byte upstream refuses, remembered too, since OCTET STRINGs that are not
// DER often start with one and the constructor throws (an Error, with its stack trace) to say so.
const TAGS: (ASN1Tag | null | undefined)[] = []

/** The first DER element of `der`, as `ASN1Obj.parseBuffer(der)`; throws where it throws. */
export function parseDER(der: Buffer): ASN1Obj {
  // Upstream's ByteStream copies its input: the tree's values never share memory with the caller's buffer.
  const buf = Buffer.from(der)
  const node = parseNode(buf, 0, buf.length, 0)
  if (!node) throw new Error('not DER')
  return node.obj
}

interface Parsed {
  obj: ASN1Obj
  /** Offset just past the element. */
  end: number
}

/** The element at `pos`, which must end by `limit`; undefined where upstream would throw. Throws (past any OCTET STRING attempt) when nested too deeply. */
function parseNode(buf: Buffer, pos: number, limit: number, depth: number): Parsed | undefined {
  if (depth > MAX_DEPTH) throw new Error('DER nested too deeply')
  if (pos >= limit) return undefined
  const byte = buf[pos] as number
  const tag = tagOf(byte)
  if (!tag) return undefined
  let at = pos + 1
  if (at >= limit) return undefined
  const first = buf[at++] as number
  let len = first
  if (first & 0x80) {
    const count = first & 0x7f
    if (count > 6 || at + count > limit) return undefined
    len = 0
    for (let i = 0; i < count; i++) len = len * 256 + (buf[at++] as number)
    if (len === 0) return undefined
  }
  const end = at + len
  if (end > limit) return undefined
  const value = buf.subarray(at, end)
  let subs: ASN1Obj[] = []
  if (tag.constructed) {
    const children = parseChildren(buf, at, end, depth + 1)
    if (!children) return undefined
    subs = children
  } else if (byte === OCTET_STRING) {
    subs = parseChildren(buf, at, end, depth + 1) ?? []
  }
  return { obj: new ASN1Obj(tag, value, subs), end }
}

/** The elements that exactly fill `[pos, end)`, or undefined. */
function parseChildren(buf: Buffer, pos: number, end: number, depth: number): ASN1Obj[] | undefined {
  const subs: ASN1Obj[] = []
  while (pos < end) {
    const child = parseNode(buf, pos, end, depth)
    if (!child) return undefined
    subs.push(child.obj)
    pos = child.end
  }
  return subs
}

function tagOf(byte: number): ASN1Tag | undefined {
  let tag = TAGS[byte]
  if (tag === undefined) {
    // Upstream's own constructor decides which tag bytes it refuses (and throws for them).
    try {
      tag = new ASN1Tag(byte)
    } catch {
      tag = null
    }
    TAGS[byte] = tag
  }
  return tag ?? undefined
}
