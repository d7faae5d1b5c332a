// `verify-deps verify <tarball>` spawned as users run it, over every recorded corpus case.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { corpusPath, loadCorpusCases, readCorpusJSON } from '../helpers/corpus.js'

const BIN = fileURLToPath(new URL('../../bin/verify-deps.js', import.meta.url))
const TRUST = ['--trusted-root', corpusPath('trust/sigstore-public-good.trusted_root.json'), '--registry-keys', corpusPath('trust/npm-registry-keys.tuf-keys.json')]

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'verify', ...args], { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

const cases = loadCorpusCases()

t.test('every attestation case gives its expected outcome and exit code', async (t) => {
  for (const c of cases.filter((c) => c.kind === 'attestations')) {
    const r = run([corpusPath(c.tarball!), '--attestations', corpusPath(c.file), ...TRUST, '--json'])
    const facts = JSON.parse(r.stdout)
    t.equal(r.status, c.expect === 'verify' ? 0 : 1, `${c.id}: exit ${r.status}`)
    t.equal(facts.outcome, c.expect === 'verify' ? 'pass' : 'fail', `${c.id}: outcome`)
    for (const kind of ['provenance', 'publish']) {
      t.equal(facts[kind].status === 'verified', !(c.failing ?? []).includes(kind), `${c.id}: ${kind} ${facts[kind].status}`)
    }
    t.equal(facts.name, c.name, `${c.id}: name read from the tarball`)
  }
})

t.test('every structural bundle case fails (exit 1, or 2 when it is not even JSON)', async (t) => {
  for (const c of cases.filter((c) => c.kind === 'structural-bundle')) {
    const r = run([corpusPath(c.tarball!), '--attestations', corpusPath(c.file), ...TRUST])
    t.not(r.status, 0, `${c.id}: exit ${r.status}`)
    t.ok(r.status === 1 || r.status === 2, `${c.id}: a verdict or an input error, never a crash`)
    t.notMatch(r.stderr, /\n\s+at /, `${c.id}: no stack trace`)
  }
})

t.test('text output shows the identity and a valid run exits 0', async (t) => {
  const c = cases.find((c) => c.id === 'slsa-verifier__gundam-visor-cli-v1-tag')!
  const r = run([corpusPath(c.tarball!), '--attestations', corpusPath(c.file), ...TRUST])
  t.equal(r.status, 0)
  t.match(r.stdout, /gundam-visor@1\.0\.1: verified/)
  t.match(r.stdout, /source\s+ramonpetgrave64\/gundam-visor\s+refs\/tags\/v1\.0\.1/)
  t.match(r.stdout, /signature\s+not-checked/)
})

t.test('the embedded trust material verifies real attestations without any trust flags', async (t) => {
  const c = cases.find((c) => c.id === 'npm-cli__sigstore@1.0.0')!
  const r = run([corpusPath(c.tarball!), '--attestations', corpusPath(c.file), '--json'])
  t.equal(r.status, 0, r.stderr)
})

t.test('with a packument the registry signature is checked at the publish time', async (t) => {
  // abbrev's packument is real; no tarball of it is recorded, so verify the signature path through a
  // version document whose integrity is the tarball's own: the registry integrity then mismatches.
  const c = cases.find((c) => c.id === 'npm-cli__sigstore@1.0.0')!
  const dir = t.testdir({})
  const sigCases = (readCorpusJSON('registry-signatures/cases.json') as { cases: { name: string; version: string; integrity: string; signatures: unknown }[] }).cases
  const sig = sigCases.find((s) => s.name === 'sigstore' && s.version === '1.0.0')!
  const packument = {
    name: 'sigstore',
    time: { '1.0.0': '2023-01-25T00:00:00.000Z' },
    versions: { '1.0.0': { name: 'sigstore', version: '1.0.0', dist: { integrity: sig.integrity, signatures: sig.signatures } } },
  }
  writeFileSync(join(dir, 'packument.json'), JSON.stringify(packument))
  const ok = run([corpusPath(c.tarball!), '--attestations', corpusPath(c.file), '--packument', join(dir, 'packument.json'), ...TRUST, '--json'])
  t.equal(ok.status, 0, ok.stderr)
  t.equal(JSON.parse(ok.stdout).signature.status, 'verified')

  const tampered = structuredClone(packument)
  tampered.versions['1.0.0'].dist.signatures = [{ keyid: (sig.signatures as { keyid: string }[])[0]!.keyid, sig: 'MEUCIQDtampered' }]
  writeFileSync(join(dir, 'bad.json'), JSON.stringify(tampered))
  const bad = run([corpusPath(c.tarball!), '--attestations', corpusPath(c.file), '--packument', join(dir, 'bad.json'), ...TRUST, '--json'])
  t.equal(bad.status, 1)
  t.same(JSON.parse(bad.stdout).findings.map((f: { code: string }) => f.code), ['SIGNATURE_INVALID'])
})

t.test('unusable input exits 2 with a message naming the file', async (t) => {
  const dir = t.testdir({ 'not-json.json': '{nope', 'not-a-tarball.tgz': 'hello' })
  const c = cases.find((c) => c.kind === 'attestations')!
  const cases2: [string[], RegExp][] = [
    [[], /name a tarball/],
    [[join(dir, 'missing.tgz')], /missing\.tgz: cannot read tarball: no such file/],
    [[join(dir, 'not-a-tarball.tgz')], /not-a-tarball\.tgz: not a gzip/],
    [[corpusPath(c.tarball!), '--attestations', join(dir, 'not-json.json')], /not-json\.json: attestations is not valid JSON/],
    [[corpusPath(c.tarball!), '--trusted-root', join(dir, 'not-json.json')], /not-json\.json: trusted root is not valid JSON/],
    [[corpusPath(c.tarball!), '--trusted-root', corpusPath('trust/npm-registry-keys.tuf-keys.json')], /npm-registry-keys\.tuf-keys\.json/],
    [[corpusPath(c.tarball!), '--registry-keys', corpusPath('trust/sigstore-public-good.trusted_root.json')], /trusted_root\.json: invalid registry keys/],
    [[corpusPath(c.tarball!), '--bogus'], /Unknown option '--bogus'/],
  ]
  for (const [args, message] of cases2) {
    const r = run(args)
    t.equal(r.status, 2, `${args.join(' ')}: exit 2`)
    t.match(r.stderr, message)
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')
  }
})

t.test('a tarball with nothing cryptographic to check is "nothing verified" and exits 3, never "verified"', async (t) => {
  const c = cases.find((c) => c.id === 'npm-cli__sigstore@1.0.0')!
  const text = run([corpusPath(c.tarball!), ...TRUST])
  t.equal(text.status, 3, text.stderr)
  t.match(text.stdout, /sigstore@1\.0\.0: NOTHING VERIFIED/)
  t.notMatch(text.stdout, /: verified/)
  const json = run([corpusPath(c.tarball!), ...TRUST, '--json'])
  t.equal(json.status, 3)
  t.equal(JSON.parse(json.stdout).outcome, 'nothing-verified')
})
