// Reads tap's output and prints the plain closing line CI expects: "<pass>: N passed, N failed",
// then, when something failed, where: each failed test file, its failed subtests (the path of
// subtest names down to the failed assertion), and how a crashed file ended (signal, exit code),
// so the end of a CI log names what broke without the rest of the log.
// tap ends its run with a line like "# { total: 12, pass: 11, fail: 1, skip: 0 }".
import { readFileSync } from 'node:fs'

const MAX_FAILURE_LINES = 40

const [name, file] = process.argv.slice(2)
const text = readFileSync(file, 'utf8')
const lines = text.split('\n')
const last = lines.filter((l) => /^# \{ total: \d+/.test(l)).at(-1)
if (!last) {
  console.log(`${name}: 0 passed, 1 failed (tap printed no closing count)`)
  process.exit(0)
}
const count = (key) => Number(new RegExp(`${key}: (\\d+)`).exec(last)?.[1] ?? 0)
// A test file that crashed (a signal, a fatal error) is a top-level "not ok N - file" whose assertions
// tap may not count as failed: such a file is one failure at least.
const crashedFiles = lines.filter((l) => /^not ok \d+ - /.test(l)).length
const failed = Math.max(count('fail'), crashedFiles)
const skipped = count('skip') + count('todo')
console.log(`${name}: ${count('pass')} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)

// Where: tap indents each subtest level by four spaces and opens it with "# Subtest: <name>".
const failures = []
const open = [] // subtest names by depth
for (let i = 0; i < lines.length; i++) {
  const line = lines[i]
  const subtest = /^((?: {4})*)# Subtest: (.*)$/.exec(line)
  if (subtest) {
    open.length = subtest[1].length / 4
    open.push(subtest[2])
    continue
  }
  const notOk = /^((?: {4})*)not ok \d+ - (.*?)(?: # time=.*)?$/.exec(line)
  if (!notOk || / # (?:TODO|SKIP)\b/i.test(line)) continue
  const depth = notOk[1].length / 4
  const path = [...open.slice(0, depth), notOk[2]]
  // A subtest's own "not ok" repeats the name it was opened with: keep each name once.
  const unique = path.filter((part, k) => k === 0 || part !== path[k - 1])
  let how = ''
  if (depth === 0) {
    // A crashed file's diagnostics (a YAML block) say how it ended.
    const diag = []
    for (let j = i + 1; j < lines.length && j < i + 40 && !/^ {2}\.\.\.$/.test(lines[j]); j++) {
      const field = /^ {2}(signal|exitCode): (.+)$/.exec(lines[j])
      if (field && field[2] !== 'null' && field[2] !== '0') diag.push(`${field[1]} ${field[2]}`)
    }
    how = diag.length ? ` (${diag.join(', ')})` : ''
  }
  failures.push(`  not ok: ${unique.join(' > ')}${how}`)
}
// Parents repeat their children's failure: print the deepest lines, and a file line only when nothing inside it is listed.
// A file that ended by a signal is listed even with failures inside it: the signal is the news.
const listed = failures.filter((f) => / \(signal /.test(f) || !failures.some((g) => g.startsWith(f.replace(/ \(.*\)$/, '') + ' > ')))
for (const f of listed.slice(0, MAX_FAILURE_LINES)) console.log(f)
if (listed.length > MAX_FAILURE_LINES) console.log(`  … and ${listed.length - MAX_FAILURE_LINES} more failed tests`)
