// The sealed store (lib/fetch/store): a warm run takes the tree and each package's verified facts from
// one pack authenticated with a key kept outside the cache. Through the library on the loopback
// registry: a warm run gives the report a run without any cache gives, byte for byte, without a
// request for a package document; and whoever can write the cache (but not the key) cannot turn a
// failing package into a pass or hide a package: a forged, edited or foreign entry is a miss.
import t, { type Test } from 'tap'
import { createHmac, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { checkScenario, type CheckResult } from '../helpers/check.js'
import { createScenario, type Scenario } from '../helpers/scenario/index.js'
import { cleanEnv } from './run.js'
import { defaultKeyFile, KEY_BYTES, PACK_FILE } from '../../lib/fetch/store/index.js'

interface PackEntry {
  kind: string
  id: string
  storedAt: string
  data: string
  mac: string
}

const MIXED = [
  { name: 'good', version: '1.0.0' },
  { name: 'bad-sig', version: '1.0.0', signature: 'invalid' as const },
  { name: 'bad-prov', version: '1.0.0', provenance: 'tampered' as const },
  { name: 'no-prov', version: '1.0.0', provenance: 'missing' as const },
  { name: 'scripted', version: '1.0.0', scripts: { postinstall: 'node x.js' } },
  { name: 'unknown-key', version: '1.0.0', signature: 'unknown-key' as const },
]

function decisions(r: CheckResult): Record<string, string> {
  return Object.fromEntries((r.json.packages as Array<{ name: string; decision: string }>).map((p) => [p.name, p.decision]))
}

/** The package documents the run asked the registry for (not the keys). */
function packageRequests(s: Scenario): string[] {
  return s.registry.requests.map((q) => q.path).filter((path) => path !== '/-/npm/v1/keys')
}

function keyFileOf(s: Scenario): string {
  return defaultKeyFile(cleanEnv(join(s.dir, 'home')))!
}

function readPack(cacheDir: string): PackEntry[] {
  return (JSON.parse(readFileSync(join(cacheDir, PACK_FILE), 'utf8')) as { entries: PackEntry[] }).entries
}

function writePack(cacheDir: string, entries: PackEntry[]): void {
  writeFileSync(join(cacheDir, PACK_FILE), JSON.stringify({ format: 1, entries }))
}

/** An entry sealed as lib/fetch/store/pack.ts seals it: what only the key's holder can make. */
function seal(key: Buffer, entry: Omit<PackEntry, 'mac'>): PackEntry {
  const mac = createHmac('sha256', key).update(`verify-deps sealed pack 1\0${entry.kind}\0${entry.id}\0${entry.storedAt}\0`).update(entry.data).digest('hex')
  return { ...entry, mac }
}

/** The pack with every failing package's facts replaced by the good package's, sealed under `key`. */
function forgedPack(entries: PackEntry[], key: Buffer, names: string[]): PackEntry[] {
  const good = factsEntryOf(entries, 'good')
  const targets = new Map(names.map((name) => [factsEntryOf(entries, name), name]))
  return entries.map((e) => {
    const name = targets.get(e)
    return name ? seal(key, { ...e, data: good.data.replaceAll('"good"', JSON.stringify(name)) }) : e
  })
}

function factsEntryOf(entries: PackEntry[], name: string): PackEntry {
  const found = entries.find((e) => e.kind === 'facts' && (JSON.parse(e.data) as { facts: { name: string } }).facts.name === name)
  if (!found) throw new Error(`no facts entry for ${name}`)
  return found
}

async function mixedScenario(t: Test) {
  const s = await createScenario(t, { packages: MIXED })
  const cacheDir = join(s.dir, 'cache')
  const check = (more: { cacheDir?: string | false } = {}) => checkScenario(s, { trustedRootFile: s.trustedRootFile, cacheDir, ...more })
  return { s, cacheDir, check }
}

t.test('a warm run gives exactly the report of a run without a cache, with no package request', async (t) => {
  const { s, cacheDir, check } = await mixedScenario(t)
  const uncached = await check({ cacheDir: false })
  const cold = await check()
  t.ok(existsSync(join(cacheDir, PACK_FILE)), 'the cold run wrote one pack')
  const entries = readPack(cacheDir)
  t.equal(entries.filter((e) => e.kind === 'tree').length, 1, 'the tree is memoized')
  t.equal(entries.filter((e) => e.kind === 'facts').length, MIXED.length, 'the facts of every package are memoized, pass or fail')
  const key = readFileSync(keyFileOf(s))
  t.equal(key.length, KEY_BYTES, 'a key was made outside the cache folder')
  t.notOk(keyFileOf(s).startsWith(cacheDir), 'the key is not in the cache folder')

  s.registry.clearRequests()
  const warm = await check()
  t.same(packageRequests(s), [], 'no package document was requested')
  for (const format of ['json', 'text', 'sarif'] as const) {
    t.equal(warm.output(format), uncached.output(format), `${format}: the warm report is the uncached one, byte for byte`)
    t.equal(cold.output(format), uncached.output(format), `${format}: so is the cold one`)
  }
  t.equal(warm.status, uncached.status)
  t.same(decisions(warm), { 'bad-prov': 'fail', 'bad-sig': 'fail', good: 'pass', 'no-prov': decisions(uncached)['no-prov'], scripted: decisions(uncached).scripted, 'unknown-key': 'fail' })
})

t.test('other trust material is a miss: the facts are verified afresh', async (t) => {
  const { s, cacheDir, check } = await mixedScenario(t)
  t.equal(decisions(await check()).good, 'pass')
  // The registry's keys pinned from a file where every keyid is another: no signature names a known key.
  const keys = JSON.parse(readFileSync(s.registryKeysFile, 'utf8')) as { keys: Array<{ keyid: string }> }
  const otherKeys = join(s.dir, 'other-keys.json')
  writeFileSync(otherKeys, JSON.stringify({ ...keys, keys: keys.keys.map((k) => ({ ...k, keyid: `other-${k.keyid}` })) }))
  const pinned = { trustedRootFile: s.trustedRootFile, registryKeysPins: { [s.registry.url]: otherKeys } }
  const uncached = await checkScenario(s, { ...pinned, cacheDir: false })
  const memo = await checkScenario(s, { ...pinned, cacheDir })
  t.not(decisions(uncached).good, 'pass', 'with other keys the good package does not pass')
  t.equal(memo.output('json'), uncached.output('json'), 'the memo run is the uncached run')
})

t.test('a forged or edited pack entry never turns a failing package into a pass', async (t) => {
  const { s, cacheDir, check } = await mixedScenario(t)
  const first = await check()
  const expected = decisions(first)
  const entries = readPack(cacheDir)
  const good = factsEntryOf(entries, 'good')

  const goodAs = (name: string): string => good.data.replaceAll('"good"', JSON.stringify(name))
  const forgeries: Record<string, (entry: PackEntry, name: string) => PackEntry> = {
    'the good facts written into the bad entry, its MAC kept': (e, name) => ({ ...e, data: goodAs(name) }),
    "the good entry (data and MAC) under the bad entry's id": (e) => ({ ...good, id: e.id }),
    'the good facts with a fresher time, the MAC kept': (e, name) => ({ ...e, storedAt: new Date().toISOString(), data: goodAs(name) }),
  }
  // The control: the same forgery sealed with the user's key is used (so the entries are read at all).
  writePack(cacheDir, forgedPack(entries, readFileSync(keyFileOf(s)), ['bad-sig']))
  t.equal(decisions(await check())['bad-sig'], 'pass', 'control: an entry sealed with the key is taken as verified')
  const targets = new Map(['bad-sig', 'bad-prov', 'unknown-key'].map((name) => [factsEntryOf(entries, name), name]))
  for (const [what, forge] of Object.entries(forgeries)) {
    writePack(cacheDir, entries.map((e) => (targets.has(e) ? forge(e, targets.get(e)!) : e)))
    const again = await check()
    t.same(decisions(again), expected, `${what}: every verdict stands`)
    t.equal(again.status, 1, `${what}: still exit 1`)
  }
  // A torn pack is a miss too, and the run rewrites it.
  writeFileSync(join(cacheDir, PACK_FILE), readFileSync(join(cacheDir, PACK_FILE), 'utf8').slice(0, 100))
  t.same(decisions(await check()), expected, 'a torn pack: every verdict stands')
  t.ok(readPack(cacheDir).length > 0, 'and the pack was written again whole')
})

t.test('entries sealed under another key are a miss', async (t) => {
  const { s, cacheDir, check } = await mixedScenario(t)
  const expected = decisions(await check())
  // The good package's facts for every failing package, sealed under an attacker's own key.
  writePack(cacheDir, forgedPack(readPack(cacheDir), randomBytes(KEY_BYTES), ['bad-sig', 'bad-prov', 'unknown-key']))
  t.same(decisions(await check()), expected, 'every verdict stands')

  // A new key (the old file removed): what the old key sealed is a miss, and is sealed again.
  const keyFile = keyFileOf(s)
  const old = readFileSync(keyFile)
  rmSync(keyFile)
  rmSync(join(cacheDir, 'evidence-v3'), { recursive: true })
  s.registry.clearRequests()
  t.same(decisions(await check()), expected, 'every verdict stands')
  t.ok(packageRequests(s).length > 0, 'the entries under the old key were not used')
  t.notSame(readFileSync(keyFile), old, 'a new key was made')
  rmSync(join(cacheDir, 'evidence-v3'), { recursive: true })
  s.registry.clearRequests()
  t.same(decisions(await check()), expected, 'every verdict stands')
  t.same(packageRequests(s), [], 'the next run used the entries sealed under the new key')
})

t.test('a swapped tree memo cannot hide a package', async (t) => {
  const { s, cacheDir, check } = await mixedScenario(t)
  const expected = decisions(await check())
  const entries = readPack(cacheDir)
  const tree = entries.find((e) => e.kind === 'tree')!
  const data = JSON.parse(tree.data) as { tree: { packages: Array<{ name: string }> } }
  data.tree.packages = data.tree.packages.filter((p) => p.name !== 'bad-sig')
  const { 'bad-sig': _dropped, ...rest } = expected
  writePack(cacheDir, entries.map((e) => (e === tree ? seal(readFileSync(keyFileOf(s)), { ...e, data: JSON.stringify(data) }) : e)))
  t.same(decisions(await check()), rest, 'control: a tree sealed with the key is used as it is')
  writePack(cacheDir, entries.map((e) => (e === tree ? { ...e, data: JSON.stringify(data) } : e)))
  t.same(decisions(await check()), expected, 'edited without the key: bad-sig is still reported, and still fails')
  writePack(cacheDir, entries.map((e) => (e === tree ? seal(randomBytes(KEY_BYTES), { ...e, data: JSON.stringify(data) }) : e)))
  t.same(decisions(await check()), expected, 'sealed under another key: bad-sig is still reported, and still fails')

  // A project change the memo keyed: a package.json the lockfile no longer covers.
  const manifest = join(s.projectDir, 'package.json')
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies: Record<string, string> }
  writeFileSync(manifest, JSON.stringify({ ...pkg, dependencies: { ...pkg.dependencies, 'not-locked': '^1.0.0' } }))
  await t.rejects(check(), { code: 'ELOCKSYNC' }, 'the changed project is loaded afresh: the lockfile does not cover it')
})

t.test('a workspace package.json change is a tree memo miss', async (t) => {
  const s = await createScenario(t, {
    packages: [{ name: 'good', version: '1.0.0' }],
    project: { workspaces: { 'packages/a': { name: 'a', dependencies: { good: '^1.0.0' } } } },
  })
  const cacheDir = join(s.dir, 'cache')
  const check = () => checkScenario(s, { trustedRootFile: s.trustedRootFile, cacheDir })
  t.equal((await check()).status, 0)
  const manifest = join(s.projectDir, 'packages', 'a', 'package.json')
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>
  writeFileSync(manifest, JSON.stringify({ ...pkg, dependencies: { good: '^1.0.0', 'not-locked': '^1.0.0' } }))
  await t.rejects(check(), { code: 'ELOCKSYNC' }, 'the workspace manifest is read again')
})

t.test('a key file that is not a 0600 regular file of this user turns the store off, with one notice', async (t) => {
  const { s, cacheDir, check } = await mixedScenario(t)
  const expected = decisions(await check())
  const keyFile = keyFileOf(s)
  const key = readFileSync(keyFile)
  const forged = forgedPack(readPack(cacheDir), key, ['bad-sig', 'bad-prov', 'unknown-key'])

  const refusals: Record<string, () => void> = {
    'mode 0644': () => chmodSync(keyFile, 0o644),
    'a symbolic link': () => {
      const target = join(s.dir, 'elsewhere.key')
      writeFileSync(target, key, { mode: 0o600 })
      rmSync(keyFile)
      symlinkSync(target, keyFile)
    },
    'the wrong size': () => writeFileSync(keyFile, Buffer.concat([key, Buffer.from('x')]), { mode: 0o600 }),
  }
  for (const [what, refuse] of Object.entries(refusals)) {
    rmSync(keyFile, { force: true })
    mkdirSync(dirname(keyFile), { recursive: true })
    writeFileSync(keyFile, key, { mode: 0o600 })
    chmodSync(keyFile, 0o600)
    refuse()
    // The pack holds forged entries sealed with the key's bytes: a refused key file must not unlock them.
    writePack(cacheDir, forged)
    const r = await check()
    t.same(decisions(r), expected, `${what}: every verdict stands (the memo was not used)`)
    const notices = (r.json.notices as string[]).filter((n) => n.startsWith('verification memo off'))
    t.equal(notices.length, 1, `${what}: one notice`)
    t.match(notices[0], keyFile, `${what}: naming the file`)
  }
})
