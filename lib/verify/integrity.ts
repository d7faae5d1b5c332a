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
import { finding, type Finding } from '../findings.js'
import { DIGEST_BYTES, type ParsedIntegrity, parseIntegrity } from '../model/integrity.js'
import type { IntegrityFacts } from '../model/facts.js'

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

/** Shown in messages: the value is attacker-controlled, so it is quoted and cut. */
const MAX_SHOWN_CHARS = 120

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
