/**
 * lib/cli/heap.ts: the one V8 flag the CLI sets at run time, set only once the main heap is big,
 * and that this node's V8 knows it (an unknown flag is only a line on stderr, so it would otherwise
 * fail silently).
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { HEAP_GROWING_PERCENT, HEAP_LIMIT_FROM_BYTES, limitHeapGrowth } from '../../lib/cli/heap.js'

const FLAG = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('a heap already past the limit: the flag is set at once', async (t) => {
  const set: string[] = []
  limitHeapGrowth({ setFlags: (flags) => set.push(flags), heapBytes: () => HEAP_LIMIT_FROM_BYTES })
  t.same(set, [FLAG])
})

t.test('a small heap keeps V8 defaults until it grows past the limit, then the flag is set once', async (t) => {
  const set: string[] = []
  let bytes = HEAP_LIMIT_FROM_BYTES - 1
  const stop = limitHeapGrowth({ setFlags: (flags) => set.push(flags), heapBytes: () => bytes, everyMs: 5 })
  t.teardown(stop)
  await tick(30)
  t.same(set, [], 'below the limit: nothing set')
  bytes = HEAP_LIMIT_FROM_BYTES + 1
  await tick(30)
  t.same(set, [FLAG], 'set when the heap passed the limit')
  await tick(30)
  t.same(set, [FLAG], 'and only once')
})

t.test('stopping the watch sets nothing later', async (t) => {
  const set: string[] = []
  let bytes = 0
  const stop = limitHeapGrowth({ setFlags: (flags) => set.push(flags), heapBytes: () => bytes, everyMs: 5 })
  stop()
  bytes = HEAP_LIMIT_FROM_BYTES * 2
  await tick(30)
  t.same(set, [])
})

t.test('the watch keeps no process alive', async (t) => {
  const heap = new URL('../../dist/cli/heap.js', import.meta.url).href
  const started = Date.now()
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', `import { limitHeapGrowth } from ${JSON.stringify(heap)}; limitHeapGrowth({ everyMs: 60000 })`], { encoding: 'utf8', timeout: 30_000 })
  t.equal(run.status, 0)
  t.ok(Date.now() - started < 30_000, 'exited without waiting for the timer')
})

t.test('this node accepts the flag at run time', async (t) => {
  const heap = new URL('../../dist/cli/heap.js', import.meta.url).href
  const known = spawnSync(process.execPath, ['--input-type=module', '-e', `import { limitHeapGrowth } from ${JSON.stringify(heap)}; limitHeapGrowth({ heapBytes: () => Infinity })`], { encoding: 'utf8' })
  t.equal(known.status, 0)
  t.equal(known.stderr, '', 'no "unrecognized flag"')
  // The check above can fail: V8 says so for a flag it does not know.
  const unknown = spawnSync(process.execPath, ['-e', "require('node:v8').setFlagsFromString('--heap-growing-percent-unknown=1')"], { encoding: 'utf8' })
  t.match(unknown.stderr, /unrecognized flag/)
})
