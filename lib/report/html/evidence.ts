/**
 * What a page may say about a package's evidence and its build, read from verified facts only:
 * an evidence level for the chart and the table, and links to the source of a verified build. Pure.
 */
import type { PackageFacts, SignerIdentity } from '../../model/facts.js'
import { safeLink } from './escape.js'

/**
 * The strongest evidence verified for the bytes the lockfile pins, weakest first:
 * - `not-checked`: no facts (skipped, not from a registry, or evidence that could not be fetched);
 * - `none`: checked, but nothing verified (or the bytes do not match the lockfile's integrity);
 * - `signature`: a registry signature or npm publish attestation verified;
 * - `provenance`: SLSA provenance verified;
 * - `trusted-publisher`: verified provenance and the registry's trusted-publisher claim, as the
 *   install-scripts policy counts it (the claim alone, unsigned metadata, never counts).
 */
export type EvidenceLevel = 'not-checked' | 'none' | 'signature' | 'provenance' | 'trusted-publisher'

export const EVIDENCE_LEVELS: readonly EvidenceLevel[] = ['trusted-publisher', 'provenance', 'signature', 'none', 'not-checked']

export const EVIDENCE_LABELS: Record<EvidenceLevel, string> = {
  'trusted-publisher': 'trusted publisher',
  provenance: 'provenance',
  signature: 'registry signature',
  none: 'none verified',
  'not-checked': 'not checked',
}

export function evidenceLevel(facts: PackageFacts | undefined): EvidenceLevel {
  if (!facts) return 'not-checked'
  // Evidence about other bytes than the lockfile pins vouches for nothing that will be installed.
  if (facts.integrity.status !== 'verified') return 'none'
  if (facts.provenance.status === 'verified') return facts.publisher.trustedPublisher ? 'trusted-publisher' : 'provenance'
  if (facts.signature.status === 'verified' || facts.publish.status === 'verified') return 'signature'
  return 'none'
}

/** The identity of a verified build, or undefined when the provenance was not verified for these bytes. */
export function verifiedIdentity(facts: PackageFacts | undefined): SignerIdentity | undefined {
  if (!facts || facts.integrity.status !== 'verified' || facts.provenance.status !== 'verified') return undefined
  return facts.provenance.identity
}

export interface SourceLinks {
  repository?: string
  commit?: string
  workflow?: string
}

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'
const SEGMENT = /^[A-Za-z0-9_.-]+$/
const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

/**
 * Links to the repository, the commit and the workflow file of a verified build, on github.com or
 * gitlab.com only. Every part is checked before it is put in a URL: path segments of safe
 * characters only (no `..`), a full hexadecimal commit; anything else gives no link (the text is still
 * shown, escaped). The host comes from the signed repository URI, or for an `owner/name` repository
 * from a GitHub Actions certificate.
 */
export function sourceLinks(identity: SignerIdentity): SourceLinks {
  const repo = repositoryBase(identity)
  if (!repo) return {}
  const links: SourceLinks = { repository: safeLink(repo.url) }
  const commit = identity.commit && COMMIT.test(identity.commit) ? identity.commit : undefined
  if (commit) links.commit = safeLink(`${repo.url}${repo.host === 'gitlab.com' ? '/-' : ''}/commit/${commit}`)
  const workflow = identity.workflow?.split('/')
  if (commit && workflow && workflow.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')) {
    links.workflow = safeLink(`${repo.url}${repo.host === 'gitlab.com' ? '/-' : ''}/blob/${commit}/${workflow.join('/')}`)
  }
  return links
}

function repositoryBase(identity: SignerIdentity): { host: 'github.com' | 'gitlab.com'; url: string } | undefined {
  let uri = identity.repositoryUri
  if (!uri && identity.repository && identity.issuer === GITHUB_ISSUER) uri = `https://github.com/${identity.repository}`
  if (!uri) return undefined
  const m = /^(?:git\+)?https:\/\/(github\.com|gitlab\.com)\/(.+?)(?:\.git)?\/?$/.exec(uri)
  if (!m) return undefined
  const host = m[1] as 'github.com' | 'gitlab.com'
  const segments = m[2]!.split('/')
  // github.com: owner/name; gitlab.com: group[/subgroup…]/name.
  const shapeOk = host === 'github.com' ? segments.length === 2 : segments.length >= 2
  if (!shapeOk || !segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..' && s !== '-')) return undefined
  return { host, url: `https://${host}/${segments.join('/')}` }
}
