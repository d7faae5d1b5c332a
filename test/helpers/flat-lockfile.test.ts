// The directly written lockfile must be the one npm writes for the same world, or the benchmark
// that uses it at 10,000 packages would measure another input than the one at 1,000.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createScenario } from './scenario/index.js'
import { flatLockfile, writeFlatLockfile } from './flat-lockfile.js'

t.test('equals the lockfile npm writes for a flat world', async (t) => {
  const s = await createScenario(t, {
    packages: [
      { name: 'top-0', version: '1.0.0', dependencies: { 'leaf-0-0': '^1.0.0', '@acme/leaf': '^2.0.0' } },
      { name: 'leaf-0-0', version: '1.0.0', provenance: 'missing' },
      { name: '@acme/leaf', version: '2.1.0' },
      { name: 'Top-B', version: '3.0.0', dependencies: { 'leaf-0-0': '^1.0.0' } },
      { name: 'unreached', version: '1.0.0', tag: null },
    ],
    project: { dependencies: { 'top-0': '1.0.0', 'Top-B': '^3.0.0' } },
  })
  const byNpm = readFileSync(join(s.projectDir, 'package-lock.json'), 'utf8')
  t.same(flatLockfile(s), JSON.parse(byNpm))
  writeFlatLockfile(s)
  t.equal(readFileSync(join(s.projectDir, 'package-lock.json'), 'utf8'), byNpm, 'byte for byte')
})

t.test('refuses a world it cannot lay out flat', async (t) => {
  const s = await createScenario(t, {
    packages: [
      { name: 'a', version: '1.0.0', dependencies: { b: '^1.0.0' } },
      { name: 'b', version: '1.0.0', scripts: { postinstall: 'node x.js' } },
    ],
    lockfile: false,
  })
  t.throws(() => flatLockfile(s), /b@1.0.0 has scripts/)
  const twice = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }, { name: 'a', version: '2.0.0' }], lockfile: false })
  t.throws(() => flatLockfile(twice), /a has more than one version/)
  const missing = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0', dependencies: { ghost: '1' } }], lockfile: false })
  t.throws(() => flatLockfile(missing), /nothing declares ghost/)
})
