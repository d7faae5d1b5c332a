/**
 * Mutations of one package's evidence (PackageEvidence, edited in place): the lockfile side (name,
 * version, integrity), the version document (dist.integrity, dist.signatures, dist.attestations,
 * _npmUser, publish time), the attestations document, the bundles inside it (bundle-mutations.ts)
 * and the tarball. Each step names the facets it must break (`breaks`); steps on the lockfile side
 * and on integrities break nothing by declaration: the oracle derives from the mutated evidence itself
 * what may still verify (name, version and a single sha512 equal to the real tarball's).
 */
import { createHash } from 'node:crypto'
import type { Facet, Json } from './bases.js'
import { mutateBundle } from './bundle-mutations.js'
import type { Rng } from './prng.js'
import type { PackageEvidence } from '../../lib/model/evidence.js'

export interface EvidenceStep {
  /** The part of the evidence edited; a trial edits each target at most once. */
  target: Target
  kind: string
  path: string
  detail: string
  breaks: Facet[]
}

export type Target = 'lockfile.name' | 'lockfile.version' | 'lockfile.integrity' | 'dist.integrity' | 'dist.signatures' | 'dist.other' | 'attestations' | 'tarball' | 'publishTime'

export interface EvidenceMutationContext {
  donors: readonly PackageEvidence[]
}

const PROVENANCE_TYPES = new Set(['https://slsa.dev/provenance/v1', 'https://slsa.dev/provenance/v0.2'])
const PUBLISH_TYPE = 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1'

function facetOf(predicateType: unknown): Facet | undefined {
  if (typeof predicateType !== 'string') return undefined
  if (PROVENANCE_TYPES.has(predicateType)) return 'provenance'
  return predicateType === PUBLISH_TYPE ? 'publish' : undefined
}

function digest(algorithm: string, bytes: Buffer): string {
  return `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`
}

function flipChar(rng: Rng, s: string): string {
  if (!s) return 'x'
  const i = rng.int(s.length)
  const c = s[i]!
  const other = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()
  const replacement = other !== c ? other : c === '0' ? '1' : '0'
  return s.slice(0, i) + replacement + s.slice(i + 1)
}

function donorWith<T>(rng: Rng, ctx: EvidenceMutationContext, read: (e: PackageEvidence) => T | undefined, differentFrom: T): T | undefined {
  const options = ctx.donors.map(read).filter((v): v is T => v !== undefined && JSON.stringify(v) !== JSON.stringify(differentFrom))
  return options.length ? rng.pick(options) : undefined
}

// --- integrity strings ---------------------------------------------------------------------------

/** Edits of an SRI string, from equivalent spellings to unparsable ones. */
function integrityVariants(rng: Rng, integrity: string, tarball: Buffer | undefined, other: string | undefined): [string, string | undefined][] {
  const [algo, ...rest] = integrity.split('-')
  const body = rest.join('-')
  const bytes = tarball ?? Buffer.from('fuzz')
  return [
    ['case: upper-case algorithm', `${algo!.toUpperCase()}-${body}`],
    ['case: flipped digest character', `${algo}-${flipChar(rng, body)}`],
    ['prefix: sha512:', `${algo}:${body}`],
    ['prefix: sha-512-', `sha-512-${body}`],
    ['prefix: none', body],
    ['multiple: another sha512 after', other ? `${integrity} ${other}` : `${integrity} sha512-${Buffer.alloc(64, 7).toString('base64')}`],
    ['multiple: another sha512 before', other ? `${other} ${integrity}` : `sha512-${Buffer.alloc(64, 7).toString('base64')} ${integrity}`],
    ['multiple: the same digest twice', `${integrity} ${integrity}`],
    ['multiple: plus a weaker sha1', `${integrity} ${digest('sha1', bytes)}`],
    ['other algorithm: sha1 only', digest('sha1', bytes)],
    ['other algorithm: sha256 only', digest('sha256', bytes)],
    ['other algorithm: sha384 only', digest('sha384', bytes)],
    ['other algorithm: md5', digest('md5', bytes)],
    ['blank: empty', ''],
    ['blank: spaces', '   '],
    ['blank: newline', '\n'],
    ['blank: not-an-sri', 'not-an-sri'],
    ['blank: empty digest', 'sha512-'],
    ['blank: invalid digest', 'sha512-!!!!'],
    ['equivalent: options', `${integrity}?foo=bar`],
    ['equivalent: surrounding whitespace', `  ${integrity}\n`],
    ['truncated digest', integrity.slice(0, integrity.length - 1 - rng.int(20))],
    ['another package', other ?? `sha512-${Buffer.alloc(64, 9).toString('base64')}`],
  ]
}

// --- operators -----------------------------------------------------------------------------------

type Operator = (rng: Rng, e: PackageEvidence, ctx: EvidenceMutationContext) => Omit<EvidenceStep, 'target'> | null

const NAME_EDITS: [string, (n: string) => string][] = [
  ['upper case', (n) => n.toUpperCase()],
  ['trailing space', (n) => `${n} `],
  ['append a character', (n) => `${n}s`],
  ['drop the last character', (n) => n.slice(0, -1)],
  ['add a scope', (n) => (n.startsWith('@') ? `@evil/${n.split('/')[1]}` : `@evil/${n}`)],
  ['drop the scope', (n) => (n.startsWith('@') ? n.split('/')[1]! : n)],
  ['homoglyph', (n) => n.replace(/[a-z]/, (c) => (c === 'a' ? 'а' : c === 'e' ? 'е' : c === 'o' ? 'о' : `${c}\u200b`))],
  ['empty', () => ''],
  ['url-encoded scope', (n) => n.replace(/^@/, '%40').replace('/', '%2f')],
]

const lockfileName: Operator = (rng, e, ctx) => {
  if (rng.chance(0.3)) {
    const other = donorWith(rng, ctx, (d) => d.name, e.name)
    if (other !== undefined) {
      e.name = other
      return { kind: 'name: another package', path: 'name', detail: JSON.stringify(other), breaks: [] }
    }
  }
  const [label, edit] = rng.pick(NAME_EDITS)
  const next = edit(e.name)
  if (next === e.name) return null
  e.name = next
  return { kind: `name: ${label}`, path: 'name', detail: JSON.stringify(next), breaks: [] }
}

const VERSION_EDITS: [string, (v: string) => string][] = [
  ['v prefix', (v) => `v${v}`],
  ['= prefix', (v) => `=${v}`],
  ['surrounding space', (v) => ` ${v} `],
  ['prerelease', (v) => `${v}-0`],
  ['build metadata', (v) => `${v}+build.1`],
  ['leading zero', (v) => `0${v}`],
  ['patch bump', (v) => v.replace(/(\d+)$/, (d) => String(Number(d) + 1))],
  ['empty', () => ''],
  ['range', (v) => `^${v}`],
]

const lockfileVersion: Operator = (rng, e, ctx) => {
  if (rng.chance(0.3)) {
    const other = donorWith(rng, ctx, (d) => d.version, e.version)
    if (other !== undefined) {
      e.version = other
      return { kind: 'version: another version', path: 'version', detail: JSON.stringify(other), breaks: [] }
    }
  }
  const [label, edit] = rng.pick(VERSION_EDITS)
  const next = edit(e.version)
  if (next === e.version) return null
  e.version = next
  return { kind: `version: ${label}`, path: 'version', detail: JSON.stringify(next), breaks: [] }
}

const lockfileIntegrity: Operator = (rng, e, ctx) => {
  const current = e.integrity ?? (e.versionData?.dist?.integrity as string | undefined)
  if (typeof current !== 'string') return null
  if (rng.chance(0.05)) {
    delete e.integrity
    return { kind: 'integrity: removed from the lockfile', path: 'integrity', detail: 'falls back to the registry', breaks: [] }
  }
  const other = donorWith(rng, ctx, (d) => d.integrity, current)
  const [label, value] = rng.pick(integrityVariants(rng, current, e.tarball, other))
  if (value === e.integrity) return null
  e.integrity = value
  return { kind: `integrity: ${label.split(':')[0]}`, path: 'integrity', detail: `${label}: ${JSON.stringify(value)}`, breaks: [] }
}

const distIntegrity: Operator = (rng, e, ctx) => {
  const dist = e.versionData?.dist
  if (!dist) return null
  const current = typeof dist.integrity === 'string' ? dist.integrity : e.integrity
  if (typeof current !== 'string') return null
  if (rng.chance(0.2)) {
    const [type, value] = rng.pick<[string, unknown]>([['removed', undefined], ['null', null], ['number', 512], ['object', { sha512: current }], ['array', [current]]])
    if (value === undefined) delete dist.integrity
    else dist.integrity = value
    return { kind: 'dist.integrity: retype', path: 'versionData.dist.integrity', detail: type, breaks: [] }
  }
  const other = donorWith(rng, ctx, (d) => d.integrity, current)
  const [label, value] = rng.pick(integrityVariants(rng, current, e.tarball, other))
  if (value === dist.integrity) return null
  dist.integrity = value
  return { kind: `dist.integrity: ${label.split(':')[0]}`, path: 'versionData.dist.integrity', detail: `${label}: ${JSON.stringify(value)}`, breaks: [] }
}

const distSignatures: Operator = (rng, e, ctx) => {
  const dist = e.versionData?.dist
  const sigs = dist?.signatures
  if (!dist || !Array.isArray(sigs) || sigs.length === 0) return null
  const i = rng.int(sigs.length)
  const sig = sigs[i] as Json
  const path = `versionData.dist.signatures[${i}]`
  const op = rng.pick(['sig-bytes', 'sig-raw', 'keyid', 'other-version', 'remove', 'empty-array', 'retype', 'retype-entry', 'extra-unknown-key', 'duplicate'])
  switch (op) {
    case 'sig-bytes': {
      const bytes = Buffer.from(String(sig.sig), 'base64')
      const k = rng.int(bytes.length || 1)
      bytes[k] = (bytes[k] ?? 0) ^ (1 << rng.int(8))
      sig.sig = bytes.toString('base64')
      return { kind: 'signature: flip a bit', path: `${path}.sig`, detail: `byte ${k}`, breaks: ['signature'] }
    }
    case 'sig-raw': {
      const before = Buffer.from(String(sig.sig), 'base64')
      const s = String(sig.sig)
      const k = rng.int(s.length || 1)
      sig.sig = s.slice(0, k) + rng.pick([...'A/+=-_ !']) + s.slice(k + 1)
      const same = Buffer.from(sig.sig, 'base64').equals(before)
      return { kind: 'signature: raw base64 edit', path: `${path}.sig`, detail: `char ${k}${same ? ' (same bytes)' : ''}`, breaks: same ? [] : ['signature'] }
    }
    case 'keyid': {
      const ids = ['SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA', 'SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U', '', flipChar(rng, String(sig.keyid))]
      const next = rng.pick(ids.filter((id) => id !== sig.keyid))
      sig.keyid = next
      return { kind: 'signature: keyid', path: `${path}.keyid`, detail: JSON.stringify(next), breaks: ['signature'] }
    }
    case 'other-version': {
      const other = donorWith(rng, ctx, (d) => ((d.versionData?.dist?.signatures as Json[] | undefined) ?? [])[0], sig)
      if (!other) return null
      sigs[i] = structuredClone(other)
      return { kind: 'signature: from another version', path, detail: 'swapped', breaks: ['signature'] }
    }
    case 'remove':
      delete dist.signatures
      return { kind: 'signature: removed', path: 'versionData.dist.signatures', detail: 'removed', breaks: ['signature'] }
    case 'empty-array':
      dist.signatures = []
      return { kind: 'signature: removed', path: 'versionData.dist.signatures', detail: '[]', breaks: ['signature'] }
    case 'retype': {
      const [type, value] = rng.pick<[string, unknown]>([['object', { ...sig }], ['string', String(sig.sig)], ['number', 1], ['null', null]])
      dist.signatures = value
      return { kind: 'signature: retype', path: 'versionData.dist.signatures', detail: type, breaks: ['signature'] }
    }
    case 'retype-entry': {
      const [field, type, value] = rng.pick<[string, string, unknown]>([
        ['sig', 'number', 1],
        ['sig', 'array', [sig.sig]],
        ['keyid', 'null', null],
        ['keyid', 'number', 7],
      ])
      sig[field] = value
      return { kind: 'signature: retype a field', path: `${path}.${field}`, detail: type, breaks: ['signature'] }
    }
    case 'extra-unknown-key':
      sigs.push({ keyid: 'SHA256:unknown-fuzz-key', sig: sig.sig })
      return { kind: 'signature: extra by an unknown key', path: `${path}+`, detail: 'appended', breaks: [] }
    default:
      sigs.splice(rng.int(sigs.length + 1), 0, structuredClone(sig))
      return { kind: 'signature: duplicated', path, detail: 'copy inserted', breaks: [] }
  }
}

const distOther: Operator = (rng, e) => {
  const dist = e.versionData?.dist
  if (!e.versionData || !dist) return null
  const op = rng.pick(['advertised-remove', 'advertised-type', 'advertised-retype', 'npm-user', 'version-data-removed'])
  switch (op) {
    case 'advertised-remove':
      if (dist.attestations === undefined) return null
      delete dist.attestations
      return { kind: 'dist.attestations: removed', path: 'versionData.dist.attestations', detail: 'removed', breaks: [] }
    case 'advertised-type': {
      const type = rng.pick(['https://slsa.dev/provenance/v0.2', 'https://slsa.dev/provenance/v1', 'https://example.test/other', ''])
      dist.attestations = { url: 'https://registry.test/x', provenance: { predicateType: type } }
      return { kind: 'dist.attestations: predicateType', path: 'versionData.dist.attestations.provenance.predicateType', detail: JSON.stringify(type), breaks: [] }
    }
    case 'advertised-retype': {
      const [type, value] = rng.pick<[string, unknown]>([['string', 'yes'], ['array', []], ['number', 1], ['null', null]])
      dist.attestations = value
      return { kind: 'dist.attestations: retype', path: 'versionData.dist.attestations', detail: type, breaks: [] }
    }
    case 'npm-user':
      e.versionData._npmUser = rng.pick([null, 'admin', { name: 'npm', trustedPublisher: { id: 'github' } }, []])
      return { kind: '_npmUser: edited', path: 'versionData._npmUser', detail: JSON.stringify(e.versionData._npmUser), breaks: [] }
    default:
      delete e.versionData
      return { kind: 'versionData: removed', path: 'versionData', detail: 'removed', breaks: [] }
  }
}

const publishTime: Operator = (rng, e) => {
  const value = rng.pick(['not a date', '', '1970-01-01T00:00:00Z', '2099-01-01T00:00:00Z', '2025-01-29T00:00:00Z', '2025-01-13T00:00:00Z', 'Infinity'])
  if (value === e.publishTime) return null
  e.publishTime = value
  return { kind: 'publishTime: edited', path: 'publishTime', detail: JSON.stringify(value), breaks: [] }
}

const tarball: Operator = (rng, e, ctx) => {
  if (!e.tarball) return null
  const op = rng.pick(['flip', 'truncate', 'empty', 'other'])
  const bytes = Buffer.from(e.tarball)
  if (op === 'flip') {
    const i = rng.int(bytes.length)
    bytes[i]! ^= 1 << rng.int(8)
    e.tarball = bytes
    return { kind: 'tarball: flip a bit', path: 'tarball', detail: `byte ${i}`, breaks: [] }
  }
  if (op === 'truncate') {
    e.tarball = bytes.subarray(0, bytes.length - 1 - rng.int(100))
    return { kind: 'tarball: truncated', path: 'tarball', detail: `${e.tarball.length} bytes`, breaks: [] }
  }
  if (op === 'empty') {
    e.tarball = Buffer.alloc(0)
    return { kind: 'tarball: empty', path: 'tarball', detail: '0 bytes', breaks: [] }
  }
  const other = donorWith(rng, ctx, (d) => d.tarball, e.tarball)
  if (!other) return null
  e.tarball = other
  return { kind: 'tarball: another package', path: 'tarball', detail: 'swapped', breaks: [] }
}

/** Document-level edits and edits of one bundle inside it. */
const attestations: Operator = (rng, e, ctx) => {
  if (e.attestations.state !== 'fetched') return null
  const doc = e.attestations.document as Json
  const list: Json[] = doc?.attestations
  if (!Array.isArray(list) || list.length === 0) return null
  const i = rng.int(list.length)
  const entry = list[i]
  const facet = facetOf(entry.predicateType)
  const only = (f: Facet | undefined): Facet[] => (f && list.filter((x) => facetOf(x.predicateType) === f).length <= 1 ? [f] : [])
  const path = `attestations.document.attestations[${i}]`
  const op = rng.pick(['bundle', 'bundle', 'bundle', 'bundle', 'bundle', 'bundle', 'remove', 'relabel', 'duplicate', 'donor-entry', 'donor-bundle', 'swap-bundles', 'retype-doc', 'retype-bundle', 'state'])
  switch (op) {
    case 'bundle': {
      const step = mutateBundle(rng, entry.bundle, { donors: ctx.donors.flatMap(bundlesOf), timeHints: [] })
      if (!step) return null
      return { kind: `bundle ${step.kind}`, path: `${path}.bundle.${step.path}`, detail: step.detail, breaks: step.bound && facet ? [facet] : [] }
    }
    case 'remove':
      list.splice(i, 1)
      return { kind: 'document: entry removed', path, detail: String(entry.predicateType), breaks: only(facet) }
    case 'relabel': {
      const to = rng.pick(['https://slsa.dev/provenance/v1', 'https://slsa.dev/provenance/v0.2', PUBLISH_TYPE, 'https://slsa.dev/provenance/V1', 'https://example.test/other', ''].filter((t) => t !== entry.predicateType))
      const target = facetOf(to)
      const old = only(facet)
      entry.predicateType = to
      // The entry no longer verifies under its new label (the signed predicateType differs); under
      // an unknown label it is ignored, leaving its facet without an attestation.
      return { kind: 'document: outer predicateType relabelled', path: `${path}.predicateType`, detail: JSON.stringify(to), breaks: [...old, ...(target ? [target] : [])] }
    }
    case 'duplicate':
      list.splice(rng.int(list.length + 1), 0, structuredClone(entry))
      return { kind: 'document: entry duplicated', path, detail: 'copy inserted', breaks: [] }
    case 'donor-entry': {
      const other = rng.pick(ctx.donors.flatMap(entriesOf).filter((x) => facetOf(x.predicateType)))
      if (!other) return null
      list.splice(rng.int(list.length + 1), 0, structuredClone(other))
      return { kind: 'document: entry of another package added', path: `attestations.document.attestations[+]`, detail: String(other.predicateType), breaks: [facetOf(other.predicateType)!] }
    }
    case 'donor-bundle': {
      const others = ctx.donors.flatMap(entriesOf).filter((x) => facetOf(x.predicateType) === facet)
      if (!facet || others.length === 0) return null
      entry.bundle = structuredClone(rng.pick(others).bundle)
      return { kind: 'document: bundle of another package', path: `${path}.bundle`, detail: 'swapped', breaks: [facet] }
    }
    case 'swap-bundles': {
      const j = list.findIndex((x, k) => k !== i && facetOf(x.predicateType) !== facet)
      if (j < 0) return null
      const other = facetOf(list[j].predicateType)
      ;[entry.bundle, list[j].bundle] = [list[j].bundle, entry.bundle]
      return { kind: 'document: bundles swapped between entries', path: `${path}.bundle ⇄ [${j}]`, detail: 'swapped', breaks: [...(facet ? [facet] : []), ...(other ? [other] : [])] }
    }
    case 'retype-doc': {
      const [type, value] = rng.pick<[string, unknown]>([['null', null], ['array', list], ['string', 'x'], ['empty list', { attestations: [] }], ['list is object', { attestations: { ...list } }]])
      e.attestations = { state: 'fetched', document: value }
      return { kind: 'document: retype', path: 'attestations.document', detail: type, breaks: ['provenance', 'publish'] }
    }
    case 'retype-bundle': {
      const [type, value] = rng.pick<[string, unknown]>([['null', null], ['string', JSON.stringify(entry.bundle)], ['array', [entry.bundle]], ['empty object', {}]])
      entry.bundle = value
      return { kind: 'document: bundle retype', path: `${path}.bundle`, detail: type, breaks: only(facet) }
    }
    default: {
      const state = rng.pick<PackageEvidence['attestations']>([{ state: 'not-found' }, { state: 'not-requested' }, { state: 'failed', reason: 'HTTP 500' }])
      e.attestations = state
      return { kind: 'document: not fetched', path: 'attestations.state', detail: state.state, breaks: ['provenance', 'publish'] }
    }
  }
}

function entriesOf(e: PackageEvidence): Json[] {
  const list = e.attestations.state === 'fetched' ? (e.attestations.document as Json)?.attestations : undefined
  return Array.isArray(list) ? list : []
}

function bundlesOf(e: PackageEvidence): Json[] {
  return entriesOf(e).map((x) => x.bundle)
}

export const OPERATORS: Record<Target, Operator> = {
  'lockfile.name': lockfileName,
  'lockfile.version': lockfileVersion,
  'lockfile.integrity': lockfileIntegrity,
  'dist.integrity': distIntegrity,
  'dist.signatures': distSignatures,
  'dist.other': distOther,
  attestations,
  tarball,
  publishTime,
}

export function mutateEvidence(rng: Rng, target: Target, e: PackageEvidence, ctx: EvidenceMutationContext): EvidenceStep | null {
  const step = OPERATORS[target](rng, e, ctx)
  return step ? { target, ...step } : null
}
