// specKind: which dependency specs are registry specs (npm-package-arg's `registry` types).
import t from 'tap'
import { specKind } from '../../lib/tree/source.js'

t.test('classifies dependency specs as npm-package-arg would', async (t) => {
  const cases: Record<string, ReturnType<typeof specKind>> = {
    '^1.0.0': 'registry',
    '1.2.3': 'registry',
    '>=1 <3 || 4.x': 'registry',
    '*': 'registry',
    '': 'registry',
    latest: 'registry',
    'npm:node-fetch@^1.0.0': 'registry',
    'npm:@acme/util@1': 'registry',
    'git+ssh://git@github.com/a/b.git#v1': 'git',
    'git+https://github.com/a/b.git': 'git',
    'git://github.com/a/b.git': 'git',
    'github:a/b': 'git',
    'gitlab:a/b#main': 'git',
    'a/b': 'git',
    'a/b#semver:^1': 'git',
    'https://example.test/pkg-1.0.0.tgz': 'remote',
    'http://127.0.0.1:1/x/-/x-1.0.0.tgz': 'remote',
    'file:vendor/x-1.0.0.tgz': 'file',
    'file:../lib': 'file',
    './lib': 'file',
    '../lib': 'file',
    '~/lib': 'file',
    '/abs/lib': 'file',
    'vendor/x-1.0.0.tgz': 'file',
  }
  for (const [spec, kind] of Object.entries(cases)) t.equal(specKind(spec), kind, JSON.stringify(spec))
})
