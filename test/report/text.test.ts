import t from 'tap'
import { FINDINGS } from '../../lib/findings.js'
import { formatReportText } from '../../lib/report/text.js'
import { buildReport, decided, deepFreeze, failSignatureAndAttestation, GITHUB_ISSUER, NPM_KEYID, passing, result, sampleReport, skippedBundled } from './fixtures.js'

const lines = (text: string) => text.split('\n')
/** The lines of one package's block: from its header to the next blank line. */
const block = (text: string, id: string) => {
  const all = lines(text)
  const start = all.findIndex((l) => / [x!i] /.test(` ${l.slice(0, 2)}`) && l.endsWith(` ${id}`))
  if (start < 0) return []
  const end = all.indexOf('', start)
  return all.slice(start, end < 0 ? undefined : end)
}

t.test('starts with one summary line with the counts', async (t) => {
  const { main } = formatReportText(sampleReport())
  t.equal(lines(main)[0], 'verify-deps: 6 packages: 1 pass, 3 warn, 1 fail, 1 skipped')
  const cnv = formatReportText(sampleReport({ couldNotVerify: true })).main
  t.match(lines(cnv)[0], /^verify-deps: 6 packages: .*; could not verify some packages$/)
  t.equal(lines(formatReportText(buildReport([passing()])).main)[0], 'verify-deps: 1 package: 1 pass, 0 warn, 0 fail, 0 skipped')
})

t.test('lists failures before warnings, and only counts passing packages', async (t) => {
  const { main } = formatReportText(sampleReport())
  const failed = main.indexOf('Failed (1)')
  const warnings = main.indexOf('Warnings (3)')
  t.ok(failed > 0 && warnings > failed, 'Failed section, then Warnings')
  t.ok(main.indexOf('evil-pkg@6.6.6') < warnings, 'the failing package is in the Failed section')
  for (const id of ['lodash@4.17.21', 'deep-dep@0.1.0', '@acme/built@2.1.0']) t.ok(main.indexOf(id) > warnings, `${id} is under Warnings`)
  t.notMatch(main, 'left-pad', 'passing packages are not listed')
})

t.test('a failing package shows why, what was observed, each finding and its fix', async (t) => {
  const b = block(formatReportText(sampleReport()).main, 'evil-pkg@6.6.6')
  t.ok(b.length > 0)
  t.match(b.find((l) => l.includes('why')), 'my-app → express@4.21.0 → evil-pkg@6.6.6')
  t.match(b.find((l) => l.trimStart().startsWith('signature')), /invalid\s+key SHA256:bad/)
  t.match(b.find((l) => l.trimStart().startsWith('provenance')), /invalid\s+https:\/\/slsa.dev\/provenance\/v1/)
  const invalid = b.findIndex((l) => l.includes('x SIGNATURE_INVALID'))
  t.ok(invalid > 0)
  t.match(b[invalid], 'the signature by SHA256:bad does not verify')
  t.equal(b[invalid + 1]?.trim(), `fix: ${FINDINGS.SIGNATURE_INVALID.fix}`)
  const attestation = b.findIndex((l) => l.includes('x ATTESTATION_INVALID'))
  t.equal(b[attestation + 1]?.trim(), `fix: ${FINDINGS.ATTESTATION_INVALID.fix}`)
})

t.test('a warning shows the provenance identity that was observed', async (t) => {
  const b = block(formatReportText(sampleReport()).main, '@acme/built@2.1.0')
  const value = (label: string) => b.find((l) => l.trimStart().startsWith(`${label} `))?.trim().slice(label.length).trim()
  t.equal(value('signature'), 'unsupported')
  t.equal(value('repository'), 'acme/built')
  t.equal(value('workflow'), '.github/workflows/release.yml')
  t.equal(value('ref'), 'refs/tags/v2.1.0')
  t.equal(value('runner'), 'github-hosted')
  t.equal(value('issuer'), GITHUB_ISSUER)
  t.match(value('publisher'), /trusted publisher github.*registry metadata, not signed/)
  t.ok(b.some((l) => l.includes('! SIGNATURE_UNSUPPORTED_BY_REGISTRY')))
  t.ok(b.some((l) => l.trim() === `fix: ${FINDINGS.SIGNATURE_UNSUPPORTED_BY_REGISTRY.fix}`))
  const lodash = block(formatReportText(sampleReport()).main, 'lodash@4.17.21')
  t.ok(lodash.some((l) => l.trim() === `signature     verified  key ${NPM_KEYID}`))
  t.ok(lodash.some((l) => l.trim() === 'provenance    none'))
})

t.test('a long why path is shortened in the middle and further locations are counted', async (t) => {
  const b = block(formatReportText(sampleReport()).main, 'deep-dep@0.1.0')
  const why = b.find((l) => l.trimStart().startsWith('why'))!
  t.match(why, /my-app → a@1\.0\.0 → … \d+ more … → .* → deep-dep@0\.1\.0/)
  t.match(why, '(dev)')
  t.match(why, '(+2 more locations)')
})

t.test('skipped packages are listed briefly with their reason, or counted by reason when many', async (t) => {
  const few = formatReportText(sampleReport()).main
  t.match(few, "Skipped (1)\n  - bundled-dep@1.0.0: bundled: covered by parent-pkg@2.0.0's tarball")
  const many = Array.from({ length: 12 }, (_, i) => ({ ...skippedBundled(), name: `b${i}` }))
  many.push({ ...skippedBundled(), name: 'linked', source: 'link', skipReason: 'link: a local folder' })
  const text = formatReportText(buildReport(many)).main
  t.match(text, 'Skipped (13): 12 bundled, 1 link')
  t.notMatch(text, 'b0@1.0.0')
})

t.test('notices come last', async (t) => {
  const { main } = formatReportText(sampleReport({ notices: ['using the embedded npm registry keys: TUF refresh failed'] }))
  t.match(lines(main).at(-2), /^note: using the embedded npm registry keys/)
})

t.test('no ANSI colour unless asked for', async (t) => {
  const plain = formatReportText(sampleReport()).main
  t.notMatch(plain, '\u001b[')
  const colored = formatReportText(sampleReport(), { color: true }).main
  t.match(colored, '\u001b[31m')
  t.match(colored, '\u001b[33m')
  t.equal(colored.replace(/\u001b\[\d+m/g, ''), plain, 'colour changes nothing else')
})

t.test('control characters from untrusted text cannot reach the terminal', async (t) => {
  const evil = result('evil-pkg', '6.6.6', {
    ...failSignatureAndAttestation(),
    findings: [decided('SIGNATURE_INVALID', 'bad\u001b[2J\u001b]0;pwned\u0007\nsecond line')],
  })
  const { main } = formatReportText(buildReport([evil]))
  t.notMatch(main, '\u001b')
  t.notMatch(main, '\u0007')
  t.match(main, 'bad\\u{1b}[2J')
  t.notMatch(main, '\nsecond line', 'a newline in a message does not start a new line')
})

t.test('does not modify the report', async (t) => {
  t.doesNotThrow(() => formatReportText(deepFreeze(sampleReport({ notices: ['n'] })), { color: true }))
})

t.test('names each registry’s key source, counts what cryptography verified, and a banner per keyless registry', async (t) => {
  const report = sampleReport({
    couldNotVerify: true,
    registries: [
      { url: 'https://registry.npmjs.org/', keysSource: 'pinned', keysFrom: 'keys.json (--registry-keys)', packages: 4, verified: 3, couldNotVerify: false },
      { url: 'https://npm.acme.test/', keysSource: 'none', keysFrom: 'https://npm.acme.test/-/npm/v1/keys', packages: 2, verified: 0, couldNotVerify: true },
    ],
  })
  const text = lines(formatReportText(report).main)
  t.match(text[1], /^cryptographically verified: \d+ of 5 registry packages/)
  t.ok(text.includes('registry https://npm.acme.test/ publishes no signing keys: 2 packages could not be verified'))
  t.notOk(text.some((l) => l.startsWith('registry https://registry.npmjs.org/')), 'no banner for a registry with keys')
  t.ok(text.includes('  https://registry.npmjs.org/  keys: pinned (keys.json (--registry-keys)); 3 of 4 verified'))
})
