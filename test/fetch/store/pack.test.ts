// The sealed pack (lib/fetch/store/pack.ts): an entry is used only when its MAC verifies under the
// key and it has not expired; anything else in the file (attacker-writable) is a miss, never an error.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MAX_PACK_ENTRIES, SealedPack } from '../../../lib/fetch/store/pack.js'

const DAY_MS = 24 * 3600 * 1000

function packIn(dir: string, key = randomBytes(32), now = () => new Date('2026-01-10T00:00:00Z')) {
  return { key, open: (k = key, clock = now) => new SealedPack({ file: join(dir, 'pack.json'), key: k, maxAgeMs: 7 * DAY_MS, now: clock }) }
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
  t.equal(first.save(), true)
  const second = open()
  t.same(second.get('facts', 'a'), { data: '{"x":1}', storedAt: '2026-01-10T00:00:00.000Z' })
  t.same(second.get('tree', 'a')?.data, '{"y":2}', 'kinds are apart')
  t.equal(second.get('facts', 'b'), undefined)
  t.equal(second.save(), false, 'only read: not written again')
})

t.test('a bad MAC, another key, an expired or future entry, a torn or foreign file: each a miss', async (t) => {
  const dir = t.testdir()
  const { open } = packIn(dir)
  const writer = open()
  writer.put('facts', 'a', '{"x":1}')
  writer.put('facts', 'b', '{"x":2}')
  writer.save()
  const file = join(dir, 'pack.json')
  const original = readFileSync(file, 'utf8')
  const doc = JSON.parse(original) as { entries: Array<Record<string, string>> }

  const edited = { ...doc, entries: doc.entries.map((e) => (e.id === 'a' ? { ...e, data: '{"x":3}' } : e)) }
  writeFileSync(file, JSON.stringify(edited))
  t.equal(open().get('facts', 'a'), undefined, 'edited data')
  t.same(open().get('facts', 'b')?.data, '{"x":2}', 'the other entry still verifies')

  const moved = { ...doc, entries: doc.entries.map((e) => (e.id === 'a' ? { ...e, id: 'c' } : e)) }
  writeFileSync(file, JSON.stringify(moved))
  t.equal(open().get('facts', 'c'), undefined, 'an entry moved to another id')
  const rekinded = { ...doc, entries: doc.entries.map((e) => (e.id === 'a' ? { ...e, kind: 'tree' } : e)) }
  writeFileSync(file, JSON.stringify(rekinded))
  t.equal(open().get('tree', 'a'), undefined, 'an entry moved to another kind')

  writeFileSync(file, original)
  t.equal(open(randomBytes(32)).get('facts', 'a'), undefined, 'another key')
  t.equal(open(undefined, () => new Date('2026-01-17T00:00:01Z')).get('facts', 'a'), undefined, 'older than the max age')
  t.equal(open(undefined, () => new Date('2026-01-08T00:00:00Z')).get('facts', 'a'), undefined, 'stored more than a day in the future')
  t.ok(open(undefined, () => new Date('2026-01-16T23:00:00Z')).get('facts', 'a'), 'within the max age')

  for (const [what, text] of Object.entries({
    torn: original.slice(0, original.length / 2),
    'another format': JSON.stringify({ ...doc, format: 99 }),
    'not an object': '[1,2]',
    'malformed entries': JSON.stringify({ format: 1, entries: [null, 1, { kind: 'facts', id: 'a' }, { ...doc.entries[0], kind: 'other' }] }),
  })) {
    writeFileSync(file, text)
    t.equal(open().get('facts', 'a'), undefined, `${what}: a miss`)
  }
})

t.test('saving keeps what verifies, drops what does not, and writes one whole file', async (t) => {
  const dir = t.testdir()
  const { key, open } = packIn(dir)
  const writer = open()
  writer.put('facts', 'a', '1')
  writer.save()
  const file = join(dir, 'pack.json')
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { entries: Array<Record<string, string>> }
  writeFileSync(file, JSON.stringify({ ...doc, entries: [...doc.entries, { ...doc.entries[0], id: 'forged' }] }))
  const next = open(key)
  next.put('facts', 'b', '2', '2026-01-09T00:00:00.000Z')
  t.equal(next.save(), true)
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { entries: Array<{ id: string }> }
  t.same(saved.entries.map((e) => e.id), ['b', 'a'], 'the forged entry is dropped; oldest first')
  t.ok(MAX_PACK_ENTRIES >= 10_000, 'room for a large project')
})

t.test('a pack that cannot be written is logged, not thrown', async (t) => {
  const dir = t.testdir({ blocker: 'a file' })
  const pack = new SealedPack({ file: join(dir, 'blocker', 'pack.json'), key: randomBytes(32), maxAgeMs: DAY_MS })
  pack.put('facts', 'a', '1')
  t.equal(pack.save(), false)
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
