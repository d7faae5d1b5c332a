// The sealed store (lib/fetch/store): a warm run takes the tree and each package's verified facts from
// one pack authenticated with a key kept outside the cache. Through the library and the CLI on the
// loopback registry: a warm run gives the report a run without any cache gives, byte for byte,
// without a request for a package document. Attacks on the pack: check-store-attacks.test.ts.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkScenario } from '../helpers/check.js'
import { cleanEnv, runCli } from './run.js'
import { KEY_BYTES, PACK_FILE } from '../../lib/fetch/store/index.js'
import { decisions, forgedPack, keyFileOf, mixedScenario, MIXED, packageRequests, readPack, writePack } from './store-helpers.js'

t.test('a warm run gives exactly the report of a run without a cache, with no package request', async (t) => {
  const { s, cacheDir, check } = await mixedScenario(t)
  const uncached = await check({ cacheDir: false })
  mkdirSync(cacheDir, { recursive: true })
  writeFileSync(join(cacheDir, 'sealed-v1.json'), '{"format":1,"entries":[]}')
  const cold = await check()
  t.ok(existsSync(join(cacheDir, PACK_FILE)), 'the cold run wrote one pack')
  t.notOk(existsSync(join(cacheDir, 'sealed-v1.json')), 'and removed the pack of the earlier format')
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

t.test("within the keys' cache lifetime a warm run makes no request at all; with no-cache it asks for the keys", async (t) => {
  const { s, check } = await mixedScenario(t)
  const uncached = await check({ cacheDir: false })
  await check()
  s.registry.clearRequests()
  t.equal((await check()).output('json'), uncached.output('json'))
  t.same(s.registry.requests.map((q) => q.path), ['/-/npm/v1/keys'], 'the loopback registry says no-cache: the keys are asked for every run')

  // As registry.npmjs.org: `public, max-age=300`. The next run fetches and remembers them; the one after asks nothing.
  s.registry.keysCacheControl = 'public, max-age=300'
  await check()
  s.registry.clearRequests()
  const warm = await check()
  t.same(s.registry.requests, [], 'no request')
  for (const format of ['json', 'text', 'sarif'] as const) t.equal(warm.output(format), uncached.output(format), `${format}: the report is the uncached one`)
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

t.test('through the CLI: a warm run is the uncached run; a forged pack and a 0644 key change no verdict', async (t) => {
  const { s, cacheDir } = await mixedScenario(t)
  const env = cleanEnv(join(s.dir, 'home'))
  const cli = (more: string[]) => runCli([s.projectDir, '--trusted-root', s.trustedRootFile, '--json', ...more], { cwd: s.dir, env })
  const uncached = await cli(['--no-cache'])
  t.equal(uncached.status, 1)
  const cold = await cli(['--cache-dir', cacheDir])
  t.equal(cold.stdout, uncached.stdout, 'cold: the uncached report')
  s.registry.clearRequests()
  const warm = await cli(['--cache-dir', cacheDir])
  t.equal(warm.stdout, uncached.stdout, 'warm: the uncached report, byte for byte')
  t.same(packageRequests(s), [], 'warm: no package request')

  // The good facts for every failing package, sealed under another key; then the user's key made 0644.
  const expected = (JSON.parse(uncached.stdout) as { packages: Array<{ name: string; decision: string }> }).packages.map((p) => [p.name, p.decision])
  const entries = readPack(cacheDir)
  writePack(cacheDir, forgedPack(entries, ['bad-sig', 'bad-prov', 'unknown-key']), randomBytes(KEY_BYTES))
  const forged = await cli(['--cache-dir', cacheDir])
  t.same((JSON.parse(forged.stdout) as { packages: Array<{ name: string; decision: string }> }).packages.map((p) => [p.name, p.decision]), expected, 'another key: every verdict stands')
  t.equal(forged.status, 1)
  writePack(cacheDir, forgedPack(entries, ['bad-sig', 'bad-prov', 'unknown-key']), readFileSync(keyFileOf(s)))
  chmodSync(keyFileOf(s), 0o644)
  const refused = await cli(['--cache-dir', cacheDir])
  t.same((JSON.parse(refused.stdout) as { packages: Array<{ name: string; decision: string }> }).packages.map((p) => [p.name, p.decision]), expected, 'key 0644: every verdict stands')
  t.equal(refused.status, 1)
  t.match(refused.stdout, /verification memo off: the key file .* its mode is 0644/, 'one notice says why')
})
