/**
 * Streaming the JSON and SARIF reports (describe.ts: stringifyJSONChunks): the pieces, joined, are
 * byte for byte what stringifyJSON gives for the whole document, whatever the values.
 */
import t from 'tap'
import { JsonArrayStream, stringifyJSON, stringifyJSONChunks } from '../../lib/report/describe.js'
import { formatReportJson, toJsonReport } from '../../lib/report/json.js'
import { formatReportSarif, toSarifLog } from '../../lib/report/sarif.js'
import { buildReport, lockfileTextFor, result, sampleReport } from './fixtures.js'

const joined = (value: unknown) => [...stringifyJSONChunks(value)].join('')

/** A deterministic pseudo-random JSON-ish value: nested objects and arrays, empties, strings with control characters. */
function randomValue(seed: number, depth: number): unknown {
  let state = seed
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648
  const make = (d: number): unknown => {
    const r = next()
    if (d <= 0 || r < 0.3) {
      const leaves = [0, -1.5, 1e21, true, false, null, '', 'plain', 'line\nbreak', 'c1 \u0085 del \u007f ls \u2028 ps \u2029', 'quote " and \\ back', '\u00e9\u{1f600}', undefined, new Date(0)]
      return leaves[Math.floor(next() * leaves.length)]
    }
    const n = Math.floor(next() * 4)
    if (r < 0.65) return Array.from({ length: n }, () => make(d - 1))
    return Object.fromEntries(Array.from({ length: n }, (_, i) => [[`k${i}`, 'a\u2028b', '\u0090', '0', 'x y'][i % 5]!, make(d - 1)]))
  }
  return make(depth)
}

t.test('the pieces join to exactly stringifyJSON, for many generated values', async (t) => {
  for (let seed = 1; seed <= 400; seed++) {
    const value = { top: randomValue(seed, 7), list: [randomValue(seed + 1000, 6), randomValue(seed + 2000, 3)] }
    const expected = stringifyJSON(value)
    if (joined(value) !== expected) {
      t.equal(joined(value), expected, `seed ${seed}`)
      return
    }
  }
  t.pass('400 values, identical bytes')
})

t.test('edge values: empties, members without a JSON form, toJSON, deep nesting', async (t) => {
  const values: unknown[] = [
    {},
    [],
    { a: undefined, f: () => 1 },
    [undefined, () => 1, Symbol('s')],
    { d: new Date(86_400_000), b: Buffer.from('hi') },
    { x: { y: { z: { w: { v: { u: [1, { t: [] }] } } } } } },
    [[[[[[['deep']]]]]]],
    'just a string',
    42,
    null,
  ]
  for (const value of values) t.equal(joined(value), stringifyJSON(value), JSON.stringify(value) ?? String(value))
})

t.test('a JsonArrayStream is written as the array of its items, made while writing', async (t) => {
  let made = 0
  const items = function* () {
    for (let i = 0; i < 3; i++) {
      made++
      yield { i, nested: { list: [i, undefined] } }
    }
  }
  const chunks = stringifyJSONChunks({ head: 1, items: new JsonArrayStream(items), tail: [] })
  t.equal(made, 0, 'nothing made before writing')
  t.equal([...chunks].join(''), stringifyJSON({ head: 1, items: [...items()], tail: [] }))
  t.equal(joined({ empty: new JsonArrayStream(() => []) }), stringifyJSON({ empty: [] }))
})

t.test('a JsonArrayStream of any length, at any depth, is the array JSON.stringify writes (items are stringified in batches)', async (t) => {
  for (const count of [1, 2, 63, 64, 65, 128, 129, 200]) {
    const items = () => Array.from({ length: count }, (_, i) => (i % 7 === 3 ? undefined : { i, s: 'line\nbreak \u0085', list: [i, [], {}, { deep: [null] }] }))
    const plain = Array.from(items())
    t.equal(joined({ a: new JsonArrayStream(items) }), stringifyJSON({ a: plain }), `${count} items, in an object`)
    t.equal(joined([1, { b: { c: new JsonArrayStream(items) } }]), stringifyJSON([1, { b: { c: plain } }]), `${count} items, three levels down`)
    t.equal(joined(new JsonArrayStream(items)), stringifyJSON(plain), `${count} items, at the top`)
  }
})

t.test('the json and sarif formats write the same bytes as the whole document', async (t) => {
  const reports = [sampleReport(), buildReport([]), buildReport([result('a\u0085b', '1.0.0'), result('c', '2.0.0')])]
  for (const report of reports) {
    const json = formatReportJson(report)
    t.equal(json.main, stringifyJSON(toJsonReport(report)) + '\n')
    t.equal([...json.mainChunks!()].join(''), json.main, 'json: pieces join to main')
    t.ok([...json.mainChunks!()].length > report.packages.length, 'json: more than one piece')
    const options = { lockfileText: lockfileTextFor(report) }
    const sarif = formatReportSarif(report, options)
    t.equal(sarif.main, stringifyJSON(toSarifLog(report, options)) + '\n')
    t.equal([...sarif.mainChunks!()].join(''), sarif.main, 'sarif: pieces join to main')
  }
})

t.test('each package, written by one JSON.stringify, keeps DEL, C1 controls and U+2028/9 escaped (inert on a terminal)', async (t) => {
  const hostile = 'x\u007f\u0085\u009b31m\u2028\u2029'
  const report = buildReport([result(`a${hostile}`, '1.0.0'), result('b', `2.0.0${hostile}`)])
  const json = [...formatReportJson(report).mainChunks!()].join('')
  t.notMatch(json, /[\u007f-\u009f\u2028\u2029]/, 'json: no raw DEL, C1, U+2028 or U+2029')
  t.match(json, '"name": "ax\\u007f\\u0085\\u009b31m\\u2028\\u2029"', 'json: each escaped as \\uXXXX')
  const packages = (JSON.parse(json) as { packages: Array<{ name: string; version: string }> }).packages
  t.same(packages.map((p) => [p.name, p.version]), [[`a${hostile}`, '1.0.0'], ['b', `2.0.0${hostile}`]], 'json: the same strings once parsed')
  const sarif = [...formatReportSarif(report, { lockfileText: lockfileTextFor(report) }).mainChunks!()].join('')
  t.notMatch(sarif, /[\u007f-\u009f\u2028\u2029]/, 'sarif: no raw DEL, C1, U+2028 or U+2029')
})
