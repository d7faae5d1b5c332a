/**
 * The attestations of one scenario version, as the registry serves them at
 * `/-/npm/v1/attestations/<name>@<version>`: SLSA provenance (keyless, from the scenario's PKI)
 * then the npm publish attestation (the registry key), in npm's order. Knob faults are applied
 * here; everything not named by a knob stays valid and bound to the advertised integrity.
 */
import { createHash } from 'node:crypto'
import {
  DEFAULT_REGISTRY,
  SLSA_PROVENANCE_V02,
  SLSA_PROVENANCE_V1,
  npmPurl,
  type BundleJSON,
  type InTotoStatement,
  type ProvenanceAttestation,
  type PublishAttestation,
  type TestSigstore,
} from '../pki/index.js'
import type { AttestationsDocument } from '../registry/index.js'
import { defaultProvenanceIdentity } from './identity.js'
import type { ScenarioKeys } from './keys.js'
import type { ResolvedKnobs } from './options.js'

/** npm signs provenance on the CI runner shortly before the registry records the publish. */
export const PROVENANCE_LEAD_MS = 60_000

export interface VersionAttestations {
  /** Served at the attestations endpoint; undefined: 404. */
  document: AttestationsDocument | undefined
  /** For `advertised-missing`: the predicate type `dist.attestations.provenance` claims. */
  advertisedPredicateType?: string
  /** The provenance as signed, before any `tampered` edit (identity, certificate, statement). */
  provenance?: ProvenanceAttestation
  /** The publish attestation as signed, before any `tampered` edit. */
  publishAttestation?: PublishAttestation
}

export interface AttestationsInput {
  pki: TestSigstore
  keys: ScenarioKeys
  name: string
  version: string
  /** The integrity the registry advertises: what the subjects name. */
  integrity: string
  knobs: ResolvedKnobs
}

export function signVersionAttestations(input: AttestationsInput): VersionAttestations {
  const { pki, keys, name, version, integrity, knobs } = input
  const pkg = { name, version, integrity }
  const result: VersionAttestations = { document: undefined }
  const entries: AttestationsDocument['attestations'] = []

  const spec = knobs.provenance
  if (spec) {
    const identity = defaultProvenanceIdentity(name, version, spec.identity)
    const signer = spec.fault === 'untrusted-ca' ? pki.untrusted() : pki
    const provenance = signer.signProvenance(pkg, {
      identity,
      at: new Date(knobs.publishTime.getTime() - PROVENANCE_LEAD_MS),
      ...(spec.bundleVersion ? { bundleVersion: spec.bundleVersion } : {}),
      ...(spec.slsaVersion ? { slsaVersion: spec.slsaVersion } : {}),
      ...(spec.includeRunnerEnvironment ? { includeRunnerEnvironment: true } : {}),
      ...(spec.fault === 'wrong-subject-name' ? { editStatement: renameSubject(`${name}-impostor`, version) } : {}),
      ...(spec.fault === 'wrong-subject-digest' ? { editStatement: redigestSubject() } : {}),
    })
    result.provenance = provenance
    if (spec.fault === 'advertised-missing') {
      result.advertisedPredicateType = spec.slsaVersion === 'v0.2' ? SLSA_PROVENANCE_V02 : SLSA_PROVENANCE_V1
      return result
    }
    // The commit appears once in either SLSA version; changing a hex digit keeps the JSON valid.
    const bundle = spec.fault === 'tampered' ? tamperPayload(provenance.bundle, identity.sha) : provenance.bundle
    entries.push({ predicateType: provenance.attestation.predicateType, bundle })
  }

  if (knobs.publishAttestation !== 'missing') {
    const key = knobs.publishAttestation === 'unknown-key' ? keys.unknownKey : keys.key
    const publish = pki.signPublishAttestation(pkg, key, { at: knobs.publishTime })
    result.publishAttestation = publish
    const tampered = knobs.publishAttestation === 'tampered'
    const bundle = tampered ? tamperPayload(publish.bundle, `"registry":"${DEFAULT_REGISTRY}`) : publish.bundle
    entries.push({ predicateType: publish.attestation.predicateType, bundle })
  }

  if (entries.length > 0) result.document = { attestations: entries }
  return result
}

function renameSubject(otherName: string, version: string) {
  return <P>(statement: InTotoStatement<P>): InTotoStatement<P> => ({
    ...statement,
    subject: statement.subject.map((s) => ({ ...s, name: npmPurl(otherName, version) })),
  })
}

function redigestSubject() {
  const other = createHash('sha512').update('not the tarball').digest('hex')
  return <P>(statement: InTotoStatement<P>): InTotoStatement<P> => ({
    ...statement,
    subject: statement.subject.map((s) => ({ ...s, digest: { sha512: other } })),
  })
}

/**
 * A copy of `bundle` whose DSSE payload differs in one byte: the last character of the first
 * occurrence of `needle`. Signature and log entry are left as signed.
 */
export function tamperPayload(bundle: BundleJSON, needle: string): BundleJSON {
  const copy = structuredClone(bundle)
  const payload = Buffer.from(copy.dsseEnvelope.payload, 'base64')
  const at = payload.indexOf(needle)
  if (at < 0) throw new Error(`tamperPayload: ${JSON.stringify(needle)} not in the payload`)
  const last = at + Buffer.byteLength(needle) - 1
  payload[last] = payload[last] === 0x61 ? 0x62 : 0x61 // 'a' ↔ 'b': stays printable and inside the JSON string
  copy.dsseEnvelope.payload = payload.toString('base64')
  return copy
}
