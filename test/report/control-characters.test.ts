// Attacker-controlled strings (package names, versions, registry messages, identity fields) cannot
// put terminal escapes or control characters into the human formats: text, GitHub annotations and
// job summary, and `verify-deps verify`'s text. JSON and SARIF keep them, JSON-escaped (\u001b).
import t from 'tap'
import { formatReport } from '../../lib/report/formats.js'
import { formatPackageFactsText, formatVerifyReportText } from '../../lib/report/verify-text.js'
import { buildReport, decided, facts, identity, result } from './fixtures.js'

const ESC = '\u001b'
const EVIL = `${ESC}[2J${ESC}]8;;https://evil.example${ESC}\\\u0007\u0008\u009b31m`
// Raw C0 controls other than newline, DEL and C1 controls.
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

function hostileReport() {
  const p = result(`evil${EVIL}`, `1.0.0${EVIL}`, {
    decision: 'fail',
    findings: [decided('SIGNATURE_INVALID', `registry says: ${EVIL}\r::error ::forged`)],
    skipReason: `reason${EVIL}`,
  })
  return buildReport([p], { notices: [`notice${EVIL}`] })
}

t.test('text, GitHub annotations and the job summary carry no raw control character from registry data', async (t) => {
  const report = hostileReport()
  for (const format of ['text', 'github'] as const) {
    const out = formatReport(format, report)
    t.notMatch(out.main, RAW_CONTROL, `${format}: no raw control character`)
    t.notMatch(out.main, /^::error ::forged/m, `${format}: no forged workflow command`)
    t.match(out.main, /evil/, `${format}: the package is still named`)
    if (out.githubStepSummary) t.notMatch(out.githubStepSummary, RAW_CONTROL, `${format}: job summary`)
  }
})

t.test('JSON and SARIF keep the strings, JSON-escaped: no raw control character in the output', async (t) => {
  const report = hostileReport()
  for (const format of ['json', 'sarif'] as const) {
    const out = formatReport(format, report).main
    t.notMatch(out, RAW_CONTROL, `${format}: escaped`)
    t.match(out, /\\u001b\[2J/, `${format}: lossless`)
  }
})

t.test("verify's text of its report, with or without facts, carries no raw control character", async (t) => {
  const report = hostileReport()
  const { facts: _facts, ...withoutFacts } = report.packages[0]!
  for (const r of [report, { ...report, packages: [withoutFacts] }]) {
    const text = formatVerifyReportText(r)
    t.notMatch(text, RAW_CONTROL)
    t.match(text, /^evil.*: FAILED\n/)
  }
})

t.test('verify-deps verify text shows identity and publisher fields without control characters', async (t) => {
  const f = facts(`pkg${EVIL}`, '1.0.0', {
    provenance: { status: 'verified', identity: identity({ repository: `acme/x${EVIL}`, workflow: `wf${EVIL}`, ref: `refs/tags/v1${EVIL}` }) },
    publisher: { name: `mallory${EVIL}`, email: `m${EVIL}@example.com`, source: 'registry-metadata' },
    findings: [{ code: 'PROVENANCE_MISSING', message: `msg${EVIL}` }],
  })
  const text = formatPackageFactsText(f, 'pass')
  t.notMatch(text, RAW_CONTROL)
  t.match(text, /acme\/x/)
})
