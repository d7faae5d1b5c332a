// `omit` leaves out exactly what `npm ci --omit=…` would not install (arborist's Node#shouldOmit).
import t from 'tap'
import { loadPackages, type OmitType } from '../../lib/tree/index.js'
import { copyFixture, editLockfile, fixture, names, registryFor } from './fixtures.js'

const APP = fixture('app')
const load = (omit: OmitType[], projectDir = APP) => loadPackages({ projectDir, registryFor, omit })

t.test('omit dev leaves out dev-only packages but keeps what prod also needs', async (t) => {
  const all = names(await load([]))
  const kept = names(await load(['dev']))
  t.same(all.filter((n) => !kept.includes(n)), ['devonly', 'devopt', 'devtool'])
  t.ok(kept.includes('c'), 'c is also a dependency of devtool, but prod needs it')
})

t.test('omit optional leaves out optional-only packages', async (t) => {
  const all = names(await load([]))
  const kept = names(await load(['optional']))
  t.same(all.filter((n) => !kept.includes(n)), ['devopt', 'opt'])
})

t.test('omit peer leaves out peer-only packages', async (t) => {
  const all = names(await load([]))
  const kept = names(await load(['peer']))
  t.same(all.filter((n) => !kept.includes(n)), ['peerdep'])
  t.ok(kept.includes('withpeer'), 'the package with the peer dependency stays')
})

t.test('a devOptional package is left out only when both dev and optional are omitted', async (t) => {
  // Needed by a dev dependency and by an optional one (neither path alone is prod): npm records
  // `devOptional` without `dev` or `optional`.
  const dir = copyFixture(t, 'app')
  editLockfile(dir, (lock) => {
    const entry = lock.packages['node_modules/devopt']!
    delete entry.dev
    delete entry.optional
    entry.devOptional = true
  })
  t.ok(names(await load(['dev'], dir)).includes('devopt'))
  t.ok(names(await load(['optional'], dir)).includes('devopt'))
  t.notOk(names(await load(['dev', 'optional'], dir)).includes('devopt'))
})

t.test('omitting everything leaves the prod tree, non-registry sources included', async (t) => {
  const kept = names(await load(['dev', 'optional', 'peer']))
  t.same(kept, ['@acme/util', 'a', 'bundler', 'c', 'deep', 'gitdep', 'inner', 'local-lib', 'node-fetch', 'remote-pkg', 'tiny', 'vendored', 'withpeer', 'x', 'y'])
})
