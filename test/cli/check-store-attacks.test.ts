// The sealed store against whoever can write the cache folder but not read the key (a dependency's
// postinstall, a restored CI cache): a forged, edited or foreign pack entry, a swapped tree memo or a
// refused key file never turns a failing package into a pass or hides a package. Each attack has a
// control showing that an entry sealed with the key is used, so the misses are real.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { checkScenario, TOOL_VERSION } from '../helpers/check.js'
import { createScenario } from '../helpers/scenario/index.js'
import { CACHE_FORMAT, canonicalJSON, ENTRIES_DIR } from '../../lib/fetch/cache.js'
import { sha256 } from '../../lib/fetch/store/facts-memo.js'
import { KEY_BYTES, PACK_FILE } from '../../lib/fetch/store/index.js'
import { decisions, factsEntryOf, forgedPack, keyFileOf, mixedScenario, packageRequests, packMac, readPack, writePack, type PackEntry } from './store-helpers.js'

t.test('a forged or edited pack entry never turns a failing package into a pass', async (t) => {
  const { s, cacheDir, check } = await mixedScenario(t)
  const first = await check()
  const expected = decisions(first)
  const entries = readPack(cacheDir)
  const mac = packMac(cacheDir)
  const key = readFileSync(keyFileOf(s))
  const good = factsEntryOf(entries, 'good')

  const goodAs = (name: string): string => good.data.replaceAll('"good"', JSON.stringify(name))
  const forgeries: Record<string, (entry: PackEntry, name: string) => PackEntry> = {
    'the good facts written into the bad entry, its MAC kept': (e, name) => ({ ...e, data: goodAs(name) }),
    "the good entry under the bad entry's id, the MAC kept": (e) => ({ ...good, id: e.id }),
    'the good facts with a fresher time, the MAC kept': (e, name) => ({ ...e, storedAt: new Date().toISOString(), data: goodAs(name) }),
  }
  // The control: the same forgery sealed with the user's key is used (so the entries are read at all).
  writePack(cacheDir, forgedPack(entries, ['bad-sig']), key)
  t.equal(decisions(await check())['bad-sig'], 'pass', 'control: an entry sealed with the key is taken as verified')
  writePack(cacheDir, entries, mac)
  t.same(decisions(await check()), expected, 'control: the pack as written, its MAC kept, is read')
  const targets = new Map(['bad-sig', 'bad-prov', 'unknown-key'].map((name) => [factsEntryOf(entries, name), name]))
  for (const [what, forge] of Object.entries(forgeries)) {
    writePack(cacheDir, entries.map((e) => (targets.has(e) ? forge(e, targets.get(e)!) : e)), mac)
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
  writePack(cacheDir, forgedPack(readPack(cacheDir), ['bad-sig', 'bad-prov', 'unknown-key']), randomBytes(KEY_BYTES))
  t.same(decisions(await check()), expected, 'every verdict stands')

  // A new key (the old file removed): what the old key sealed is a miss, and is sealed again.
  const keyFile = keyFileOf(s)
  const old = readFileSync(keyFile)
  rmSync(keyFile)
  rmSync(join(cacheDir, ENTRIES_DIR), { recursive: true })
  s.registry.clearRequests()
  t.same(decisions(await check()), expected, 'every verdict stands')
  t.ok(packageRequests(s).length > 0, 'the entries under the old key were not used')
  t.notSame(readFileSync(keyFile), old, 'a new key was made')
  rmSync(join(cacheDir, ENTRIES_DIR), { recursive: true })
  s.registry.clearRequests()
  t.same(decisions(await check()), expected, 'every verdict stands')
  t.same(packageRequests(s), [], 'the next run used the entries sealed under the new key')
})

t.test('a trusted root file is checked on a warm run too, unless the store saw that very document pass', async (t) => {
  const { s, cacheDir, check } = await mixedScenario(t)
  const expected = decisions(await check())
  const remembered = readPack(cacheDir).filter((e) => e.kind === 'trust')
  t.equal(remembered.length, 1, 'the trusted root that passed is remembered')
  t.same(decisions(await check()), expected, 'warm: the same verdicts')
  // A file of the wrong shape (a keys file) is refused on a warm run (exit 2), and so it is when an
  // entry saying it passed was sealed under another key.
  const wrong = JSON.parse(readFileSync(s.registryKeysFile, 'utf8')) as unknown
  const id = sha256(canonicalJSON({ kind: 'trusted-root', cacheFormat: CACHE_FORMAT, tool: TOOL_VERSION, trustedRoot: wrong }))
  await t.rejects(checkScenario(s, { trustedRootFile: s.registryKeysFile, cacheDir }), { code: 'ETRUSTEDROOT' }, 'warm: refused')
  const entries = readPack(cacheDir)
  writePack(cacheDir, [...entries, { ...remembered[0]!, id }], randomBytes(KEY_BYTES))
  await t.rejects(checkScenario(s, { trustedRootFile: s.registryKeysFile, cacheDir }), { code: 'ETRUSTEDROOT' }, 'a forged entry: refused')
  // The control: the same entry sealed with the user's key is used (the check is skipped; what fails next is not ETRUSTEDROOT).
  writePack(cacheDir, [...entries, { ...remembered[0]!, id }], readFileSync(keyFileOf(s)))
  const control = await checkScenario(s, { trustedRootFile: s.registryKeysFile, cacheDir }).then(() => 'no error', (err: { code?: string }) => err.code)
  t.not(control, 'ETRUSTEDROOT', 'control: an entry sealed with the key is taken')
  writePack(cacheDir, entries, readFileSync(keyFileOf(s)))
  t.same(decisions(await check()), expected, 'the real trusted root: the same verdicts')
})

t.test('a swapped tree memo cannot hide a package', async (t) => {
  const { s, cacheDir, check } = await mixedScenario(t)
  const expected = decisions(await check())
  const entries = readPack(cacheDir)
  const mac = packMac(cacheDir)
  const tree = entries.find((e) => e.kind === 'tree')!
  const data = JSON.parse(tree.data) as { tree: { packages: Array<{ name: string }> } }
  data.tree.packages = data.tree.packages.filter((p) => p.name !== 'bad-sig')
  const { 'bad-sig': _dropped, ...rest } = expected
  const swapped = entries.map((e) => (e === tree ? { ...e, data: JSON.stringify(data) } : e))
  writePack(cacheDir, swapped, readFileSync(keyFileOf(s)))
  t.same(decisions(await check()), rest, 'control: a tree sealed with the key is used as it is')
  writePack(cacheDir, swapped, mac)
  t.same(decisions(await check()), expected, 'edited without the key: bad-sig is still reported, and still fails')
  writePack(cacheDir, swapped, randomBytes(KEY_BYTES))
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
  const forged = forgedPack(readPack(cacheDir), ['bad-sig', 'bad-prov', 'unknown-key'])

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
    writePack(cacheDir, forged, key)
    const r = await check()
    t.same(decisions(r), expected, `${what}: every verdict stands (the memo was not used)`)
    const notices = (r.json.notices as string[]).filter((n) => n.startsWith('verification memo off'))
    t.equal(notices.length, 1, `${what}: one notice`)
    t.match(notices[0], keyFile, `${what}: naming the file`)
  }
})

