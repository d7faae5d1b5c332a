// runVerifyTarball (`verify-deps verify` as a library call) over the recorded corpus: the decision,
// "could not verify" and exit code of every case, and the one-package report check's schema describes.
import t, { type Test } from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { exitCodeForReport } from '../lib/cli/exit-codes.js'
import { VerifyDepsError as RunError } from '../lib/errors.js'
import type { Report } from '../lib/model.js'
import { formatReportJson } from '../lib/report/json.js'
import { runVerifyTarball, type VerifyTarballOptions } from '../lib/verify-tarball.js'
import { corpusPath, loadCorpusCases, readCorpusJSON } from './helpers/corpus.js'

const TRUST = { trustedRootFile: corpusPath('trust/sigstore-public-good.trusted_root.json'), registryKeysFile: corpusPath('trust/npm-registry-keys.tuf-keys.json') }
const validateReport = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(new URL('../docs/report.schema.json', import.meta.url), 'utf8')) as object)
const cases = loadCorpusCases()
const sigstore = cases.find((c) => c.id === 'npm-cli__sigstore@1.0.0')!

const verify = (options: Omit<VerifyTarballOptions, 'toolVersion'>) => runVerifyTarball({ toolVersion: '0.0.0-test', ...options })

/** The report as `--json` prints it, checked against docs/report.schema.json. */
function jsonOf(t: Test, report: Report, what: string) {
  const json = JSON.parse(formatReportJson(report).main) as Record<string, any>
  t.ok(validateReport(json), `${what}: valid against docs/report.schema.json ${JSON.stringify(validateReport.errors ?? [])}`)
  return json
}

t.test('every attestation case gives its expected decision and exit code, as a one-package report', async (t) => {
  const attestationCases = cases.filter((c) => c.kind === 'attestations')
  t.ok(attestationCases.length >= 20)
  for (const c of attestationCases) {
    const report = await verify({ tarballFile: corpusPath(c.tarball!), attestationsFile: corpusPath(c.file), ...TRUST })
    const expectPass = c.expect === 'verify'
    t.equal(exitCodeForReport(report), expectPass ? 0 : 1, `${c.id}: exit code`)
    t.equal(report.packages.length, 1)
    const p = report.packages[0]!
    t.equal(p.decision === 'fail', !expectPass, `${c.id}: decision ${p.decision}`)
    t.equal(report.couldNotVerify, false, `${c.id}: something verified or failed`)
    t.equal(p.name, c.name, `${c.id}: name read from the tarball`)
    t.equal(p.integrity, c.integrity, `${c.id}: bound to the tarball's sha512`)
    for (const kind of ['provenance', 'publish'] as const) {
      t.equal(p.facts![kind].status === 'verified', !(c.failing ?? []).includes(kind), `${c.id}: ${kind} ${p.facts![kind].status}`)
    }
    const json = jsonOf(t, report, c.id)
    t.equal(json.packages[0].decision, p.decision)
    t.equal(json.packages[0].evidence.provenance.status, p.facts!.provenance.status)
  }
})

t.test('every structural bundle case fails, or is refused as unusable input, never passes', async (t) => {
  for (const c of cases.filter((c) => c.kind === 'structural-bundle')) {
    const outcome = await verify({ tarballFile: corpusPath(c.tarball!), attestationsFile: corpusPath(c.file), ...TRUST }).then(
      (report) => report,
      (err: unknown) => err,
    )
    if (outcome instanceof RunError) {
      t.equal(outcome.kind, 'usage', `${c.id}: ${outcome.code} is unusable input (exit 2)`)
      continue
    }
    t.not(outcome instanceof Error, true, `${c.id}: no other error`)
    const report = outcome as Report
    t.equal(exitCodeForReport(report), 1, `${c.id}: exit 1`)
    t.equal(report.packages[0]!.decision, 'fail', `${c.id}: fails`)
  }
})

t.test('the embedded trust material verifies real attestations without trust files', async (t) => {
  const report = await verify({ tarballFile: corpusPath(sigstore.tarball!), attestationsFile: corpusPath(sigstore.file) })
  t.equal(exitCodeForReport(report), 0)
  t.equal(report.packages[0]!.decision, 'pass')
  t.equal(report.packages[0]!.facts!.provenance.identity?.repository, 'sigstore/sigstore-js')
})

t.test('with a packument the registry signature is checked at the publish time', async (t) => {
  const sigCases = (readCorpusJSON('registry-signatures/cases.json') as { cases: { name: string; version: string; integrity: string; signatures: { keyid: string }[] }[] }).cases
  const sig = sigCases.find((s) => s.name === 'sigstore' && s.version === '1.0.0')!
  const packument = {
    name: 'sigstore',
    time: { '1.0.0': '2023-01-25T00:00:00.000Z' },
    versions: { '1.0.0': { name: 'sigstore', version: '1.0.0', dist: { integrity: sig.integrity, signatures: sig.signatures } } },
  }
  const dir = t.testdir({})
  const write = (name: string, doc: unknown) => {
    writeFileSync(join(dir, name), JSON.stringify(doc))
    return join(dir, name)
  }
  const ok = await verify({ tarballFile: corpusPath(sigstore.tarball!), attestationsFile: corpusPath(sigstore.file), packumentFile: write('packument.json', packument), ...TRUST })
  t.equal(ok.packages[0]!.facts!.signature.status, 'verified')
  t.equal(exitCodeForReport(ok), 0)
  t.equal(jsonOf(t, ok, 'signed').packages[0].evidence.signature.status, 'verified')

  const tampered = structuredClone(packument)
  tampered.versions['1.0.0'].dist.signatures = [{ keyid: sig.signatures[0]!.keyid, sig: 'MEUCIQDtampered' } as { keyid: string }]
  const bad = await verify({ tarballFile: corpusPath(sigstore.tarball!), attestationsFile: corpusPath(sigstore.file), packumentFile: write('bad.json', tampered), ...TRUST })
  t.equal(exitCodeForReport(bad), 1)
  t.equal(bad.packages[0]!.decision, 'fail')
  t.same(bad.packages[0]!.findings.map((f) => [f.code, f.severity]), [['SIGNATURE_INVALID', 'error']])

  // Without the publish time a time-bounded key cannot be checked: never a pass.
  const { time: _time, ...untimed } = packument
  const noTime = await verify({ tarballFile: corpusPath(sigstore.tarball!), packumentFile: write('untimed.json', untimed), ...TRUST })
  t.not(noTime.packages[0]!.facts!.signature.status, 'verified', 'no publish time: the signature is not verified')
  t.not(exitCodeForReport(noTime), 0)
})

t.test('a tarball with nothing cryptographic to check could not be verified (exit 3), never passes', async (t) => {
  const report = await verify({ tarballFile: corpusPath(sigstore.tarball!), ...TRUST })
  t.equal(report.couldNotVerify, true)
  t.equal(exitCodeForReport(report), 3)
  t.not(report.packages[0]!.decision, 'fail', 'nothing was found wrong')
  t.equal(report.packages[0]!.facts!.integrity.tarball, 'verified')
  t.match(report.notices, [/nothing verified/])
  const json = jsonOf(t, report, 'nothing verified')
  t.equal(json.couldNotVerify, true)
})

t.test('the report is a one-package report: project names the tarball, summary counts the package', async (t) => {
  const report = await verify({ tarballFile: corpusPath(sigstore.tarball!), attestationsFile: corpusPath(sigstore.file), ...TRUST })
  const json = jsonOf(t, report, 'sigstore')
  t.same(json.tool, { name: 'verify-deps', version: '0.0.0-test' })
  t.same(json.project, { root: corpusPath('tarballs'), lockfile: '', policy: null, tarball: corpusPath(sigstore.tarball!) })
  t.same(json.summary, { total: 1, pass: 1, warn: 0, fail: 0, skipped: 0 })
  t.same(json.registries, [])
  t.match(json.packages[0], { name: 'sigstore', version: '1.0.0', source: 'registry', registry: null, locations: [], decision: 'pass', skipReason: null, rule: 'default', findings: [] })
  t.same(json.packages[0].evidence.integrity, { status: 'verified', registryIntegrity: null, tarball: 'verified' })
  t.same(json.packages[0].evidence.signature, { status: 'not-checked', keyid: null }, 'no packument: the signature is not checked')
})

t.test('unusable trust material is a usage error naming the file', async (t) => {
  const dir = t.testdir({ 'not-json.json': '{nope' })
  const tarballFile = corpusPath(sigstore.tarball!)
  const refused: [Partial<VerifyTarballOptions>, string, RegExp][] = [
    [{ trustedRootFile: join(dir, 'not-json.json') }, 'EJSONPARSE', /not-json\.json: trusted root is not valid JSON/],
    [{ trustedRootFile: corpusPath('trust/npm-registry-keys.tuf-keys.json') }, 'ETRUSTEDROOT', /npm-registry-keys\.tuf-keys\.json/],
    [{ registryKeysFile: corpusPath('trust/sigstore-public-good.trusted_root.json') }, 'EREGISTRYKEYSFILE', /trusted_root\.json: invalid registry keys/],
  ]
  for (const [options, code, message] of refused) {
    const err = await verify({ tarballFile, ...options }).then(
      () => undefined,
      (e: unknown) => e,
    )
    t.ok(err instanceof RunError && err.kind === 'usage', `${JSON.stringify(options)}: unusable input`)
    t.match((err as RunError).code, new RegExp(`^(${code})$`))
    t.match((err as Error).message, message)
  }
})
