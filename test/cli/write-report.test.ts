/** Writing a report in pieces (lib/cli/write-report.ts): the same bytes as the whole string, to a file or the terminal. */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { reportPieces, writeReportFile, writeReportOut } from '../../lib/cli/write-report.js'
import type { FormattedOutput } from '../../lib/report/formats.js'

const chunks = Array.from({ length: 5000 }, (_, i) => `{"n": ${i}, "s": "\u00e9\u{1f600}"}\n`)
const whole = chunks.join('')
const streamed: FormattedOutput = { main: whole, mainChunks: () => chunks }

t.test('pieces of about 64 KiB that join to the report', async (t) => {
  const pieces = [...reportPieces(streamed)]
  t.equal(pieces.join(''), whole)
  t.ok(pieces.length > 1 && pieces.length < chunks.length, `${pieces.length} pieces`)
  t.ok(pieces.slice(0, -1).every((p) => p.length >= 64 * 1024))
  t.same([...reportPieces({ main: 'text' })], ['text'], 'a format without pieces is written whole')
  t.same([...reportPieces({ main: '', mainChunks: () => [] })], [], 'nothing to write')
})

t.test('to a file, byte for byte, replacing what was there', async (t) => {
  const dir = t.testdir({ 'report.json': 'x'.repeat(1_000_000) })
  writeReportFile(join(dir, 'report.json'), streamed)
  t.equal(readFileSync(join(dir, 'report.json'), 'utf8'), whole)
  t.throws(() => writeReportFile(join(dir, 'missing', 'report.json'), streamed), { code: 'ENOENT' })
})

t.test('to the terminal, in pieces', async (t) => {
  const out: string[] = []
  writeReportOut({ out: (text) => out.push(text), err: () => {}, stderrIsTTY: false }, streamed)
  t.equal(out.join(''), whole)
  t.ok(out.length > 1)
})
