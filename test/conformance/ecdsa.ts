/**
 * Test-only (see prehash.ts): ECDSA verification over a digest the caller already has (FIPS 186-5 §6.4.2). Node's crypto only
 * verifies messages it hashes itself, but a hashedrekord signature is over the artifact's digest and
 * the sigstore-conformance protocol may give only that digest (`sha256:<hex>`). Public values only,
 * so plain BigInt arithmetic (not constant-time) is fine.
 */
import type { KeyObject } from 'node:crypto'

interface Curve {
  p: bigint
  a: bigint
  b: bigint
  n: bigint
  gx: bigint
  gy: bigint
}

// NIST curves, SEC 2 v2 §2.4.2, §2.5.1, §2.6.1 (a = p - 3 for all three).
const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn
const P384_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn
const P521_P = (1n << 521n) - 1n
const CURVES: Record<string, Curve> = {
  prime256v1: {
    p: P256_P,
    a: P256_P - 3n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  },
  secp384r1: {
    p: P384_P,
    a: P384_P - 3n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
  },
  secp521r1: {
    p: P521_P,
    a: P521_P - 3n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    gx: 0x00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
    gy: 0x011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n,
  },
}

/** Jacobian point (X/Z², Y/Z³); Z = 0 is the point at infinity. */
type Point = [bigint, bigint, bigint]

/** Whether `signature` (DER ECDSA-Sig-Value) is valid for `digest` under EC `key`. */
export function verifyEcdsaDigest(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? '']
  const rs = parseSignature(signature)
  if (!curve || !rs) return false
  const [r, s] = rs
  const { n } = curve
  if (r < 1n || r >= n || s < 1n || s >= n) return false
  const jwk = key.export({ format: 'jwk' })
  const q: Point = [toBigInt(Buffer.from(String(jwk.x), 'base64url')), toBigInt(Buffer.from(String(jwk.y), 'base64url')), 1n]
  const w = invert(s, n)
  const u1 = mod(truncate(digest, n) * w, n)
  const u2 = mod(r * w, n)
  const sum = add(curve, multiply(curve, [curve.gx, curve.gy, 1n], u1), multiply(curve, q, u2))
  if (sum[2] === 0n) return false
  const zInv = invert(sum[2], curve.p)
  return mod(sum[0] * zInv * zInv, curve.p) % n === r
}

// The leftmost bitlen(n) bits of the digest (FIPS 186-5 §6.4.2 step 3).
function truncate(digest: Buffer, n: bigint): bigint {
  const e = toBigInt(digest)
  const excess = digest.length * 8 - n.toString(2).length
  return excess > 0 ? e >> BigInt(excess) : e
}

// Strict DER: SEQUENCE { INTEGER r, INTEGER s }, short or long-form lengths, nothing trailing.
function parseSignature(der: Buffer): [bigint, bigint] | undefined {
  let pos = 0
  const readLength = (): number | undefined => {
    const first = der[pos++]
    if (first === undefined) return undefined
    if (first < 0x80) return first
    const count = first & 0x7f
    if (count === 0 || count > 2 || pos + count > der.length) return undefined
    let len = 0
    for (let i = 0; i < count; i++) len = len * 256 + (der[pos++] as number)
    return len
  }
  const readInteger = (): bigint | undefined => {
    if (der[pos++] !== 0x02) return undefined
    const len = readLength()
    if (len === undefined || len === 0 || pos + len > der.length) return undefined
    const bytes = der.subarray(pos, pos + len)
    pos += len
    if ((bytes[0] as number) & 0x80) return undefined // negative
    return toBigInt(bytes)
  }
  if (der[pos++] !== 0x30) return undefined
  const seqLen = readLength()
  if (seqLen === undefined || pos + seqLen !== der.length) return undefined
  const r = readInteger()
  const s = readInteger()
  if (r === undefined || s === undefined || pos !== der.length) return undefined
  return [r, s]
}

function toBigInt(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`)
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m
  return r < 0n ? r + m : r
}

// Extended Euclid; m is prime and a ≠ 0 mod m wherever this is called.
function invert(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m]
  let [oldS, s] = [1n, 0n]
  while (r !== 0n) {
    const q = oldR / r
    ;[oldR, r] = [r, oldR - q * r]
    ;[oldS, s] = [s, oldS - q * s]
  }
  return mod(oldS, m)
}

function double(c: Curve, [x, y, z]: Point): Point {
  if (z === 0n || y === 0n) return [0n, 1n, 0n]
  const { p } = c
  const yy = mod(y * y, p)
  const s = mod(4n * x * yy, p)
  const zz = mod(z * z, p)
  const m = mod(3n * x * x + c.a * zz * zz, p)
  const x3 = mod(m * m - 2n * s, p)
  const y3 = mod(m * (s - x3) - 8n * yy * yy, p)
  return [x3, y3, mod(2n * y * z, p)]
}

function add(c: Curve, a: Point, b: Point): Point {
  if (a[2] === 0n) return b
  if (b[2] === 0n) return a
  const { p } = c
  const z1z1 = mod(a[2] * a[2], p)
  const z2z2 = mod(b[2] * b[2], p)
  const u1 = mod(a[0] * z2z2, p)
  const u2 = mod(b[0] * z1z1, p)
  const s1 = mod(a[1] * z2z2 * b[2], p)
  const s2 = mod(b[1] * z1z1 * a[2], p)
  if (u1 === u2) return s1 === s2 ? double(c, a) : [0n, 1n, 0n]
  const h = mod(u2 - u1, p)
  const r = mod(s2 - s1, p)
  const hh = mod(h * h, p)
  const hhh = mod(hh * h, p)
  const x3 = mod(r * r - hhh - 2n * u1 * hh, p)
  const y3 = mod(r * (u1 * hh - x3) - s1 * hhh, p)
  return [x3, y3, mod(h * a[2] * b[2], p)]
}

function multiply(c: Curve, point: Point, k: bigint): Point {
  let result: Point = [0n, 1n, 0n]
  for (const bit of k.toString(2)) {
    result = double(c, result)
    if (bit === '1') result = add(c, result, point)
  }
  return result
}
