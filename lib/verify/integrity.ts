/**
 * Integrity: which bytes everything else is checked against. The lockfile's integrity is what the
 * project will install; the registry's `dist.integrity` must agree with it, and tarball bytes, when
 * given, must hash to it. (npm's audit compares with registry metadata only, so a swapped lockfile
 * entry passes there.)
 */
import ssri from 'ssri'
import { finding, type Finding } from '../findings.js'
import type { IntegrityFacts } from './types.js'

export interface IntegrityInput {
  name: string
  version: string
  lockfileIntegrity?: string
  /** `dist.integrity` as received: untrusted. */
  registryIntegrity?: unknown
  tarball?: Buffer
}

export function verifyIntegrity(input: IntegrityInput): IntegrityFacts & { findings: Finding[] } {
  const id = `${input.name}@${input.version}`
  const registry = typeof input.registryIntegrity === 'string' && input.registryIntegrity ? input.registryIntegrity : undefined
  const integrity = usable(input.lockfileIntegrity) ?? usable(registry)
  if (!integrity) {
    return { status: 'missing', registryIntegrity: registry, findings: [finding('INTEGRITY_MISSING', `${id}: no sha512 integrity in the lockfile or the registry`)] }
  }
  const facts: IntegrityFacts & { findings: Finding[] } = { status: 'verified', integrity, registryIntegrity: registry, findings: [] }
  if (registry && !sameSha512(integrity, registry)) {
    facts.status = 'mismatch'
    facts.findings.push(finding('INTEGRITY_MISMATCH', `${id}: lockfile integrity ${integrity} is not the registry's ${registry}`))
  }
  if (input.tarball) {
    if (ssri.checkData(input.tarball, integrity)) {
      facts.tarball = 'verified'
    } else {
      facts.tarball = 'mismatch'
      facts.status = 'mismatch'
      facts.findings.push(finding('TARBALL_INTEGRITY_MISMATCH', `${id}: tarball bytes do not hash to ${integrity}`))
    }
  }
  return facts
}

/** Only sha512 binds the evidence: npm signs and attests sha512 integrities. */
function usable(integrity: string | undefined): string | undefined {
  if (!integrity) return undefined
  const parsed = ssri.parse(integrity)
  const sha512 = parsed.sha512 as unknown[] | undefined
  return sha512 && sha512.length > 0 ? integrity : undefined
}

function sameSha512(a: string, b: string): boolean {
  const pa = (ssri.parse(a).sha512 as { digest: string }[] | undefined)?.map((h) => h.digest) ?? []
  const pb = (ssri.parse(b).sha512 as { digest: string }[] | undefined)?.map((h) => h.digest) ?? []
  return pa.length > 0 && pa.length === pb.length && pa.every((d) => pb.includes(d))
}
