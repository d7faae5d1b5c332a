/**
 * A minimal ASN.1 DER writer (ITU-T X.690), just enough to build X.509 certificates (RFC 5280).
 *
 * Every function returns the complete encoding (tag, length, value) of one element, so encodings
 * compose by nesting calls. Output is canonical DER: minimal lengths and minimal INTEGERs. That
 * matters beyond tidiness: @sigstore/verify re-encodes the parsed TBSCertificate to check SCTs, so
 * a certificate whose bytes are not canonical would fail verification for the wrong reason.
 */

const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const

const CONSTRUCTED = 0x20
const CONTEXT_SPECIFIC = 0x80

/** Tag-length-value with a definite, minimal length (X.690 §10.1). */
export function tlv(tag: number, value: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(value.length), value])
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length])
  const bytes: number[] = []
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

export function sequence(...items: Uint8Array[]): Buffer {
  return tlv(TAG.SEQUENCE, Buffer.concat(items))
}

/** SET OF: DER requires the elements in ascending order of their encodings (X.690 §11.6). */
export function set(...items: Uint8Array[]): Buffer {
  const sorted = [...items].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  return tlv(TAG.SET, Buffer.concat(sorted))
}

/** A non-negative INTEGER from a number, a bigint, or big-endian magnitude bytes. */
export function integer(value: number | bigint | Uint8Array): Buffer {
  let bytes: Buffer
  if (value instanceof Uint8Array) {
    bytes = Buffer.from(value)
  } else {
    let n = BigInt(value)
    if (n < 0n) throw new RangeError('der.integer: negative integers are not supported')
    const hex = n.toString(16)
    bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex')
  }
  // Minimal two's complement of a positive number: drop leading zero bytes, then add one back
  // if the top bit would otherwise read as a sign bit.
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  bytes = bytes.subarray(start)
  if (bytes.length === 0) bytes = Buffer.from([0])
  if ((bytes[0] as number) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes])
  return tlv(TAG.INTEGER, bytes)
}

export function boolean(value: boolean): Buffer {
  return tlv(TAG.BOOLEAN, Buffer.from([value ? 0xff : 0x00]))
}

export function nul(): Buffer {
  return tlv(TAG.NULL, Buffer.alloc(0))
}

/** OBJECT IDENTIFIER from dotted form, base-128 arcs (X.690 §8.19). */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => BigInt(a))
  if (arcs.length < 2) throw new RangeError(`der.oid: not an OID: ${dotted}`)
  const [first, second, ...rest] = arcs as [bigint, bigint, ...bigint[]]
  const out: number[] = []
  for (const arc of [first * 40n + second, ...rest]) {
    const groups: number[] = [Number(arc & 0x7fn)]
    for (let n = arc >> 7n; n > 0n; n >>= 7n) groups.unshift(Number(n & 0x7fn) | 0x80)
    out.push(...groups)
  }
  return tlv(TAG.OID, Buffer.from(out))
}

export function utf8String(value: string): Buffer {
  return tlv(TAG.UTF8_STRING, Buffer.from(value, 'utf8'))
}

export function printableString(value: string): Buffer {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value)) {
    throw new RangeError(`der.printableString: not printable: ${value}`)
  }
  return tlv(TAG.PRINTABLE_STRING, Buffer.from(value, 'ascii'))
}

export function ia5String(value: string): Buffer {
  return tlv(TAG.IA5_STRING, Buffer.from(value, 'ascii'))
}

/** BIT STRING; the first content octet counts the unused bits of the last octet. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), bytes]))
}

/**
 * A named-bit BIT STRING (e.g. KeyUsage) from the numbers of the bits that are set, bit 0 being
 * the most significant bit of the first octet. DER drops trailing zero bits (X.690 §11.2.2).
 */
export function namedBits(bits: number[]): Buffer {
  const highest = Math.max(...bits)
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1)
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] as number) | (0x80 >> (bit & 7))
  return bitString(bytes, 7 - (highest & 7))
}

export function octetString(bytes: Uint8Array): Buffer {
  return tlv(TAG.OCTET_STRING, bytes)
}

/** UTCTime, YYMMDDHHMMSSZ; only for years 1950–2049 (RFC 5280 §4.1.2.5.1). */
export function utcTime(date: Date): Buffer {
  const year = date.getUTCFullYear()
  if (year < 1950 || year > 2049) throw new RangeError(`der.utcTime: year ${year} needs GeneralizedTime`)
  return tlv(TAG.UTC_TIME, Buffer.from(`${timeDigits(date).slice(2)}Z`, 'ascii'))
}

/** GeneralizedTime, YYYYMMDDHHMMSSZ without fractional seconds (RFC 5280 §4.1.2.5.2). */
export function generalizedTime(date: Date): Buffer {
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(`${timeDigits(date)}Z`, 'ascii'))
}

/** A certificate validity time: UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
export function time(date: Date): Buffer {
  const year = date.getUTCFullYear()
  return year >= 1950 && year <= 2049 ? utcTime(date) : generalizedTime(date)
}

function timeDigits(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0')
  return (
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds())
  )
}

/** [n] EXPLICIT: a constructed context-specific tag wrapping one complete element. */
export function explicit(tagNumber: number, inner: Uint8Array): Buffer {
  return tlv(CONTEXT_SPECIFIC | CONSTRUCTED | tagNumber, inner)
}

/**
 * [n] IMPLICIT: the context-specific tag replaces the element's own tag. Pass the content octets
 * (not a full encoding); `constructed` must match the underlying type (true for SEQUENCE/SET).
 */
export function implicit(tagNumber: number, content: Uint8Array, constructed = false): Buffer {
  return tlv(CONTEXT_SPECIFIC | (constructed ? CONSTRUCTED : 0) | tagNumber, content)
}
