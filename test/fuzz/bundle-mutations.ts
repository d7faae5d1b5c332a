/**
 * Structural mutations of one Sigstore bundle (JSON, edited in place), each classified: `bound` when
 * it changes something a signature the verifier relies on covers (so the bundle must no longer
 * verify), unbound when it only touches material no signature covers (it may still verify).
 *
 * What is bound, field by field (Sigstore client spec; Rekor v1 SET; RFC 6962 proofs; DSSE PAE):
 *  - DSSE payload, payloadType and signature (PAE); message signature and digest;
 *  - the leaf certificate (the CA's signature; the log body names it), a key hint (selects the key);
 *  - each log entry's body, log id and kindVersion (must match the body), inclusion proof (index,
 *    size, root, hashes, signed checkpoint) and SET; integratedTime and logIndex only while a SET
 *    covers them;
 *  - RFC 3161 tokens (the TSA's signature over the bundle's signature).
 * Unbound: mediaType, DSSE keyid (a hint), certificates after the leaf (the trusted root decides the
 * chain), unknown fields, an integratedTime/logIndex with no SET, duplicated entries, removed optional
 * evidence (a SET next to a proof, a proof next to a SET, timestamps): such bundles may verify or not.
 */
import type { Json } from './bases.js'
import type { Rng } from './prng.js'

export interface BundleStep {
  kind: string
  path: string
  detail: string
  /** The mutation changed signed content: the bundle must not verify. */
  bound: boolean
}

type Role = 'b64' | 'text' | 'int' | 'node'
/** 'set' = bound only while the entry still has a signed entry timestamp. */
type Binding = 'bound' | 'unbound' | 'set'

interface FieldRule {
  pattern: RegExp
  role: Role
  binding: Binding
  /** How removing the field is classified, when it differs from `binding`. */
  removal?: Binding | 'last'
  /** DER-encoded: only the first TLV is content (bytes after it are read by no one and signed by no one). */
  der?: boolean
}

const E = String.raw`verificationMaterial\.tlogEntries\[\d+\]`
const RULES: FieldRule[] = [
  { pattern: /^mediaType$/, role: 'text', binding: 'unbound' },
  { pattern: /^dsseEnvelope$/, role: 'node', binding: 'bound' },
  { pattern: /^dsseEnvelope\.payload$/, role: 'b64', binding: 'bound' },
  { pattern: /^dsseEnvelope\.payloadType$/, role: 'text', binding: 'bound' },
  { pattern: /^dsseEnvelope\.signatures$/, role: 'node', binding: 'bound' },
  { pattern: /^dsseEnvelope\.signatures\[\d+\]$/, role: 'node', binding: 'bound' },
  { pattern: /^dsseEnvelope\.signatures\[\d+\]\.sig$/, role: 'b64', binding: 'bound', der: true },
  { pattern: /^dsseEnvelope\.signatures\[\d+\]\.keyid$/, role: 'text', binding: 'unbound' },
  { pattern: /^messageSignature$/, role: 'node', binding: 'bound' },
  { pattern: /^messageSignature\.signature$/, role: 'b64', binding: 'bound', der: true },
  { pattern: /^messageSignature\.messageDigest$/, role: 'node', binding: 'bound', removal: 'unbound' },
  { pattern: /^messageSignature\.messageDigest\.digest$/, role: 'b64', binding: 'bound' },
  { pattern: /^messageSignature\.messageDigest\.algorithm$/, role: 'text', binding: 'bound' },
  { pattern: /^verificationMaterial$/, role: 'node', binding: 'bound' },
  { pattern: /^verificationMaterial\.certificate$/, role: 'node', binding: 'bound' },
  { pattern: /^verificationMaterial\.certificate\.rawBytes$/, role: 'b64', binding: 'bound', der: true },
  { pattern: /^verificationMaterial\.x509CertificateChain$/, role: 'node', binding: 'bound' },
  { pattern: /^verificationMaterial\.x509CertificateChain\.certificates$/, role: 'node', binding: 'bound' },
  { pattern: /^verificationMaterial\.x509CertificateChain\.certificates\[0\]$/, role: 'node', binding: 'bound' },
  { pattern: /^verificationMaterial\.x509CertificateChain\.certificates\[0\]\.rawBytes$/, role: 'b64', binding: 'bound', der: true },
  { pattern: /^verificationMaterial\.x509CertificateChain\.certificates\[[1-9]\d*\](\.rawBytes)?$/, role: 'b64', binding: 'unbound' },
  { pattern: /^verificationMaterial\.publicKey$/, role: 'node', binding: 'bound' },
  { pattern: /^verificationMaterial\.publicKey\.hint$/, role: 'text', binding: 'bound' },
  { pattern: /^verificationMaterial\.tlogEntries$/, role: 'node', binding: 'bound' },
  { pattern: new RegExp(`^${E}$`), role: 'node', binding: 'bound', removal: 'last' },
  { pattern: new RegExp(`^${E}\\.logIndex$`), role: 'int', binding: 'set' },
  { pattern: new RegExp(`^${E}\\.logId(\\.keyId)?$`), role: 'b64', binding: 'bound' },
  { pattern: new RegExp(`^${E}\\.kindVersion(\\.kind|\\.version)?$`), role: 'text', binding: 'bound' },
  { pattern: new RegExp(`^${E}\\.integratedTime$`), role: 'int', binding: 'set' },
  { pattern: new RegExp(`^${E}\\.inclusionPromise$`), role: 'node', binding: 'bound', removal: 'unbound' },
  { pattern: new RegExp(`^${E}\\.inclusionPromise\\.signedEntryTimestamp$`), role: 'b64', binding: 'bound', der: true, removal: 'unbound' },
  { pattern: new RegExp(`^${E}\\.inclusionProof$`), role: 'node', binding: 'bound', removal: 'unbound' },
  { pattern: new RegExp(`^${E}\\.inclusionProof\\.(logIndex|treeSize)$`), role: 'int', binding: 'bound' },
  { pattern: new RegExp(`^${E}\\.inclusionProof\\.rootHash$`), role: 'b64', binding: 'bound' },
  { pattern: new RegExp(`^${E}\\.inclusionProof\\.hashes$`), role: 'node', binding: 'bound' },
  { pattern: new RegExp(`^${E}\\.inclusionProof\\.hashes\\[\\d+\\]$`), role: 'b64', binding: 'bound' },
  { pattern: new RegExp(`^${E}\\.inclusionProof\\.checkpoint(\\.envelope)?$`), role: 'text', binding: 'bound' },
  { pattern: new RegExp(`^${E}\\.canonicalizedBody$`), role: 'b64', binding: 'bound' },
  { pattern: /^verificationMaterial\.timestampVerificationData$/, role: 'node', binding: 'bound', removal: 'unbound' },
  { pattern: /^verificationMaterial\.timestampVerificationData\.rfc3161Timestamps$/, role: 'node', binding: 'bound', removal: 'unbound' },
  { pattern: /^verificationMaterial\.timestampVerificationData\.rfc3161Timestamps\[\d+\]$/, role: 'node', binding: 'bound', removal: 'unbound' },
  { pattern: /^verificationMaterial\.timestampVerificationData\.rfc3161Timestamps\[\d+\]\.signedTimestamp$/, role: 'b64', binding: 'bound', der: true },
]

interface Field {
  path: string
  parent: Json
  key: string | number
  value: Json
  rule: FieldRule | undefined
}

function ruleFor(path: string): FieldRule | undefined {
  return RULES.find((r) => r.pattern.test(path))
}

/** Every field of the bundle, depth first, with its rule. */
export function fieldsOf(root: Json): Field[] {
  const out: Field[] = []
  const walk = (node: Json, path: string) => {
    if (node === null || typeof node !== 'object') return
    for (const [k, v] of Object.entries(node)) {
      const key: string | number = Array.isArray(node) ? Number(k) : k
      const p = Array.isArray(node) ? `${path}[${k}]` : path ? `${path}.${k}` : k
      out.push({ path: p, parent: node, key, value: v, rule: ruleFor(p) })
      walk(v, p)
    }
  }
  walk(root, '')
  return out
}

function entryOf(root: Json, path: string): Json | undefined {
  const m = /^verificationMaterial\.tlogEntries\[(\d+)\]/.exec(path)
  return m ? root?.verificationMaterial?.tlogEntries?.[Number(m[1])] : undefined
}

function hasSet(entry: Json): boolean {
  const set = entry?.inclusionPromise?.signedEntryTimestamp
  return typeof set === 'string' && set.length > 0
}

function resolve(binding: Binding | 'last', root: Json, field: Field, ctx?: BundleMutationContext): boolean {
  // The caller's key choice wins over the bundle's hint (verifier.ts): the hint is then read by no one.
  if (ctx?.callerKeyHint && field.path.startsWith('verificationMaterial.publicKey')) return false
  switch (binding) {
    case 'bound':
      return true
    case 'unbound':
      return false
    case 'set':
      return hasSet(entryOf(root, field.path))
    case 'last':
      return Array.isArray(field.parent) && field.parent.length === 0
  }
}

// --- value edits ---------------------------------------------------------------------------------

const B64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const ODD_CHARS = ['-', '_', '=', '!', ' ', '\n', '.', 'é']

function decode(s: unknown): Buffer | undefined {
  return typeof s === 'string' ? Buffer.from(s, 'base64') : undefined
}

function editBase64(rng: Rng, value: string, donor: unknown): { value: Json; detail: string } {
  const bytes = Buffer.from(value, 'base64')
  const op = rng.pick(['flip-bit', 'replace-byte', 'truncate', 'extend', 'empty', 'raw-char', 'padding', 'donor', 'swap-halves'])
  switch (op) {
    case 'flip-bit': {
      if (bytes.length === 0) return { value: 'AA==', detail: 'empty → AA==' }
      const i = rng.int(bytes.length)
      const bit = 1 << rng.int(8)
      bytes[i]! ^= bit
      return { value: bytes.toString('base64'), detail: `flip-bit byte ${i} ^0x${bit.toString(16)}` }
    }
    case 'replace-byte': {
      if (bytes.length === 0) return { value: 'AQ==', detail: 'empty → AQ==' }
      const i = rng.int(bytes.length)
      const b = rng.int(256)
      bytes[i] = b
      return { value: bytes.toString('base64'), detail: `replace-byte ${i}=0x${b.toString(16)}` }
    }
    case 'truncate': {
      const n = 1 + rng.int(Math.max(1, Math.min(32, bytes.length)))
      const fromStart = rng.chance(0.3)
      return { value: (fromStart ? bytes.subarray(n) : bytes.subarray(0, Math.max(0, bytes.length - n))).toString('base64'), detail: `truncate ${n} bytes from the ${fromStart ? 'start' : 'end'}` }
    }
    case 'extend': {
      const n = 1 + rng.int(8)
      const extra = Buffer.from(Array.from({ length: n }, () => rng.int(256)))
      return { value: Buffer.concat([bytes, extra]).toString('base64'), detail: `append ${n} bytes` }
    }
    case 'empty':
      return { value: '', detail: 'empty string' }
    case 'raw-char': {
      const i = rng.int(Math.max(1, value.length))
      const c = rng.chance(0.7) ? rng.pick([...B64_CHARS]) : rng.pick(ODD_CHARS)
      return { value: value.slice(0, i) + c + value.slice(i + 1), detail: `raw char ${i} → ${JSON.stringify(c)}` }
    }
    case 'padding':
      return value.endsWith('=') ? { value: value.replace(/=+$/, ''), detail: 'strip padding' } : { value: `${value}=`, detail: 'add padding' }
    case 'donor':
      return typeof donor === 'string' ? { value: donor, detail: 'value from another bundle' } : { value: Buffer.from('not the original').toString('base64'), detail: 'unrelated bytes' }
    default: {
      const half = bytes.length >> 1
      return { value: Buffer.concat([bytes.subarray(half), bytes.subarray(0, half)]).toString('base64'), detail: 'swap halves' }
    }
  }
}

const TEXT_DICTIONARY: Record<string, string[]> = {
  mediaType: [
    'application/vnd.dev.sigstore.bundle+json;version=0.1',
    'application/vnd.dev.sigstore.bundle+json;version=0.2',
    'application/vnd.dev.sigstore.bundle+json;version=0.3',
    'application/vnd.dev.sigstore.bundle.v0.3+json',
    'application/vnd.dev.sigstore.bundle+json;version=0.4',
  ],
  payloadType: ['application/vnd.in-toto+json', 'application/vnd.in-toto+json; charset=utf-8', 'application/json', 'text/plain'],
  kind: ['intoto', 'dsse', 'hashedrekord', 'rekord'],
  version: ['0.0.1', '0.0.2', '0.0.3', '0.0.10'],
  keyid: ['', 'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA', 'SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U', 'key.pub'],
  hint: ['', 'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA', 'SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U', 'key.pub'],
  algorithm: ['SHA2_256', 'SHA2_384', 'SHA2_512', 'HASH_ALGORITHM_UNSPECIFIED'],
}

function editText(rng: Rng, key: string, value: string, donor: unknown): { value: Json; detail: string } {
  const words = TEXT_DICTIONARY[key] ?? []
  const op = rng.pick(['char', 'append', 'prepend-space', 'upper', 'lower', 'empty', 'dictionary', 'donor', 'line'])
  switch (op) {
    case 'char': {
      const i = rng.int(Math.max(1, value.length))
      const c = rng.pick([...'abcXYZ019+/=-_ .\n'])
      return { value: value.slice(0, i) + c + value.slice(i + 1), detail: `char ${i} → ${JSON.stringify(c)}` }
    }
    case 'append':
      return { value: `${value}${rng.pick(['x', ' ', '\n', '\u0000'])}`, detail: 'append a character' }
    case 'prepend-space':
      return { value: ` ${value}`, detail: 'leading space' }
    case 'upper':
      return { value: value.toUpperCase(), detail: 'upper case' }
    case 'lower':
      return { value: value.toLowerCase(), detail: 'lower case' }
    case 'empty':
      return { value: '', detail: 'empty string' }
    case 'dictionary':
      return words.length ? ((w) => ({ value: w, detail: `→ ${JSON.stringify(w)}` }))(rng.pick(words)) : { value: `${value}-other`, detail: 'suffix' }
    case 'donor':
      return typeof donor === 'string' ? { value: donor, detail: 'value from another bundle' } : { value: `${value}.`, detail: 'suffix' }
    default: {
      // Line-oriented formats (checkpoints): drop, duplicate or swap a line.
      const lines = value.split('\n')
      const i = rng.int(lines.length)
      const how = rng.pick(['drop', 'duplicate', 'swap'])
      if (how === 'drop') lines.splice(i, 1)
      else if (how === 'duplicate') lines.splice(i, 0, lines[i]!)
      else if (lines.length > 1) [lines[i], lines[(i + 1) % lines.length]] = [lines[(i + 1) % lines.length]!, lines[i]!]
      return { value: lines.join('\n'), detail: `${how} line ${i}` }
    }
  }
}

function parsedInt(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v)
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v)
  return undefined
}

function editInt(rng: Rng, value: Json, hints: number[]): { value: Json; detail: string } {
  const n = parsedInt(value) ?? 0n
  const candidates: [string, Json][] = [
    ['+1', (n + 1n).toString()],
    ['-1', (n - 1n).toString()],
    ['+1 day', (n + 86_400n).toString()],
    ['-1 year', (n - 31_536_000n).toString()],
    ['zero', '0'],
    ['negative', '-1'],
    ['2^63', (2n ** 63n).toString()],
    ['2^64', (2n ** 64n).toString()],
    ['float', `${n}.5`],
    ['exponent', '1e3'],
    ['hex', `0x${n.toString(16)}`],
    ['empty', ''],
    ['junk', 'abc'],
    ['leading zero', `0${n}`],
    ['as number', Number(n)],
    ['far future', String(Math.floor(Date.now() / 1000) + 10 * 365 * 86_400)],
  ]
  for (const h of hints) candidates.push([`hint ${new Date(h * 1000).toISOString()}`, String(h)])
  const [detail, v] = rng.pick(candidates)
  return { value: v, detail }
}

/** The first DER TLV of `bytes` (tag, definite length, value), or all of them if it cannot be read. */
export function firstTLV(bytes: Buffer): Buffer {
  if (bytes.length < 2) return bytes
  let length = bytes[1]!
  let header = 2
  if (length & 0x80) {
    const n = length & 0x7f
    if (n === 0 || n > 4 || bytes.length < 2 + n) return bytes
    length = 0
    for (let i = 0; i < n; i++) length = length * 256 + bytes[2 + i]!
    header = 2 + n
  }
  return header + length <= bytes.length ? bytes.subarray(0, header + length) : bytes
}

interface TLV {
  tag: number
  start: number
  /** Offset of the value. */
  value: number
  end: number
}

function readTLV(bytes: Buffer, at: number): TLV | undefined {
  if (at + 2 > bytes.length) return undefined
  let length = bytes[at + 1]!
  let value = at + 2
  if (length & 0x80) {
    const n = length & 0x7f
    if (n === 0 || n > 4) return undefined
    length = 0
    for (let i = 0; i < n; i++) length = length * 256 + (bytes[at + 2 + i] ?? 0)
    value += n
  }
  return value + length <= bytes.length ? { tag: bytes[at]!, start: at, value, end: value + length } : undefined
}

function children(bytes: Buffer, parent: TLV): TLV[] {
  const out: TLV[] = []
  for (let at = parent.value; at < parent.end; ) {
    const c = readTLV(bytes, at)
    if (!c) return out
    out.push(c)
    at = c.end
  }
  return out
}

/**
 * The byte range of the `certificates` bag of an RFC 3161 response's SignedData (RFC 5652 §5.1):
 * a convenience copy of certificates that no signature covers (the trusted root names the TSA).
 * TimeStampResp → timeStampToken (ContentInfo) → [0] → SignedData → [0] certificates.
 */
function unsignedCertificateBag(bytes: Buffer): [number, number] | undefined {
  const resp = readTLV(bytes, 0)
  const token = resp && children(bytes, resp)[1]
  const explicit = token && children(bytes, token)[1]
  const signedData = explicit && children(bytes, explicit)[0]
  const bag = signedData && children(bytes, signedData).find((c) => c.tag === 0xa0)
  return bag ? [bag.start, bag.end] : undefined
}

/** Whether an edited value still encodes the same content as the original, for each role. */
function sameContent(role: Role, before: unknown, after: unknown, der = false, path = ''): boolean {
  if (role === 'b64') {
    const a = decode(before)
    const b = decode(after)
    if (a === undefined || b === undefined) return false
    if (path.endsWith('signedTimestamp') && a.length === b.length) {
      const bag = unsignedCertificateBag(a)
      const differs = [...a.keys()].filter((i) => a[i] !== b[i])
      if (bag && differs.every((i) => i >= bag[0] && i < bag[1])) return true
    }
    return der ? firstTLV(a).equals(firstTLV(b)) : a.equals(b)
  }
  if (role === 'int') {
    const a = parsedInt(before)
    const b = parsedInt(after)
    return a !== undefined && a === b
  }
  return JSON.stringify(before) === JSON.stringify(after)
}

function donorValue(donor: Json, path: string): Json {
  let node = donor
  for (const part of path.split(/\.|\[|\]/).filter(Boolean)) {
    if (node === null || typeof node !== 'object') return undefined
    node = node[/^\d+$/.test(part) ? Number(part) : part]
  }
  return node
}

// --- operators -----------------------------------------------------------------------------------

export interface BundleMutationContext {
  donors: readonly Json[]
  timeHints: readonly number[]
  /** The verifier is told which key to use (policy.publicKeyHint), so the bundle's hint is not read. */
  callerKeyHint?: boolean
}

type Operator = (rng: Rng, bundle: Json, ctx: BundleMutationContext) => BundleStep | null

const editLeaf: Operator = (rng, bundle, ctx) => {
  const leaves = fieldsOf(bundle).filter((f) => f.rule && f.rule.role !== 'node' && typeof f.value === 'string')
  if (leaves.length === 0) return null
  const f = rng.pick(leaves)
  const rule = f.rule!
  const donor = ctx.donors.length ? donorValue(rng.pick(ctx.donors), f.path) : undefined
  const before = f.value
  const edited =
    rule.role === 'b64'
      ? editBase64(rng, before, donor)
      : rule.role === 'int'
        ? editInt(rng, before, f.path.endsWith('integratedTime') ? [...ctx.timeHints] : [])
        : editText(rng, String(f.key), before, donor)
  if (sameContent('text', before, edited.value)) return null
  f.parent[f.key] = edited.value
  const bound = resolve(rule.binding, bundle, f, ctx) && !sameContent(rule.role, before, edited.value, rule.der, f.path)
  return { kind: `${rule.role}-edit`, path: f.path, detail: edited.detail, bound }
}

const removeField: Operator = (rng, bundle, ctx) => {
  const fields = fieldsOf(bundle)
  if (fields.length === 0) return null
  const f = rng.pick(fields)
  if (Array.isArray(f.parent)) f.parent.splice(f.key as number, 1)
  else delete f.parent[f.key]
  const rule = f.rule
  // An absent integer reads as 0 and an absent list as empty (proto3 JSON): removing either changes nothing.
  const zero = (rule?.role === 'int' && parsedInt(f.value) === 0n) || (Array.isArray(f.value) && f.value.length === 0)
  const bound = rule && !zero ? resolve(rule.removal ?? rule.binding, bundle, f, ctx) : false
  return { kind: 'remove', path: f.path, detail: 'removed', bound }
}

const RETYPES: [string, Json][] = [
  ['object', {}],
  ['array', []],
  ['boolean', true],
  ['number', 12345],
  ['string', 'x'],
  ['null', null],
]

const retypeField: Operator = (rng, bundle, ctx) => {
  const fields = fieldsOf(bundle)
  if (fields.length === 0) return null
  const f = rng.pick(fields)
  const [type, value] = rng.pick(RETYPES)
  if (JSON.stringify(value) === JSON.stringify(f.value)) return null
  f.parent[f.key] = structuredClone(value)
  const rule = f.rule
  // null reads as an absent field; other types destroy the field's content.
  const zero = rule?.role === 'int' && parsedInt(f.value) === 0n && type === 'null'
  const bound =
    !rule || zero
      ? false
      : type === 'null' || rule.role === 'node'
        ? resolve(rule.removal ?? rule.binding, bundle, f, ctx)
        : resolve(rule.binding, bundle, f, ctx) && !sameContent(rule.role, f.value, value)
  return { kind: 'retype', path: f.path, detail: `→ ${type}`, bound }
}

const duplicateElement: Operator = (rng, bundle) => {
  const arrays = fieldsOf(bundle).filter((f) => Array.isArray(f.value) && f.value.length > 0)
  if (arrays.length === 0) return null
  const f = rng.pick(arrays)
  const i = rng.int(f.value.length)
  const at = rng.int(f.value.length + 1)
  f.value.splice(at, 0, structuredClone(f.value[i]))
  // A repeated proof hash changes the proof; any other repeated element adds nothing new.
  const bound = /inclusionProof\.hashes$/.test(f.path)
  return { kind: 'duplicate', path: `${f.path}[${i}]`, detail: `copy inserted at ${at}`, bound }
}

const addUnknownField: Operator = (rng, bundle) => {
  const objects = [{ path: '', value: bundle }, ...fieldsOf(bundle).filter((f) => f.value && typeof f.value === 'object' && !Array.isArray(f.value))]
  const o = rng.pick(objects)
  const key = rng.pick(['extra', '__proto__x', 'verified', 'trusted', 'integratedTimeOverride'])
  if (key in o.value) return null
  o.value[key] = rng.pick([true, 'yes', 1, { a: 1 }])
  return { kind: 'add-unknown-field', path: o.path ? `${o.path}.${key}` : key, detail: 'added', bound: false }
}

const SUBTREES = [
  'dsseEnvelope',
  'messageSignature',
  'verificationMaterial',
  'verificationMaterial.certificate',
  'verificationMaterial.x509CertificateChain',
  'verificationMaterial.tlogEntries',
  'verificationMaterial.tlogEntries[0]',
  'verificationMaterial.tlogEntries[0].inclusionProof',
  'verificationMaterial.tlogEntries[0].inclusionPromise',
  'verificationMaterial.tlogEntries[0].canonicalizedBody',
  'verificationMaterial.timestampVerificationData',
]

function hasContent(value: Json): boolean {
  if (value === null || value === undefined) return false
  if (typeof value === 'string') return value.length > 0
  if (typeof value !== 'object') return true
  return Object.values(value).some(hasContent)
}

const swapWithDonor: Operator = (rng, bundle, ctx) => {
  if (ctx.donors.length === 0) return null
  const donor = rng.pick(ctx.donors)
  const path = rng.pick(SUBTREES)
  const theirs = donorValue(donor, path)
  const ours = donorValue(bundle, path)
  if (theirs === undefined || JSON.stringify(theirs) === JSON.stringify(ours)) return null
  const parts = path.split(/\.|\[|\]/).filter(Boolean)
  const last = parts.pop()!
  const parent = parts.length ? donorValue(bundle, parts.join('.')) : bundle
  if (!parent || typeof parent !== 'object') return null
  parent[/^\d+$/.test(last) ? Number(last) : last] = structuredClone(theirs)
  // Another bundle's evidence is about another signature: a change of signed content, unless what
  // was taken is empty (e.g. {rfc3161Timestamps: []}), which only removes optional evidence.
  const bound = hasContent(theirs) || !/timestampVerificationData|inclusionPromise|inclusionProof/.test(path)
  return { kind: 'swap-donor', path, detail: `taken from another bundle${hasContent(theirs) ? '' : ' (empty)'}`, bound }
}

/**
 * Item 21's shape: drop the signed entry timestamp, then write integratedTime (or add one to an
 * entry that had none). integratedTime is then unsigned and must not decide anything.
 */
const rewriteUnsignedTime: Operator = (rng, bundle, ctx) => {
  const entries: Json[] = bundle?.verificationMaterial?.tlogEntries ?? []
  if (!Array.isArray(entries) || entries.length === 0) return null
  const i = rng.int(entries.length)
  const entry = entries[i]
  if (!entry || typeof entry !== 'object') return null
  const hadSet = entry.inclusionPromise !== undefined
  delete entry.inclusionPromise
  const hints = ctx.timeHints.length ? ctx.timeHints : [0]
  const t = rng.chance(0.8) ? rng.pick(hints) : Number(parsedInt(entry.integratedTime) ?? 0n) + rng.pick([-86_400, 1, 86_400])
  entry.integratedTime = String(t)
  return {
    kind: 'unsigned-integrated-time',
    path: `verificationMaterial.tlogEntries[${i}].integratedTime`,
    detail: `${hadSet ? 'SET dropped, ' : ''}integratedTime → ${new Date(t * 1000).toISOString()}`,
    bound: false,
  }
}

const OPERATORS: [Operator, number][] = [
  [editLeaf, 55],
  [removeField, 12],
  [retypeField, 10],
  [duplicateElement, 5],
  [addUnknownField, 3],
  [swapWithDonor, 8],
  [rewriteUnsignedTime, 7],
]

/** Applies one mutation to `bundle` in place; null when the drawn mutation did not apply. */
export function mutateBundle(rng: Rng, bundle: Json, ctx: BundleMutationContext): BundleStep | null {
  const total = OPERATORS.reduce((s, [, w]) => s + w, 0)
  let r = rng.int(total)
  for (const [op, w] of OPERATORS) {
    if ((r -= w) < 0) return op(rng, bundle, ctx)
  }
  return null
}
