/**
 * Strict decoders for the protobuf-JSON encodings used by Sigstore bundles and trusted roots.
 *
 * `@sigstore/protobuf-specs` decodes `bytes` fields with `Buffer.from(s, 'base64')`, which silently
 * skips any character outside the alphabet: "INVALID!!!BASE64" decodes to *something*. A bundle is
 * attacker-controlled input, so every bytes field is checked here before it reaches that decoder
 * (sigstore-conformance `bundle-invalid-base64-signature_fail`).
 */
import { SigstoreError } from './errors.js'

// Proto3 JSON accepts standard or URL-safe base64, padded or not
// (https://protobuf.dev/programming-guides/json/). Line breaks are tolerated as Go's and Python's
// decoders do (one conformance fixture carries `base64`-CLI wrapped output); nothing else is.
const BASE64_BODY = /^[A-Za-z0-9+/]*$|^[A-Za-z0-9\-_]*$/

/** Decodes base64 or throws `code` naming `where`. Empty strings decode to an empty buffer. */
export function decodeBase64(value: unknown, where: string, code: SigstoreError['code']): Buffer<ArrayBuffer> {
  if (typeof value !== 'string') throw new SigstoreError(code, `${where}: expected a base64 string`)
  // Fast path: padded standard base64 that re-encodes to itself is valid by the rules below.
  const direct = Buffer.from(value, 'base64')
  if (direct.toString('base64') === value) return direct
  const compact = value.replace(/[\r\n]/g, '')
  const body = compact.replace(/={1,2}$/, '')
  const padded = body.length !== compact.length
  if (!BASE64_BODY.test(body) || body.length % 4 === 1 || (padded && compact.length % 4 !== 0)) {
    throw new SigstoreError(code, `${where}: not valid base64`)
  }
  return Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
}

/**
 * Parses a proto3 JSON int64/uint64 (a decimal string or a JSON integer) that must not be negative.
 * `undefined` stands for the proto3 default, 0.
 */
export function parseUint64(value: unknown, where: string, code: SigstoreError['code']): bigint {
  if (value === undefined) return 0n
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value)
  if (typeof value === 'string' && /^(0|[1-9][0-9]{0,19})$/.test(value)) return BigInt(value)
  throw new SigstoreError(code, `${where}: expected a non-negative integer, got ${JSON.stringify(value)}`)
}

/** Parses an RFC 3339 timestamp (proto3 JSON google.protobuf.Timestamp). */
export function parseTimestamp(value: unknown, where: string, code: SigstoreError['code']): Date {
  const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : undefined
  if (!date || Number.isNaN(date.getTime())) {
    throw new SigstoreError(code, `${where}: expected an RFC 3339 timestamp, got ${JSON.stringify(value)}`)
  }
  return date
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Returns `obj[key]` as a record, or throws naming the path. */
export function requireRecord(
  obj: Record<string, unknown>,
  key: string,
  where: string,
  code: SigstoreError['code'],
): Record<string, unknown> {
  const value = obj[key]
  if (!isRecord(value)) throw new SigstoreError(code, `${where}.${key}: expected an object`)
  return value
}

export function requireString(
  obj: Record<string, unknown>,
  key: string,
  where: string,
  code: SigstoreError['code'],
): string {
  const value = obj[key]
  if (typeof value !== 'string' || value.length === 0) {
    throw new SigstoreError(code, `${where}.${key}: expected a non-empty string`)
  }
  return value
}

export function requireArray(
  obj: Record<string, unknown>,
  key: string,
  where: string,
  code: SigstoreError['code'],
): unknown[] {
  const value = obj[key]
  if (!Array.isArray(value)) throw new SigstoreError(code, `${where}.${key}: expected an array`)
  return value
}
