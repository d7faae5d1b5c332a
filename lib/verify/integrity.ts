/**
 * Integrity: which bytes everything else is checked against. The lockfile's integrity is what the
 * project will install — `npm ci` downloads `resolved` and checks it against that string only — so
 * the verdict is bound to it, never to the registry's word. (npm's audit compares with registry
 * metadata only, so a swapped lockfile entry passes there.)
 *
 * It binds only if npm's check of it is a check against one sha512: npm (ssri) checks the strongest
 * algorithm listed and accepts a tarball matching *any* digest listed for it. So a lockfile integrity
 * must name exactly one sha512 (the digest registry signatures and attestations are about):
 *  - absent → INTEGRITY_MISSING: npm installs whatever `resolved` serves, unchecked;
 *  - only weaker hashes (sha1, sha256, sha384), or nothing ssri can parse → INTEGRITY_WEAK: npm checks
 *    that, not the signed sha512. With tarball bytes (`--fetch-tarballs`) that hash both to the
 *    lockfile's integrity and to the registry's sha512, the entry is bound after all, to that sha512;
 *  - several sha512 digests → INTEGRITY_AMBIGUOUS: npm would accept any of them, one verdict cannot
 *    cover them all, and no download can prove which one npm will get.
 */
import { createHash } from 'node:crypto'
import ssri from 'ssri'
import { finding, type Finding } from '../findings.js'
import type { IntegrityFacts } from './types.js'

export interface IntegrityInput {
  name: string
  version: string
  /** The lockfile's `integrity`: attacker-controlled (a pull request can edit the lockfile). */
  lockfileIntegrity?: unknown
  /** `dist.integrity` as received: untrusted. */
  registryIntegrity?: unknown
  tarball?: Buffer
  /** Why tarball bytes that were asked for (`--fetch-tarballs`) are not there. */
  tarballSkipped?: string
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

const DIGEST_BYTES: Record<string, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 }
/** Shown in messages: the value is attacker-controlled, so it is quoted and cut. */
const MAX_SHOWN_CHARS = 120

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
    const parsed = ssri.parse(value)
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

export function verifyIntegrity(input: IntegrityInput): IntegrityFacts & { findings: Finding[] } {
  const id = `${input.name}@${input.version}`
  const registry = typeof input.registryIntegrity === 'string' && input.registryIntegrity ? input.registryIntegrity : undefined
  const lock = parseIntegrity(input.lockfileIntegrity)
  // A version document whose dist.integrity is a blank string states no integrity: that is not "no
  // registry data" (which `verify` without --packument has), so it cannot agree with the lockfile.
  const blankRegistry = typeof input.registryIntegrity === 'string' && input.registryIntegrity.trim() === ''
  const reg: ParsedIntegrity = blankRegistry ? { kind: 'malformed' } : parseIntegrity(input.registryIntegrity)
  const base = { ...(registry !== undefined && { registryIntegrity: registry }) }
  const unusable = (code: 'INTEGRITY_MISSING' | 'INTEGRITY_WEAK' | 'INTEGRITY_AMBIGUOUS', message: string) => ({
    status: 'missing' as const,
    ...base,
    findings: [finding(code, `${id}: ${message}`)],
  })
  const skipped = input.tarballSkipped ? ` (--fetch-tarballs: ${input.tarballSkipped})` : ''

  switch (lock.kind) {
    case 'absent':
      return unusable('INTEGRITY_MISSING', `the lockfile records no integrity: npm would install whatever its resolved URL serves, unchecked`)
    case 'malformed':
      return unusable('INTEGRITY_WEAK', `the lockfile integrity ${shown(input.lockfileIntegrity)} is not a usable SRI integrity (npm's ssri cannot check it)`)
    case 'ambiguous':
      return unusable(
        'INTEGRITY_AMBIGUOUS',
        `the lockfile integrity lists ${lock.count} different ${lock.algorithm} digests: npm would accept a tarball matching any of them`,
      )
    case 'weak':
      return input.tarball
        ? bindWeakByBytes(id, lock, reg, registry, input.tarball, base)
        : unusable('INTEGRITY_WEAK', `the lockfile integrity is ${lock.algorithm} only: npm checks that, not the registry's signed sha512${skipped}`)
    case 'sha512':
      break
  }

  // The one sha512 npm will check, in the form the registry signs (`sha512-<base64>`): weaker hashes
  // or options listed beside it change nothing npm checks, so they must not fail the signature.
  const integrity = `sha512-${lock.digest}`
  const facts: IntegrityFacts & { findings: Finding[] } = { status: 'verified', integrity, ...base, findings: [] }
  // No registry data at all (e.g. `verify-deps verify` without --packument) is not a disagreement.
  if (reg.kind !== 'absent' && !(reg.kind === 'sha512' && reg.digest === lock.digest)) {
    facts.status = 'mismatch'
    facts.findings.push(finding('INTEGRITY_MISMATCH', `${id}: lockfile integrity ${shown(input.lockfileIntegrity)} is not the registry's ${describeRegistry(reg, input.registryIntegrity)}`))
  }
  if (input.tarball) {
    if (digestOf(input.tarball, 'sha512') === lock.digest) {
      facts.tarball = 'verified'
    } else {
      facts.tarball = 'mismatch'
      facts.status = 'mismatch'
      facts.findings.push(finding('TARBALL_INTEGRITY_MISMATCH', `${id}: tarball bytes do not hash to ${shown(integrity)}`))
    }
  }
  return facts
}

/**
 * A weak lockfile integrity is bound by bytes that hash to it (what npm will check) and to the one
 * sha512 the registry gives (what its signature and attestations are about, verified next against
 * that sha512). The signature then authenticates the registry's integrity string.
 */
function bindWeakByBytes(
  id: string,
  lock: Extract<ParsedIntegrity, { kind: 'weak' }>,
  reg: ParsedIntegrity,
  registry: string | undefined,
  tarball: Buffer,
  base: { registryIntegrity?: string },
): IntegrityFacts & { findings: Finding[] } {
  // md5 and other odd algorithms ssri accepts are too weak to bind a download to.
  if (DIGEST_BYTES[lock.algorithm] === undefined) {
    return { status: 'missing', ...base, findings: [finding('INTEGRITY_WEAK', `${id}: the lockfile integrity is ${lock.algorithm} only, too weak to bind a download to`)] }
  }
  if (reg.kind !== 'sha512' || registry === undefined) {
    return {
      status: 'missing',
      ...base,
      findings: [
        finding('INTEGRITY_WEAK', `${id}: the lockfile integrity is ${lock.algorithm} only and the registry gives no single sha512 to bind the tarball to (its integrity: ${describeRegistry(reg, registry)})`),
      ],
    }
  }
  const problems: string[] = []
  if (digestOf(tarball, lock.algorithm) !== lock.digest) problems.push(`do not hash to the lockfile's ${lock.algorithm} integrity`)
  if (digestOf(tarball, 'sha512') !== reg.digest) problems.push(`do not hash to the registry's sha512 ${shown(registry)}`)
  if (problems.length > 0) {
    return { status: 'mismatch', ...base, tarball: 'mismatch', findings: [finding('TARBALL_INTEGRITY_MISMATCH', `${id}: the downloaded tarball bytes ${problems.join(' and ')}`)] }
  }
  return { status: 'verified', integrity: registry, ...base, tarball: 'verified', findings: [] }
}

function digestOf(bytes: Buffer, algorithm: string): string | undefined {
  try {
    return createHash(algorithm).update(bytes).digest('base64')
  } catch {
    return undefined
  }
}

function describeRegistry(reg: ParsedIntegrity, raw: unknown): string {
  switch (reg.kind) {
    case 'sha512':
      return shown(raw)
    case 'absent':
      return 'none'
    case 'malformed':
      return `${shown(raw)} (not a usable SRI integrity)`
    case 'weak':
      return `${shown(raw)} (no sha512)`
    case 'ambiguous':
      return `${shown(raw)} (${reg.count} different ${reg.algorithm} digests)`
  }
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)
  return JSON.stringify(text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}…` : text)
}
