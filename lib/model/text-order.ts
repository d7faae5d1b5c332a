/**
 * One order for the names, versions and codes of every report, the same on every machine: ICU's
 * root collation as `Intl.Collator('en')` gives it — what `String#localeCompare` gave under an
 * English or C locale — never the user's locale. With `localeCompare`, LANG=lt_LT put `y-pkg` before
 * `j-pkg` (Lithuanian sorts y with i), so a report's package order depended on the machine.
 *
 * Most npm names and versions are made of lowercase ASCII letters, digits and `_-.@/+~`. Root
 * collation gives each of those characters its own primary weight (punctuation first, then digits,
 * then letters), so for two such strings it is a plain comparison of each character's rank in
 * SIMPLE_ORDER, shorter first when one starts the other. The collator (~5 ms of ICU start-up, most
 * of the cost of sorting a 1,000-package report) is made only when a string has another character.
 * test/model/text-order.test.ts checks this against Intl.Collator('en') for every pair of these
 * characters and for random strings.
 */
export const SIMPLE_ORDER = '_-.@/+~0123456789abcdefghijklmnopqrstuvwxyz'

// RANK[code unit] = 1 + position in SIMPLE_ORDER; 0: not a simple character.
const RANK = new Uint8Array(128)
for (let i = 0; i < SIMPLE_ORDER.length; i++) RANK[SIMPLE_ORDER.charCodeAt(i)] = i + 1

let collator: Intl.Collator | undefined

/** Negative, zero or positive as `a` sorts before, with or after `b` (Intl.Collator('en').compare). */
export function compareText(a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i)
    const cb = b.charCodeAt(i)
    const ra = ca < 128 ? RANK[ca]! : 0
    const rb = cb < 128 ? RANK[cb]! : 0
    if (ra === 0 || rb === 0) return collate(a, b)
    if (ra !== rb) {
      // The rest must be simple too: a later character outside the set could not change the
      // primary difference found here, but check it anyway so that the answer is always the collator's.
      return isSimple(a, i + 1) && isSimple(b, i + 1) ? ra - rb : collate(a, b)
    }
  }
  if (!isSimple(a, n) || !isSimple(b, n)) return collate(a, b)
  return a.length - b.length
}

function isSimple(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 128 || RANK[c] === 0) return false
  }
  return true
}

function collate(a: string, b: string): number {
  collator ??= new Intl.Collator('en')
  return collator.compare(a, b)
}
