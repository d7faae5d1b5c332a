/**
 * The evidence cache's packs: one file per run, indexed by positions, read one entry at a time; torn
 * or malformed lines are skipped, the newest entry of an id wins, expired packs go, and packs are
 * merged before they pile up.
 */
import t from 'tap'
import { appendFileSync, closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { EvidencePacks, indexPack, MAX_PACKS } from '../../lib/fetch/evidence-pack.js'

const id = (n: number) => n.toString(16).padStart(64, '0')
const T0 = new Date('2025-06-01T00:00:00.000Z')
const HOUR_MS = 3600_000

function packs(dir: string, at: () => Date = () => T0, maxAgeMs = 24 * HOUR_MS): EvidencePacks {
  return new EvidencePacks({ dir, maxAgeMs, now: at })
}

const files = (dir: string, suffix: string) => readdirSync(dir).filter((f) => f.endsWith(suffix))

t.test('an entry is read back in the run that wrote it and in later runs', async (t) => {
  const dir = t.testdir({})
  const p = packs(dir)
  t.ok(p.append(id(1), T0.toISOString(), '{"n":1}'))
  t.same(p.read(id(1)), { text: '{"n":1}', storedAt: T0.toISOString() }, 'before it is written out')
  t.ok(p.append(id(2), T0.toISOString(), 'é'.repeat(300_000)), 'a large entry, not ASCII')
  t.equal(p.read(id(2))?.text, 'é'.repeat(300_000), 'after it is written out')
  t.equal(p.read(id(3)), undefined)
  t.same(files(dir, '.pack'), [], 'no pack in place before the run ends')
  p.close()
  t.equal(files(dir, '.pack').length, 1, 'one pack')
  t.same(files(dir, '.tmp'), [], 'no temp file left')
  const next = packs(dir)
  t.equal(next.read(id(1))?.text, '{"n":1}')
  t.equal(next.read(id(2))?.text, 'é'.repeat(300_000))
  next.close()
  t.equal(files(dir, '.pack').length, 1, 'a run that stores nothing writes no pack')
})

t.test('many small entries are written and read back', async (t) => {
  const dir = t.testdir({})
  const p = packs(dir)
  for (let n = 0; n < 3000; n++) p.append(id(n), T0.toISOString(), `${n}`)
  t.equal(p.read(id(1234))?.text, '1234')
  p.close()
  const next = packs(dir)
  const wrong = Array.from({ length: 3000 }, (_, n) => n).filter((n) => next.read(id(n))?.text !== `${n}`)
  t.same(wrong, [])
  next.close()
})

t.test('the newest entry of an id wins, whatever pack it is in', async (t) => {
  const dir = t.testdir({})
  const later = new Date(T0.getTime() + HOUR_MS)
  const first = packs(dir)
  first.append(id(1), later.toISOString(), '"newer"')
  first.close()
  const second = packs(dir, () => later)
  second.append(id(1), T0.toISOString(), '"older"')
  second.close()
  t.equal(files(dir, '.pack').length, 2)
  t.equal(packs(dir, () => later).read(id(1))?.text, '"newer"')
})

t.test('the index skips what is not a whole, well-formed line', async (t) => {
  const dir = t.testdir({})
  const p = packs(dir)
  p.append(id(1), T0.toISOString(), '"one"')
  p.append(id(2), T0.toISOString(), '"two"')
  p.close()
  const [name] = files(dir, '.pack')
  const file = join(dir, name!)
  const good = readFileSync(file, 'utf8')
  const bad = [
    'short\n',
    `${'g'.repeat(64)} ${T0.toISOString()} "not hex"\n`,
    `${id(3)} ${'x'.repeat(24)} "not a time"\n`,
    `${id(4)}_${T0.toISOString()} "no space"\n`,
    '\n',
  ].join('')
  writeFileSync(file, bad + good + `${id(5)} ${T0.toISOString()} "torn`)
  const read = packs(dir)
  t.equal(read.read(id(1))?.text, '"one"')
  t.equal(read.read(id(2))?.text, '"two"')
  for (const n of [3, 4, 5]) t.equal(read.read(id(n)), undefined, `line ${n}: skipped`)
  read.close()
  truncateSync(file, Buffer.byteLength(bad + good) - 3)
  const torn = packs(dir)
  t.equal(torn.read(id(1))?.text, '"one"', 'a pack torn in its last line keeps the lines before it')
  t.equal(torn.read(id(2)), undefined)
  torn.close()
})

t.test('lines and heads that straddle the reading chunks are indexed exactly', async (t) => {
  const dir = t.testdir({})
  const CHUNK = 1024 * 1024
  const HEAD = 90
  // Line lengths chosen so that chunk boundaries fall inside a head, right after one, on a newline and inside an entry.
  const lengths = [CHUNK - 40, CHUNK - HEAD + 3, 10, CHUNK + 5, 2 * CHUNK - 100, 200]
  let content = ''
  const expected: Array<{ id: string; text: string }> = []
  for (const [i, total] of lengths.entries()) {
    const text = `"${String(i).repeat(Math.max(0, total - HEAD - 3))}"`
    expected.push({ id: id(i + 1), text })
    content += `${id(i + 1)} ${T0.toISOString()} ${text}\n`
  }
  const file = join(dir, 'x.pack')
  writeFileSync(file, content)
  const fd = openSync(file, 'r')
  t.teardown(() => closeSync(fd))
  const seen: Array<{ id: string; text: string }> = []
  indexPack(fd, Buffer.byteLength(content), (entryId, storedAt, offset, length) => {
    t.equal(storedAt, T0.toISOString())
    const bytes = Buffer.alloc(length)
    readSync(fd, bytes, 0, length, offset)
    seen.push({ id: entryId, text: bytes.toString() })
  })
  t.same(seen, expected)
})

t.test('packs whose entries have all expired are deleted, and so are stale temp files', async (t) => {
  const dir = t.testdir({})
  const old = packs(dir)
  old.append(id(1), T0.toISOString(), '"old"')
  old.close()
  writeFileSync(join(dir, 'crashed.tmp'), 'half')
  const dayBefore = new Date(T0.getTime() - 24 * HOUR_MS)
  utimesSync(join(dir, 'crashed.tmp'), dayBefore, dayBefore)
  writeFileSync(join(dir, 'running.tmp'), 'a run still writing')
  const later = () => new Date(T0.getTime() + 2 * HOUR_MS)
  const p = packs(dir, later, HOUR_MS)
  t.equal(p.read(id(1))?.text, '"old"', 'the pack is read (the cache decides that the entry expired)')
  p.close()
  t.same(readdirSync(dir), ['running.tmp'], 'the expired pack and the stale temp file are gone')
})

t.test(`a run that writes and finds ${MAX_PACKS} packs merges them into its own`, async (t) => {
  const dir = t.testdir({})
  const at = (hours: number) => () => new Date(T0.getTime() + hours * HOUR_MS)
  for (let n = 1; n <= MAX_PACKS; n++) {
    const p = packs(dir, at(n), 100 * HOUR_MS)
    p.append(id(n), at(n)().toISOString(), `"${n}"`)
    // One entry that will be expired when the merge comes: it is not copied.
    if (n === 1) p.append(id(100), T0.toISOString(), '"expired"')
    p.close()
  }
  t.equal(files(dir, '.pack').length, MAX_PACKS)
  const merging = packs(dir, at(100.5), 100 * HOUR_MS)
  merging.append(id(1), at(100.5)().toISOString(), '"1 again"')
  merging.close()
  t.equal(files(dir, '.pack').length, 1, 'one pack left')
  const after = packs(dir, at(100.5), 100 * HOUR_MS)
  t.equal(after.read(id(1))?.text, '"1 again"', 'the run’s own entry, not the older one')
  for (let n = 2; n <= MAX_PACKS; n++) t.equal(after.read(id(n))?.text, `"${n}"`, `entry ${n} kept`)
  t.equal(after.read(id(100)), undefined, 'the expired entry was not copied')
  after.close()
})

t.test('a folder that cannot be written only costs time', async (t) => {
  const file = join(t.testdir({ 'not-a-dir': 'x' }), 'not-a-dir')
  const p = packs(join(file, 'evidence'))
  t.equal(p.read(id(1)), undefined)
  t.equal(p.append(id(1), T0.toISOString(), '"x"'), false)
  t.equal(p.append(id(2), T0.toISOString(), '"x"'), false, 'and it is not tried again')
  t.doesNotThrow(() => p.close())
  t.ok(existsSync(file))
})

t.test('an id or time of the wrong length is refused', async (t) => {
  const dir = t.testdir({})
  const p = packs(dir)
  t.equal(p.append('abc', T0.toISOString(), '"x"'), false)
  t.equal(p.append(id(1), '2025-06-01', '"x"'), false)
  p.close()
  t.same(readdirSync(dir), [])
})

t.test('a pack that is not a regular file is ignored, never read to its end or waited for', async (t) => {
  const dir = t.testdir({})
  const good = packs(dir)
  good.append(id(1), T0.toISOString(), '{"n":1}')
  good.close()
  // A poisoned cache: a FIFO (opening it would wait for a writer), a link to an endless device.
  execFileSync('mkfifo', [join(dir, 'a-fifo.pack')])
  symlinkSync('/dev/zero', join(dir, 'b-zero.pack'))
  const p = packs(dir)
  t.equal(p.read(id(1))?.text, '{"n":1}', 'the regular pack is still read')
  t.equal(p.read(id(2)), undefined)
  p.close()
})

t.test('a pack is indexed up to the size it had when opened', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'x.pack')
  const line = (n: number) => `${id(n)} ${T0.toISOString()} {"n":${n}}\n`
  writeFileSync(file, line(1) + line(2))
  const fd = openSync(file, 'r')
  t.teardown(() => closeSync(fd))
  const size = Buffer.byteLength(line(1))
  appendFileSync(file, line(3))
  const seen: string[] = []
  indexPack(fd, size, (entryId) => seen.push(entryId))
  t.same(seen, [id(1)], 'only the lines within the size')
})
