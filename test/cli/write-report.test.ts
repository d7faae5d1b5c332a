/** Writing a report in pieces (lib/cli/write-report.ts): the same bytes as the whole string, to a file or the terminal. */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { quietOnClosedPipe } from '../../lib/cli/terminal.js'
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
  await writeReportOut({ out: (text) => out.push(text), err: () => {}, stderrIsTTY: false }, streamed)
  t.equal(out.join(''), whole)
  t.ok(out.length > 1)
})

t.test('to a slow reader: the next piece is made only when stdout has room again', async (t) => {
  let pulled = 0
  const many = [...chunks, ...chunks, ...chunks, ...chunks] // about six pieces
  const lazy: FormattedOutput = {
    main: many.join(''),
    *mainChunks() {
      for (const chunk of many) {
        pulled++
        yield chunk
      }
    },
  }
  const out: string[] = []
  let release: (() => void) | undefined
  const writing = writeReportOut(
    { out: (text) => out.push(text), err: () => {}, stderrIsTTY: false, outDrained: () => new Promise<void>((r) => (release = r)) },
    lazy,
  )
  await new Promise((r) => setImmediate(r))
  t.equal(out.length, 1, 'one piece written, then it waits')
  t.ok(pulled < many.length / 4, `only the first piece was made (${pulled} of ${many.length} chunks)`)
  while (release) {
    const r = release
    release = undefined
    r()
    await new Promise((r) => setImmediate(r))
  }
  await writing
  t.equal(out.join(''), many.join(''))
  t.ok(out.length >= 5, `${out.length} pieces, each after room was made`)
})

t.test('stdout waits for a slow pipe to drain, and stops waiting when the pipe closes', async (t) => {
  const received: string[] = []
  let next: (() => void) | undefined
  const slow = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, callback) {
      received.push(chunk.toString())
      next = callback // the reader takes the next piece only when told
    },
  })
  const pipe = quietOnClosedPipe(slow)
  pipe.write('x'.repeat(4096))
  let drained = false
  const waiting = pipe.drained().then(() => (drained = true))
  await new Promise((r) => setImmediate(r))
  t.notOk(drained, 'more than the high-water mark is waiting: no room yet')
  next?.()
  await waiting
  t.ok(drained, 'room again once the reader took it')
  t.equal(received.join(''), 'x'.repeat(4096))
  await pipe.drained() // nothing waiting: resolves at once

  pipe.write('y'.repeat(4096))
  const stillWaiting = pipe.drained()
  slow.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
  await stillWaiting // a closed pipe: nothing more will leave, and nothing hangs
  pipe.write('z') // dropped quietly
  t.pass('no hang and no throw after the pipe closed')
})
