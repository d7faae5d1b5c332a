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
