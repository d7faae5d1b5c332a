// Which tarball URL --fetch-tarballs downloads: the lockfile's resolved, only under the package's registry.
import t from 'tap'
import { tarballUrl } from '../../lib/fetch/tarballs.js'

const registry = 'https://npm.example.com/api/npm/'

t.test('downloads resolved when it lies under the registry', async (t) => {
  const resolved = 'https://npm.example.com/api/npm/pkg/-/pkg-1.0.0.tgz'
  t.equal(tarballUrl({ name: 'pkg', version: '1.0.0', resolved }, registry), resolved)
})

t.test('without resolved, npm asks the registry: its conventional tarball URL', async (t) => {
  t.equal(tarballUrl({ name: 'pkg', version: '1.0.0' }, registry), 'https://npm.example.com/api/npm/pkg/-/pkg-1.0.0.tgz')
  t.equal(tarballUrl({ name: '@acme/pkg', version: '1.0.0' }, registry), 'https://npm.example.com/api/npm/@acme%2fpkg/-/pkg-1.0.0.tgz')
  t.same(tarballUrl({ name: '../x', version: '1.0.0' }, registry), { skipped: 'not a valid package name for a registry request' })
})

t.test('does not download a resolved URL anywhere else', async (t) => {
  for (const resolved of [
    'https://evil.example/api/npm/pkg/-/pkg-1.0.0.tgz',
    'http://npm.example.com/api/npm/pkg/-/pkg-1.0.0.tgz',
    'https://npm.example.com:8443/api/npm/pkg/-/pkg-1.0.0.tgz',
    'https://npm.example.com/other/pkg/-/pkg-1.0.0.tgz',
    'https://user:pass@npm.example.com/api/npm/pkg/-/pkg-1.0.0.tgz',
    'not a url',
    'file:/etc/passwd',
  ]) {
    const url = tarballUrl({ name: 'pkg', version: '1.0.0', resolved }, registry)
    t.type(url, 'object', resolved)
  }
})

t.test('downloadTarball streams with a size cap and follows redirects', async (t) => {
  const { createServer } = await import('node:http')
  const { mkdtempSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { downloadTarball } = await import('../../lib/fetch/tarballs.js')
  const { loadNpmConfig } = await import('../../lib/fetch/npm-config.js')
  const body = Buffer.alloc(1000, 7)
  const server = createServer((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/pkg.tgz' })
      res.end()
    } else if (req.url === '/loop') {
      res.writeHead(302, { location: '/loop' })
      res.end()
    } else {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      // No content-length: the cap must hold while streaming.
      res.write(body.subarray(0, 500))
      res.end(body.subarray(500))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const port = (server.address() as { port: number }).port
  const registry = `http://127.0.0.1:${port}/`
  const dir = mkdtempSync(join(tmpdir(), 'verify-deps-tarballs-'))
  const config = await loadNpmConfig({ cwd: dir, env: { HOME: dir, PREFIX: join(dir, 'none') } })
  const options = { config, retries: 0, timeoutMs: 5000 }

  const ok = await downloadTarball(`${registry}pkg.tgz`, registry, options)
  t.ok(ok.ok && ok.bytes.equals(body), 'the whole body')
  const redirected = await downloadTarball(`${registry}redirect`, registry, options)
  t.ok(redirected.ok && redirected.bytes.equals(body), 'a redirect is followed')
  const capped = await downloadTarball(`${registry}pkg.tgz`, registry, { ...options, maxBytes: 600 })
  t.ok(!capped.ok && /more than the 600 bytes/.test(capped.reason), 'a body over the cap is refused')
  const loop = await downloadTarball(`${registry}loop`, registry, options)
  t.ok(!loop.ok, 'a redirect loop ends')
  if (!loop.ok) t.match(loop.reason, /redirect/, loop.reason)
})

t.test('downloadTarball with a token never follows a redirect to another port of the same host', async (t) => {
  const { createServer } = await import('node:http')
  const { mkdtempSync, writeFileSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { downloadTarball } = await import('../../lib/fetch/tarballs.js')
  const { loadNpmConfig } = await import('../../lib/fetch/npm-config.js')
  const seen: Array<{ server: string; authorization: string | undefined }> = []
  const listen = async (name: string, handler: (res: import('node:http').ServerResponse) => void) => {
    const server = createServer((req, res) => {
      seen.push({ server: name, authorization: req.headers.authorization })
      handler(res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.teardown(() => server.close())
    return `http://127.0.0.1:${(server.address() as { port: number }).port}/`
  }
  const other = await listen('other', (res) => res.end('stolen'))
  const registry = await listen('registry', (res) => {
    res.writeHead(302, { location: `${other}pkg.tgz` })
    res.end()
  })
  const dir = mkdtempSync(join(tmpdir(), 'verify-deps-tarballs-'))
  writeFileSync(join(dir, '.npmrc'), `//127.0.0.1:${new URL(registry).port}/:_authToken=secret-token\n`)
  const config = await loadNpmConfig({ cwd: dir, env: { HOME: dir, PREFIX: join(dir, 'none') } })
  const result = await downloadTarball(`${registry}pkg.tgz`, registry, { config, retries: 2, timeoutMs: 5000 })
  t.notOk(result.ok, 'refused')
  if (!result.ok) t.match(result.reason, /redirect/, result.reason)
  t.same(seen, [{ server: 'registry', authorization: 'Bearer secret-token' }], 'one request, not retried; the other port never sees one')
})
