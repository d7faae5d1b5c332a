// Reads tap's output and prints the plain closing line CI expects: "<pass>: N passed, N failed".
// tap ends its run with a line like "# { total: 12, pass: 11, fail: 1, skip: 0 }".
import { readFileSync } from 'node:fs'

const [name, file] = process.argv.slice(2)
const text = readFileSync(file, 'utf8')
const lines = text.split('\n').filter((l) => /^# \{ total: \d+/.test(l))
const last = lines.at(-1)
if (!last) {
  console.log(`${name}: 0 passed, 1 failed`)
  process.exit(0)
}
const count = (key) => Number(new RegExp(`${key}: (\\d+)`).exec(last)?.[1] ?? 0)
// A test file that crashed (a signal, a fatal error) is a top-level "not ok N - file" whose assertions
// tap may not count as failed: such a file is one failure at least.
const crashedFiles = text.split('\n').filter((l) => /^not ok \d+ - /.test(l)).length
const failed = Math.max(count('fail'), crashedFiles)
const skipped = count('skip') + count('todo')
console.log(`${name}: ${count('pass')} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
