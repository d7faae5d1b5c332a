// The registry-keys memo (lib/fetch/store/keys-memo.ts): a registry's own keys are reused only within
// the lifetime its Cache-Control gave, never past MAX_KEYS_FRESH_MS, and only as this user's own runs
// sealed them; anything else is a miss (the registry is asked again).
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SealedPack } from '../../../lib/fetch/store/pack.js'
import { KeysMemo, MAX_KEYS_FRESH_MS } from '../../../lib/fetch/store/keys-memo.js'
import { createRegistryKey, formatKeysEndpoint } from '../../helpers/registry/index.js'

const REGISTRY = 'https://registry.example/'
const SOURCE = 'https://registry.example/-/npm/v1/keys'
const T0 = Date.parse('2026-01-10T00:00:00Z')
const key = createRegistryKey({ expires: '2030-01-01T00:00:00.000Z' })
const document = formatKeysEndpoint([key])

function memoIn(dir: string, secret = randomBytes(32)) {
  const pack = (at: number, k = secret) => new SealedPack({ file: join(dir, 'pack.json'), key: k, maxAgeMs: 7 * 24 * 3600 * 1000, now: () => new Date(at) })
  /** Remembers at T0 with `freshForMs` (and saves); returns a reader at a later time. */
  const remember = (freshForMs: number, registry = REGISTRY, tool = '1.0.0') => {
    const p = pack(T0)
    new KeysMemo({ pack: p, toolVersion: tool, now: () => new Date(T0) }).remember(registry, { document, source: SOURCE, freshForMs })
    p.save()
  }
  const recall = (at: number, options: { registry?: string; tool?: string; key?: typeof secret } = {}) =>
    new KeysMemo({ pack: pack(at, options.key), toolVersion: options.tool ?? '1.0.0', now: () => new Date(at) }).recall(options.registry ?? REGISTRY)
  return { remember, recall }
}

t.test('keys remembered with a lifetime are recalled, parsed again, until it ends', async (t) => {
  const { remember, recall } = memoIn(t.testdir())
  remember(60_000)
  const hit = recall(T0 + 59_000)
  t.match(hit, { state: 'fetched', source: SOURCE, kind: 'registry' })
  const keys = hit?.state === 'fetched' ? hit.keys : null
  t.same(keys?.map((k) => [k.keyid, k.spkiBase64]), [[key.keyid, key.spkiBase64]])
  t.same(keys?.[0]?.usages['npm:signatures']?.expires, new Date('2030-01-01T00:00:00.000Z'), 'validity as the parser gives it')
  t.equal(recall(T0 + 60_000), undefined, 'at the end of the lifetime: asked again')
})

t.test('never longer than MAX_KEYS_FRESH_MS, whatever the registry says; no lifetime, no memo', async (t) => {
  const capped = memoIn(t.testdir())
  capped.remember(24 * 3600 * 1000)
  t.ok(capped.recall(T0 + MAX_KEYS_FRESH_MS - 1))
  t.equal(capped.recall(T0 + MAX_KEYS_FRESH_MS), undefined)
  const none = memoIn(t.testdir())
  none.remember(0)
  t.equal(none.recall(T0), undefined, 'no-cache: nothing kept')
})

t.test('another registry, tool version or key, or a clock gone back: a miss', async (t) => {
  const { remember, recall } = memoIn(t.testdir())
  remember(60_000)
  t.equal(recall(T0 + 1000, { registry: 'https://other.example/' }), undefined)
  t.equal(recall(T0 + 1000, { tool: '1.0.1' }), undefined)
  t.equal(recall(T0 + 1000, { key: randomBytes(32) }), undefined, 'a pack sealed under another key')
  t.equal(recall(T0 - 1000), undefined, 'stored after now')
})

t.test('an entry whose lifetime goes past the cap, or whose document no longer parses, is a miss', async (t) => {
  const dir = t.testdir()
  const secret = randomBytes(32)
  const open = () => new SealedPack({ file: join(dir, 'pack.json'), key: secret, maxAgeMs: 7 * 24 * 3600 * 1000, now: () => new Date(T0) })
  const memoAt = (pack: SealedPack, at = T0) => new KeysMemo({ pack, toolVersion: '1.0.0', now: () => new Date(at) })
  const writer = open()
  memoAt(writer).remember(REGISTRY, { document, source: SOURCE, freshForMs: 60_000 })
  memoAt(writer).remember('https://bad.example/', { document: { keys: [{ keyid: 'x' }] }, source: SOURCE, freshForMs: 60_000 })
  writer.save()
  t.ok(memoAt(open()).recall(REGISTRY))
  t.equal(memoAt(open()).recall('https://bad.example/'), undefined, 'not a key document')
  // Each entry with a longer lifetime written into it (sealed with the real key: only a bug of ours could).
  const ids = readFileSync(join(dir, 'pack.json'), 'utf8').split('\n').slice(1, -1).map((line) => line.split(' ')[1]!)
  t.equal(ids.length, 2)
  const longer = JSON.stringify({ document, source: SOURCE, freshUntil: new Date(T0 + 2 * MAX_KEYS_FRESH_MS).toISOString() })
  const editor = open()
  for (const id of ids) editor.put('keys', id, longer, new Date(T0).toISOString())
  editor.save()
  t.equal(memoAt(open(), T0 + 1000).recall(REGISTRY), undefined, 'refused even within the cap')
  t.equal(memoAt(open(), T0 + MAX_KEYS_FRESH_MS + 1).recall(REGISTRY), undefined)
})
