// Lockfiles written by npm 12 read the same as npm 11's: each fixture project of generate-fixtures.ts
// locked by npm 11.19.1 (package-lock.json) and by npm 12.2.2 (package-lock.npm12.json, the same
// command with npm 12 on PATH; fixtures/tree/README.md) gives the same packages, integrities,
// sources and locations, and each lockfile covers its package.json.
import t from 'tap'
import { copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadPackages, type TreeResult } from '../../lib/tree/index.js'
import { copyFixture, fixture, registryFor } from './fixtures.js'

/** The tree as the check sees it, with the project folder taken out so two copies compare. */
function comparable(result: TreeResult, dir: string): unknown {
  return JSON.parse(JSON.stringify({ packages: result.packages, root: { ...result.root, path: null }, mismatches: result.mismatches }).replaceAll(dir, '<project>'))
}

for (const name of ['app', 'workspaces']) {
  t.test(`${name}: npm 12's lockfile gives the same packages and integrities as npm 11's`, async (t) => {
    const npm12 = JSON.parse(readFileSync(join(fixture(name), 'package-lock.npm12.json'), 'utf8')) as { lockfileVersion: number }
    t.equal(npm12.lockfileVersion, 3, 'npm 12 writes lockfile version 3, as npm 11 does')

    const npm11Dir = copyFixture(t, name)
    const npm12Dir = copyFixture(t, name)
    copyFileSync(join(npm12Dir, 'package-lock.npm12.json'), join(npm12Dir, 'package-lock.json'))
    const [by11, by12] = await Promise.all([loadPackages({ projectDir: npm11Dir, registryFor }), loadPackages({ projectDir: npm12Dir, registryFor })])
    t.ok(by11.packages.length > 3, `${by11.packages.length} packages`)
    t.same(comparable(by12, npm12Dir), comparable(by11, npm11Dir))
    t.ok(by12.packages.filter((p) => p.source === 'registry').every((p) => /^sha512-/.test(p.integrity ?? '')), 'every registry package has its sha512')
  })
}
