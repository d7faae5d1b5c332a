// The install-gate transaction (lib/gate/install.ts) with npm and the check stood in for: what is
// run in which order, what is put back byte for byte, and how each way of ending is reported. The
// CLI tests (test/cli/install*.test.ts) keep the real npm, the loopback registry and exit codes.
import t, { type Test } from 'tap'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CI_FLAGS, LOCKFILE_ONLY_FLAGS, NPM_INSTALL_FLAGS, runCiGate, runInstallGate, type GateOptions } from '../../lib/gate/install.js'
import type { NpmRunResult } from '../../lib/gate/npm.js'

const PKG = '{"name":"app","dependencies":{"base":"1.0.0"}}\n'
const LOCK = '{"name":"app","lockfileVersion":3,"packages":{}}\n'

/** A project, a stand-in npm that logs its runs and does what `npmDoes` says, and the check's stand-in. */
function world(t: Test, files: Record<string, string> = { 'package.json': PKG, 'package-lock.json': LOCK }) {
  const projectDir = t.testdir(files)
  const file = (name: string) => join(projectDir, name)
  const bytes = (name: string) => (existsSync(file(name)) ? readFileSync(file(name), 'utf8') : null)
  const runs: string[][] = []
  const stop = new AbortController()
  let npmDoes: (args: string[]) => Promise<NpmRunResult> | NpmRunResult = (args) => {
    if (args.includes('--package-lock-only')) {
      // What npm install --package-lock-only does: package.json and the lockfile change.
      writeFileSync(file('package.json'), '{"name":"app","dependencies":{"base":"1.0.0","bad":"^1.0.0"}}\n')
      writeFileSync(file('package-lock.json'), '{"name":"app","lockfileVersion":3,"packages":{"node_modules/bad":{}}}\n')
    }
    return { kind: 'exited', code: 0 }
  }
  let checkDoes: () => Promise<number> = async () => 0
  const options = (): GateOptions => ({
    projectDir,
    npmArgs: ['bad', '--save-dev'],
    stop: stop.signal,
    runNpm: async (args) => {
      runs.push(args)
      return npmDoes(args)
    },
    check: () => checkDoes(),
  })
  return {
    projectDir, file, bytes, runs, stop, options,
    npm: (does: typeof npmDoes) => void (npmDoes = does),
    check: (does: typeof checkDoes) => void (checkDoes = does),
  }
}

t.test('install: a check that does not pass puts package.json and the lockfile back byte for byte, and npm installs nothing', async (t) => {
  for (const checkCode of [1, 3]) {
    const w = world(t)
    w.check(async () => checkCode)
    const outcome = await runInstallGate(w.options())
    t.same(outcome, { kind: 'check-failed', checkCode, restored: [w.file('package.json'), w.file('package-lock.json')] }, `check exit ${checkCode}`)
    t.equal(w.bytes('package.json'), PKG)
    t.equal(w.bytes('package-lock.json'), LOCK)
    t.same(w.runs, [['install', '--no-audit', '--no-fund', 'bad', '--save-dev', ...LOCKFILE_ONLY_FLAGS]], 'only the lockfile-only run, with the user arguments before the gate flags')
  }
})

t.test('install: a lockfile npm wrote where there was none is removed again', async (t) => {
  const w = world(t, { 'package.json': PKG })
  w.check(async () => 1)
  const outcome = await runInstallGate(w.options())
  t.equal(outcome.kind, 'check-failed')
  t.notOk(existsSync(w.file('package-lock.json')), 'the lockfile that did not exist is gone')
  t.equal(w.bytes('package.json'), PKG)
})

t.test('install: a check that cannot run (it throws) puts the files back and hands the error on', async (t) => {
  const w = world(t)
  const error = new Error('policy: version: expected 1')
  w.check(async () => {
    throw error
  })
  const outcome = await runInstallGate(w.options())
  t.equal(outcome.kind, 'check-error')
  t.equal(outcome.kind === 'check-error' && outcome.error, error)
  t.equal(w.bytes('package.json'), PKG)
  t.equal(w.bytes('package-lock.json'), LOCK)
  t.equal(w.runs.length, 1, 'npm install is not run')
})

t.test('install: npm failing, not starting, or creating node_modules in the lockfile-only run stops the gate before the check', async (t) => {
  let checked = false
  const cases: [string, (w: ReturnType<typeof world>) => (args: string[]) => NpmRunResult, string][] = [
    ['npm exits 1', (w) => () => (writeFileSync(w.file('package-lock.json'), 'half'), { kind: 'exited', code: 1 }), 'lockfile-failed'],
    ['npm cannot start', () => () => ({ kind: 'not-started', reason: 'spawn npm ENOENT' }), 'npm-not-started'],
    ['node_modules appears', (w) => () => (mkdirSync(w.file('node_modules')), { kind: 'exited', code: 0 }), 'node-modules-created'],
  ]
  for (const [name, npm, kind] of cases) {
    const w = world(t)
    w.npm(npm(w))
    w.check(async () => ((checked = true), 0))
    const outcome = await runInstallGate(w.options())
    t.equal(outcome.kind, kind, name)
    t.equal(w.bytes('package-lock.json'), LOCK, `${name}: lockfile put back`)
  }
  t.notOk(checked, 'the check never ran')
})

t.test('install: a passing check installs exactly the verified lockfile with npm ci, npm options only (no package specs)', async (t) => {
  const w = world(t)
  const outcome = await runInstallGate(w.options())
  t.same(outcome, { kind: 'installed', npmCode: 0, rewritten: [] })
  t.same(w.runs[1], ['ci', '--save-dev', ...CI_FLAGS])
  t.match(w.bytes('package-lock.json'), /node_modules\/bad/, 'the lockfile npm wrote is kept')

  const w2 = world(t)
  await runInstallGate({ ...w2.options(), npmInstall: true })
  t.same(w2.runs[1], ['install', '--save-dev', ...NPM_INSTALL_FLAGS], 'npmInstall: npm install with --package-lock --save')
})

t.test("install: npm's exit code after a passing check is passed on; a lockfile npm rewrites after the check is reported", async (t) => {
  const w = world(t)
  w.npm((args) => {
    if (args[0] === 'ci') return { kind: 'exited', code: 1 }
    writeFileSync(w.file('package-lock.json'), 'verified')
    return { kind: 'exited', code: 0 }
  })
  t.same(await runInstallGate(w.options()), { kind: 'installed', npmCode: 1, rewritten: [] }, 'a failing npm ci: its code, the files as they are')

  const w2 = world(t)
  w2.npm((args) => {
    writeFileSync(w2.file('package-lock.json'), args[0] === 'install' && args.includes('--package-lock-only') ? 'verified' : 'rewritten by npm install')
    return { kind: 'exited', code: 0 }
  })
  const outcome = await runInstallGate({ ...w2.options(), npmInstall: true })
  t.same(outcome, { kind: 'installed', npmCode: 0, rewritten: [w2.file('package-lock.json')] })
})

t.test('install: a stop while npm writes the lockfile waits for npm to exit, then puts the files back', async (t) => {
  const w = world(t)
  let npmExited = false
  w.npm(async () => {
    w.stop.abort('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 50))
    // npm (stopped) still writes before it exits: the gate must put the files back after this.
    writeFileSync(w.file('package-lock.json'), 'late write')
    npmExited = true
    return { kind: 'exited', code: 1 }
  })
  const outcome = await runInstallGate(w.options())
  t.ok(npmExited)
  t.same(outcome, { kind: 'interrupted', signal: 'SIGTERM', duringCheck: false, restored: [w.file('package-lock.json')] })
  t.equal(w.bytes('package-lock.json'), LOCK)
})

t.test('install: a stop while the check runs puts the files back at once, without waiting for the check', async (t) => {
  const w = world(t)
  w.check(() => {
    setTimeout(() => w.stop.abort('SIGINT'), 10)
    return new Promise<number>(() => {}) // a check that would never end
  })
  const outcome = await runInstallGate(w.options())
  t.same(outcome, { kind: 'interrupted', signal: 'SIGINT', duringCheck: true, restored: [w.file('package.json'), w.file('package-lock.json')] })
  t.equal(w.bytes('package.json'), PKG)
  t.equal(w.bytes('package-lock.json'), LOCK)
  t.equal(w.runs.length, 1, 'npm ci never ran')
})

t.test('install: a stop during npm ci after a passing check keeps the verified files and says npm was stopped', async (t) => {
  const w = world(t)
  w.npm((args) => {
    if (args[0] !== 'ci') return writeFileSync(w.file('package-lock.json'), 'verified'), { kind: 'exited', code: 0 }
    w.stop.abort('SIGHUP')
    return { kind: 'exited', code: 1 }
  })
  const outcome = await runInstallGate(w.options())
  t.same(outcome, { kind: 'install-interrupted', signal: 'SIGHUP', command: 'ci' })
  t.equal(w.bytes('package-lock.json'), 'verified')
})

t.test('ci: npm ci runs only after a passing check, with every user argument; nothing is written before', async (t) => {
  const w = world(t)
  w.check(async () => 1)
  t.same(await runCiGate(w.options()), { kind: 'check-failed', checkCode: 1, restored: [] })
  t.same(w.runs, [], 'npm was not run')

  const w2 = world(t)
  t.same(await runCiGate(w2.options()), { kind: 'installed', npmCode: 0, rewritten: [] })
  t.same(w2.runs, [['ci', 'bad', '--save-dev', ...CI_FLAGS]])
})
