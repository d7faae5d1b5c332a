// npm's allowScripts as the tree stage reads it (lib/tree/allow-scripts.ts): which packages have
// install scripts (the lockfile's hasInstallScript), where the policy comes from (package.json, else
// .npmrc allow-scripts), which entries npm keeps, and npm's own matcher's verdict per package.
// Each case mutates the npm-generated fixtures/tree/app.
import t, { type Test } from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PackageRef } from '../../lib/model.js'
import { resolveAllowScripts } from '../../lib/tree/allow-scripts.js'
import { loadPackages, type TreeResult } from '../../lib/tree/index.js'
import { copyFixture, editLockfile, registryFor } from './fixtures.js'

const SCRIPTED = ['node_modules/a', 'node_modules/c', 'node_modules/x/node_modules/c', 'node_modules/get', 'node_modules/@acme/util', 'node_modules/bundler/node_modules/deep', 'node_modules/gitdep']

/** The app fixture with install scripts on SCRIPTED and `allowScripts` in package.json (undefined: none). */
async function load(t: Test, allowScripts: unknown, npmrc?: { value: unknown; file: string }): Promise<TreeResult> {
  const dir = copyFixture(t, 'app')
  editLockfile(dir, (lock) => {
    for (const path of SCRIPTED) lock.packages[path]!.hasInstallScript = true
  })
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>
  if (allowScripts !== undefined) manifest.allowScripts = allowScripts
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest))
  return loadPackages({ projectDir: dir, registryFor, ...(npmrc && { npmrcAllowScripts: npmrc }) })
}

const at = (result: TreeResult, name: string, version?: string): PackageRef => {
  const found = result.packages.find((p) => p.name === name && (version === undefined || p.version === version))
  if (!found) throw new Error(`${name}@${version ?? '*'} not in the tree`)
  return found
}

t.test('only packages whose lockfile entry has hasInstallScript carry installScript', async (t) => {
  const result = await load(t, undefined)
  t.same(result.packages.filter((p) => p.installScript).map((p) => `${p.name}@${p.version}`).sort(), ['@acme/util@1.0.0', 'a@1.0.0', 'c@1.0.0', 'c@2.0.0', 'deep@1.0.0', 'gitdep@0.3.0', 'node-fetch@1.7.3'])
  t.same(at(result, 'a').installScript, { allowScripts: 'unreviewed', matched: [], pinnedElsewhere: [] }, 'no allowScripts: unreviewed')
  t.same(result.allowScripts, { source: 'none', ignored: [] })
  t.equal(at(result, 'deep').installScript?.allowScripts, 'bundled')
  // The others carry npm's verdict should they have install scripts the flag does not show.
  t.equal(at(result, 'inner').installScript, undefined)
  t.same(at(result, 'inner').unflaggedInstallScript, { allowScripts: 'bundled', matched: [], pinnedElsewhere: [] }, 'a bundled package without the flag')
  t.match(at(result, 'bundler').unflaggedInstallScript, { allowScripts: 'unreviewed' })
  t.equal(at(result, 'a').unflaggedInstallScript, undefined, 'a flagged package has no latent verdict')
})

t.test('true allows, false denies and wins, pins match one version, || joins exact versions', async (t) => {
  const result = await load(t, { a: true, 'c@1.0.0': true, '@acme/util': false, 'gitdep': true, 'node-fetch@1.7.3 || 9.9.9': true })
  t.equal(result.allowScripts.source, 'package.json')
  t.match(at(result, 'a').installScript, { allowScripts: 'allowed', matched: ['a'] })
  t.match(at(result, 'c', '1.0.0').installScript, { allowScripts: 'allowed', matched: ['c@1.0.0'], pinnedElsewhere: [] })
  t.match(at(result, 'c', '2.0.0').installScript, { allowScripts: 'unreviewed', pinnedElsewhere: ['c@1.0.0'] }, 'c@2.0.0 is approved for another version only')
  t.match(at(result, '@acme/util').installScript, { allowScripts: 'denied', matched: ['@acme/util'] })
  t.match(at(result, 'node-fetch').installScript, { allowScripts: 'allowed' }, 'an alias is matched by the real name in its resolved URL')
  t.match(at(result, 'gitdep').installScript, { allowScripts: 'unreviewed' }, 'a registry-style key never matches a git dependency')

  const deny = await load(t, { a: true, 'a@1.0.0': false })
  t.match(at(deny, 'a').installScript, { allowScripts: 'denied', matched: ['a@1.0.0'] }, 'deny wins over allow')
})

t.test('an alias key matches nothing; the installed name of an alias does not either', async (t) => {
  const result = await load(t, { get: true, 'get@npm:node-fetch@1.7.3': true })
  t.match(at(result, 'node-fetch').installScript, { allowScripts: 'unreviewed', matched: [] })
})

t.test('entries npm drops: dist-tags and ranges; values other than true and false do nothing', async (t) => {
  const result = await load(t, { 'a@^1.0.0': true, 'c@latest': true, 'x@1': true, '@acme/util': 'yes' })
  t.match(at(result, 'a').installScript, { allowScripts: 'unreviewed' }, 'a range is dropped')
  t.match(at(result, 'c', '1.0.0').installScript, { allowScripts: 'unreviewed' }, 'a dist-tag is dropped')
  t.match(at(result, '@acme/util').installScript, { allowScripts: 'unreviewed' })
  t.match(result.allowScripts.ignored, [/"a@\^1\.0\.0" is a semver range/, /"c@latest" names a dist-tag/, /"x@1" is a semver range/, /"@acme\/util" is "yes", neither true nor false/])
})

t.test('.npmrc allow-scripts applies only when package.json has no usable entry', async (t) => {
  const npmrc = { value: 'a, c@2.0.0', file: '/project/.npmrc' }
  const fromNpmrc = await load(t, undefined, npmrc)
  t.match(fromNpmrc.allowScripts, { source: '.npmrc', file: '/project/.npmrc' })
  t.match(at(fromNpmrc, 'a').installScript, { allowScripts: 'allowed' })
  t.match(at(fromNpmrc, 'c', '2.0.0').installScript, { allowScripts: 'allowed' })
  t.match(at(fromNpmrc, 'c', '1.0.0').installScript, { allowScripts: 'unreviewed', pinnedElsewhere: ['c@2.0.0'] })

  const both = await load(t, { a: false }, npmrc)
  t.equal(both.allowScripts.source, 'package.json')
  t.match(both.allowScripts.ignored, [/allow-scripts is ignored because package\.json declares allowScripts/])
  t.match(at(both, 'c', '2.0.0').installScript, { allowScripts: 'unreviewed' })

  const onlyRanges = await load(t, { 'a@^1': true }, npmrc)
  t.equal(onlyRanges.allowScripts.source, '.npmrc', 'a package.json with nothing npm keeps leaves it to .npmrc')
})

t.test('resolveAllowScripts: a package.json field that is not an object is ignored, and said so', async (t) => {
  t.match(resolveAllowScripts({ value: 'a', file: 'package.json' }), { source: 'none', policy: null, ignored: [/"allowScripts" is not an object/] })
  t.match(resolveAllowScripts({ value: null, file: 'package.json' }), { source: 'none', ignored: [/not an object/] })
  t.match(resolveAllowScripts({ value: {}, file: 'package.json' }, { value: ['a,b', ' c '], file: '.npmrc' }), { source: '.npmrc', policy: { a: true, b: true, c: true } })
  t.match(resolveAllowScripts({ value: undefined, file: 'package.json' }, { value: 42, file: '.npmrc' }), { source: 'none', ignored: [] }, 'a non-string .npmrc value lists nothing')
  t.match(resolveAllowScripts({ value: { 'not a valid spec!!': true }, file: 'package.json' }), { source: 'none', ignored: [/cannot be parsed/] })
})
