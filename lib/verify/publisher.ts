/**
 * Publisher metadata from the registry's version document (`_npmUser`): the account, the trusted
 * publisher that published through OIDC, and the approver of a staged publish. No signature covers
 * any of it, so it is reported as registry metadata and never as verified.
 */
import type { PublisherFacts } from '../model/facts.js'

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined
}

export function readPublisher(npmUser: unknown): PublisherFacts {
  const u = (typeof npmUser === 'object' && npmUser !== null ? npmUser : {}) as Record<string, unknown>
  const facts: PublisherFacts = { source: 'registry-metadata' }
  const name = str(u.name)
  const email = str(u.email)
  if (name) facts.name = name
  if (email) facts.email = email
  const tp = u.trustedPublisher as Record<string, unknown> | undefined
  if (typeof tp === 'object' && tp !== null && str(tp.id)) {
    facts.trustedPublisher = { id: str(tp.id)!, ...(str(tp.oidcConfigId) ? { oidcConfigId: str(tp.oidcConfigId)! } : {}) }
  }
  const ap = u.approver
  if (typeof ap === 'string' && ap) {
    facts.approver = { name: ap }
  } else if (typeof ap === 'object' && ap !== null) {
    const a = ap as Record<string, unknown>
    const approver = { ...(str(a.name) ? { name: str(a.name) } : {}), ...(str(a.email) ? { email: str(a.email) } : {}) }
    if (approver.name || approver.email) facts.approver = approver
  }
  return facts
}
