// Every finding code the check command can produce, each from one mutated package, in one run,
// through the library (runCheck, the JSON report as --json prints it, exitCodeForReport).
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkScenario, pinnedTrust } from '../helpers/check.js'
import { createScenario } from '../helpers/scenario/index.js'
import { validateJsonSchema } from '../helpers/json-schema.js'

const REPORT_SCHEMA = JSON.parse(readFileSync(new URL('../../docs/report.schema.json', import.meta.url), 'utf8'))

t.test('each knob gives its finding code in the JSON report', async (t) => {
  const s = await createScenario(t, {
    packages: [
      { name: 'ok', version: '1.0.0' },
      { name: 'sig-missing', version: '1.0.0', signature: 'missing' },
      { name: 'sig-invalid', version: '1.0.0', signature: 'invalid' },
      { name: 'sig-unknown', version: '1.0.0', signature: 'unknown-key' },
      { name: 'sig-expired', version: '1.0.0', signature: 'expired-key' },
      { name: 'prov-missing', version: '1.0.0', provenance: 'missing' },
      { name: 'prov-tampered', version: '1.0.0', provenance: 'tampered' },
      { name: 'prov-untrusted', version: '1.0.0', provenance: 'untrusted-ca' },
      { name: 'prov-wrong-name', version: '1.0.0', provenance: 'wrong-subject-name' },
      { name: 'prov-wrong-digest', version: '1.0.0', provenance: 'wrong-subject-digest' },
      { name: 'prov-advertised-missing', version: '1.0.0', provenance: 'advertised-missing' },
      { name: 'pub-tampered', version: '1.0.0', publishAttestation: 'tampered' },
      { name: 'pub-unknown', version: '1.0.0', publishAttestation: 'unknown-key' },
      { name: 'lock-swapped', version: '1.0.0' },
    ],
  })
  // A swapped lockfile entry: the project would install other bytes than the registry signed.
  const lockPath = join(s.projectDir, 'package-lock.json')
  const lock = JSON.parse(readFileSync(lockPath, 'utf8'))
  lock.packages['node_modules/lock-swapped'].integrity = lock.packages['node_modules/ok'].integrity
  writeFileSync(lockPath, JSON.stringify(lock, null, 2))

  const r = await checkScenario(s, { ...pinnedTrust(s), cacheDir: false })
  t.equal(r.status, 1)
  const report = r.json
  t.same(validateJsonSchema(REPORT_SCHEMA, report), [], 'the JSON report matches docs/report.schema.json')
  const codes = (name: string) => report.packages.find((p: any) => p.name === name).findings.map((f: any) => f.code)
  const decision = (name: string) => report.packages.find((p: any) => p.name === name).decision
  t.same(codes('ok'), [])
  t.equal(decision('ok'), 'pass')
  const expected: Record<string, string> = {
    'sig-missing': 'SIGNATURE_MISSING',
    'sig-invalid': 'SIGNATURE_INVALID',
    'sig-unknown': 'SIGNATURE_KEY_UNKNOWN',
    'sig-expired': 'SIGNATURE_KEY_EXPIRED',
    'prov-tampered': 'ATTESTATION_INVALID',
    'prov-untrusted': 'ATTESTATION_INVALID',
    'prov-wrong-name': 'ATTESTATION_SUBJECT_MISMATCH',
    'prov-wrong-digest': 'ATTESTATION_SUBJECT_MISMATCH',
    'prov-advertised-missing': 'ATTESTATION_MISSING',
    'pub-tampered': 'ATTESTATION_INVALID',
    'pub-unknown': 'ATTESTATION_INVALID',
    'lock-swapped': 'INTEGRITY_MISMATCH',
  }
  for (const [name, code] of Object.entries(expected)) {
    t.ok(codes(name).includes(code), `${name}: ${code} (got ${codes(name).join(', ')})`)
    t.equal(decision(name), 'fail', `${name} fails`)
  }
  t.same(codes('prov-missing'), ['PROVENANCE_MISSING'])
  t.equal(decision('prov-missing'), 'warn')
})

t.test('--installed compares node_modules with the lockfile: INSTALLED_MISMATCH', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'inst', version: '1.0.0' }, { name: 'other', version: '1.0.0' }] })
  const install = await s.npm(['ci'])
  t.equal(install.code, 0, 'npm ci installed the tree')
  // Someone changed what is on disk after install.
  const pkgPath = join(s.projectDir, 'node_modules', 'inst', 'package.json')
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'))
  writeFileSync(pkgPath, JSON.stringify({ ...pkg, version: '6.6.6' }))
  const r = await checkScenario(s, { mode: 'installed', ...pinnedTrust(s), cacheDir: false })
  t.equal(r.status, 1)
  const report = r.json
  const mismatch = report.packages.find((p: any) => p.findings.some((f: any) => f.code === 'INSTALLED_MISMATCH'))
  t.ok(mismatch, 'reported')
  t.match(mismatch.findings[0].message, /6\.6\.6/)
  const other = report.packages.find((p: any) => p.name === 'other')
  t.equal(other.decision, 'pass')
})
