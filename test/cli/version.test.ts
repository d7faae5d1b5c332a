// `verify-deps --version` is printed by lib/cli/version.ts (loaded alone by the launcher): the
// version in package.json, one line, as main prints it for library callers.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { printVersion } from '../../lib/cli/version.js'
import { main } from '../../lib/cli/main.js'

t.test('prints the version in package.json, exactly as main does', async (t) => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  const written: string[] = []
  const write = process.stdout.write
  process.stdout.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stdout.write
  try {
    printVersion()
  } finally {
    process.stdout.write = write
  }
  t.same(written, [`${version}\n`])
  const out: string[] = []
  t.equal(await main(['--version'], { out: (text) => void out.push(text), err: () => undefined, stderrIsTTY: false }), 0)
  t.same(out, written)
})
