/**
 * The demo's plain-words account of its report: for each demo package, what happened and why,
 * with what the deciding policy rule says. The story comes from the package's role in the demo
 * world; every fact in it (who built it, which rule decided, which codes) is read from the report.
 * What a rule says comes from the policy's explain module (lib/policy/explain.ts). Only meaningful
 * once compareDemoOutcomes found nothing amiss. Pure.
 */
import type { PackageResult, Report } from '../model.js'
import { describeRule, ruleBodyOf } from '../policy/explain.js'
import type { Policy } from '../policy/types.js'
import { plainText } from '../report/describe.js'
import { DEMO_PACKAGES, type DemoPackage, type DemoRole } from './world.js'
import { compareText } from '../model/text-order.js'

const LABEL: Record<DemoRole, string> = {
  trusted: 'pass',
  'wrong-repository': 'BLOCKED',
  'no-provenance': 'WARN',
  tampered: 'FAIL',
  downgrade: 'BLOCKED',
}

/** Order of the account: passes first, then the packages the demo is about. */
const ROLE_ORDER: readonly DemoRole[] = ['trusted', 'wrong-repository', 'downgrade', 'no-provenance', 'tampered']

/** Lines are wrapped to this width (the text report's own lines may be longer: they hold digests). */
export const DEFAULT_WRAP_COLUMNS = 100

const INDENT = ' '.repeat(11)

export function formatDemoExplanation(report: Report, policy: Policy | null, packages: readonly DemoPackage[] = DEMO_PACKAGES): string {
  const lines = ['What happened, in plain words.', '', 'The policy (verify-deps.policy.yaml) says:']
  // rules[0], rules[1], …, then default: the order a reader finds them in the file.
  const rules = [...new Set(report.packages.map((p) => p.rule))].sort((a, b) => Number(a === 'default') - Number(b === 'default') || compareText(a, b))
  for (const rule of rules) lines.push(...wrap(`${keep(rule)}: ${describeRule(policy, rule)}.`, '  ', '    '))

  const results = packages.flatMap((pkg) => {
    const result = report.packages.find((p) => p.name === pkg.name && p.version === pkg.version)
    return result ? [{ role: pkg.role, result }] : []
  })
  // Passes: one line each, then what they have in common.
  const passes = results.filter((r) => r.role === 'trusted').map((r) => r.result)
  if (passes.length > 0) {
    const width = Math.max(...passes.map((p) => `${p.name}@${p.version}`.length))
    lines.push('')
    for (const p of passes) {
      const builder = plainText(p.facts?.provenance.identity?.repository ?? 'an unknown repository')
      lines.push(`  ${LABEL.trusted.padEnd(8)} ${plainText(`${p.name}@${p.version}`).padEnd(width)}  built by ${builder}, allowed by ${ruleName(p.rule)}`)
    }
    lines.push(...wrap(story('trusted', passes[0]!, policy), INDENT, INDENT))
  }
  for (const role of ROLE_ORDER.filter((r) => r !== 'trusted')) {
    for (const { result } of results.filter((r) => r.role === role)) {
      const codes = [...new Set(result.findings.filter((f) => f.severity !== 'info').map((f) => f.code))]
      lines.push('', `  ${LABEL[role].padEnd(8)} ${plainText(`${result.name}@${result.version}`)}${codes.length > 0 ? `   ${codes.join(', ')}` : ''}`)
      lines.push(...wrap(story(role, result, policy), INDENT, INDENT))
    }
  }
  return lines.join('\n') + '\n'
}

function story(role: DemoRole, p: PackageResult, policy: Policy | null): string {
  const builder = plainText(p.facts?.provenance.identity?.repository ?? 'an unknown repository')
  const rule = keep(ruleName(p.rule))
  const mode = ruleBodyOf(policy, p.rule)?.mode ?? 'enforce'
  switch (role) {
    case 'trusted':
      return 'Each is signed by the registry, and its signed provenance names a build its rule allows: the repository, the release workflow and the tag it was built from.'
    case 'wrong-repository': {
      const allowed = allowedRepositories(policy, p.rule)
      return (
        'Its signature and provenance are genuine: the registry and Sigstore vouch for these bytes. ' +
        `But the provenance says ${builder} built it, and ${rule} allows only builds from ${allowed}. ` +
        `A release built in a fork or a look-alike repository looks exactly like this. The rule's mode is ${mode}, ` +
        'so the package fails the check.' +
        (p.findings.some((f) => f.code === 'IDENTITY_CHANGED') ? ' The check also notes that the build identity changed from the release before it (IDENTITY_CHANGED).' : '')
      )
    }
    case 'no-provenance':
      return (
        'Signed by the registry, but published without provenance: nothing says which source or pipeline ' +
        `built it. ${capitalize(rule)} asks for provenance in mode ${mode}: reported, not blocked.`
      )
    case 'downgrade': {
      const before = p.trust?.history
      const earlier = before ? `${plainText(before.version)}, the release before it in its line,` : 'the release before it in its line'
      return (
        `Signed by the registry, so on its own it looks like any package without provenance. But ${earlier} had ` +
        'verified provenance from its release workflow, published by a trusted publisher; this one was published ' +
        `from a maintainer's account without any. That is how axios 1.14.1 looked after an account takeover in March 2026. ` +
        `${capitalize(rule)} enforces continuity, so the drop fails the check.`
      )
    }
    case 'tampered':
      return (
        "The pull request's lockfile records bytes other than the ones the registry signed and attested, which main " +
        'locks (its author installed an altered tarball, and the lockfile took its hash). Neither the signature nor the provenance ' +
        'vouches for those bytes: a validity failure, which fails whatever the policy says.'
      )
  }
}

function allowedRepositories(policy: Policy | null, label: string): string {
  const repositories = (ruleBodyOf(policy, label)?.builds ?? []).map((b) => b.repository).filter((r): r is string => r !== undefined)
  return repositories.length > 0 ? repositories.join(' or ') : 'the builds it lists'
}

function ruleName(label: string): string {
  return label === 'default' ? "the policy's default" : label
}

/** A rule label as one word for wrap (`rules[0] (@demo-org/*)` is not broken across lines). */
function keep(text: string): string {
  return text.replaceAll(' ', NBSP)
}

const NBSP = '\u00a0'

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** Greedy word wrap; `first` and `rest` are the indents of the first and following lines. */
function wrap(text: string, first: string, rest: string, columns = DEFAULT_WRAP_COLUMNS): string[] {
  const lines: string[] = []
  let line = first
  for (const word of text.split(' ')) {
    const indent = lines.length === 0 ? first : rest
    if (line.length > indent.length && line.length + 1 + word.length > columns) {
      lines.push(line)
      line = rest + word
    } else {
      line = line.length > indent.length ? `${line} ${word}` : line + word
    }
  }
  lines.push(line)
  return lines.map((l) => l.replaceAll(NBSP, ' '))
}

/** The pull request's changes, in a line: `updates @demo-org/config 1.0.2 → 1.0.3, …; records other bytes for …`. */
export function describePullRequest(packages: readonly DemoPackage[] = DEMO_PACKAGES): string {
  const updated = packages.filter((p) => p.mainVersion).map((p) => `${p.name} ${p.mainVersion} → ${p.version}`)
  const altered = packages.filter((p) => p.role === 'tampered').map((p) => `other bytes for ${p.name}@${p.version}`)
  return `updates ${updated.join(', ')}; records ${altered.join(', ')}`
}
