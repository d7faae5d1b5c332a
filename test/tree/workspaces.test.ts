// fixtures/tree/workspaces: ws-root (→ root-dep) with packages/a = ws-a (→ lib-a → shared) and
// packages/b = ws-b (→ lib-b → shared, → ws-a, dev → lib-b-dev).
import t from 'tap'
import { TreeError, loadPackages } from '../../lib/tree/index.js'
import { fixture, names, ref, registryFor } from './fixtures.js'

const WS = fixture('workspaces')

t.test('all workspaces by default, with the root; the workspaces themselves are not packages', async (t) => {
  const result = await loadPackages({ projectDir: WS, registryFor })
  t.same(names(result), ['lib-a', 'lib-b', 'lib-b-dev', 'root-dep', 'shared'])
  t.same(result.root.name, 'ws-root')
  t.same(ref(result, 'root-dep').locations[0], { path: 'node_modules/root-dep', why: ['ws-root', 'root-dep@1.0.0'], dev: false, optional: false, peer: false })
  t.same(ref(result, 'lib-a').locations[0], {
    path: 'node_modules/lib-a',
    why: ['ws-root', 'ws-a@1.0.0', 'lib-a@1.0.0'],
    dev: false,
    optional: false,
    peer: false,
    workspace: 'ws-a',
  })
  t.same(ref(result, 'lib-b-dev').locations[0]!.why, ['ws-root', 'ws-b@2.0.0', 'lib-b-dev@1.0.0'])
  t.equal(ref(result, 'lib-b-dev').locations[0]!.dev, true)
})

t.test('one workspace: only what is reachable from it', async (t) => {
  const result = await loadPackages({ projectDir: WS, registryFor, workspaces: ['ws-a'] })
  t.same(names(result), ['lib-a', 'shared'], 'not the root\'s own root-dep, not ws-b\'s')
  t.same(ref(result, 'shared').locations[0]!.why, ['ws-root', 'ws-a@1.0.0', 'lib-a@1.0.0', 'shared@1.0.0'])
  t.equal(ref(result, 'shared').locations[0]!.workspace, 'ws-a')
})

t.test('a workspace that depends on another brings in that one\'s dependencies', async (t) => {
  const result = await loadPackages({ projectDir: WS, registryFor, workspaces: ['ws-b'] })
  t.same(names(result), ['lib-a', 'lib-b', 'lib-b-dev', 'shared'])
  t.same(ref(result, 'lib-a').locations[0]!.why, ['ws-root', 'ws-b@2.0.0', 'ws-a@1.0.0', 'lib-a@1.0.0'])
})

t.test('workspaces can be named by folder, and combined with omit', async (t) => {
  const result = await loadPackages({ projectDir: WS, registryFor, workspaces: ['packages/b'], omit: ['dev'] })
  t.same(names(result), ['lib-a', 'lib-b', 'shared'])
})

t.test('several workspaces', async (t) => {
  const result = await loadPackages({ projectDir: WS, registryFor, workspaces: ['ws-a', 'ws-b'] })
  t.same(names(result), ['lib-a', 'lib-b', 'lib-b-dev', 'shared'])
  t.same(ref(result, 'lib-a').locations[0]!.why, ['ws-root', 'ws-a@1.0.0', 'lib-a@1.0.0'], 'the shortest chain')
})

t.test('fails with ENOWORKSPACE for a workspace that is not there', async (t) => {
  const err = await loadPackages({ projectDir: WS, registryFor, workspaces: ['ws-c'] }).catch((e: unknown) => e)
  t.type(err, TreeError)
  t.match(err, { code: 'ENOWORKSPACE', kind: 'usage' })
  t.match((err as Error).message, 'ws-c')
  const none = await loadPackages({ projectDir: fixture('app'), registryFor, workspaces: ['ws-a'] }).catch((e: unknown) => e)
  t.match(none, { code: 'ENOWORKSPACE' })
})
