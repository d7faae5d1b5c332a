// `verify-deps verify <tarball>` spawned as users run it: arguments, output formats and exit codes.
// What each corpus case verifies to is tested through the library (test/verify-tarball.test.ts,
// test/fetch/evidence-files.test.ts); the spawns here run concurrently.
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { corpusPath, loadCorpusCases } from '../helpers/corpus.js'
import { cliCommand } from './run.js'

const TRUST = ['--trusted-root', corpusPath('trust/sigstore-public-good.trusted_root.json'), '--registry-keys', corpusPath('trust/npm-registry-keys.tuf-keys.json')]

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(...cliCommand(['verify', ...args]), { encoding: 'utf8', env: { ...process.env, GITHUB_STEP_SUMMARY: '' } }, (_err, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }))
  })
}

const cases = loadCorpusCases()
const visor = cases.find((c) => c.id === 'slsa-verifier__gundam-visor-cli-v1-tag')!
const sigstore = cases.find((c) => c.id === 'npm-cli__sigstore@1.0.0')!
const failing = cases.find((c) => c.kind === 'attestations' && c.expect === 'fail')!
const args = (c: typeof visor, ...more: string[]) => [corpusPath(c.tarball!), '--attestations', corpusPath(c.file), ...TRUST, ...more]

t.test('outputs and exit codes', async (t) => {
  const dir = t.testdir({})
  const sarifFile = join(dir, 'verify.sarif')
  const [text, json, failed, nothingText, nothingJson, sarif, github, help] = await Promise.all([
    run(args(visor)),
    run(args(visor, '--json')),
    run(args(failing, '--format', 'json')),
    run([corpusPath(sigstore.tarball!), ...TRUST]),
    run([corpusPath(sigstore.tarball!), ...TRUST, '--format=json']),
    run(args(failing, '--format', 'sarif', '--output', sarifFile)),
    run(args(failing, '--format', 'github')),
    run(['--help']),
  ])

  t.test('text shows the outcome and who built it; a verified package exits 0', async (t) => {
    t.equal(text.status, 0, text.stderr)
    t.match(text.stdout, /gundam-visor@1\.0\.1: verified/)
    t.match(text.stdout, /source\s+ramonpetgrave64\/gundam-visor\s+refs\/tags\/v1\.0\.1/)
    t.match(text.stdout, /signature\s+not-checked/)
  })

  t.test('--json prints the report document with one package entry, as check does', async (t) => {
    t.equal(json.status, 0, json.stderr)
    const doc = JSON.parse(json.stdout)
    t.equal(doc.schemaVersion, 1)
    t.same(doc.summary, { total: 1, pass: 1, warn: 0, fail: 0, skipped: 0 })
    t.match(doc.packages[0], { name: 'gundam-visor', version: '1.0.1', decision: 'pass', findings: [], evidence: { provenance: { status: 'verified', identity: { repository: 'ramonpetgrave64/gundam-visor' } } } })
  })

  t.test('a failing check exits 1 with decision "fail" and its findings', async (t) => {
    t.equal(failed.status, 1, failed.stderr)
    const doc = JSON.parse(failed.stdout)
    t.equal(doc.packages[0].decision, 'fail')
    t.ok(doc.packages[0].findings.some((f: { severity: string }) => f.severity === 'error'))
  })

  t.test('nothing cryptographic to check is "NOTHING VERIFIED" and exits 3, never "verified"', async (t) => {
    t.equal(nothingText.status, 3, nothingText.stderr)
    t.match(nothingText.stdout, /sigstore@1\.0\.0: NOTHING VERIFIED/)
    t.notMatch(nothingText.stdout, /: verified/)
    t.equal(nothingJson.status, 3)
    t.equal(JSON.parse(nothingJson.stdout).couldNotVerify, true)
  })

  t.test('--format sarif --output writes SARIF to the file, and keeps the exit code', async (t) => {
    t.equal(sarif.status, 1, sarif.stderr)
    t.equal(sarif.stdout, '')
    t.match(sarif.stderr, /report written to .*verify\.sarif/)
    const log = JSON.parse(readFileSync(sarifFile, 'utf8'))
    t.equal(log.version, '2.1.0')
    t.ok(log.runs[0].results.some((r: { level: string }) => r.level === 'error'))
  })

  t.test('--format github annotates the tarball', async (t) => {
    t.equal(github.status, 1, github.stderr)
    t.match(github.stdout, /^::error file=[^,]*\.tgz,/m)
  })

  t.test('--help documents the formats and exit codes', async (t) => {
    t.equal(help.status, 0)
    t.match(help.stdout, /--format NAME\s+text \| json \| sarif \| github/)
    t.match(help.stdout, /--output FILE/)
    t.match(help.stdout, /3 nothing verified/)
  })
})

t.test('unusable input exits 2 with a message naming it, as JSON under --json', async (t) => {
  const dir = t.testdir({})
  const refused: [string[], RegExp][] = [
    [[], /name a tarball/],
    [[corpusPath(sigstore.tarball!), '--bogus'], /Unknown option '--bogus'/],
    [[corpusPath(sigstore.tarball!), '--format', 'yaml'], /--format must be one of text, json, sarif, github, html \(got "yaml"\)/],
    [[corpusPath(sigstore.tarball!), '--output', join(dir, 'no-such-dir', 'out.json')], /--output cannot be written: the directory .* does not exist/],
  ]
  const results = await Promise.all(refused.map(([a]) => run(a)))
  refused.forEach(([a, message], i) => {
    const r = results[i]!
    t.equal(r.status, 2, `${a.join(' ')}: exit 2`)
    t.match(r.stderr, message, `${a.join(' ')}: says what is wrong`)
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')
  })
  // Which file errors exist is tested through the library (test/fetch/evidence-files.test.ts).
  const json = await run([join(dir, 'missing.tgz'), '--json'])
  t.equal(json.status, 2)
  t.match(json.stderr, /missing\.tgz: cannot read tarball: no such file/)
  t.match(JSON.parse(json.stdout), { error: { code: 'EINPUTFILE', summary: /missing\.tgz: cannot read tarball/ } })
})
