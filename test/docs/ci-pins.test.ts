// docs/ci.md and the README's install commands are copied into users' projects as they are: every
// action they use must be pinned by a full commit SHA, with a comment naming its release (a tag can
// be moved to other code), and every verify-deps they install or run must be pinned to this release:
// a tarball of this version in a lockfile of its own, a git commit, or `verify-deps@<version>`.
// test/package/npm-pack.test.ts runs the recipe's install commands themselves.
import { readFileSync } from 'node:fs'
import t from 'tap'

const root = new URL('../../', import.meta.url)
const read = (file: string) => readFileSync(new URL(file, root), 'utf8')
const DOCS = { 'docs/ci.md': read('docs/ci.md'), 'README.md': read('README.md') }
const ciDoc = DOCS['docs/ci.md']
const { version } = JSON.parse(read('package.json')) as { version: string }
/** The folder docs/ci.md keeps verify-deps' own package.json, lockfile and tarball in. */
const TOOL_DIR = '.github/verify-deps'

/** Workflow steps (`- run: …`) in the YAML blocks of a Markdown text. */
function runSteps(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1]!)
  return blocks.flatMap((block) => [...block.matchAll(/^\s*- run: (.+)$/gm)].map((m) => m[1]!.trim()))
}

t.test('every action is pinned by a full commit SHA, with a comment naming its release', async (t) => {
  for (const [file, text] of Object.entries(DOCS)) {
    const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)].map((m) => ({ ref: m[1]!, rest: m[2]! }))
    if (file === 'docs/ci.md') t.ok(uses.length >= 3, `${file}: found ${uses.length} actions`)
    for (const { ref, rest } of uses) {
      t.match(ref, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `${file}: ${ref} is pinned by SHA`)
      t.match(rest, /^\s+# v\d+(\.\d+)*\s*$/, `${file}: ${ref} names its release in a comment`)
    }
  }
})

t.test("the CI recipe installs verify-deps from its own lockfile and runs only that copy", async (t) => {
  const runs = runSteps(ciDoc)
  const tool = runs.filter((run) => run.includes('verify-deps'))
  t.same(tool.filter((run) => run.startsWith('npm ci')), [`npm ci --prefix ${TOOL_DIR} --ignore-scripts`], 'one npm ci of the tool folder, before the checks')
  const checks = tool.filter((run) => !run.startsWith('npm ci'))
  t.ok(checks.length >= 2, `found ${checks.length} runs of verify-deps`)
  for (const run of checks) t.match(run, new RegExp(`^${TOOL_DIR}/node_modules/\\.bin/verify-deps( |$)`), `${run}: the locked copy`)
  t.ok(runs.indexOf(tool[0]!) < runs.indexOf('npm ci'), "the project's npm ci comes after the check")
  t.match(ciDoc, new RegExp(`npm install --save-exact \\./verify-deps-${version.replace(/\./g, '\\.')}\\.tgz`), 'the folder is set up from this release\'s tarball')
})

t.test('every verify-deps the docs install or run by name is this release', async (t) => {
  for (const [file, text] of Object.entries(DOCS)) {
    for (const [spec, named] of text.matchAll(/\bverify-deps@([^\s`"')]+)/g)) t.equal(named, version, `${file}: ${spec}`)
    for (const [name, named] of text.matchAll(/\bverify-deps-(\d[^\s`"')/]*)\.tgz/g)) t.equal(named, version, `${file}: ${name}`)
    // npx without a version runs whatever the registry calls `latest` that day.
    for (const run of runSteps(text).filter((r) => /\bnpx\b.*verify-deps/.test(r))) t.match(run, /npx --yes verify-deps@\S/, `${file}: ${run} names a version`)
  }
})

t.test('a git install of verify-deps is pinned to a full commit SHA', async (t) => {
  let found = 0
  for (const [file, text] of Object.entries(DOCS)) {
    for (const [url] of text.matchAll(/git\+(https|ssh):\/\/[^\s"`]*/g)) {
      found++
      t.match(url, /#([0-9a-f]{40}|<full-commit-sha>)$/, `${file}: ${url}`)
    }
  }
  t.ok(found >= 2, `found ${found} git URLs`)
})
