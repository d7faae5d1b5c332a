// The getBundler shortcut (lib/tree/bundler.ts) must give every node of a tree the answer arborist's
// own getBundler gives: compared node by node on the same lockfile, with and without bundles.
import t, { type Test } from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createArborist, type ArboristNode } from '../../lib/tree/arborist.js'
import { mayBeBundled, shortcutBundlerQueries } from '../../lib/tree/bundler.js'
import { copyFixture, editLockfile, fixture } from './fixtures.js'

const load = (dir: string): Promise<ArboristNode> => createArborist({ path: dir }).loadVirtual()

/** location → [getBundler()'s location, inBundle] for every node. */
function answers(tree: ArboristNode): Map<string, [string | null, boolean]> {
  return new Map([...tree.inventory.values()].map((n) => [n.location, [n.getBundler()?.location ?? null, Boolean((n as unknown as { inBundle: boolean }).inBundle)]]))
}

const shortcut = (tree: ArboristNode): string[] => [...tree.inventory.values()].filter((n) => Object.hasOwn(n, 'getBundler')).map((n) => n.location)

async function sameAnswers(t: Test, dir: string): Promise<string[]> {
  const expected = answers(await load(dir))
  const tree = await load(dir)
  shortcutBundlerQueries(tree)
  t.same(answers(tree), expected, 'every node answers as arborist does')
  return shortcut(tree)
}

t.test('a tree with a bundling dependency: same answers; bundled nodes keep arborist\'s method', async (t) => {
  const app = fixture('app')
  const cut = await sameAnswers(t, app)
  const tree = await load(app)
  const bundled = [...tree.inventory.values()].filter((n) => n.getBundler()).map((n) => n.location)
  t.ok(bundled.length > 0, 'the fixture has bundled nodes')
  for (const location of bundled) t.notOk(cut.includes(location), `${location} is not shortcut`)
  t.ok(cut.includes('node_modules/a'), 'a node no bundle can reach is shortcut')
  t.ok(cut.length < tree.inventory.size, 'nodes whose recursion reaches a bundle keep arborist\'s method')
})

t.test('a tree without bundles: every node is shortcut and answers null', async (t) => {
  const dir = copyFixture(t, 'app')
  editLockfile(dir, (lock) => {
    for (const entry of Object.values(lock.packages)) {
      delete entry.bundleDependencies
      delete entry.inBundle
    }
  })
  const tree = await load(dir)
  t.notOk([...tree.inventory.values()].some(mayBeBundled), 'nothing can be bundled')
  const cut = await sameAnswers(t, dir)
  t.equal(cut.length, tree.inventory.size)
})

t.test('a root that lists bundleDependencies: same answers', async (t) => {
  const dir = copyFixture(t, 'app')
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, bundleDependencies: ['a', 'c'] }))
  const tree = await load(dir)
  t.ok(mayBeBundled(tree.inventory.get('node_modules/a')!), 'the root can bundle its children')
  await sameAnswers(t, dir)
})
