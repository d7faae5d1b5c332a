// The trust lockfile through the loopback registry: `verify-deps trust update` (written file, diff,
// --dry-run, packages that failed verification), the check setting each package's baseline from it,
// and a malformed file stopping the run (exit 2 naming the file and JSON path). Parse, serialize and
// diff themselves: test/model/trust-lockfile.test.ts.
import t from 'tap'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { addTrustBaselines, gatherRun } from '../../lib/check.js'
import type { RunPackage } from '../../lib/policy/evaluate.js'
import { parseTrustLockfile } from '../../lib/model/trust-lockfile.js'
import { runTrustCommand } from '../../lib/cli/trust-command.js'
import { VerifyDepsError } from '../../lib/errors.js'
import { createScenario } from '../helpers/scenario/index.js'
import { pinnedTrust, TOOL_VERSION } from '../helpers/check.js'
import { cleanEnv, pinnedTrust as pinnedTrustArgs, runCli } from './run.js'
import { ACME_BOT } from '../policy/acme-policy.js'
import { captureTerminal } from '../helpers/capture-terminal.js'

const PACKAGES = [
  { name: '@acme/a', version: '1.0.0', npmUser: ACME_BOT },
  { name: '@acme/b', version: '2.1.0', provenance: 'missing' as const },
  { name: 'left-pad', version: '0.30.4' },
  { name: 'bad', version: '1.0.0', signature: 'invalid' as const },
  { name: 'multi', version: '1.0.0', provenance: 'missing' as const },
  { name: 'multi', version: '1.2.0' },
  { name: 'needs-multi', version: '1.0.0', dependencies: { multi: '1.2.0' } },
]
const DEPENDENCIES = { '@acme/a': '1.0.0', '@acme/b': '2.1.0', 'left-pad': '0.30.4', bad: '1.0.0', multi: '1.0.0', 'needs-multi': '1.0.0' }

async function scenario(t: Parameters<typeof createScenario>[0]) {
  const s = await createScenario(t, { packages: PACKAGES, project: { dependencies: DEPENDENCIES } })
  const env = cleanEnv(join(s.dir, 'home'))
  const file = join(s.projectDir, 'verify-deps.trust.json')
  const update = async (...args: string[]) => {
    const term = captureTerminal()
    const code = await runTrustCommand(['update', ...args, ...pinnedTrustArgs(s), '--no-cache'], term, { env, cwd: s.projectDir, toolVersion: TOOL_VERSION })
    return { code, out: term.stdout }
  }
  const read = () => JSON.parse(readFileSync(file, 'utf8'))
  return { s, env, file, update, read }
}

t.test('trust update records each line\'s verified level and identity and prints what changed', async (t) => {
  const { s, file, update, read } = await scenario(t)

  const dry = await update('--dry-run')
  t.equal(dry.code, 0)
  t.notOk(existsSync(file), '--dry-run writes nothing')
  t.match(dry.out, /\+ added {5}@acme\/a 1: trusted-publisher \(1\.0\.0; issuer https:\/\/token\.actions\.githubusercontent\.com, refKind tag, repository acme\/a, repositoryId \d+, runner github-hosted, trigger release, workflow \.github\/workflows\/release\.yml\)/)
  t.match(dry.out, /verify-deps\.trust\.json: not written \(--dry-run\)/)

  const first = await update()
  t.equal(first.code, 0)
  t.equal(first.out, dry.out.replace(/: not written \(--dry-run\)\n$/, ': written (5 changes); review the diff and commit it\n'), 'the same diff as --dry-run')
  const added = first.out.split('\n').filter((l) => l.startsWith('+ added'))
  t.same(
    added.map((l) => l.replace(/ \(.*$/, '')),
    ['+ added     @acme/a 1: trusted-publisher', '+ added     @acme/b 2: signature', '+ added     left-pad 0.30: provenance', '+ added     multi 1: signature', '+ added     needs-multi 1: provenance'],
    'one line each, sorted by name',
  )
  t.match(first.out, /not recorded \(failed verification\): bad@1\.0\.0\n/)
  const written = read()
  t.equal(written.lockfileVersion, 1)
  t.notOk('bad' in written.packages, 'a package whose signature is invalid is not recorded')
  t.same(written.packages.multi, { '1': { identity: written.packages.multi['1'].identity, level: 'signature', version: '1.2.0' } }, 'the lowest level of the line, the version of the highest')
  t.equal(written.packages.multi['1'].identity.repository, 'multi/multi', 'the identity of the highest version (1.0.0 had none)')
  t.notOk('ref' in written.packages['left-pad']['0.30'].identity || 'commit' in written.packages['left-pad']['0.30'].identity, 'never the commit or the exact tag')
  t.ok(readFileSync(file, 'utf8').endsWith('}\n'))

  const again = await update()
  t.equal(again.out, 'no changes\nnot recorded (failed verification): bad@1.0.0\nverify-deps.trust.json: unchanged\n')
  t.equal(again.code, 0)

  // What a reviewer sees when the tree moved: a recorded level above what verifies now, another
  // repository, a line no longer locked.
  const edited = read()
  edited.packages['@acme/b']['2'].level = 'provenance'
  edited.packages['left-pad']['0.30'].identity.repository = 'other/left-pad'
  edited.packages.gone = { '3': { level: 'signature', version: '3.1.0' } }
  edited.packages.bad = { '1': { level: 'provenance', version: '1.0.0' } }
  writeFileSync(file, JSON.stringify(edited))
  const diff = await update()
  t.equal(
    diff.out,
    [
      'v lowered   @acme/b 2: provenance (2.1.0) -> signature (2.1.0)',
      '- removed   gone 3: was signature (3.1.0)',
      '~ identity  left-pad 0.30: repository other/left-pad -> left-pad/left-pad (0.30.4)',
      'not recorded (failed verification): bad@1.0.0',
      'kept bad 1: no locked version of the line verified; its previous entry stays',
      'verify-deps.trust.json: written (3 changes); review the diff and commit it',
      '',
    ].join('\n'),
  )
  t.same(read().packages.bad, { '1': { level: 'provenance', version: '1.0.0' } }, 'a failing package never erases its baseline')
  t.ok(s)
})

t.test('the check sets each registry package\'s baseline from the trust lockfile', async (t) => {
  const { s, env, file, update } = await scenario(t)
  const gather = () => gatherRun({ projectDir: s.projectDir, env, toolVersion: TOOL_VERSION, ...pinnedTrust(s), cacheDir: false })
  const without = await gather()
  t.equal(without.trustLockfile, null)
  t.ok(without.run.every((p) => p.trust?.baseline === undefined), 'no file: no baseline')

  await update()
  const lock = JSON.parse(readFileSync(file, 'utf8'))
  lock.packages['@acme/b']['2'].level = 'trusted-publisher'
  writeFileSync(file, JSON.stringify(lock))
  const gathered = await gather()
  const trust = (name: string, version: string) => gathered.run.find((p) => p.ref.name === name && p.ref.version === version)?.trust
  t.same(trust('@acme/b', '2.1.0')?.level, 'signature', 'level from its verified facts')
  t.same(trust('@acme/b', '2.1.0')?.baseline, { line: '2', level: 'trusted-publisher', version: '2.1.0' }, 'baseline from the file')
  t.equal(trust('@acme/b', '2.1.0')?.history?.state, 'checked', 'the history gathered for it is kept')
  t.equal(trust('@acme/a', '1.0.0')?.baseline?.identity?.repository, 'acme/a')
  t.equal(trust('@acme/a', '1.0.0')?.level, 'trusted-publisher')
  t.equal(trust('multi', '1.0.0')?.baseline?.level, 'signature', 'every locked version of the line gets its baseline')
  t.equal(trust('multi', '1.2.0')?.baseline?.version, '1.2.0')
  t.equal(trust('bad', '1.0.0')?.baseline, undefined, 'no entry: no baseline')
})

t.test('a malformed trust lockfile stops the run before any package is fetched: ETRUSTLOCKFILE, exit 2', async (t) => {
  const { s, env, file } = await scenario(t)
  writeFileSync(file, JSON.stringify({ lockfileVersion: 1, packages: { 'left-pad': { '0.30': { level: 'provenance', version: '0.30.4', pinned: true } } } }))
  const err = await gatherRun({ projectDir: s.projectDir, env, toolVersion: TOOL_VERSION, ...pinnedTrust(s), cacheDir: false }).then(
    () => undefined,
    (e: unknown) => e,
  )
  t.ok(err instanceof VerifyDepsError && err.code === 'ETRUSTLOCKFILE', String(err))
  t.equal((err as Error).message, `${file}: packages["left-pad"]["0.30"].pinned: unknown field (allowed: identity, level, version)`)

  // Through the real CLI: the check and trust update both refuse it, with no stack trace.
  for (const args of [[], ['trust', 'update']]) {
    const r = await runCli([...args, ...pinnedTrustArgs(s)], { cwd: s.projectDir, env })
    t.equal(r.status, 2, `${args.join(' ') || 'check'}: exit 2`)
    t.match(r.stderr, /verify-deps: .*verify-deps\.trust\.json: packages\["left-pad"\]\["0\.30"\]\.pinned: unknown field/)
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')
  }
  const json = await runCli(['--json', ...pinnedTrustArgs(s)], { cwd: s.projectDir, env })
  t.equal(JSON.parse(json.stdout).error.code, 'ETRUSTLOCKFILE')

  // Too large: refused before it is parsed.
  writeFileSync(file, ' '.repeat(8 * 1024 * 1024 + 1))
  const big = await runCli(['trust', 'update', ...pinnedTrustArgs(s)], { cwd: s.projectDir, env })
  t.equal(big.status, 2)
  t.match(big.stderr, /verify-deps\.trust\.json: cannot be read: larger than/)
})

t.test('trust: usage', async (t) => {
  const { s, env } = await scenario(t)
  const help = await runCli(['trust', '--help'], { cwd: s.projectDir, env })
  t.equal(help.status, 0)
  t.match(help.stdout, /^Usage: verify-deps trust update \[dir\] \[--dry-run\]/)
  const none = await runCli(['trust'], { cwd: s.projectDir, env })
  t.equal(none.status, 2)
  const other = await runCli(['trust', 'remove'], { cwd: s.projectDir, env })
  t.equal(other.status, 2)
  t.match(other.stderr, /trust: unknown subcommand "remove"/)
  const report = await runCli(['trust', 'update', '--json'], { cwd: s.projectDir, env })
  t.equal(report.status, 2)
  t.match(report.stderr, /trust update: --json is a check report option/)
})

t.test('addTrustBaselines: registry packages only; keeps what else the check knows of their trust', async (t) => {
  const lock = parseTrustLockfile(JSON.stringify({ lockfileVersion: 1, packages: { a: { '1': { level: 'provenance', version: '1.0.0' } } } }), 'f')
  const ref = (source: string) => ({ name: 'a', version: '1.2.0', source }) as unknown as RunPackage['ref']
  const run: RunPackage[] = [
    { ref: ref('registry'), outcome: { kind: 'fetch-failed', reason: 'x' } },
    { ref: ref('registry'), outcome: { kind: 'fetch-failed', reason: 'x' }, trust: { level: 'signature', history: { state: 'unavailable', reason: 'stripped' } } },
    { ref: ref('git'), outcome: { kind: 'not-registry' } },
  ]
  await addTrustBaselines(run, null)
  t.equal(run[0]!.trust, undefined, 'no file: nothing set')
  await addTrustBaselines(run, lock)
  const baseline = { line: '1', level: 'provenance', version: '1.0.0' }
  t.same(run[0]!.trust, { level: 'none', baseline }, 'not fetched: level none')
  t.same(run[1]!.trust, { level: 'signature', history: { state: 'unavailable', reason: 'stripped' }, baseline }, 'the level and history already gathered are kept')
  t.equal(run[2]!.trust, undefined, 'a git dependency has no baseline')
})

t.test('trust update: a file that cannot be written is EOUTPUT', async (t) => {
  const { file, update } = await scenario(t)
  // The temporary file the update writes through is in the way.
  mkdirSync(`${file}.${process.pid}.tmp`)
  await t.rejects(update(), { code: 'EOUTPUT', message: /verify-deps\.trust\.json: cannot be written: EISDIR/ })
  t.notOk(existsSync(file))
})

t.test('trust update --offline with nothing cached: every line keeps its entry, exit 3', async (t) => {
  const { file, update, read } = await scenario(t)
  t.equal((await update()).code, 0)
  const before = readFileSync(file, 'utf8')
  const offline = await update('--offline')
  t.equal(offline.code, 3, 'could not verify')
  t.match(offline.out, /^no changes\nnot recorded \(failed verification\): @acme\/a@1\.0\.0, @acme\/b@2\.1\.0, bad@1\.0\.0, left-pad@0\.30\.4, multi@1\.0\.0, multi@1\.2\.0, needs-multi@1\.0\.0\n/)
  t.match(offline.out, /kept left-pad 0\.30: no locked version of the line verified/)
  t.equal(readFileSync(file, 'utf8'), before, 'nothing lost')
  t.ok(read())
})

t.test('trust update records every package in the lockfile, whatever npm config omits; refuses --omit', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'prod', version: '1.0.0' }, { name: 'devonly', version: '2.0.0' }], project: { dependencies: { prod: '1.0.0' }, devDependencies: { devonly: '2.0.0' } } })
  const env = cleanEnv(join(s.dir, 'home'), { npm_config_omit: 'dev' })
  const term = captureTerminal()
  t.equal(await runTrustCommand(['update', ...pinnedTrustArgs(s), '--no-cache'], term, { env, cwd: s.projectDir, toolVersion: TOOL_VERSION }), 0)
  t.same(Object.keys(JSON.parse(readFileSync(join(s.projectDir, 'verify-deps.trust.json'), 'utf8')).packages), ['devonly', 'prod'], 'the dev dependency npm config omits is recorded too')
  const omit = await runCli(['trust', 'update', '--omit', 'dev'], { cwd: s.projectDir, env })
  t.equal(omit.status, 2)
  t.match(omit.stderr, /trust update: --omit selects part of the tree; trust update records every package in the lockfile/)
})
