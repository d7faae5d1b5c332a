// The sealed pack (lib/fetch/store/pack.ts): its entries are used only when the MAC over the whole
// file verifies under the key, and each only while it has not expired; anything else in the file
// (attacker-writable) is a miss, never an error. Written as a stream: a run holds a bounded buffer.
import t from 'tap'
import { createHmac, randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { existsSync, linkSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MAX_PACK_ENTRIES, PACK_FORMAT, SealedPack } from '../../../lib/fetch/store/pack.js'

const DAY_MS = 24 * 3600 * 1000
const HEADER = `verify-deps sealed pack ${PACK_FORMAT}\n`

function packIn(dir: string, key = randomBytes(32), now = () => new Date('2026-01-10T00:00:00Z')) {
  return { key, open: (k = key, clock = now) => new SealedPack({ file: join(dir, 'pack.json'), key: k, maxAgeMs: 7 * DAY_MS, now: clock }) }
}

/** A pack file of `body` (after the header) sealed under `key`, as only the key's holder can make. */
function sealed(key: Buffer, body: string): string {
  const text = HEADER + body
  return text + createHmac('sha256', key).update(text).digest('hex')
}

t.test('what is put and saved is got back in the next run; nothing is written when nothing was put', async (t) => {
  const dir = t.testdir()
  const { open } = packIn(dir)
  const first = open()
  t.equal(first.get('facts', 'a'), undefined)
  t.equal(first.save(), false, 'nothing put: nothing written')
  t.notOk(existsSync(join(dir, 'pack.json')))
  first.put('facts', 'a', '{"x":1}')
  first.put('tree', 'a', '{"y":2}')
  t.equal(first.get('facts', 'a'), undefined, 'what a run puts is for the next run')
  t.equal(first.save(), true)
  t.same(readdirSync(dir), ['pack.json'], 'one file, no temp file left')
  const second = open()
  t.same(second.get('facts', 'a'), { data: '{"x":1}', storedAt: '2026-01-10T00:00:00.000Z' })
  t.same(second.get('tree', 'a')?.data, '{"y":2}', 'kinds are apart')
  t.equal(second.get('facts', 'b'), undefined)
  t.equal(second.save(), false, 'only read: not written again')

  // Saved twice by one pack: the second save keeps what the first wrote.
  const twice = open()
  twice.put('facts', 'b', '{"x":2}')
  t.equal(twice.save(), true)
  t.same(twice.get('facts', 'b')?.data, '{"x":2}', 'after a save, the pack reads the file it wrote')
  twice.put('facts', 'c', '{"x":3}')
  t.equal(twice.save(), true)
  const third = open()
  t.ok(third.get('facts', 'a') && third.get('facts', 'b') && third.get('facts', 'c'), 'every entry of both saves and the one before')
})

t.test('the file is the header, one entry a line, and the MAC of all that', async (t) => {
  const dir = t.testdir()
  const { key, open } = packIn(dir)
  const pack = open()
  pack.put('facts', 'a', '{"x":"é"}')
  pack.save()
  t.equal(readFileSync(join(dir, 'pack.json'), 'utf8'), sealed(key, 'facts a 2026-01-10T00:00:00.000Z {"x":"é"}\n'))
  t.same(open().get('facts', 'a')?.data, '{"x":"é"}', 'non-ASCII data reads back as it was put')
})

t.test('one edited byte, another key, another format, a torn file: every entry is a miss', async (t) => {
  const dir = t.testdir()
  const { key, open } = packIn(dir)
  const writer = open()
  writer.put('facts', 'a', '{"x":1}')
  writer.put('facts', 'b', '{"x":2}')
  writer.save()
  const file = join(dir, 'pack.json')
  const original = readFileSync(file, 'utf8')
  t.ok(open().get('facts', 'a') && open().get('facts', 'b'), 'control: the pack as written is read')

  const misses: Record<string, string> = {
    'edited data, the MAC kept': original.replace('{"x":1}', '{"x":3}'),
    'an entry moved to another id, the MAC kept': original.replace('facts a ', 'facts c '),
    'an entry moved to another kind, the MAC kept': original.replace('facts a ', 'tree a '),
    'a fresher time, the MAC kept': original.replace('2026-01-10T00:00:00.000Z {"x":1}', '2026-01-11T00:00:00.000Z {"x":1}'),
    'a line added, the MAC kept': original.replace(HEADER, `${HEADER}facts c 2026-01-10T00:00:00.000Z {"x":9}\n`),
    'the MAC edited': original.slice(0, -1) + (original.endsWith('0') ? '1' : '0'),
    'the MAC cut short': original.slice(0, -2),
    'the MAC with a character that is not a hex digit': original.slice(0, -1) + 'z',
    'a byte after the MAC': `${original}0`,
    'sealed under another key': sealed(randomBytes(32), original.slice(HEADER.length, -64)),
    'another format': original.replace(HEADER, 'verify-deps sealed pack 1\n'),
    torn: original.slice(0, original.length / 2),
    'the format 1 layout': JSON.stringify({ format: 1, entries: [{ kind: 'facts', id: 'a', storedAt: '2026-01-10T00:00:00.000Z', data: '{"x":1}', mac: '00' }] }),
    empty: '',
  }
  for (const [what, text] of Object.entries(misses)) {
    writeFileSync(file, text)
    const pack = open()
    t.equal(pack.get('facts', 'a'), undefined, `${what}: a miss`)
    t.equal(pack.get('facts', 'b'), undefined, `${what}: every entry a miss`)
    t.equal(pack.get('facts', 'c'), undefined, `${what}: nothing new either`)
  }

  writeFileSync(file, original)
  t.equal(open(undefined, () => new Date('2026-01-17T00:00:01Z')).get('facts', 'a'), undefined, 'older than the max age')
  t.equal(open(undefined, () => new Date('2026-01-08T00:00:00Z')).get('facts', 'a'), undefined, 'stored more than a day in the future')
  t.ok(open(undefined, () => new Date('2026-01-16T23:00:00Z')).get('facts', 'a'), 'within the max age')
  t.ok(open(key).get('facts', 'b'), 'control: the original still verifies')
})

t.test('a sealed line that is not `kind id time data`, or of an unknown kind, is skipped; the others are read', async (t) => {
  const dir = t.testdir()
  const { key, open } = packIn(dir)
  const time = '2026-01-10T00:00:00.000Z'
  const lines = [`other a ${time} 1`, `facts`, `facts a`, `facts a ${time}`, ` a ${time} 1`, `facts  ${time} 1`, `facts b  1`, `facts c ${time} {"x":3}`, `facts d not-a-time 1`, `tree a ${time} {"y":1} with spaces`]
  writeFileSync(join(dir, 'pack.json'), sealed(key, lines.join('\n') + '\n'))
  const pack = open()
  t.equal(pack.get('facts', 'a'), undefined)
  t.equal(pack.get('facts', 'b'), undefined)
  t.equal(pack.get('facts', 'd'), undefined, 'a time that is not one: expired')
  t.same(pack.get('facts', 'c')?.data, '{"x":3}')
  t.same(pack.get('tree', 'a')?.data, '{"y":1} with spaces', 'the data is the rest of the line')
})

t.test('saving writes this run’s entries and keeps what still verifies and was not replaced, newest first', async (t) => {
  const dir = t.testdir()
  const { open } = packIn(dir)
  const writer = open()
  writer.put('facts', 'a', '1', '2026-01-05T00:00:00.000Z')
  writer.put('facts', 'b', '2', '2026-01-06T00:00:00.000Z')
  writer.put('facts', 'old', '3', '2026-01-04T00:00:00.000Z')
  writer.save()
  const next = open(undefined, () => new Date('2026-01-10T00:00:00Z'))
  next.put('facts', 'b', '22', '2026-01-09T00:00:00.000Z')
  next.put('facts', 'c', '3')
  next.put('facts', 'expired', '4', '2026-01-01T00:00:00.000Z')
  t.equal(next.save(), true)
  const lines = readFileSync(join(dir, 'pack.json'), 'utf8').split('\n').slice(1, -1)
  t.same(lines.map((l) => l.split(' ').slice(0, 2).join(' ')), ['facts b', 'facts c', 'facts a', 'facts old'], 'new entries, then the kept ones newest first; the replaced and the expired dropped')
  const third = open(undefined, () => new Date('2026-01-10T00:00:00Z'))
  t.same(third.get('facts', 'b')?.data, '22', 'the replacement is read')
  t.same(third.get('facts', 'a')?.data, '1', 'the kept entry still verifies')
  t.equal(open(undefined, () => new Date('2026-01-10T00:00:00Z')).get('facts', 'expired'), undefined)
  t.ok(MAX_PACK_ENTRIES >= 10_000, 'room for a large project')
})

t.test('a settled entry (an earlier version\'s verdict) does not expire with age; the pack keeps it across saves', async (t) => {
  const dir = t.testdir()
  const { open } = packIn(dir)
  const writer = open(undefined, () => new Date('2026-01-01T00:00:00Z'))
  writer.put('settled', 'old-verdict', '{"v":1}')
  writer.put('facts', 'old-facts', '{"v":2}')
  writer.save()
  // A year later: the facts entry has expired, the settled one is still read, and kept by a save.
  const later = () => new Date('2027-01-01T00:00:00Z')
  const next = open(undefined, later)
  t.equal(next.get('facts', 'old-facts'), undefined, 'facts expire after the max age')
  t.equal(next.get('settled', 'old-verdict')?.data, '{"v":1}', 'a settled verdict does not')
  t.equal(next.get('facts', 'old-verdict'), undefined, 'kinds are separate slots')
  next.put('facts', 'new', '{"v":3}')
  next.save()
  t.equal(open(undefined, later).get('settled', 'old-verdict')?.data, '{"v":1}', 'kept by the save')
  // Still bounded by the clock's skew: "stored" far in the future is not believed.
  const skewed = open(undefined, () => new Date('2026-01-01T00:00:00Z'))
  skewed.put('settled', 'future', '{}', '2026-06-01T00:00:00.000Z')
  skewed.save()
  t.equal(open(undefined, () => new Date('2026-01-01T00:00:00Z')).get('settled', 'future'), undefined, 'not kept')
})

t.test('an entry that does not fit on one line, or is already expired, is not kept', async (t) => {
  const dir = t.testdir()
  const { open } = packIn(dir)
  const pack = open()
  pack.put('facts', 'a b', '1')
  pack.put('facts', 'a\nb', '1')
  pack.put('facts', 'c', '1', 'a time')
  pack.put('facts', 'd', '{\n}')
  pack.put('facts', 'e', '1', '2025-01-01T00:00:00.000Z')
  t.equal(pack.save(), false, 'nothing was kept: nothing written')
  pack.put('facts', 'f', '1')
  t.equal(pack.save(), true)
  t.same(readFileSync(join(dir, 'pack.json'), 'utf8').split('\n').slice(1, -1), ['facts f 2026-01-10T00:00:00.000Z 1'])
})

t.test('a run writes what it puts as it goes, to a temp file renamed over the pack by save', async (t) => {
  const dir = t.testdir()
  const { open } = packIn(dir)
  const data = JSON.stringify({ pad: 'x'.repeat(10_000) })
  const pack = open()
  for (let i = 0; i < 200; i++) pack.put('facts', `e${i}`, data)
  const temps = readdirSync(dir).filter((name) => name.endsWith('.tmp'))
  t.equal(temps.length, 1, 'a temp file is being written')
  t.ok(readFileSync(join(dir, temps[0]!)).length >= 1024 * 1024, 'holding all but the last chunk of what was put')
  t.notOk(existsSync(join(dir, 'pack.json')), 'the pack is not replaced before save')
  t.equal(pack.save(), true)
  t.same(readdirSync(dir), ['pack.json'])
  const next = open()
  t.equal(next.get('facts', 'e0')?.data, data)
  t.equal(next.get('facts', 'e199')?.data, data)
})

t.test('a temp file swapped for a link to another file while the run writes it is refused, never appended to', async (t) => {
  for (const swap of ['symlink', 'hard link'] as const) {
    const dir = t.testdir({ 'bashrc': 'the user\'s own file\n' })
    const other = join(dir, 'bashrc')
    const pack = packIn(dir).open()
    const data = JSON.stringify({ pad: 'x'.repeat(10_000) })
    for (let i = 0; i < 200; i++) pack.put('facts', `e${i}`, data)
    const temp = join(dir, readdirSync(dir).find((name) => name.endsWith('.tmp'))!)
    rmSync(temp)
    if (swap === 'symlink') symlinkSync(other, temp)
    else linkSync(other, temp)
    for (let i = 200; i < 400; i++) pack.put('facts', `e${i}`, data)
    t.equal(pack.save(), false, `${swap}: nothing saved`)
    t.equal(readFileSync(other, 'utf8'), 'the user\'s own file\n', `${swap}: the other file is untouched`)
    t.same(readdirSync(dir), ['bashrc'], `${swap}: the swapped name is removed, no pack written`)
  }
})

t.test('the pack never holds more than MAX_PACK_ENTRIES: the oldest go first', async (t) => {
  const dir = t.testdir()
  const { open } = packIn(dir)
  const first = open()
  // Ten old entries, then the rest of the cap, newer.
  for (let i = 0; i < 10; i++) first.put('facts', `old${i}`, '1', `2026-01-0${i < 5 ? 4 : 5}T00:00:00.000Z`)
  for (let i = 10; i < MAX_PACK_ENTRIES; i++) first.put('facts', `n${i}`, '1', '2026-01-06T00:00:00.000Z')
  first.put('facts', 'over', '1')
  t.equal(first.save(), true)
  const second = open()
  t.equal(second.get('facts', 'over'), undefined, 'past the cap within one run: not kept')
  t.ok(second.get('facts', 'old0'))
  for (let i = 0; i < 5; i++) second.put('facts', `new${i}`, '1')
  t.equal(second.save(), true)
  const lines = readFileSync(join(dir, 'pack.json'), 'utf8').split('\n').slice(1, -1)
  t.equal(lines.length, MAX_PACK_ENTRIES)
  const third = open()
  t.ok(third.get('facts', 'new4'), 'the new entries are kept')
  t.equal(third.get('facts', 'old0'), undefined, 'the oldest went')
  t.equal(third.get('facts', 'old4'), undefined, 'the oldest went')
  t.ok(third.get('facts', 'old5'), 'the next oldest stayed')
})

t.test('a temp file of this pack older than a day is removed by a later save; a fresh one is not', async (t) => {
  const dir = t.testdir({ 'pack.json.1.aaaaaaaaaaaa.tmp': 'torn', 'pack.json.2.bbbbbbbbbbbb.tmp': 'in progress', 'other.1.cccccccccccc.tmp': 'not ours' })
  const old = new Date(Date.now() - 2 * DAY_MS)
  utimesSync(join(dir, 'pack.json.1.aaaaaaaaaaaa.tmp'), old, old)
  utimesSync(join(dir, 'other.1.cccccccccccc.tmp'), old, old)
  const pack = packIn(dir).open()
  pack.put('facts', 'a', '1')
  t.equal(pack.save(), true)
  t.same(readdirSync(dir).sort(), ['other.1.cccccccccccc.tmp', 'pack.json', 'pack.json.2.bbbbbbbbbbbb.tmp'])
})

t.test('a pack that cannot be written is logged, not thrown, and leaves no temp file', async (t) => {
  const dir = t.testdir({ blocker: 'a file' })
  const pack = new SealedPack({ file: join(dir, 'blocker', 'pack.json'), key: randomBytes(32), maxAgeMs: DAY_MS })
  pack.put('facts', 'a', '1')
  t.equal(pack.save(), false)
  // Failing while streaming: the temp file's folder is a file.
  const big = new SealedPack({ file: join(dir, 'blocker', 'big.json'), key: randomBytes(32), maxAgeMs: DAY_MS })
  for (let i = 0; i < 200; i++) big.put('facts', `e${i}`, JSON.stringify('x'.repeat(10_000)))
  t.equal(big.save(), false)
  t.same(readdirSync(dir), ['blocker'])
})

t.test('a pack file that is not a regular file is a miss, never read to its end or waited for', async (t) => {
  for (const [what, make] of [
    ['a FIFO', (file: string) => execFileSync('mkfifo', [file])],
    ['a link to /dev/zero', (file: string) => symlinkSync('/dev/zero', file)],
  ] as const) {
    const dir = t.testdir()
    make(join(dir, 'pack.json'))
    const pack = packIn(dir).open()
    t.equal(pack.get('facts', 'a'), undefined, what)
  }
})

t.test('a temp file swapped for a FIFO while the run writes it is refused, never waited on', async (t) => {
  // In a child process with a time limit: a writer that opens the FIFO waits for a reader forever,
  // its event loop blocked (nothing in this process could end the test).
  const dir = t.testdir()
  const script = `
    import { readdirSync, rmSync } from 'node:fs'
    import { execFileSync } from 'node:child_process'
    import { randomBytes } from 'node:crypto'
    import { join } from 'node:path'
    import { SealedPack } from ${JSON.stringify(new URL('../../../lib/fetch/store/pack.js', import.meta.url).href)}
    const dir = ${JSON.stringify(dir)}
    const pack = new SealedPack({ file: join(dir, 'pack.json'), key: randomBytes(32), maxAgeMs: 86400000 })
    const data = JSON.stringify({ pad: 'x'.repeat(10_000) })
    for (let i = 0; i < 200; i++) pack.put('facts', 'e' + i, data)
    const temp = join(dir, readdirSync(dir).find((name) => name.endsWith('.tmp')))
    rmSync(temp)
    execFileSync('mkfifo', [temp])
    for (let i = 200; i < 400; i++) pack.put('facts', 'e' + i, data)
    console.log(JSON.stringify({ saved: pack.save(), files: readdirSync(dir) }))`
  const { spawnSync } = await import('node:child_process')
  const child = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' })
  t.equal(child.signal, null, 'the writer did not wait on the FIFO (not killed at the time limit)')
  t.same(JSON.parse(child.stdout.trim().split('\n').pop() || 'null'), { saved: false, files: [] }, 'nothing saved, the FIFO removed')
})
