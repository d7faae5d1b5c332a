/**
 * lib/cli/heap.ts: the one V8 flag the CLI sets at run time, and that this node's V8 knows it (an
 * unknown flag is only a line on stderr, so it would otherwise fail silently).
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from '../../lib/cli/heap.js'

t.test('limitHeapGrowth sets --heap-growing-percent', async (t) => {
  const set: string[] = []
  limitHeapGrowth((flags) => set.push(flags))
  t.same(set, [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`])
})

t.test('this node accepts the flag at run time', async (t) => {
  const heap = new URL('../../dist/cli/heap.js', import.meta.url).href
  const known = spawnSync(process.execPath, ['--input-type=module', '-e', `import { limitHeapGrowth } from ${JSON.stringify(heap)}; limitHeapGrowth()`], { encoding: 'utf8' })
  t.equal(known.status, 0)
  t.equal(known.stderr, '', 'no "unrecognized flag"')
  // The check above can fail: V8 says so for a flag it does not know.
  const unknown = spawnSync(process.execPath, ['-e', "require('node:v8').setFlagsFromString('--heap-growing-percent-unknown=1')"], { encoding: 'utf8' })
  t.match(unknown.stderr, /unrecognized flag/)
})
