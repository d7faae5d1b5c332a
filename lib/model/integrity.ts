/**
 * What an SRI integrity string pins, read the way npm's ssri reads it: shared by the fetch stage
 * (which evidence a lockfile entry can be bound to, which tarballs to download) and the verify stage
 * (the integrity verdict, lib/verify/integrity.ts). Pure; attacker-controlled input, parsed totally.
 */
import { requireCjs } from '../cjs.js'

type Ssri = typeof import('ssri').default
let ssri: Ssri | undefined
/**
 * ssri (with minipass, ~40 KB of source) is required on the first parse, not when this module loads: a
 * warm check reads only lockfile integrities of the usual form, which isOneSha512 (fetch/store)
 * recognises without a parse, so it never needs ssri.
 */
function loadSsri(): Ssri {
  return (ssri ??= requireCjs('ssri') as Ssri)
}

/** What an SRI integrity string pins, read the way npm's ssri reads it. */
export type ParsedIntegrity =
  /** Exactly one sha512 digest (base64, 64 bytes): npm checks it and nothing else. */
  | { kind: 'sha512'; digest: string }
  | { kind: 'absent' }
  /** ssri finds no usable hash (`SHA512-…`, `not-an-sri`), or the digest of the checked algorithm cannot be one. */
  | { kind: 'malformed' }
  /** Valid, but npm checks a weaker algorithm than sha512 (its only digest is `digest`). */
  | { kind: 'weak'; algorithm: string; digest: string }
  /** Several different digests of the algorithm npm checks: npm accepts any of them. */
  | { kind: 'ambiguous'; algorithm: string; count: number }

export const DIGEST_BYTES: Record<string, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 }

/**
 * Total: any value (lockfile field, JSON from the registry) gives a result, never an exception.
 * Blank and whitespace-only strings are absent, as they are to npm.
 */
export function parseIntegrity(value: unknown): ParsedIntegrity {
  if (value === undefined || value === null) return { kind: 'absent' }
  if (typeof value !== 'string') return { kind: 'malformed' }
  if (value.trim() === '') return { kind: 'absent' }
  let algorithm: string
  let digests: string[]
  try {
    const parsed = loadSsri().parse(value)
    if (!parsed || parsed.isEmpty()) return { kind: 'malformed' }
    // The algorithm npm's ssri.checkData will check (its default priority).
    algorithm = parsed.pickAlgorithm()
    const hashes = parsed[algorithm]
    digests = Array.isArray(hashes) ? [...new Set(hashes.map((h: { digest?: unknown }) => String(h.digest)))] : []
  } catch {
    return { kind: 'malformed' }
  }
  if (digests.length === 0) return { kind: 'malformed' }
  if (digests.length > 1) return { kind: 'ambiguous', algorithm, count: digests.length }
  const digest = digests[0]!
  const size = DIGEST_BYTES[algorithm]
  // A digest that is not the canonical base64 of a hash of that algorithm matches no bytes at all.
  if (size !== undefined && !isCanonicalBase64(digest, size)) return { kind: 'malformed' }
  return algorithm === 'sha512' ? { kind: 'sha512', digest } : { kind: 'weak', algorithm, digest }
}

function isCanonicalBase64(text: string, bytes: number): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return false
  const decoded = Buffer.from(text, 'base64')
  return decoded.length === bytes && decoded.toString('base64') === text
}
