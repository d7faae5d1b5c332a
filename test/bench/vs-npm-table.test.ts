// The bench's table: each target judged only on the world it was set for.
import t from 'tap'
import { formatTable, targetRows, type BenchResult, type ToolResult } from '../../bench/vs-npm-table.js'

const tool = (medianMs: number, peakRssBytes = 100e6): ToolResult => ({ medianMs, runsMs: [medianMs], peakRssBytes, requestsPerPackage: 1.8 })

function result(over: Partial<BenchResult> = {}): BenchResult {
  return {
    tree: 1000,
    rounds: 3,
    rttMs: 0,
    node: 'v20.0.0',
    npm: '11.0.0',
    world: { signed: 990, withProvenance: 820, setupMs: 1, lockfile: { by: 'npm', ms: 1 }, npmCiMs: 1 },
    verifyDeps: { cold: tool(1000), warm: tool(100), verdicts: { identicalRuns: 6, counts: { pass: 810, warn: 180, fail: 10, skipped: 0 }, unsigned: { fail: 10 }, withoutProvenance: { warn: 180 }, withProvenance: { pass: 810 }, unexpected: [] } },
    npmAuditSignatures: { cold: tool(9000), warm: tool(5000) },
    ratios: { cold: 9, warm: 50 },
    version: { medianMs: 70, nodeMedianMs: 45, spawns: 20 },
    ...over,
  }
}

const row = (r: BenchResult, what: string) => targetRows(r).find((x) => x.what.startsWith(what))!

t.test('judges the ratios at 1,000 packages without added RTT', async (t) => {
  t.equal(row(result(), 'cold').status, 'met')
  t.equal(row(result(), 'cold').ratio, '9.0×')
  t.equal(row(result(), 'warm').status, 'NOT MET')
  t.equal(row(result({ tree: 500 }), 'cold').status, 'other world')
  t.equal(row(result({ ratios: null, npmAuditSignatures: null }), 'cold').status, '')
})

t.test('lists the packages whose verdict is not the world\'s', async (t) => {
  const vd = result().verifyDeps!
  const r = result({ verifyDeps: { ...vd, verdicts: { ...vd.verdicts, unexpected: ['leaf-1@1.0.0: fail [FETCH_FAILED] (the world says pass)'] } } })
  t.match(targetRows(r).filter((x) => x.what.includes('NOT AS THE WORLD SAYS')).map((x) => x.verifyDeps), ['leaf-1@1.0.0: fail [FETCH_FAILED] (the world says pass)'])
  t.equal(targetRows(result()).filter((x) => x.what.includes('NOT AS THE WORLD SAYS')).length, 0)
})

t.test('judges the RTT target at 500 packages and 25 ms, peak RSS at 10,000', async (t) => {
  t.equal(row(result({ tree: 500, rttMs: 25 }), 'cold').status, 'met')
  t.equal(row(result({ tree: 500, rttMs: 25, verifyDeps: { ...result().verifyDeps!, cold: tool(2600) } }), 'cold').status, 'NOT MET')
  t.equal(row(result(), 'peak RSS cold').status, 'other world')
  t.equal(row(result({ tree: 10_000 }), 'peak RSS cold').status, 'met')
  t.equal(row(result({ tree: 10_000, verifyDeps: { ...result().verifyDeps!, cold: tool(1, 151e6) } }), 'peak RSS cold').status, 'NOT MET')
  t.equal(row(result({ version: { medianMs: 81, nodeMedianMs: 45, spawns: 20 } }), '--version').status, 'NOT MET')
})

t.test('prints the world and one line per row', async (t) => {
  const table = formatTable(result())
  t.match(table, /1000 packages \(990 signed, 820 with provenance\), 3 rounds each, no added RTT; node v20\.0\.0, npm 11\.0\.0/)
  t.match(table, /cold \(median\) +1\.00 s +9\.00 s +9\.0× +≥ 8× at 1,000 packages +met/)
  t.match(table, /verdicts +identical in 6 runs +pass 810 warn 180 fail 10 skipped 0/)
  t.match(table, /unsigned \(npm: missing\) +fail 10\n/)
})
