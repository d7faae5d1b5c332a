// `verify-deps verify`'s formats over its one-package Report: the text shows the outcome derived
// from the decision and couldNotVerify; the other formats are check's, unchanged.
import t from 'tap'
import { FORMAT_NAMES, formatReport } from '../../lib/report/formats.js'
import { formatVerifyReport, formatVerifyReportText, verifyOutcomeOf } from '../../lib/report/verify-text.js'
import { buildReport, decided, deepFreeze, result } from './fixtures.js'

const verifyReport = (decision: 'pass' | 'warn' | 'fail', couldNotVerify: boolean) => {
  const findings = decision === 'fail' ? [decided('SIGNATURE_INVALID', 'bad signature')] : decision === 'warn' ? [decided('PROVENANCE_MISSING', 'no provenance')] : []
  return deepFreeze(buildReport([result('pkg', '1.0.0', { decision, findings, locations: [] })], { couldNotVerify, project: { root: 'dir', lockfile: '', policy: null, tarball: 'dir/pkg-1.0.0.tgz' } }))
}

t.test('the outcome: a failure first, then "nothing verified", else verified (warnings allowed)', async (t) => {
  t.equal(verifyOutcomeOf({ couldNotVerify: false }, { decision: 'pass' }), 'pass')
  t.equal(verifyOutcomeOf({ couldNotVerify: false }, { decision: 'warn' }), 'pass')
  t.equal(verifyOutcomeOf({ couldNotVerify: true }, { decision: 'warn' }), 'nothing-verified')
  t.equal(verifyOutcomeOf({ couldNotVerify: true }, { decision: 'fail' }), 'fail')
  t.equal(verifyOutcomeOf({ couldNotVerify: false }, { decision: 'fail' }), 'fail')
})

t.test('the text format heads each package with its outcome and lists its findings', async (t) => {
  t.match(formatVerifyReportText(verifyReport('warn', false)), /^pkg@1\.0\.0: verified\n[^]*    ! PROVENANCE_MISSING: no provenance\n$/)
  t.match(formatVerifyReportText(verifyReport('fail', false)), /^pkg@1\.0\.0: FAILED\n[^]*    x SIGNATURE_INVALID: bad signature\n$/)
  t.match(formatVerifyReportText(verifyReport('warn', true)), /^pkg@1\.0\.0: NOTHING VERIFIED \(no registry signature or attestation to check\)\n/)
  const { facts: _facts, ...withoutFacts } = result('pkg', '1.0.0', { decision: 'warn' })
  t.equal(formatVerifyReportText(buildReport([withoutFacts], { couldNotVerify: true })), 'pkg@1.0.0: NOTHING VERIFIED (no registry signature or attestation to check)\n')
})

t.test('json, sarif and github are check\'s formats of the same report', async (t) => {
  const report = verifyReport('fail', false)
  const options = { lockfilePath: 'dir/pkg-1.0.0.tgz' }
  t.same(formatVerifyReport('text', report, options), { main: formatVerifyReportText(report) })
  for (const name of FORMAT_NAMES.filter((n) => n !== 'text')) t.same(formatVerifyReport(name, report, options), formatReport(name, report, options), name)
  t.match(formatVerifyReport('github', report, options).main, /^::error file=dir\/pkg-1\.0\.0\.tgz,/m, 'annotations point at the tarball')
})
