// `npm --version` of the npm that will install (lib/gate/npm.ts askNpmVersion): the version line
// among npm's warnings, and an answer that says why when there is none.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { askNpmVersion } from '../../lib/gate/npm.js'

/** An npm-cli.js that prints `out` to stderr and `version` to stdout, then exits with `code`. */
function fakeNpm(dir: string, { out = '', version = '', code = 0 }: { out?: string; version?: string; code?: number }): Record<string, string> {
  const file = join(dir, 'npm-cli.js')
  writeFileSync(file, `process.stderr.write(${JSON.stringify(out)}); process.stdout.write(${JSON.stringify(version)}); process.exitCode = ${code}\n`)
  return { npm_execpath: file, npm_node_execpath: process.execPath, PATH: process.env.PATH ?? '' }
}

t.test('reads the version line, after whatever npm warns', async (t) => {
  const env = fakeNpm(t.testdir(), { out: 'npm warn cli npm v12.2.2 does not support Node.js v20.20.2.\n', version: '12.2.2\n' })
  t.same(await askNpmVersion(env, process.cwd()), { version: '12.2.2' })
})

t.test('an npm that fails or prints no version: the error, never a guess', async (t) => {
  t.match(await askNpmVersion(fakeNpm(t.testdir(), { out: 'boom\n', code: 3 }), process.cwd()), { error: /exit code 3: boom/ })
  t.match(await askNpmVersion(fakeNpm(t.testdir(), { version: 'not a version\n' }), process.cwd()), { error: /exit code 0/ })
  t.match(await askNpmVersion({ PATH: t.testdir() }, process.cwd()), { error: /ENOENT/ }, 'no npm on PATH')
})
