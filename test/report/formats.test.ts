import t from 'tap'
import { DEFAULT_FORMAT, FORMAT_NAMES, FORMATS, formatReport, isFormatName, loadFormatter } from '../../lib/report/formats.js'
import { formatPackageFactsText } from '../../lib/report/verify-text.js'
import { deepFreeze, facts, lockfileTextFor, sampleReport } from './fixtures.js'

t.test('formats are registered by name', async (t) => {
  t.same(FORMAT_NAMES, ['text', 'json', 'sarif', 'github', 'html'])
  t.equal(DEFAULT_FORMAT, 'text')
  for (const name of FORMAT_NAMES) t.ok(isFormatName(name), name)
  for (const name of ['xml', 'TEXT', 'toString', '__proto__', '']) t.notOk(isFormatName(name), `rejects ${JSON.stringify(name)}`)
})

t.test('formatReport dispatches to the named driver; every format ends with a newline and leaves the report alone', async (t) => {
  const report = deepFreeze(sampleReport({ notices: ['n'], couldNotVerify: true }))
  const options = { lockfileText: lockfileTextFor(report), color: true }
  for (const name of FORMAT_NAMES) {
    const out = formatReport(name, report, options)
    t.same(out, FORMATS[name](report, options), name)
    t.ok(out.main.endsWith('\n'), `${name} ends with a newline`)
    t.equal(out.githubStepSummary !== undefined, name === 'github', `${name} step summary only for github`)
  }
  t.doesNotThrow(() => JSON.parse(formatReport('json', report).main))
  t.doesNotThrow(() => JSON.parse(formatReport('sarif', report).main))
})

t.test('loadFormatter loads the driver each name is registered with (the CLI loads only the one it writes)', async (t) => {
  t.same(Object.keys(FORMATS), FORMAT_NAMES)
  for (const name of FORMAT_NAMES) t.equal(await loadFormatter(name), FORMATS[name], name)
})

t.test('formatPackageFactsText still renders one package for `verify-deps verify`', async (t) => {
  const text = formatPackageFactsText(facts('@acme/built', '2.1.0', { findings: [{ code: 'PROVENANCE_MISSING', message: 'none' }] }), 'pass')
  t.match(text, /^@acme\/built@2\.1\.0: verified\n/)
  t.match(text, /\n\s+workflow\s+\.github\/workflows\/release\.yml\n/)
  t.match(text, '    ! PROVENANCE_MISSING: none')
})
