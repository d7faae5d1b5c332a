/**
 * The fuzz's invariant, checked on every verdict. A facet (registry signature, provenance, publish
 * attestation) may be reported `verified` only if
 *  1. it is bound to exactly what was asked about: the name and version given are the real package's,
 *     and the integrity given (the lockfile's) parses, as npm's ssri parses it, to exactly one
 *     distinct sha512 digest: the real tarball's (or, for a lockfile integrity without sha512, tarball
 *     bytes it accepts are the real tarball); and
 *  2. no mutation step that changed content covered by a signature that facet relies on was applied
 *     (each step declares the facets it breaks).
 * Also: tarball bytes reported as matching must hash to that one digest; a registry integrity reported
 * as agreeing must have the same sha512; and verification never throws.
 */
import { createHash } from 'node:crypto'
import ssri from 'ssri'
import type { Facet, Truth } from './bases.js'
import type { PackageEvidence } from '../../lib/model/evidence.js'
import type { PackageFacts } from '../../lib/model/facts.js'

export interface JudgedStep {
  kind: string
  path: string
  breaks: readonly Facet[]
}

export function statusOf(facts: PackageFacts, facet: Facet): string {
  return facet === 'signature' ? facts.signature.status : facts[facet].status
}

/** The distinct sha512 digests (as hex) an SRI string lists, parsed as npm parses it. */
function sha512s(integrity: unknown): string[] {
  if (typeof integrity !== 'string') return []
  const parsed = ssri.parse(integrity) as { sha512?: { digest: string }[] } | null
  // Compared as bytes: "…A==" and "…A=" are the same digest (npm would refuse the latter's tarball
  // for not matching it as a string, which fails closed).
  return [...new Set((parsed?.sha512 ?? []).map((h) => Buffer.from(h.digest, 'base64').toString('hex')))]
}

const hex = (base64: string) => Buffer.from(base64, 'base64').toString('hex')

/** The integrity verification must be bound to, as the library's contract defines it: the lockfile's, never the registry's in its place. */
export function givenIntegrity(e: PackageEvidence): string | undefined {
  return typeof e.integrity === 'string' && e.integrity.length > 0 ? e.integrity : undefined
}

/**
 * The one exception: a lockfile integrity without sha512 (`--fetch-tarballs`) is bound by tarball bytes
 * that npm's own check of that integrity accepts; their sha512 is then what the facets are about.
 */
function weakBoundByBytes(given: string | undefined, tarball: Buffer | undefined): string | undefined {
  if (given === undefined || !tarball || sha512s(given).length !== 0) return undefined
  let accepted = false
  try {
    accepted = Boolean(ssri.checkData(tarball, given))
  } catch {
    accepted = false
  }
  return accepted ? createHash('sha512').update(tarball).digest('hex') : undefined
}

/** Why nothing about this evidence may be reported verified, or undefined if it is bound to the truth. */
export function bindingProblem(e: PackageEvidence, truth: Truth): string | undefined {
  if (e.name !== truth.name) return `the name given is ${JSON.stringify(e.name)}, not ${truth.name}`
  if (e.version !== truth.version) return `the version given is ${JSON.stringify(e.version)}, not ${truth.version}`
  const given = givenIntegrity(e)
  const byBytes = weakBoundByBytes(given, e.tarball)
  const digests = byBytes ? [byBytes] : sha512s(given)
  if (digests.length !== 1) return `the integrity given (${JSON.stringify(given)}) has ${digests.length} sha512 digests, not exactly one`
  if (digests[0] !== hex(truth.sha512)) return `the integrity given (${JSON.stringify(given)}) is not the real tarball's sha512`
  return undefined
}

export function judgeFacts(facts: PackageFacts, e: PackageEvidence, truth: Truth, steps: readonly JudgedStep[]): string[] {
  const problems: string[] = []
  const binding = bindingProblem(e, truth)
  for (const facet of ['signature', 'provenance', 'publish'] as const) {
    if (statusOf(facts, facet) !== 'verified') continue
    if (binding) problems.push(`wrong pass: ${facet} verified but ${binding}`)
    for (const step of steps) {
      if (step.breaks.includes(facet)) problems.push(`wrong pass: ${facet} verified after a change of signed content (${step.kind} at ${step.path})`)
    }
  }
  const bound = facts.integrity.integrity
  if (facts.integrity.tarball === 'verified') {
    const digests = sha512s(bound)
    const actual = e.tarball ? createHash('sha512').update(e.tarball).digest('hex') : undefined
    if (digests.length !== 1 || digests[0] !== actual) {
      problems.push(`wrong pass: tarball reported matching ${JSON.stringify(bound)} but its sha512 is ${actual?.slice(0, 16)}…`)
    }
  }
  const registry = e.versionData?.dist?.integrity
  if (facts.integrity.status === 'verified' && typeof registry === 'string' && registry.length > 0) {
    const a = sha512s(bound)
    const b = sha512s(registry)
    if (a.length !== 1 || b.length !== 1 || a[0] !== b[0]) {
      problems.push(`wrong pass: integrity reported verified but ${JSON.stringify(bound)} and the registry's ${JSON.stringify(registry)} are not one and the same sha512`)
    }
  }
  return problems
}
