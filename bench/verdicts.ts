/**
 * Verdict identity across runs: each run's decision and finding codes for every package, from
 * verify-deps' JSON report. A cache that changed a verdict would make a warm run fast and wrong,
 * so the bench stops on any difference.
 */
export interface Verdicts {
  /** `name@version` → `decision [finding codes, sorted]` */
  byPackage: Map<string, string>
  counts: { total: number; pass: number; warn: number; fail: number; skipped: number }
}

interface ReportShape {
  summary: Verdicts['counts']
  packages: { name: string; version: string; decision: string; findings: { code: string }[] }[]
}

/** Reads a `verify-deps --json` report; throws unless it decided exactly `expectedTotal` packages. */
export function readVerdicts(stdout: string, expectedTotal: number): Verdicts {
  let report: ReportShape
  try {
    report = JSON.parse(stdout) as ReportShape
  } catch {
    throw new Error(`verify-deps printed no JSON report:\n${stdout.slice(0, 2000)}`)
  }
  if (!Array.isArray(report.packages) || typeof report.summary?.total !== 'number') throw new Error('verify-deps JSON report has no packages or summary')
  const byPackage = new Map<string, string>()
  for (const p of report.packages) {
    byPackage.set(`${p.name}@${p.version}`, `${p.decision} [${p.findings.map((f) => f.code).sort().join(' ')}]`)
  }
  if (byPackage.size !== expectedTotal || report.summary.total !== expectedTotal) {
    throw new Error(`verify-deps decided ${byPackage.size} packages (summary total ${report.summary.total}), the world has ${expectedTotal}`)
  }
  return { byPackage, counts: report.summary }
}

/** Throws, listing the first differences, unless every run decided every package as the first did. */
export function compareVerdicts(runs: readonly { label: string; verdicts: Verdicts }[]): void {
  const [first, ...rest] = runs
  if (!first) return
  const differences: string[] = []
  for (const run of rest) {
    const names = new Set([...first.verdicts.byPackage.keys(), ...run.verdicts.byPackage.keys()])
    for (const name of names) {
      const a = first.verdicts.byPackage.get(name)
      const b = run.verdicts.byPackage.get(name)
      if (a !== b) differences.push(`${name}: ${first.label} ${a ?? 'absent'}, ${run.label} ${b ?? 'absent'}`)
    }
  }
  if (differences.length) {
    throw new Error(`VERDICTS DIFFER between runs (${differences.length}):\n${differences.slice(0, 20).join('\n')}`)
  }
}

/** How many of `ids` (`name@version`) got each decision. */
export function decisionsOf(verdicts: Verdicts, ids: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const id of ids) {
    const decision = verdicts.byPackage.get(id)?.split(' ')[0] ?? 'absent'
    counts[decision] = (counts[decision] ?? 0) + 1
  }
  return counts
}
