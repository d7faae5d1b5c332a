import t from 'tap'
import { createServer } from 'node:net'
import { corpusPath } from '../helpers/corpus.js'
import { EMBEDDED_NPM_KEYS, EMBEDDED_TRUSTED_ROOT, resolveTrust, loadTrustFiles } from '../../lib/fetch/trust.js'
import { registryKeysTarget } from '../../lib/fetch/tuf.js'

// A port on 127.0.0.1 that refuses connections: bind, note the port, close.
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

t.test('embedded trust material matches the corpus copies of the same TUF targets', async (t) => {
  const embedded = loadTrustFiles()
  const corpus = loadTrustFiles({ trustedRootFile: corpusPath('trust/sigstore-public-good.trusted_root.json'), registryKeysFile: corpusPath('trust/npm-registry-keys.tuf-keys.json') })
  t.same(embedded.trustedRoot, corpus.trustedRoot)
  t.same(embedded.registryKeys.map((k) => k.keyid), corpus.registryKeys.map((k) => k.keyid))
})

t.test('an unreachable TUF mirror falls back to the embedded material with a visible notice', async (t) => {
  const port = await closedPort()
  const trust = await resolveTrust({ tuf: { cachePath: t.testdir({}), mirrorURL: `http://127.0.0.1:${port}`, timeoutMs: 2000 } })
  t.equal(trust.trustedRootSource, EMBEDDED_TRUSTED_ROOT)
  t.equal(trust.registryKeysSource, EMBEDDED_NPM_KEYS)
  t.equal(trust.notices.length, 1)
  t.match(trust.notices[0], /could not update trust material from Sigstore TUF .*using the embedded/)
})

t.test('offline skips TUF entirely', async (t) => {
  let asked = false
  const trust = await resolveTrust({ offline: true, tuf: { cachePath: '/nonexistent' } }, async () => {
    asked = true
    throw new Error('must not be called')
  })
  t.equal(asked, false)
  t.same(trust.notices, [])
  t.equal(trust.trustedRootSource, EMBEDDED_TRUSTED_ROOT)
})

t.test('TUF targets are used when TUF answers; named files always win', async (t) => {
  const keysDoc = { keys: [{ keyid: 'SHA256:x', key: loadTrustFiles().registryKeys[0]!.spkiBase64, expires: null }] }
  const fromTUF = await resolveTrust({ tuf: { cachePath: '/x' } }, async () => ({ trustedRoot: { fromTUF: true }, registryKeys: keysDoc }))
  t.same(fromTUF.trustedRoot, { fromTUF: true })
  t.same(fromTUF.registryKeys.map((k) => k.keyid), ['SHA256:x'])
  t.match(fromTUF.registryKeysSource, /registry\.npmjs\.org\/keys\.json/)
  const files = await resolveTrust(
    { trustedRootFile: corpusPath('trust/sigstore-public-good.trusted_root.json'), registryKeysFile: corpusPath('trust/npm-registry-keys.v1-keys-endpoint.json'), tuf: { cachePath: '/x' } },
    async () => t.fail('no TUF when both files are named') as never,
  )
  t.equal(files.registryKeys.length, 2)
})

t.test('another registry has no embedded keys; its TUF target is host plus path', async (t) => {
  t.equal(registryKeysTarget('https://registry.npmjs.org/'), 'registry.npmjs.org/keys.json')
  t.equal(registryKeysTarget('https://npm.acme.example/api/npm/'), 'npm.acme.example/api/npm/keys.json')
  const trust = await resolveTrust({ offline: true, registry: 'https://npm.acme.example/', tuf: { cachePath: '/x' } })
  t.same(trust.registryKeys, [])
})

t.test('with a trusted root file and no registry keys wanted, TUF is not asked', async (t) => {
  let asked = false
  const trust = await resolveTrust({ trustedRootFile: EMBEDDED_TRUSTED_ROOT, registryKeysWanted: false, tuf: { cachePath: '/nonexistent' } }, async () => {
    asked = true
    throw new Error('must not be called')
  })
  t.equal(asked, false)
  t.equal(trust.registryKeysKind, 'none')
  t.same(trust.registryKeys, [])
})
