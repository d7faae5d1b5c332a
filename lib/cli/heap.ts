/**
 * The one V8 setting verify-deps changes at run time, here and nowhere else (started by main.ts
 * before a command runs).
 *
 * A check keeps little per package (facts, the sealed store's entries) but passes much more through
 * the main thread's heap: each package's version document and attestation bundles, parsed, sent to
 * a verify worker, and dropped. Much of it lives long enough to be promoted to the old generation,
 * and V8 by default lets the old generation grow to 2–4× what survived the last full GC before it
 * collects again. At 10,000 packages that was a live set of ~70 MB in a heap of ~200 MB (peak RSS
 * 330–350 MB). With growth held to HEAP_GROWING_PERCENT past the live set the peak was 255–265 MB.
 *
 * Held only once the heap is big: a check of 1,000 packages never has more than ~70 MB of heap, and
 * holding its growth made it ~5% slower for no smaller peak (2.22 s against 2.11 s, 160 MB against
 * 164 MB, four alternating runs each). So the heap's size is looked at every HEAP_CHECK_MS (a timer
 * that keeps no process alive), and the flag is set the first time it passes HEAP_LIMIT_FROM_BYTES.
 *
 * `--heap-growing-percent` only changes when the next full GC starts (V8 reads it each time it sets
 * the old generation's limit), so setting it after start-up is safe; the heap limits themselves
 * (semi-space size, max old space) are fixed at start-up and are not touched. Node 20, 22, 24 and 26
 * know the flag (test/cli/heap.test.ts checks the node it runs on).
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8'

export const HEAP_GROWING_PERCENT = 40
/** The main thread's heap (V8's total_heap_size) from which its growth is held. */
export const HEAP_LIMIT_FROM_BYTES = 96 * 1024 * 1024
export const HEAP_CHECK_MS = 100

export interface HeapWatch {
  setFlags?: (flags: string) => void
  heapBytes?: () => number
  everyMs?: number
}

/**
 * Holds the main thread's old-generation growth to HEAP_GROWING_PERCENT past its live set once its
 * heap passes HEAP_LIMIT_FROM_BYTES (at once if it already has). Returns a function that stops
 * watching; the watch never keeps the process alive.
 */
export function limitHeapGrowth(watch: HeapWatch = {}): () => void {
  const setFlags = watch.setFlags ?? setFlagsFromString
  const heapBytes = watch.heapBytes ?? (() => getHeapStatistics().total_heap_size)
  const hold = () => setFlags(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
  if (heapBytes() >= HEAP_LIMIT_FROM_BYTES) {
    hold()
    return () => {}
  }
  const timer = setInterval(() => {
    if (heapBytes() < HEAP_LIMIT_FROM_BYTES) return
    clearInterval(timer)
    hold()
  }, watch.everyMs ?? HEAP_CHECK_MS)
  timer.unref()
  return () => clearInterval(timer)
}
