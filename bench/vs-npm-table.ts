/**
 * The bench's result (also its --json output) and the table printed from it, with the issue's
 * targets beside the measured values. A target is judged only on the world it was set for
 * (e.g. the cold ratio at 1,000 packages without added RTT); elsewhere its status says so.
 */
export interface ToolResult {
  medianMs: number
  runsMs: number[]
  peakRssBytes: number
  requestsPerPackage: number
}

export interface BenchResult {
  tree: number
  rounds: number
  rttMs: number
  node: string
  npm: string | null
  world: { signed: number; withProvenance: number; setupMs: number; lockfile: { by: 'npm' | 'direct'; ms: number }; npmCiMs: number | null }
  verifyDeps: { cold: ToolResult; warm: ToolResult; verdicts: {
      identicalRuns: number
      counts: Record<string, number>
      /** Decisions for the packages without a registry signature (npm lists them as missing). */
      unsigned: Record<string, number>
      /** Decisions for the signed packages without provenance. */
      withoutProvenance: Record<string, number>
      /** Signed packages with provenance: all pass in the world; any other verdict is listed in `unexpected`. */
      withProvenance: Record<string, number>
      /** Up to 10 packages whose verdict is not the world's (`name@version: decision [codes]`). */
      unexpected: string[]
    }
  } | null
  npmAuditSignatures: { cold: ToolResult; warm: ToolResult } | null
  /** npm median / verify-deps median. */
  ratios: { cold: number; warm: number } | null
  version: { medianMs: number; nodeMedianMs: number; spawns: number } | null
}

export interface TargetRow {
  what: string
  verifyDeps: string
  npm: string
  ratio: string
  target: string
  status: 'met' | 'NOT MET' | '' | 'other world'
}

const MB = 1e6
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
const megabytes = (bytes: number): string => `${(bytes / MB).toFixed(0)} MB`
const times = (r: number): string => `${r.toFixed(1)}×`

/** `holds` is judged only when `applies`. */
function status(applies: boolean, holds: boolean | undefined): TargetRow['status'] {
  if (holds === undefined) return ''
  return applies ? (holds ? 'met' : 'NOT MET') : 'other world'
}

export function targetRows(r: BenchResult): TargetRow[] {
  const vd = r.verifyDeps
  const npm = r.npmAuditSignatures
  const plain1000 = r.tree === 1000 && r.rttMs === 0
  const row = (what: string, pick: (t: { cold: ToolResult; warm: ToolResult }) => string, judged: Partial<TargetRow> = {}): TargetRow => ({
    what,
    verifyDeps: vd ? pick(vd) : '—',
    npm: npm ? pick(npm) : '—',
    ratio: '',
    target: '',
    status: '',
    ...judged,
  })
  const ratio = (kind: 'cold' | 'warm'): string => (r.ratios ? times(r.ratios[kind]) : '—')
  const rows: TargetRow[] = [
    row('cold (median)', (t) => seconds(t.cold.medianMs), {
      ratio: ratio('cold'),
      ...(r.rttMs > 0
        ? { target: '≤ 2.5 s at 500 packages, 25 ms RTT', status: status(r.tree === 500 && r.rttMs === 25, vd ? vd.cold.medianMs <= 2500 : undefined) }
        : { target: '≥ 8× at 1,000 packages', status: status(plain1000, r.ratios ? r.ratios.cold >= 8 : undefined) }),
    }),
    row('warm (median)', (t) => seconds(t.warm.medianMs), {
      ratio: ratio('warm'),
      ...(r.rttMs > 0 ? {} : { target: '≥ 100× at 1,000 packages', status: status(plain1000, r.ratios ? r.ratios.warm >= 100 : undefined) }),
    }),
    row('peak RSS cold', (t) => megabytes(t.cold.peakRssBytes), {
      target: '≤ 150 MB at 10,000 packages',
      status: status(r.tree === 10_000, vd ? vd.cold.peakRssBytes <= 150 * MB : undefined),
    }),
    row('peak RSS warm', (t) => megabytes(t.warm.peakRssBytes)),
    row('registry requests/package cold', (t) => t.cold.requestsPerPackage.toFixed(2)),
    row('registry requests/package warm', (t) => t.warm.requestsPerPackage.toFixed(2)),
  ]
  if (r.version) {
    rows.push({
      what: `--version (median of ${r.version.spawns})`,
      verifyDeps: `${r.version.medianMs.toFixed(0)} ms`,
      npm: `node -e 0: ${r.version.nodeMedianMs.toFixed(0)} ms`,
      ratio: '',
      target: '≤ 80 ms',
      status: status(true, r.version.medianMs <= 80),
    })
  }
  if (vd) {
    const c = vd.verdicts.counts
    rows.push({
      what: 'verdicts',
      verifyDeps: `identical in ${vd.verdicts.identicalRuns} runs`,
      npm: `pass ${c.pass ?? 0} warn ${c.warn ?? 0} fail ${c.fail ?? 0} skipped ${c.skipped ?? 0}`,
      ratio: '',
      target: 'identical',
      status: 'met',
    })
    rows.push({ what: '  unsigned (npm: missing)', verifyDeps: formatCounts(vd.verdicts.unsigned), npm: '', ratio: '', target: '', status: '' })
    rows.push({ what: '  signed, no provenance', verifyDeps: formatCounts(vd.verdicts.withoutProvenance), npm: '', ratio: '', target: '', status: '' })
    rows.push({ what: '  signed, with provenance', verifyDeps: formatCounts(vd.verdicts.withProvenance), npm: '', ratio: '', target: '', status: '' })
    for (const line of vd.verdicts.unexpected) rows.push({ what: '  NOT AS THE WORLD SAYS', verifyDeps: line, npm: '', ratio: '', target: '', status: '' })
  }
  return rows
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts).map(([decision, n]) => `${decision} ${n}`).join(', ') || 'none'
}

export function formatTable(r: BenchResult): string {
  const header: TargetRow = { what: '', verifyDeps: 'verify-deps', npm: 'npm audit signatures', ratio: 'npm/vd', target: 'target', status: '' }
  const rows = [header, ...targetRows(r)]
  const columns = ['what', 'verifyDeps', 'npm', 'ratio', 'target', 'status'] as const
  const widths = columns.map((c) => Math.max(...rows.map((row) => row[c].length)))
  const lines = rows.map((row) => columns.map((c, i) => row[c].padEnd(widths[i]!)).join('  ').trimEnd())
  const world =
    `${r.tree} packages (${r.world.signed} signed, ${r.world.withProvenance} with provenance), ` +
    `${r.rounds} round${r.rounds === 1 ? '' : 's'} each, ${r.rttMs ? `${r.rttMs} ms added per request (delay proxy)` : 'no added RTT'}; ` +
    `node ${r.node}${r.npm ? `, npm ${r.npm}` : ''}; lockfile by ${r.world.lockfile.by} in ${seconds(r.world.lockfile.ms)}`
  return `\n${world}\n\n${lines.join('\n')}\n`
}
