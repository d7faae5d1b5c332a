// Verdict identity: the bench stops when two runs decide a package differently.
import t from 'tap'
import { compareVerdicts, readVerdicts } from '../../bench/verdicts.js'

const report = (packages: [string, string, string[]][]) =>
  JSON.stringify({
    summary: { total: packages.length, pass: 0, warn: 0, fail: 0, skipped: 0 },
    packages: packages.map(([name, decision, codes]) => ({ name, version: '1.0.0', decision, findings: codes.map((code) => ({ code })) })),
  })

t.test('same decisions and finding codes in every run pass', async (t) => {
  const a = readVerdicts(report([['a', 'pass', []], ['b', 'warn', ['Y', 'X']]]), 2)
  const b = readVerdicts(report([['b', 'warn', ['X', 'Y']], ['a', 'pass', []]]), 2)
  t.equal(a.byPackage.get('b@1.0.0'), 'warn [X Y]')
  t.doesNotThrow(() => compareVerdicts([{ label: 'cold', verdicts: a }, { label: 'warm', verdicts: b }]))
})

t.test('a changed decision, finding or package fails loudly', async (t) => {
  const cold = readVerdicts(report([['a', 'pass', []], ['b', 'warn', ['X']]]), 2)
  for (const warm of [report([['a', 'fail', []], ['b', 'warn', ['X']]]), report([['a', 'pass', []], ['b', 'warn', ['Z']]]), report([['a', 'pass', []], ['c', 'warn', ['X']]])]) {
    t.throws(() => compareVerdicts([{ label: 'cold', verdicts: cold }, { label: 'warm', verdicts: readVerdicts(warm, 2) }]), /VERDICTS DIFFER/)
  }
})

t.test('a report that is not JSON or misses packages is refused', async (t) => {
  t.throws(() => readVerdicts('oops', 1), /no JSON report/)
  t.throws(() => readVerdicts('{}', 1), /no packages or summary/)
  t.throws(() => readVerdicts(report([['a', 'pass', []]]), 2), /decided 1 packages .* the world has 2/)
})
