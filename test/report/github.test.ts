import t from 'tap'
import { FINDINGS } from '../../lib/findings.js'
import { escapeCommandData, escapeCommandProperty, formatReportGithub } from '../../lib/report/github.js'
import { buildReport, decided, deepFreeze, failSignatureAndAttestation, lineOf, lockfileTextFor, sampleReport } from './fixtures.js'

const commands = (main: string) => main.split('\n').filter((l) => l.startsWith('::'))

/** Splits `::cmd k=v,k=v::data` as the runner does, unescaping. */
function parseCommand(line: string) {
  const m = /^::(\w+)(?: ([^:]*))?::(.*)$/.exec(line)
  if (!m) throw new Error(`not a workflow command: ${line}`)
  const unescape = (s: string) => s.replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%')
  const properties = Object.fromEntries((m[2] ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), unescape(kv.slice(kv.indexOf('=') + 1))]))
  return { command: m[1], properties, message: unescape(m[3]!) }
}

t.test('one annotation per finding, failures first, then a summary line', async (t) => {
  const { main } = formatReportGithub(sampleReport())
  const lines = main.trimEnd().split('\n')
  t.equal(lines.at(-1), 'verify-deps: 6 packages: 1 pass, 3 warn, 1 fail, 1 skipped')
  const parsed = commands(main).map(parseCommand)
  t.same(parsed.map((c) => `${c.command} ${c.properties.title}`), [
    'error SIGNATURE_INVALID evil-pkg@6.6.6',
    'error ATTESTATION_INVALID evil-pkg@6.6.6',
    'warning PROVENANCE_MISSING lodash@4.17.21',
    'warning PROVENANCE_MISSING deep-dep@0.1.0',
    'warning SIGNATURE_UNSUPPORTED_BY_REGISTRY @acme/built@2.1.0',
  ])
  t.equal(lines.length, parsed.length + 1, 'every other line is a command')
  const first = parsed[0]!
  t.equal(first.properties.file, 'package-lock.json')
  t.equal(first.message, `evil-pkg@6.6.6: the signature by SHA256:bad does not verify\nFix: ${FINDINGS.SIGNATURE_INVALID.fix}`)
  t.ok(lines[0]!.startsWith('::error file=package-lock.json,title=SIGNATURE_INVALID evil-pkg@6.6.6::evil-pkg@6.6.6: the signature by SHA256:bad does not verify%0AFix: '))
})

t.test('annotations point at the package entry when the lockfile text is given', async (t) => {
  const report = sampleReport()
  const text = lockfileTextFor(report)
  const parsed = commands(formatReportGithub(report, { lockfileText: text, lockfilePath: 'app/package-lock.json' }).main).map(parseCommand)
  t.same(parsed[0]!.properties, { file: 'app/package-lock.json', line: String(lineOf(text, 'node_modules/evil-pkg')), title: 'SIGNATURE_INVALID evil-pkg@6.6.6' })
})

t.test('escapes %, CR and LF in messages, and also : and , in properties', async (t) => {
  t.equal(escapeCommandData('100% done\r\nnext: a, b'), '100%25 done%0D%0Anext: a, b')
  t.equal(escapeCommandProperty('100% done\r\nnext: a, b'), '100%25 done%0D%0Anext%3A a%2C b')
  t.equal(escapeCommandData('%0A'), '%250A', 'an escape sequence in the input is not decoded by the runner')

  const evil = { ...failSignatureAndAttestation(), findings: [decided('SIGNATURE_INVALID', 'bad 100%\n::error::injected, really: yes\r\n')] }
  const { main } = formatReportGithub(buildReport([evil]), { lockfilePath: 'we,ird:dir/package-lock.json' })
  const lines = main.trimEnd().split('\n')
  t.equal(lines.length, 2, 'one command and the summary: no line break gets through')
  t.notMatch(main, '\n::error::injected')
  t.match(lines[0], 'file=we%2Cird%3Adir/package-lock.json,title=SIGNATURE_INVALID evil-pkg@6.6.6::bad 100%25%0A::error::injected, really: yes%0D%0A%0AFix: ')
  const parsed = parseCommand(lines[0]!)
  t.equal(parsed.properties.file, 'we,ird:dir/package-lock.json')
  t.match(parsed.message, /^bad 100%\n::error::injected, really: yes\r\n\nFix: /)
})

t.test('info findings are notices, and run notices are notice commands', async (t) => {
  const report = buildReport([{ ...failSignatureAndAttestation(), decision: 'pass', findings: [decided('PROVENANCE_MISSING', 'fyi', 'info')] }], { notices: ['using embedded trust material: 50% stale'] })
  const parsed = commands(formatReportGithub(report).main).map(parseCommand)
  t.same(parsed.map((c) => c.command), ['notice', 'notice'])
  t.same(parsed[1], { command: 'notice', properties: { title: 'verify-deps' }, message: 'using embedded trust material: 50% stale' })
})

t.test('the step summary has a counts table, findings by package with codes, and fixes', async (t) => {
  const { githubStepSummary } = formatReportGithub(sampleReport({ couldNotVerify: true, notices: ['using embedded trust material'] }))
  t.ok(githubStepSummary)
  const md = githubStepSummary!
  const lines = md.split('\n')
  t.equal(lines[0], '## verify-deps')
  for (const row of ['| ❌ fail | 1 |', '| ⚠️ warn | 3 |', '| ✅ pass | 1 |', '| ⏭️ skipped | 1 |', '| **total** | **6** |']) t.ok(lines.includes(row), row)
  t.match(md, '> [!WARNING]')
  const failed = md.indexOf('### ❌ Failed (1)')
  const warnings = md.indexOf('### ⚠️ Warnings (3)')
  t.ok(failed > 0 && warnings > failed)
  const evilRows = lines.filter((l) => l.startsWith('| `evil-pkg@6.6.6` |'))
  t.same(evilRows.map((l) => l.split(' | ')[1]), ['`SIGNATURE_INVALID`', '`ATTESTATION_INVALID`'])
  t.match(evilRows[0], 'my-app → express\\@4.21.0 → evil-pkg\\@6.6.6')
  const fixes = md.slice(md.indexOf('### How to fix'))
  for (const code of ['SIGNATURE_INVALID', 'ATTESTATION_INVALID', 'PROVENANCE_MISSING', 'SIGNATURE_UNSUPPORTED_BY_REGISTRY'] as const) {
    t.match(fixes, `- \`${code}\` (${FINDINGS[code].title}): ${FINDINGS[code].fix}`)
  }
  t.notMatch(fixes, '`INTEGRITY_MISMATCH`', 'only codes that occurred')
  t.match(md, '### ⏭️ Skipped (1)\n\n1 bundled')
  t.match(md, '### Notices\n\n- using embedded trust material')
})

t.test('untrusted text cannot break the summary table or add links', async (t) => {
  const evil = { ...failSignatureAndAttestation(), findings: [decided('SIGNATURE_INVALID', 'a | b\n[click](https://evil.example) <img src=x> *bold*')] }
  const md = formatReportGithub(buildReport([evil])).githubStepSummary!
  const row = md.split('\n').find((l) => l.startsWith('| `evil-pkg@6.6.6` |'))!
  t.ok(row)
  t.equal(row.split(/(?<!\\)\|/).length - 2, 4, 'still four cells')
  t.notMatch(row, '[click](')
  t.notMatch(row, /(?<!\\)<img/, 'HTML is escaped')
  t.match(row, '\\[click\\]\\(https')
})

t.test('does not modify the report', async (t) => {
  const report = deepFreeze(sampleReport({ notices: ['n'] }))
  t.doesNotThrow(() => formatReportGithub(report, { lockfileText: lockfileTextFor(report) }))
})

t.test('scoped package names in messages do not become @-mentions', async (t) => {
  const md = formatReportGithub(sampleReport()).githubStepSummary!
  const row = md.split('\n').find((l) => l.startsWith('| `@acme/built@2.1.0` |'))!
  t.match(row, '| \\@acme/built\\@2.1.0: the registry publishes no signing keys |')
})
