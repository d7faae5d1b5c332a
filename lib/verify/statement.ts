/**
 * In-toto statements carried in npm attestations, and whether they are about the artifact being
 * verified. Everything here reads a DSSE payload whose signature has already been verified, but its
 * *content* is still the signer's claim: validate every field before use.
 *
 * Specs: in-toto Statement v0.1/v1 (https://github.com/in-toto/attestation/tree/main/spec),
 * npm publish attestation (https://github.com/npm/attestation/tree/main/specs/publish/v0.1),
 * npm's purl form `pkg:npm/<name>@<version>` with a scope's `@` percent-encoded (npm-package-arg toPurl).
 */
import { parseIntegrity } from '../model/integrity.js'

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json'
export const STATEMENT_TYPES = new Set(['https://in-toto.io/Statement/v0.1', 'https://in-toto.io/Statement/v1'])

export const PREDICATE_SLSA_V1 = 'https://slsa.dev/provenance/v1'
export const PREDICATE_SLSA_V02 = 'https://slsa.dev/provenance/v0.2'
export const PREDICATE_NPM_PUBLISH = 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1'
export const PROVENANCE_PREDICATE_TYPES = new Set([PREDICATE_SLSA_V1, PREDICATE_SLSA_V02])

export interface StatementSubject {
  name: string
  digest: Record<string, string>
}

export interface Statement {
  type: string
  subject: StatementSubject[]
  predicateType: string
  predicate: Record<string, unknown>
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string }

/** Parses a DSSE payload as an in-toto statement; rejects any other payload type. */
export function parseStatement(payloadType: string, payload: Buffer): ParseResult<Statement> {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return { ok: false, reason: `DSSE payload type is ${JSON.stringify(payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}` }
  }
  let doc: unknown
  try {
    doc = JSON.parse(payload.toString('utf8'))
  } catch {
    return { ok: false, reason: 'DSSE payload is not JSON' }
  }
  const s = doc as Record<string, unknown> | null
  if (typeof s !== 'object' || s === null) return { ok: false, reason: 'statement is not an object' }
  if (typeof s._type !== 'string' || !STATEMENT_TYPES.has(s._type)) {
    return { ok: false, reason: `unsupported statement type ${JSON.stringify(s._type)}` }
  }
  if (typeof s.predicateType !== 'string') return { ok: false, reason: 'statement has no predicateType' }
  if (typeof s.predicate !== 'object' || s.predicate === null || Array.isArray(s.predicate)) {
    return { ok: false, reason: 'statement has no predicate object' }
  }
  if (!Array.isArray(s.subject) || s.subject.length === 0) return { ok: false, reason: 'statement has no subject' }
  const subject: StatementSubject[] = []
  for (const raw of s.subject) {
    const sub = raw as { name?: unknown; digest?: unknown } | null
    if (typeof sub?.name !== 'string') return { ok: false, reason: 'statement subject has no name' }
    const digest = sub.digest
    if (typeof digest !== 'object' || digest === null || Array.isArray(digest)) {
      return { ok: false, reason: `subject ${sub.name} has no digest` }
    }
    const entries = Object.entries(digest)
    if (!entries.every(([, v]) => typeof v === 'string')) return { ok: false, reason: `subject ${sub.name} has a non-string digest` }
    subject.push({ name: sub.name, digest: Object.fromEntries(entries) as Record<string, string> })
  }
  return {
    ok: true,
    value: { type: s._type, subject, predicateType: s.predicateType, predicate: s.predicate as Record<string, unknown> },
  }
}

/** npm's purl for a registry package version (npm-package-arg's toPurl). */
export function npmPurl(name: string, version: string): string {
  return `pkg:npm/${name.replace(/^@/, '%40')}@${version}`
}

/**
 * The sha512 of an SRI integrity string as lowercase hex, or undefined unless it names exactly one
 * sha512 (parseIntegrity: total, for any string).
 */
export function sha512Hex(integrity: string): string | undefined {
  const parsed = parseIntegrity(integrity)
  return parsed.kind === 'sha512' ? Buffer.from(parsed.digest, 'base64').toString('hex') : undefined
}

/**
 * Checks the statement names exactly this package version and exactly the bytes being verified.
 * npm attestations carry one subject; more than one is not something npm makes, so it is refused
 * rather than searched (a second subject could otherwise smuggle in another artifact's claim).
 */
export function checkSubject(statement: Statement, name: string, version: string, integrity: string): string | undefined {
  if (statement.subject.length !== 1) return `statement has ${statement.subject.length} subjects; npm attestations have one`
  const [subject] = statement.subject as [StatementSubject]
  const expected = npmPurl(name, version)
  // npm adds ?repository_url=<registry> for packages published to a registry other than npmjs.org.
  const subjectName = subject.name.replace(/\?repository_url=[^#]*$/, '')
  if (subjectName !== expected) return `subject is ${subject.name}, expected ${expected}`
  const want = sha512Hex(integrity)
  if (!want) return `integrity ${JSON.stringify(integrity)} has no single sha512 to compare with the subject digest`
  const got = subject.digest.sha512?.toLowerCase()
  if (!got) return 'subject has no sha512 digest'
  if (got !== want) return `subject sha512 ${got.slice(0, 16)}… is not the integrity being verified (${want.slice(0, 16)}…)`
  return undefined
}

/** The npm publish predicate must name the same package and version as the subject. */
export function checkPublishPredicate(statement: Statement, name: string, version: string): string | undefined {
  const p = statement.predicate
  if (p.name !== name || p.version !== version) {
    return `publish predicate names ${String(p.name)}@${String(p.version)}, expected ${name}@${version}`
  }
  return undefined
}
