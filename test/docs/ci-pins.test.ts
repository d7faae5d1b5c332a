// docs/ci.md is copied into users' workflows as it is: every action it uses must be pinned by a
// commit SHA (a tag can be moved to other code) and every verify-deps it runs pinned to this release.
import { readFileSync } from 'node:fs'
import t from 'tap'

const root = new URL('../../', import.meta.url)
const ciDoc = readFileSync(new URL('docs/ci.md', root), 'utf8')
const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string }

t.test('every action in docs/ci.md is pinned by a full commit SHA', async (t) => {
  const uses = [...ciDoc.matchAll(/uses:\s*(\S+)/g)].map((m) => m[1]!)
  t.ok(uses.length >= 3, `found ${uses.length} actions`)
  for (const ref of uses) t.match(ref, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `${ref} is pinned by SHA`)
})

t.test('every verify-deps run in docs/ci.md names this release', async (t) => {
  // The workflow's steps (`- run: npx …`), not the prose that explains why.
  const runs = [...ciDoc.matchAll(/- run: npx --yes (verify-deps\S*)/g)].map((m) => m[1]!)
  t.ok(runs.length >= 2, `found ${runs.length} runs`)
  for (const r of runs) t.equal(r, `verify-deps@${version}`, `${r} names version ${version}`)
  const installs = [...ciDoc.matchAll(/npm install --save-exact (verify-deps@\S+)/g)].map((m) => m[1])
  t.same(installs, [`verify-deps@${version}`])
})
