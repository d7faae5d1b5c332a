/** lib/model/text-order.ts: compareText is Intl.Collator('en').compare, whatever the user's locale. */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { compareText, SIMPLE_ORDER } from '../../lib/model/text-order.js'

const collator = new Intl.Collator('en')
const sign = (n: number) => Math.sign(n)

t.test('every pair of simple characters is ordered as the collator orders it', async (t) => {
  let checked = 0
  for (const a of SIMPLE_ORDER) {
    for (const b of SIMPLE_ORDER) {
      for (const [x, y] of [[a, b], [`p${a}`, `p${b}`], [`${a}x`, `${b}`], [`${a}`, `${a}${b}`]] as const) {
        if (sign(compareText(x, y)) !== sign(collator.compare(x, y))) t.fail(`${JSON.stringify(x)} vs ${JSON.stringify(y)}`)
        checked++
      }
    }
  }
  t.pass(`${checked} pairs`)
})

t.test('random names and versions, simple or not, are ordered as the collator orders them', async (t) => {
  // A small deterministic generator (no Math.random: a failure must reproduce).
  let seed = 42
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const alphabets = [SIMPLE_ORDER, `${SIMPLE_ORDER}ABCXYZ ÄéıİŁß中-_`, 'abyij-.', '0123456789.-+abrc']
  let mismatches = 0
  for (let i = 0; i < 20000; i++) {
    const alphabet = alphabets[i % alphabets.length]!
    const word = () => Array.from({ length: 1 + Math.floor(next() * 8) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('')
    const a = word()
    const b = next() < 0.3 ? a + word() : word()
    if (sign(compareText(a, b)) !== sign(collator.compare(a, b))) {
      mismatches++
      if (mismatches < 5) t.fail(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: ${compareText(a, b)} / ${collator.compare(a, b)}`)
    }
  }
  t.equal(mismatches, 0)
  t.equal(compareText('same', 'same'), 0)
})

t.test("the user's locale does not change the order (localeCompare did: Lithuanian sorts y with i)", async (t) => {
  const names = ['y-pkg', 'j-pkg', 'i-pkg', 'A-pkg', 'a_b', 'a-b', 'ab', 'zed', 'Zed', 'ärger', '@scope/x']
  const moduleUrl = new URL('../../lib/model/text-order.ts', import.meta.url).href
  const orders = ['C', 'en_US.UTF-8', 'lt_LT.UTF-8', 'sv_SE.UTF-8', 'tr_TR.UTF-8'].map((lang) => {
    const run = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', `const { compareText } = await import(${JSON.stringify(moduleUrl)}); console.log(JSON.stringify(${JSON.stringify(names)}.sort(compareText)))`], {
      encoding: 'utf8',
      env: { ...process.env, LANG: lang, LC_ALL: lang },
    })
    t.equal(run.status, 0, run.stderr)
    return run.stdout.trim()
  })
  t.equal(new Set(orders).size, 1, orders.join('\n'))
  t.same(JSON.parse(orders[0]!), [...names].sort(collator.compare))
})
