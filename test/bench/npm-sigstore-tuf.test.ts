// The preload that points npm's @sigstore/tuf at a loopback TUF repository: a process with it
// reads targets from the loopback mirror through the real TUF client, whatever mirror it asks for.
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startTufRepo } from '../helpers/tuf-repo.js'

const PRELOAD = fileURLToPath(new URL('../../bench/npm-sigstore-tuf.cjs', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

// What npm does: initTUF with only a cache path (the default public-good mirror), then read a target.
const SCRIPT = `
const tuf = require('@sigstore/tuf')
tuf.initTUF({ cachePath: process.argv[1], retry: 0 }).then((c) => c.getTarget('trusted_root.json')).then(
  (text) => process.stdout.write(text),
  (err) => { process.stderr.write(String(err.code) + ' ' + err.message); process.exitCode = 1 })
`

// Asynchronous: the repository answers from this process.
function runWithPreload(env: Record<string, string>, cachePath: string): Promise<{ status: number; stdout: string; stderr: string }> {
  const { NODE_OPTIONS: _drop, ...rest } = process.env
  return new Promise((resolve) => {
    execFile(process.execPath, ['--require', PRELOAD, '-e', SCRIPT, cachePath], { cwd: ROOT, env: { ...rest, ...env } }, (err, stdout, stderr) => {
      resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr })
    })
  })
}

t.test('initTUF without a mirror reads the loopback repository', async (t) => {
  const repo = await startTufRepo({ 'trusted_root.json': '{"from":"loopback"}' })
  t.teardown(() => repo.close())
  const dir = mkdtempSync(join(tmpdir(), 'npm-tuf-preload-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'root.json'), repo.rootJSON)

  const result = await runWithPreload({ VERIFY_DEPS_BENCH_TUF_MIRROR: repo.url, VERIFY_DEPS_BENCH_TUF_ROOT: join(dir, 'root.json') }, join(dir, 'cache'))
  t.equal(result.stderr, '')
  t.equal(result.stdout, '{"from":"loopback"}')
  t.ok(repo.requests.includes('/targets/trusted_root.json'))
})

t.test('refuses to start without its settings', async (t) => {
  const result = await runWithPreload({}, tmpdir())
  t.not(result.status, 0)
  t.match(result.stderr, /set VERIFY_DEPS_BENCH_TUF_MIRROR and VERIFY_DEPS_BENCH_TUF_ROOT/)
})
