/**
 * Whether the demo showed what it is meant to show: each demo package in the report with the
 * decision and finding codes its role expects (lib/demo/world.ts), and nothing else. Pure. A
 * difference means the demo world or the pipeline changed: `verify-deps demo` then fails.
 */
import type { Report } from '../model.js'
import { DEMO_PACKAGES, EXPECTED_OUTCOMES, type DemoPackage } from './world.js'

/** Each way the report differs from the intended outcomes, as a sentence; empty when it matches. */
export function compareDemoOutcomes(report: Report, packages: readonly DemoPackage[] = DEMO_PACKAGES): string[] {
  const problems: string[] = []
  const ids = new Set(packages.map((p) => `${p.name}@${p.version}`))
  for (const pkg of packages) {
    const id = `${pkg.name}@${pkg.version}`
    const expected = EXPECTED_OUTCOMES[pkg.role]
    const result = report.packages.find((p) => p.name === pkg.name && p.version === pkg.version)
    if (!result) {
      problems.push(`${id} (${pkg.role}) is not in the report`)
      continue
    }
    if (result.decision !== expected.decision) {
      const codes = result.findings.map((f) => f.code).join(', ') || 'no findings'
      problems.push(`${id} (${pkg.role}) was expected to ${expected.decision}, but it ended as ${result.decision} (${codes})`)
    }
    const codes = new Set(result.findings.map((f) => f.code))
    const missing = expected.codes.filter((c) => !codes.has(c))
    if (missing.length > 0) problems.push(`${id} (${pkg.role}) lacks the expected finding ${missing.join(', ')}`)
  }
  return [...problems, ...strayProblems(report, ids, '')]
}

/**
 * Whether the check of the main branch (`verify-deps demo --init`, with the policy init wrote from
 * it) passed as a known-good state must: each demo package at the version main locks, none failing,
 * nothing else, and all evidence fetched. Each difference as a sentence; empty when it passed.
 */
export function compareMainOutcomes(report: Report, packages: readonly DemoPackage[] = DEMO_PACKAGES): string[] {
  const problems: string[] = []
  const ids = new Set(packages.map((p) => `${p.name}@${p.mainVersion ?? p.version}`))
  for (const id of ids) {
    const result = report.packages.find((p) => `${p.name}@${p.version}` === id)
    if (!result) problems.push(`main: ${id} is not in the report`)
    else if (result.decision === 'fail') problems.push(`main: ${id} fails (${result.findings.filter((f) => f.severity === 'error').map((f) => f.code).join(', ')})`)
  }
  return [...problems, ...strayProblems(report, ids, 'main: ')]
}

/** What both comparisons also check: no package outside the demo world (`ids`), and every piece of evidence fetched. */
function strayProblems(report: Report, ids: ReadonlySet<string>, prefix: string): string[] {
  const problems = report.packages.filter((p) => !ids.has(`${p.name}@${p.version}`)).map((p) => `${prefix}${p.name}@${p.version} is in the report but not in the demo world`)
  if (report.couldNotVerify) problems.push(`${prefix}some evidence could not be fetched from the demo registry`)
  return problems
}
