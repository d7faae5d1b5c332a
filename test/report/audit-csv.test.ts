// `audit report --format csv`: every figure of the metrics document as a `metric,value` row, RFC 4180
// quoting, and no cell a spreadsheet would run as a formula — over a generated population's truth
// and over hostile issuers, runners and package names.
import t from 'tap'
import { AUDIT_CSV_HEADER, csvField, csvRecord, formatAuditMetricsCsv } from '../../lib/report/audit-csv.js'
import type { AuditMetrics } from '../../lib/model/audit-metrics.js'
import { hostileInput, HOSTILE_ISSUER, HOSTILE_PACKAGE, HOSTILE_REGISTRY, HOSTILE_RUNNER, populationInput } from './audit-fixtures.js'

/** A plain RFC 4180 reader (quoted fields, doubled quotes, CRLF records), written apart from the writer. */
function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let field = ''
  let record: string[] = []
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') record.push(field), (field = '')
    else if (c === '\r' && text[i + 1] === '\n') record.push(field), records.push(record), (record = []), (field = ''), i++
    else field += c
  }
  if (field !== '' || record.length > 0) throw new Error('the last record does not end with CRLF')
  return records
}

/** The document's figures as `metric → value` text, walked from the JSON itself (a second way to the same paths). */
function expectedRows(m: AuditMetrics): Map<string, string> {
  const rows = new Map<string, string>()
  const walk = (prefix: string, value: unknown): void => {
    if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(prefix === '' ? k : `${prefix}.${k}`, v)
    else rows.set(prefix, String(value))
  }
  const { issuers, runners, monthly, continuity, ...rest } = m
  walk('', rest)
  for (const [k, v] of Object.entries(issuers)) rows.set(`issuers[${k}]`, String(v))
  for (const [k, v] of Object.entries(runners)) rows.set(`runners[${k}]`, String(v))
  for (const x of monthly) for (const k of ['versions', 'provenance', 'trustedPublisher'] as const) rows.set(`monthly[${x.month}].${k}`, String(x[k]))
  walk('continuity.afterFirstProvenance', continuity.afterFirstProvenance)
  continuity.downgrades.forEach((d, i) => walk(`continuity.downgrades[${i}]`, d))
  return rows
}

t.test('csvField: RFC 4180 quoting; a formula start gets a leading quote; numbers as they are', async (t) => {
  t.equal(csvField('plain'), 'plain')
  t.equal(csvField('a,b'), '"a,b"')
  t.equal(csvField('say "hi"'), '"say ""hi"""')
  t.equal(csvField('two\nlines'), '"two\nlines"')
  t.equal(csvField('cr\r'), '"cr\r"')
  for (const start of ['=', '+', '-', '@', '\t', '\r']) t.equal(csvField(`${start}1+1`).replace(/^"/, '').startsWith(`'${start}`), true, `a field starting with ${JSON.stringify(start)} is neutralised`)
  t.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`)
  t.equal(csvField('@scope/pkg-1.x_y~z'), '@scope/pkg-1.x_y~z', 'a scoped package name is kept exact: it cannot be a formula')
  for (const v of ['@SUM(1+1)', '@scope/x(1)', '@a/b|c', '@a/b!A1', '@Scope/pkg', '@/x', '@a/']) t.equal(csvField(v).replace(/^"/, '')[0], "'", `${v} is neutralised`)
  t.equal(csvField(-3), '-3', 'a number is a number, never neutralised')
  t.equal(csvField(0.5), '0.5')
  t.equal(csvField(true), 'true')
  t.equal(csvRecord(['a', 1, 'b,c']), 'a,1,"b,c"\r\n')
})

t.test('every figure of a generated population is one row, in the document order, and reads back the same', async (t) => {
  const { metrics } = populationInput({ packages: 80 })
  const csv = formatAuditMetricsCsv(metrics)
  t.ok(csv.endsWith('\r\n'))
  t.notMatch(csv.replace(/\r\n/g, ''), /[\r\n]/, 'no bare line break')
  const [header, ...rows] = parseCsv(csv)
  t.same(header, AUDIT_CSV_HEADER)
  for (const r of rows) t.equal(r.length, 2, `${r[0]}: two fields`)
  const expected = expectedRows(metrics)
  t.same(new Map(rows.map((r) => [r[0]!, r[1]!])), expected, 'the same figures as the JSON document')
  t.equal(rows.length, expected.size, 'each once')
  t.ok(metrics.downloads && metrics.continuity.downgrades.length > 0 && Object.keys(metrics.issuers).length === 2, 'downloads, downgrades and two issuers are covered')
  t.same(rows.slice(0, 3), [['schemaVersion', '1'], ['generatedAt', metrics.generatedAt], ['registry', metrics.registry]])
  t.same(rows.find((r) => r[0] === 'issuers[https://token.actions.githubusercontent.com]'), ['issuers[https://token.actions.githubusercontent.com]', String(metrics.issuers['https://token.actions.githubusercontent.com'])], 'a key with dots stays one key')
  t.equal(formatAuditMetricsCsv(metrics), csv, 'deterministic')
})

t.test('without download figures there are no downloads rows', async (t) => {
  const { metrics } = populationInput({ packages: 30, downloads: false })
  const rows = parseCsv(formatAuditMetricsCsv(metrics))
  t.notOk(rows.some((r) => r[0]!.startsWith('downloads')))
  t.same(new Map(rows.slice(1).map((r) => [r[0]!, r[1]!])), expectedRows(metrics))
})

t.test('hostile issuers, runners, names and registry: quoted, never a formula, read back exactly', async (t) => {
  const { metrics } = hostileInput()
  const csv = formatAuditMetricsCsv(metrics)
  const rows = parseCsv(csv)
  for (const [metric, value] of rows) {
    t.notMatch(metric!, /^[=+\-@\t\r]/, `metric ${JSON.stringify(metric)} is not a formula`)
    t.notMatch(value!, /^[=+\-@\t\r]/, `value ${JSON.stringify(value)} is not a formula`)
  }
  const value = (metric: string) => rows.find((r) => r[0] === metric)?.[1]
  t.equal(value('registry'), HOSTILE_REGISTRY)
  t.equal(value('continuity.downgrades[0].package'), HOSTILE_PACKAGE)
  t.equal(rows.find((r) => r[0]!.startsWith('issuers['))![0], `issuers[${HOSTILE_ISSUER}]`, 'the key starts with the fixed name, so the cell is no formula')
  t.equal(rows.find((r) => r[0]!.startsWith('runners[') && r[0]!.includes('SUM'))![0], `runners[${HOSTILE_RUNNER}]`)
  // A value that is a formula on its own gets the leading quote.
  const formula = { ...metrics, registry: '=1+1', generatedAt: '@now' }
  const back = parseCsv(formatAuditMetricsCsv(formula))
  t.equal(back.find((r) => r[0] === 'registry')![1], "'=1+1")
  t.equal(back.find((r) => r[0] === 'generatedAt')![1], "'@now")
})
