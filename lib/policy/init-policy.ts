/**
 * The policy `verify-deps init` writes (docs/trust-lockfile.md "verify-deps init"): one rule per
 * group of the locked packages — an npm scope (`@scope/*`), or for unscoped packages the owner of
 * the repository their verified provenance was built from (the rule lists their names) — with
 * `builds` entries made of the identities that verified. Pure: the observed packages in, YAML text
 * out. Only verified provenance shapes a rule: registry metadata and the identities of packages whose
 * verification failed are never written as allowed.
 */
import type { SignerIdentity } from '../model/facts.js'
import { failedVerification, type ObservedPackage } from '../model/trust-lockfile.js'
import { compareText } from '../model/text-order.js'
import { signerWorkflow } from './builds.js'

/** The written policy, and what it says about the packages. */
export interface InitPolicy {
  text: string
  rules: number
  /** Unscoped packages without verified provenance: no rule; the built-in default policy decides them. */
  unruled: string[]
  /** `name@version` of packages that failed verification: no policy can pass them. */
  failed: string[]
}

interface Group {
  /** `@scope/*`, or the repository owner (`owner`, or a source URI's parent) for unscoped packages. */
  key: string
  scoped: boolean
  names: Set<string>
  versions: ObservedPackage[]
}

const MAX_EXAMPLES = 3

/** The verified provenance identity of a package, if any. */
function identityOf(p: ObservedPackage): SignerIdentity | undefined {
  return !failedVerification(p) && p.facts?.provenance.status === 'verified' ? p.facts.provenance.identity : undefined
}

/** `owner` of `owner/name`; for a full source URI (not github.com) the URI of its parent. */
function ownerOf(repository: string): string {
  if (repository.includes('://')) return repository.replace(/\/[^/]*\/?$/, '')
  return repository.split('/')[0] ?? repository
}

/** Written as a JSON string: a valid YAML double-quoted scalar, whatever the (attacker-controlled) value holds. */
const q = (s: string): string => JSON.stringify(s)

/** Comment text: control characters (a newline would end the comment) become spaces. */
const comment = (s: string): string => s.replace(/[\p{Cc}\u2028\u2029]/gu, ' ')

/**
 * The `builds` entries allowing each verified identity of a group: one per issuer, repository owner,
 * workflow, runner and signing workflow seen; the repository exact when one was seen, else `owner/*`;
 * the ref `refs/tags/v*` when every build ran on a `v` tag (`refs/tags/*` on any tag; the ref itself
 * when only one was seen; else no ref).
 */
function buildsOf(identities: readonly SignerIdentity[]): string[][] {
  const entries = new Map<string, { identity: SignerIdentity; signer?: string; repos: Set<string>; refs: Set<string | undefined> }>()
  for (const identity of identities) {
    // A build whose signing workflow lives in another repository (a reusable workflow) matches only an entry naming it.
    const signer = signerWorkflow(identity)
    const outside = signer?.repositoryUri !== undefined && identity.repositoryUri !== undefined && normalize(signer.repositoryUri) !== normalize(identity.repositoryUri) ? signer.id : undefined
    const key = JSON.stringify([identity.issuer, identity.repository === undefined ? undefined : ownerOf(identity.repository), identity.workflow, identity.runner, outside])
    let entry = entries.get(key)
    if (!entry) entries.set(key, (entry = { identity, ...(outside !== undefined && { signer: outside }), repos: new Set(), refs: new Set() }))
    if (identity.repository !== undefined) entry.repos.add(identity.repository)
    entry.refs.add(identity.ref)
  }
  return [...entries.values()]
    .map(({ identity, signer, repos, refs }) => {
      const fields: string[] = []
      if (identity.issuer !== undefined) fields.push(`issuer: ${q(identity.issuer)}`)
      if (repos.size === 1) fields.push(`repository: ${q([...repos][0]!)}`)
      else if (repos.size > 1) fields.push(`repository: ${q(`${ownerOf([...repos][0]!)}/*`)}`)
      if (identity.workflow !== undefined) fields.push(`workflow: ${q(identity.workflow)}`)
      const ref = refPattern([...refs])
      if (ref !== undefined) fields.push(`ref: ${q(ref)}`)
      if (identity.runner !== undefined) fields.push(`runner: ${q(identity.runner)}`)
      if (signer !== undefined) fields.push(`signer: ${q(signer)}`)
      return fields
    })
    .sort((a, b) => compareText(a.join('\n'), b.join('\n')))
}

function normalize(uri: string): string {
  return uri.replace(/^git\+/, '').replace(/\.git$/, '').replace(/\/+$/, '')
}

function refPattern(refs: readonly (string | undefined)[]): string | undefined {
  if (refs.some((r) => r === undefined)) return undefined
  const all = refs as string[]
  // `*` in a pattern matches any run of characters but `/`: a tag with a slash would not match.
  if (all.every((r) => /^refs\/tags\/v[^/]*$/.test(r))) return 'refs/tags/v*'
  if (all.every((r) => /^refs\/tags\/[^/]+$/.test(r))) return 'refs/tags/*'
  return all.length === 1 && !all[0]!.includes('*') ? all[0] : undefined
}

/** Groups the locked registry packages by scope, or by the repository owner of their newest verified provenance. */
function groupsOf(observed: readonly ObservedPackage[]): { groups: Group[]; unruled: string[] } {
  const byName = new Map<string, ObservedPackage[]>()
  for (const p of observed) byName.set(p.name, [...(byName.get(p.name) ?? []), p])
  const groups = new Map<string, Group>()
  const unruled: string[] = []
  for (const [name, versions] of byName) {
    const scope = /^(@[^/]+)\//.exec(name)?.[1]
    let key: string
    if (scope) {
      key = `${scope}/*`
    } else {
      // The most recently locked version's verified build decides an unscoped package's group.
      const built = versions.map(identityOf).filter((i): i is SignerIdentity => i?.repository !== undefined)
      if (built.length === 0) {
        unruled.push(name)
        continue
      }
      key = ownerOf(built[built.length - 1]!.repository!)
    }
    const groupKey = `${scope ? 's' : 'o'}:${key}`
    let group = groups.get(groupKey)
    if (!group) groups.set(groupKey, (group = { key, scoped: Boolean(scope), names: new Set(), versions: [] }))
    group.names.add(name)
    group.versions.push(...versions)
  }
  const sorted = [...groups.values()].sort((a, b) => Number(b.scoped) - Number(a.scoped) || compareText(a.key, b.key))
  return { groups: sorted, unruled: unruled.sort(compareText) }
}

/** One rule's YAML, with a comment saying what was seen. */
function ruleText(group: Group): string[] {
  const names = [...group.names].sort(compareText)
  const identities = group.versions.map(identityOf).filter((i): i is SignerIdentity => i !== undefined)
  const proven = group.versions.filter((p) => identityOf(p) !== undefined).length
  const failed = group.versions.filter(failedVerification).length
  const everyProven = proven === group.versions.length
  const everySigned = group.versions.every((p) => !failedVerification(p) && p.facts?.signature.status === 'verified')
  const everyTrustedPublisher = everyProven && group.versions.every((p) => p.facts?.publisher.trustedPublisher !== undefined)
  const examples = names.slice(0, MAX_EXAMPLES).join(', ') + (names.length > MAX_EXAMPLES ? ', …' : '')
  const what = group.scoped ? group.key : `built from ${group.key}/*`
  const out = [
    `  # ${comment(what)}: ${names.length} package${names.length === 1 ? '' : 's'} (${comment(examples)}), ${group.versions.length} locked version${group.versions.length === 1 ? '' : 's'}; ` +
      `${everyProven ? 'every one' : `${proven}`} with verified provenance${everyTrustedPublisher ? ' from a trusted publisher' : ''}${failed ? `; ${failed} failed verification` : ''}.`,
  ]
  if (!everyProven) out.push('  # mode: warn, as not every version had verified provenance: raise it to enforce once they do.')
  out.push(`  - packages: [${group.scoped ? q(group.key) : names.map(q).join(', ')}]`, `    mode: ${everyProven ? 'enforce' : 'warn'}`, '    require:')
  if (identities.length > 0) out.push('      provenance: true')
  else out.push('      signature: true')
  if (everyTrustedPublisher) out.push('      trustedPublisher: true')
  const builds = buildsOf(identities)
  if (builds.length > 0) {
    out.push('    builds:')
    for (const fields of builds) out.push(...fields.map((f, i) => `${i === 0 ? '      - ' : '        '}${f}`))
  }
  // As the built-in default: a registry without signing keys is reported, not accepted (exit 3);
  // under `warn`, a missing signature stays an error when every version was signed.
  out.push('    severity:')
  if (!everyProven && everySigned) out.push('      SIGNATURE_MISSING: error')
  out.push('      SIGNATURE_UNSUPPORTED_BY_REGISTRY: warning')
  return out
}

/** The policy for the observed registry packages; `lockfile` names where they were read (for the header). */
export function initPolicy(observed: readonly ObservedPackage[], lockfile: string): InitPolicy {
  const { groups, unruled } = groupsOf(observed)
  const failed = observed.filter(failedVerification).map((p) => `${p.name}@${p.version}`).sort(compareText)
  const lines = [
    '# yaml-language-server: $schema=./node_modules/verify-deps/docs/policy.schema.json',
    `# verify-deps trust policy written by "verify-deps init" from the packages in ${comment(lockfile)}:`,
    '# one rule per npm scope, or per repository owner for unscoped packages, allowing the builds that',
    '# verified. Review it: every identity below was observed, not vouched for.',
    '# Reference: node_modules/verify-deps/docs/policy.md',
    'version: 1',
    '',
  ]
  if (unruled.length > 0) {
    const shown = unruled.slice(0, MAX_EXAMPLES).join(', ') + (unruled.length > MAX_EXAMPLES ? ', …' : '')
    lines.push(`# ${unruled.length} unscoped package${unruled.length === 1 ? '' : 's'} without verified provenance (${comment(shown)}): no rule; the built-in default policy decides them.`)
  }
  if (groups.length === 0) lines.push('rules: []')
  else lines.push('rules:', ...groups.flatMap(ruleText))
  lines.push('', 'exceptions: []', '', 'deny: []', '')
  return { text: lines.join('\n'), rules: groups.length, unruled, failed }
}
