// The redactor's fast paths (a pattern runs only on text that can hold it, secrets prepared once,
// copy on write over the report) must remove exactly what the plain rule removes: compared here
// with that rule written out, on texts built to hit every pattern and their overlaps.
import t from 'tap'
import { createRedactor, redact, redactStrings, REDACTED } from '../../lib/fetch/redact.js'

/** The rule as first written: both patterns on every text, then every secret, longest first. */
function plainRedact(text: string, secrets: string[]): string {
  let out = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, `$1${REDACTED}@`).replace(/\bnpm_[A-Za-z0-9]{36}\b/g, REDACTED)
  const sorted = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)
  for (const secret of sorted) out = out.split(secret).join(REDACTED)
  return out
}

const TOKEN = `npm_${'a1B2c3D4e5'.repeat(3)}abcdef`
const SECRETS = ['s3cret-password', 'cret', 'abc', 'abcdef', 'xabc', 'p@ss', 'npm_x']
const PIECES = ['', 'https://', 'user:pw@', 'registry.example/', '@scope/pkg', TOKEN, ' ', 's3cret-password', 'xabcdef', 'p@ss', 'npm_', 'HTTP://u@h', '/', 'cret', '@', '***']

t.test('gives what the plain rule gives, on texts combining URLs, tokens and overlapping secrets', async (t) => {
  const redactor = createRedactor(SECRETS)
  let compared = 0
  for (const a of PIECES) {
    for (const b of PIECES) {
      for (const c of PIECES) {
        const text = a + b + c
        const want = plainRedact(text, SECRETS)
        if (redactor(text) !== want || redact(text, SECRETS) !== want) t.fail(`differs on ${JSON.stringify(text)}`)
        compared++
      }
    }
  }
  t.equal(compared, PIECES.length ** 3)
  t.equal(redactor(`https://user:pw@registry.example/ ${TOKEN} s3cret-password`), `https://${REDACTED}@registry.example/ ${REDACTED} ${REDACTED}`)
})

t.test('without secrets (none configured): what the plain rule gives, URLs and tokens only', async (t) => {
  const redactor = createRedactor([])
  for (const a of PIECES) for (const b of PIECES) for (const c of PIECES) if (redactor(a + b + c) !== plainRedact(a + b + c, [])) t.fail(`differs on ${JSON.stringify(a + b + c)}`)
  t.equal(redactor(`https://user:pw@registry.example/ ${TOKEN} s3cret-password`), `https://${REDACTED}@registry.example/ ${REDACTED} s3cret-password`)
  t.equal(createRedactor(['abc'])('https://u@h abc'), `https://${REDACTED}@h abc`, 'only secrets too short to use: the same')
})

t.test('a secret that contains another is removed whole, however the list is ordered', async (t) => {
  t.equal(createRedactor(['cret', 's3cret-password'])('x s3cret-password y'), `x ${REDACTED} y`)
  t.equal(createRedactor(['s3cret-password', 'cret'])('x s3cret-password y'), `x ${REDACTED} y`)
  t.equal(createRedactor(['abc'])('abc'), 'abc', 'a secret shorter than 4 characters is not used')
})

t.test('redactStrings: redacts every string in arrays and plain objects, and never modifies its input', async (t) => {
  const input = { a: 'keep', list: ['keep', 'https://u:p@h/x', { deep: 'tok s3cret-password' }], n: 1, none: null, map: new Map([['k', 'https://u:p@h/']]) }
  const snapshot = JSON.stringify(input)
  const out = redactStrings(input, createRedactor(SECRETS))
  t.same(JSON.parse(JSON.stringify(out)), { a: 'keep', list: ['keep', `https://${REDACTED}@h/x`, { deep: `tok ${REDACTED}` }], n: 1, none: null, map: {} })
  t.equal(JSON.stringify(input), snapshot, 'the input is unchanged')
  t.not(out, input)
  t.not(out.list, input.list)
  t.equal(out.map, input.map, 'what is not an array or plain object is kept as it is')
})

t.test('redactStrings: what holds nothing to redact is returned as it is, not copied', async (t) => {
  const clean = { name: 'a', versions: ['1.0.0', '2.0.0'], nested: { registry: 'https://registry.npmjs.org/' } }
  const dirty = { clean: clean.nested, other: { url: 'https://u:p@h/' } }
  t.equal(redactStrings(clean, createRedactor(SECRETS)), clean)
  const out = redactStrings(dirty, createRedactor(SECRETS))
  t.not(out, dirty)
  t.equal(out.clean, dirty.clean, 'an untouched branch is shared')
  t.not(out.other, dirty.other)
})

t.test('redactStrings: a __proto__ key stays a key of the copy', async (t) => {
  const input = JSON.parse('{"__proto__": {"x": "keep"}, "b": "https://u:p@h/"}') as Record<string, unknown>
  const out = redactStrings(input, createRedactor())
  t.equal(Object.getPrototypeOf(out), Object.prototype)
  t.same(Object.keys(out), ['__proto__', 'b'])
  t.equal(out.b, `https://${REDACTED}@h/`)
})

t.test('redactStrings: every string value, repeats and nested ones included, goes through redactText', async (t) => {
  const seen: string[] = []
  const counting = (text: string): string => {
    seen.push(text)
    return text.toUpperCase()
  }
  t.same(redactStrings(['a', 'a', { k: 'a', n: 1, z: null, d: [true, 'b'] }, 'b'], counting), ['A', 'A', { k: 'A', n: 1, z: null, d: [true, 'B'] }, 'B'])
  t.same(seen, ['a', 'a', 'a', 'b', 'b'])
})

t.test('redactStrings: a copy keeps the own keys in their order, and only them', async (t) => {
  // Integer-like keys come first in Object.keys' order; the key that changes comes after some.
  const input: Record<string, unknown> = { b: 'x', 2: 'y', a: 'https://u:p@h/', 1: 'z', c: 'w' }
  const out = redactStrings(input, createRedactor())
  t.same(Object.entries(out), [['1', 'z'], ['2', 'y'], ['b', 'x'], ['a', `https://${REDACTED}@h/`], ['c', 'w']])
  // An enumerable property inherited from Object.prototype is not the object's: never visited nor copied.
  Object.defineProperty(Object.prototype, 'inherited', { value: 'https://u:p@h/', enumerable: true, configurable: true })
  try {
    const seen: string[] = []
    const clean = { k: 'v' }
    t.equal(redactStrings(clean, (text) => (seen.push(text), text)), clean)
    t.same(seen, ['v'])
    const copy = redactStrings({ k: 'https://u:p@h/' }, createRedactor())
    t.same(Object.keys(copy), ['k'])
  } finally {
    delete (Object.prototype as Record<string, unknown>).inherited
  }
})
