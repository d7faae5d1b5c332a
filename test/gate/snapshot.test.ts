import t from 'tap'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { filesNpmMayChange, restoreFiles, snapshotFiles } from '../../lib/gate/snapshot.js'

t.test('restores bytes exactly and removes a file that did not exist', async (t) => {
  const dir = t.testdir({ 'package.json': '{\r\n\t"name": "x"\r\n}', 'package-lock.json': 'old' })
  const kept = snapshotFiles(filesNpmMayChange(dir))
  writeFileSync(join(dir, 'package.json'), '{}\n')
  writeFileSync(join(dir, 'package-lock.json'), 'new')
  writeFileSync(join(dir, 'npm-shrinkwrap.json'), 'new')
  t.same(restoreFiles(kept).sort(), ['npm-shrinkwrap.json', 'package-lock.json', 'package.json'].map((f) => join(dir, f)))
  t.equal(readFileSync(join(dir, 'package.json'), 'utf8'), '{\r\n\t"name": "x"\r\n}')
  t.equal(readFileSync(join(dir, 'package-lock.json'), 'utf8'), 'old')
  t.notOk(existsSync(join(dir, 'npm-shrinkwrap.json')))
  t.same(restoreFiles(kept), [], 'nothing left to restore')
})

t.test('workspace package.json files come from the lockfile and package.json, only inside the project', async (t) => {
  const dir = t.testdir({
    'package.json': JSON.stringify({ workspaces: ['tools/cli', 'packages/*'] }),
    'package-lock.json': JSON.stringify({ packages: { '': {}, 'node_modules/a': {}, 'apps/web': {}, '../outside': {}, 'node_modules/a/node_modules/b': {} } }),
    packages: { one: {}, two: {} },
  })
  mkdirSync(join(dir, 'tools'))
  const files = filesNpmMayChange(dir).map((f) => f.slice(dir.length + 1))
  t.same(files.sort(), ['apps/web/package.json', 'npm-shrinkwrap.json', 'package-lock.json', 'package.json', 'packages/one/package.json', 'packages/two/package.json', 'tools/cli/package.json'])
})
