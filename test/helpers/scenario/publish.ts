/**
 * Publishing one scenario version onto the loopback registry: pack the tarball, then sign and
 * attest exactly what the registry advertises (`name@version:integrity`, the purl and sha512 of
 * the tarball), then apply the knobs that break one of those bindings.
 */
import { createHash } from 'node:crypto'
import type { ProvenanceAttestation, PublishAttestation, TestSigstore } from '../pki/index.js'
import {
  attestationsPath,
  packTarball,
  signRegistrySignature,
  type PackageFiles,
  type RegistryServer,
  type VersionRecord,
} from '../registry/index.js'
import { signVersionAttestations } from './attestations.js'
import type { ScenarioKeys } from './keys.js'
import type { PackageSpec, ResolvedKnobs } from './options.js'

export interface PublishedVersion {
  spec: PackageSpec
  knobs: ResolvedKnobs
  /** The registry's record: mutate it to change what is served next. */
  record: VersionRecord
  /** The tarball that integrity, signatures and attestations name (not what is served when `tarball: 'tampered'`). */
  tarball: Buffer
  /** `dist.integrity` as published: sha512 of `tarball`. */
  integrity: string
  /** As signed, before a `tampered` edit; absent with `provenance: 'missing'`. */
  provenance?: ProvenanceAttestation
  publishAttestation?: PublishAttestation
}

export interface PublishContext {
  registry: RegistryServer
  pki: TestSigstore
  keys: ScenarioKeys
}

export function publishVersion(ctx: PublishContext, spec: PackageSpec, knobs: ResolvedKnobs): PublishedVersion {
  const { name, version } = spec
  const manifest: Record<string, unknown> = {
    ...spec.manifest,
    ...(spec.dependencies ? { dependencies: spec.dependencies } : {}),
    ...(spec.optionalDependencies ? { optionalDependencies: spec.optionalDependencies } : {}),
    ...(spec.peerDependencies ? { peerDependencies: spec.peerDependencies } : {}),
    ...(spec.scripts ? { scripts: spec.scripts } : {}),
  }
  const files: PackageFiles = spec.files ?? { 'index.js': `module.exports = ${JSON.stringify(`${name}@${version}`)}\n` }
  const record = ctx.registry.addVersion({
    name,
    version,
    manifest,
    files,
    publishTime: knobs.publishTime,
    ...(knobs.npmUser ? { npmUser: knobs.npmUser } : {}),
    ...(spec.tag !== undefined ? { tag: spec.tag } : {}),
  })
  const published: PublishedVersion = { spec, knobs, record, tarball: record.tarball, integrity: record.integrity }

  signVersion(ctx.keys, record, knobs)

  const attestations = signVersionAttestations({ ...ctx, name, version, integrity: record.integrity, knobs })
  if (attestations.document) record.attestations = attestations.document
  if (attestations.advertisedPredicateType) {
    record.dist.attestations = {
      url: ctx.registry.origin + attestationsPath(name, version),
      provenance: { predicateType: attestations.advertisedPredicateType },
    }
  }
  if (attestations.provenance) published.provenance = attestations.provenance
  if (attestations.publishAttestation) published.publishAttestation = attestations.publishAttestation

  if (knobs.tarball === 'tampered') {
    // Same package, one more file: a well-formed tarball whose sha512 is not the advertised one.
    record.tarball = packTarball({ name, version, ...record.manifest }, { ...files, TAMPERED: 'not what was published\n' }).bytes
  }
  return published
}

function signVersion(keys: ScenarioKeys, record: VersionRecord, knobs: ResolvedKnobs): void {
  switch (knobs.signature) {
    case 'missing':
      return
    case 'valid':
      record.sign(keys.key)
      return
    case 'unknown-key':
      record.sign(keys.unknownKey)
      return
    case 'expired-key':
      if (!keys.expiredKey) throw new Error('scenario: no expired key was created')
      record.sign(keys.expiredKey)
      return
    case 'invalid': {
      const other = `sha512-${createHash('sha512').update('not the tarball').digest('base64')}`
      record.signatures = [signRegistrySignature(keys.key, { name: record.name, version: record.version, integrity: other })]
      return
    }
  }
}
