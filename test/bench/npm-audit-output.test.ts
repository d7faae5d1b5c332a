// Reading npm audit signatures' text output: the bench's proof that npm really verified.
import t from 'tap'
import { parseNpmAuditSignatures } from '../../bench/npm-audit-output.js'

t.test('reads the counts and the missing and invalid packages', async (t) => {
  const stdout = [
    'audited 1000 packages in 3s',
    '',
    '990 packages have verified registry signatures',
    '',
    '820 packages have verified attestations',
    '(use --json --include-attestations to view attestation details)',
    '',
    '10 packages have missing registry signatures but the registry is providing signing keys:',
    '',
    'leaf-0-3@1.0.0 (http://127.0.0.1:4000/)',
    '@acme/b@2.0.0 (http://127.0.0.1:4000/)',
    '',
    '1 package has an invalid attestation:',
    '',
    'x@1.0.0 (http://127.0.0.1:4000/)',
    '',
    'Someone might have tampered with this package since it was published on the registry!',
    '',
  ].join('\n')
  t.same(parseNpmAuditSignatures(stdout), {
    audited: 1000,
    verifiedSignatures: 990,
    verifiedAttestations: 820,
    missingSignatures: ['leaf-0-3@1.0.0', '@acme/b@2.0.0'],
    invalid: ['x@1.0.0'],
  })
})

t.test('reads the singular forms and absent blocks as zero', async (t) => {
  const summary = parseNpmAuditSignatures('audited 1 package in 0s\n\n1 package has a verified registry signature\n')
  t.same(summary, { audited: 1, verifiedSignatures: 1, verifiedAttestations: 0, missingSignatures: [], invalid: [] })
})

t.test('refuses output without the audited line (npm failed before verifying)', async (t) => {
  t.throws(() => parseNpmAuditSignatures(''), /no "audited N packages" line/)
})
