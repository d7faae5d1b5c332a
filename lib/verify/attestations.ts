/**
 * npm attestations (`{attestations: [{predicateType, bundle}]}`): the SLSA provenance bundle
 * (keyless, Fulcio certificate) and the npm publish attestation (signed with a registry key).
 * Each is a fixed sequence of small steps: verify the bundle cryptographically, read the signed
 * in-toto statement, check the unsigned outer predicateType against it, check the subject names this
 * package version and the integrity being verified, then read the identity.
 */
import { finding, type Finding } from '../findings.js'
import { mergeIdentity, readCertificateIdentity, readPredicateIdentity } from './identity.js'
import { keyValidAt } from './key-validity.js'
import type { AttestationsEvidence, RegistryKey } from '../model/evidence.js'
import {
  PREDICATE_NPM_PUBLISH,
  PROVENANCE_PREDICATE_TYPES,
  checkPublishPredicate,
  checkSubject,
  parseStatement,
  type Statement,
} from './statement.js'
import type { BundleVerified, BundleVerifier } from './sigstore/index.js'
import type { ProvenanceFacts, PublishFacts } from '../model/facts.js'

export interface AttestationsInput {
  name: string
  version: string
  /** The integrity being verified (lockfile's). */
  integrity: string
  /** `dist.attestations` as the registry advertised it: untrusted and unsigned. */
  advertised: unknown
  evidence: AttestationsEvidence
  bundles: BundleVerifier
  registryKeys: readonly RegistryKey[] | null
}

export interface AttestationsFacts {
  provenance: ProvenanceFacts
  publish: PublishFacts
  findings: Finding[]
}

interface AttestationEntry {
  predicateType: string
  bundle: unknown
}

export function verifyAttestations(input: AttestationsInput): AttestationsFacts {
  const id = `${input.name}@${input.version}`
  const advertisedType = advertisedProvenanceType(input.advertised)
  const advertised = input.advertised !== undefined && input.advertised !== null
  const { evidence } = input

  if (evidence.state !== 'fetched') {
    if (advertised || evidence.state === 'failed') {
      const why =
        evidence.state === 'failed'
          ? `could not be fetched: ${evidence.reason}`
          : evidence.state === 'not-found'
            ? 'the registry has none (404)'
            : 'they were not fetched'
      return missingBoth(`${id}: attestations are advertised in dist.attestations but ${why}`, advertisedType)
    }
    return {
      provenance: { status: 'none' },
      publish: { status: 'none' },
      findings: [finding('PROVENANCE_MISSING', `${id}: no provenance attestation`)],
    }
  }

  const entries = parseDocument(evidence.document)
  if (typeof entries === 'string') {
    return {
      provenance: { status: 'invalid' },
      publish: { status: 'invalid' },
      findings: [finding('ATTESTATION_INVALID', `${id}: attestations document ${entries}`)],
    }
  }

  const findings: Finding[] = []
  const provenanceEntries = entries.filter((e) => PROVENANCE_PREDICATE_TYPES.has(e.predicateType))
  const publishEntries = entries.filter((e) => e.predicateType === PREDICATE_NPM_PUBLISH)

  let provenance: ProvenanceFacts
  if (provenanceEntries.length === 0) {
    if (advertisedType) {
      provenance = { status: 'missing', predicateType: advertisedType }
      findings.push(finding('ATTESTATION_MISSING', `${id}: ${advertisedType} provenance is advertised but not in the attestations document`))
    } else {
      provenance = { status: 'none' }
      findings.push(finding('PROVENANCE_MISSING', `${id}: no provenance attestation`))
    }
  } else {
    provenance = { status: 'verified' }
    for (const entry of provenanceEntries) {
      const r = verifyProvenance(entry, input, id)
      findings.push(...r.findings)
      // The first failure decides the status; a later valid bundle cannot excuse an invalid one.
      if (provenance.status === 'verified') provenance = r.facts
    }
    if (advertisedType && !provenanceEntries.some((e) => e.predicateType === advertisedType) && provenance.status === 'verified') {
      provenance = { ...provenance, status: 'missing' }
      findings.push(finding('ATTESTATION_MISSING', `${id}: ${advertisedType} provenance is advertised but the document holds ${provenanceEntries[0]!.predicateType}`))
    }
  }

  let publish: PublishFacts
  if (publishEntries.length === 0) {
    // npm's registry makes a publish attestation whenever it serves attestations; when it advertised
    // them, a document without one is incomplete. A document given by hand may hold provenance only.
    if (advertised) {
      publish = { status: 'missing' }
      findings.push(finding('ATTESTATION_MISSING', `${id}: the attestations document has no npm publish attestation`))
    } else {
      publish = { status: 'none' }
    }
  } else {
    publish = { status: 'verified' }
    for (const entry of publishEntries) {
      const r = verifyPublish(entry, input, id)
      findings.push(...r.findings)
      if (publish.status === 'verified') publish = r.facts
    }
  }
  return { provenance, publish, findings }
}

function missingBoth(message: string, predicateType: string | undefined): AttestationsFacts {
  return {
    provenance: { status: 'missing', ...(predicateType ? { predicateType } : {}) },
    publish: { status: 'missing' },
    findings: [finding('ATTESTATION_MISSING', message)],
  }
}

function advertisedProvenanceType(advertised: unknown): string | undefined {
  const type = (advertised as { provenance?: { predicateType?: unknown } } | null | undefined)?.provenance?.predicateType
  return typeof type === 'string' ? type : undefined
}

function parseDocument(doc: unknown): AttestationEntry[] | string {
  const list = (doc as { attestations?: unknown } | null)?.attestations
  if (typeof doc !== 'object' || doc === null || !Array.isArray(list)) return 'is not {attestations: [...]}'
  const entries: AttestationEntry[] = []
  for (const [i, raw] of list.entries()) {
    const e = raw as { predicateType?: unknown; bundle?: unknown } | null
    if (typeof e?.predicateType !== 'string') return `entry ${i} has no predicateType`
    if (typeof e.bundle !== 'object' || e.bundle === null) return `entry ${i} has no bundle`
    entries.push({ predicateType: e.predicateType, bundle: e.bundle })
  }
  return entries
}

type StepResult<F> = { facts: F; findings: Finding[] }

type CommonResult =
  | { error: Finding; mismatch?: boolean }
  | { error?: undefined; outcome: BundleVerified; statement: Statement }

/** Steps shared by both kinds: bundle cryptography, statement, outer predicateType, subject. */
function verifyCommon(entry: AttestationEntry, input: AttestationsInput, id: string, label: string): CommonResult {
  const outcome = input.bundles.verify(entry.bundle)
  if (!outcome.ok) return { error: finding('ATTESTATION_INVALID', `${id}: ${label} bundle does not verify (${outcome.code}: ${outcome.message})`) }
  if (!outcome.dsse) return { error: finding('ATTESTATION_INVALID', `${id}: ${label} bundle is not a DSSE envelope`) }
  const parsed = parseStatement(outcome.dsse.payloadType, outcome.dsse.payload)
  if (!parsed.ok) return { error: finding('ATTESTATION_INVALID', `${id}: ${label} ${parsed.reason}`) }
  const statement = parsed.value
  // The outer predicateType is not signed; it must say what the signed statement says.
  if (statement.predicateType !== entry.predicateType) {
    return {
      error: finding('ATTESTATION_INVALID', `${id}: ${label} is listed as ${entry.predicateType} but the signed statement is ${statement.predicateType}`),
    }
  }
  const subjectProblem = checkSubject(statement, input.name, input.version, input.integrity)
  if (subjectProblem) return { error: finding('ATTESTATION_SUBJECT_MISMATCH', `${id}: ${label} ${subjectProblem}`), mismatch: true }
  return { outcome, statement }
}

function verifyProvenance(entry: AttestationEntry, input: AttestationsInput, id: string): StepResult<ProvenanceFacts> {
  const base = { predicateType: entry.predicateType }
  const r = verifyCommon(entry, input, id, 'provenance')
  if (r.error) return { facts: { ...base, status: r.mismatch ? 'mismatch' : 'invalid' }, findings: [r.error] }
  const { outcome, statement } = r
  const facts = { ...base, bundleMediaType: outcome.bundleMediaType, signedAt: outcome.signedAt?.toISOString() }
  // Provenance is keyless: the identity is the Fulcio certificate's. A key-signed one says nothing about the build.
  if (outcome.signer.kind !== 'certificate') {
    return { facts: { ...facts, status: 'invalid' }, findings: [finding('ATTESTATION_INVALID', `${id}: provenance is not signed with a Sigstore certificate`)] }
  }
  const certIdentity = readCertificateIdentity(outcome.signer.certificate.x509)
  const merged = mergeIdentity(certIdentity, readPredicateIdentity(statement.predicateType, statement.predicate))
  if (merged.conflicts.length > 0) {
    return {
      facts: { ...facts, status: 'invalid', identity: merged.identity },
      findings: [finding('ATTESTATION_INVALID', `${id}: provenance certificate and predicate disagree: ${merged.conflicts.join('; ')}`)],
    }
  }
  return { facts: { ...facts, status: 'verified', identity: merged.identity }, findings: [] }
}

function verifyPublish(entry: AttestationEntry, input: AttestationsInput, id: string): StepResult<PublishFacts> {
  const r = verifyCommon(entry, input, id, 'publish attestation')
  if (r.error) return { facts: { status: r.mismatch ? 'mismatch' : 'invalid' }, findings: [r.error] }
  const { outcome, statement } = r
  const keyHint = outcome.signer.kind === 'public-key' ? outcome.signer.keyHint : undefined
  // npm: a registry key must have been valid when the transparency log integrated the attestation.
  // Both are signed times only: an integrated time a verified SET covers, or a verified RFC 3161
  // time — never a log entry's bare integratedTime (sigstore/tlog.ts).
  const loggedAt = outcome.integratedTime ?? outcome.signedAt
  const facts = { keyid: keyHint, signedAt: loggedAt?.toISOString() }
  const predicateProblem = checkPublishPredicate(statement, input.name, input.version)
  if (predicateProblem) {
    return { facts: { ...facts, status: 'mismatch' }, findings: [finding('ATTESTATION_SUBJECT_MISMATCH', `${id}: ${predicateProblem}`)] }
  }
  // The publish attestation is the registry's own statement: it must be signed by a registry key for
  // attestations that was valid when the log integrated it. (The bundle verifier already enforces the
  // window through its trust material; this keeps the rule visible and independent of that wiring.)
  const key = keyHint ? input.registryKeys?.find((k) => k.keyid === keyHint) : undefined
  if (!key || !loggedAt || !keyValidAt(key, 'npm:attestations', loggedAt)) {
    return {
      facts: { ...facts, status: 'invalid' },
      findings: [finding('ATTESTATION_INVALID', `${id}: publish attestation is not signed by a registry attestation key valid at its log time`)],
    }
  }
  return { facts: { ...facts, status: 'verified' }, findings: [] }
}
