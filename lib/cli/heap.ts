/**
 * The one V8 setting verify-deps changes at run time, here and nowhere else (called by main.ts
 * before a command runs).
 *
 * A check keeps little per package (facts, the sealed store's entries) but passes much more through
 * the main thread's heap: each package's version document and attestation bundles, parsed, sent to
 * a verify worker, and dropped. Much of it lives long enough to be promoted to the old generation,
 * and V8 by default lets the old generation grow to 2–4× what survived the last full GC before it
 * collects again. At 10,000 packages that was a live set of ~70 MB in a heap of ~200 MB (peak RSS
 * 330–350 MB). With growth held to HEAP_GROWING_PERCENT past the live set the peak was 255–265 MB
 * for the same CPU time within noise (26.6–32.0 s user without, 27.6–29.7 s with, on a loaded
 * 2-core machine; 20% gave ~250 MB at up to 3% more CPU).
 *
 * `--heap-growing-percent` only changes when the next full GC starts (V8 reads it each time it sets
 * the old generation's limit), so setting it after start-up is safe; the heap limits themselves
 * (semi-space size, max old space) are fixed at start-up and are not touched.
 */
import { setFlagsFromString } from 'node:v8'

export const HEAP_GROWING_PERCENT = 40

/** Holds the main thread's old-generation growth to HEAP_GROWING_PERCENT past its live set. */
export function limitHeapGrowth(setFlags: (flags: string) => void = setFlagsFromString): void {
  setFlags(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
}
