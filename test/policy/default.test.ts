import t from 'tap'
import { evaluateDefaultPolicy } from '../../lib/policy/default.js'
import type { PackageRef } from '../../lib/model.js'
import type { PackageFacts } from '../../lib/model/facts.js'

const ref = (over: Partial<PackageRef> = {}): PackageRef => ({
  name: 'a',
  version: '1.0.0',
  integrity: 'sha512-x',
  source: 'registry',
  registry: 'https://registry.npmjs.org/',
  locations: [{ path: 'node_modules/a', why: ['(root)', 'a@1.0.0'], dev: false, optional: false, peer: false }],
  ...over,
})
const facts = (findings: PackageFacts['findings']): PackageFacts => ({
  name: 'a',
  version: '1.0.0',
  integrity: { status: 'verified', integrity: 'sha512-x' },
  signature: { status: 'verified' },
  provenance: { status: 'verified' },
  publish: { status: 'verified' },
  publisher: { source: 'registry-metadata' },
  findings,
})

t.test('decisions follow each finding code', async (t) => {
  const decide = (code: PackageFacts['findings'][number]['code']) => evaluateDefaultPolicy(ref(), { kind: 'verified', facts: facts([{ code, message: 'm' }]) }).decision
  t.equal(evaluateDefaultPolicy(ref(), { kind: 'verified', facts: facts([]) }).decision, 'pass')
  for (const code of ['SIGNATURE_INVALID', 'SIGNATURE_MISSING', 'SIGNATURE_KEY_UNKNOWN', 'SIGNATURE_KEY_EXPIRED', 'ATTESTATION_INVALID', 'ATTESTATION_SUBJECT_MISMATCH', 'ATTESTATION_MISSING', 'INTEGRITY_MISMATCH', 'TARBALL_INTEGRITY_MISMATCH', 'INTEGRITY_MISSING'] as const) {
    t.equal(decide(code), 'fail', code)
  }
  for (const code of ['PROVENANCE_MISSING', 'SIGNATURE_UNSUPPORTED_BY_REGISTRY'] as const) t.equal(decide(code), 'warn', code)
})

t.test('fetch failures fail the package (never a pass); non-registry sources warn; bundled are skipped with a reason', async (t) => {
  const failed = evaluateDefaultPolicy(ref(), { kind: 'fetch-failed', reason: 'HTTP 500' })
  t.equal(failed.decision, 'fail')
  t.same(failed.findings.map((f) => f.code), ['FETCH_FAILED'])
  const git = evaluateDefaultPolicy(ref({ source: 'git', resolved: 'git+https://github.com/a/a.git#abc' }), { kind: 'not-registry' })
  t.equal(git.decision, 'warn')
  t.same(git.findings.map((f) => f.code), ['UNVERIFIABLE_SOURCE'])
  const bundled = evaluateDefaultPolicy(ref({ source: 'bundled', sourceDetail: 'parent@1.0.0' }), { kind: 'not-registry' })
  t.equal(bundled.decision, 'skipped')
  t.match(bundled.skipReason, /^bundled \(parent@1\.0\.0\)/)
  t.equal(bundled.rule, 'default')
})
