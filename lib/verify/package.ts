/**
 * verifyPackage: everything that is cryptographically true about one package version, from the
 * evidence gathered for it. Pure: no I/O, never throws for a bad package — every problem is a finding.
 */
import { verifyAttestations } from './attestations.js'
import { verifyIntegrity } from './integrity.js'
import { readPublisher } from './publisher.js'
import { verifyRegistrySignature } from './registry-signature.js'
import type { TrustContext } from './trust-context.js'
import type { PackageEvidence } from '../model/evidence.js'
import type { PackageFacts } from '../model/facts.js'

export function verifyPackage(evidence: PackageEvidence, trust: TrustContext): PackageFacts {
  const { name, version, versionData } = evidence
  const dist = versionData?.dist ?? {}

  // 1. Integrity: the bytes everything else is bound to (the lockfile's single sha512, or downloaded
  //    bytes proving a weak one), and that the registry agrees. Nothing bound: nothing else is checked.
  const { findings: integrityFindings, ...integrity } = verifyIntegrity({
    name,
    version,
    lockfileIntegrity: evidence.integrity,
    registryIntegrity: dist.integrity,
    tarball: evidence.tarball,
    ...(evidence.tarballSkipped !== undefined && { tarballSkipped: evidence.tarballSkipped }),
  })
  const findings = [...integrityFindings]
  const boundIntegrity = integrity.integrity
  const publishTime = evidence.publishTime ? new Date(evidence.publishTime) : undefined
  const validPublishTime = publishTime && !Number.isNaN(publishTime.getTime()) ? publishTime : undefined

  // 2. Registry signature over name@version:integrity, with a key valid at publish time.
  //    Without the registry's version data there is nothing to check: say so, never pass it.
  const { findings: signatureFindings, ...signature } = !versionData
    ? { status: 'not-checked' as const, findings: [] }
    : boundIntegrity
      ? verifyRegistrySignature({ name, version, integrity: boundIntegrity, signatures: dist.signatures, publishTime: validPublishTime, keys: trust.registryKeys })
      : { status: 'invalid' as const, findings: [] }
  findings.push(...signatureFindings)

  // 3. Attestations: provenance and publish bundles, bound to the same integrity.
  const attestations = boundIntegrity
    ? verifyAttestations({
        name,
        version,
        integrity: boundIntegrity,
        advertised: dist.attestations,
        evidence: evidence.attestations,
        bundles: trust.bundles,
        registryKeys: trust.registryKeys,
      })
    : { provenance: { status: 'invalid' as const }, publish: { status: 'invalid' as const }, findings: [] }
  findings.push(...attestations.findings)

  // 4. Publisher metadata (unsigned registry metadata, reported as such).
  const publisher = readPublisher(versionData?._npmUser)

  // 5. Where the evidence came from: the fetch stage's account, reported as it is (docs/mirrors.md).
  const origin = evidence.origin && { ...evidence.origin }
  return { name, version, integrity, signature, provenance: attestations.provenance, publish: attestations.publish, publisher, ...(origin && { origin }), findings }
}
