// The loopback TUF repository, read by the TUF client npm itself uses (@sigstore/tuf, tuf-js):
// every role's signature and every hash is checked, so a repository the client accepts is one
// npm would accept.
import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initTUF } from '@sigstore/tuf'
import { buildTufRepoFiles, startTufRepo } from './tuf-repo.js'

const TARGETS = { 'trusted_root.json': '{"mediaType":"test"}\n', '127.0.0.1:1234/keys.json': '{"keys":[]}' }

t.test('an unmodified @sigstore/tuf client refreshes and reads every target', async (t) => {
  const repo = await startTufRepo(TARGETS)
  t.teardown(() => repo.close())
  const dir = mkdtempSync(join(tmpdir(), 'tuf-repo-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'root.json'), repo.rootJSON)

  const client = await initTUF({ mirrorURL: repo.url, rootPath: join(dir, 'root.json'), cachePath: join(dir, 'cache'), retry: 0 })
  t.equal(await client.getTarget('trusted_root.json'), TARGETS['trusted_root.json'])
  t.equal(await client.getTarget('127.0.0.1:1234/keys.json'), TARGETS['127.0.0.1:1234/keys.json'])
  await t.rejects(client.getTarget('absent.json'), { code: 'TUF_FIND_TARGET_ERROR' })
  t.match(repo.requests, ['/2.root.json', '/timestamp.json', '/snapshot.json', '/targets.json'])
})

t.test('a client anchored on another repository\'s root rejects the metadata', async (t) => {
  const repo = await startTufRepo(TARGETS)
  t.teardown(() => repo.close())
  const dir = mkdtempSync(join(tmpdir(), 'tuf-repo-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'root.json'), buildTufRepoFiles(TARGETS).get('/1.root.json')!)

  await t.rejects(initTUF({ mirrorURL: repo.url, rootPath: join(dir, 'root.json'), cachePath: join(dir, 'cache'), retry: 0 }))
})

t.test('every role carries one signature by the same key, and targets name their hashes', async (t) => {
  const files = buildTufRepoFiles(TARGETS, { expires: '2030-01-01T00:00:00Z' })
  const roles = ['root', 'timestamp', 'snapshot', 'targets'].map((r) => JSON.parse(files.get(`/${r}.json`)!.toString()))
  t.same(new Set(roles.map((r) => r.signatures[0].keyid)).size, 1)
  for (const r of roles) t.equal(r.signed.expires, '2030-01-01T00:00:00Z')
  t.same(Object.keys(roles[3].signed.targets), Object.keys(TARGETS))
  t.equal(files.get('/targets/trusted_root.json')!.toString(), TARGETS['trusted_root.json'])
})
