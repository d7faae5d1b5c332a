import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { loadPolicy } from '../../lib/check.js'
import { PolicyFileError } from '../../lib/policy/errors.js'

// Each fixture's first line says where its first error is: `# expect: <line>:<column> <path>`,
// with `(root)` for the document itself.
const dir = fileURLToPath(new URL('../../fixtures/policies/malformed/', import.meta.url))
const files = readdirSync(dir).filter((f) => f.endsWith('-fail.yaml')).sort()

t.ok(files.length >= 30, `at least 30 malformed policies (${files.length})`)

for (const name of files) {
  t.test(name, async (t) => {
    const file = dir + name
    const header = /^# expect: (\d+):(\d+) (\S+)/.exec(readFileSync(file, 'utf8'))
    if (!header) throw new Error(`${name}: no "# expect: line:column path" header`)
    const [, line, column, path] = header
    const err = await loadPolicy(file).then(
      () => t.fail('loaded'),
      (e: unknown) => e,
    )
    if (!(err instanceof PolicyFileError)) throw new Error(`${name}: expected a PolicyFileError, got ${String(err)}`)
    t.equal(err.code, 'EPOLICY')
    t.equal(err.file, file)
    t.equal(`${err.line}:${err.column} ${err.path || '(root)'}`, `${line}:${column} ${path}`, err.message)
    // `file:line:column: path: what is wrong`, never a stack trace's worth of text.
    t.ok(err.message.startsWith(`${file}:${line}:${column}: ${err.path ? `${err.path}: ` : ''}`), err.message)
    t.notMatch(err.message, /\n/)
  })
}
