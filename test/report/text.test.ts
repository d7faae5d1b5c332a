import t from 'tap'
import { FINDINGS } from '../../lib/findings.js'
import type { PackageResult, Report } from '../../lib/model.js'
import { DEFAULT_MAX_FAILED_DETAILED, formatReportText } from '../../lib/report/text.js'
import { buildReport, decided, deepFreeze, failSignatureAndAttestation, GITHUB_ISSUER, location, NPM_KEYID, passing, result, sampleReport, skippedBundled, warnNoProvenance } from './fixtures.js'

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
  const evil = main.indexOf('\nx evil-pkg@6.6.6\n')
  t.ok(evil > failed && evil < warnings, 'the failing package is in the Failed section')
  for (const id of ['lodash@4.17.21', 'deep-dep@0.1.0', '@acme/built@2.1.0']) t.ok(main.indexOf(`\n! ${id}\n`) > warnings, `${id} is under Warnings`)
  t.notMatch(main, 'left-pad', 'passing packages are not listed')
})

t.test('a failing package shows why, what was observed and each finding; its fixes are under Findings, once per code', async (t) => {
  const text = formatReportText(sampleReport()).main
  const b = block(text, 'evil-pkg@6.6.6')
  t.ok(b.length > 0)
  t.match(b.find((l) => l.includes('why')), 'my-app → express@4.21.0 → evil-pkg@6.6.6')
  t.match(b.find((l) => l.trimStart().startsWith('signature')), /invalid\s+key SHA256:bad/)
  t.match(b.find((l) => l.trimStart().startsWith('provenance')), /invalid\s+https:\/\/slsa.dev\/provenance\/v1/)
  const invalid = b.findIndex((l) => l.includes('x SIGNATURE_INVALID'))
  t.ok(invalid > 0)
  t.match(b[invalid], 'the signature by SHA256:bad does not verify')
  t.ok(b.some((l) => l.includes('x ATTESTATION_INVALID')))
  t.notOk(b.some((l) => l.trim().startsWith('fix:')), 'no fix line in a package block')
  for (const code of ['SIGNATURE_INVALID', 'ATTESTATION_INVALID'] as const) {
    t.equal(text.split(`fix: ${FINDINGS[code].fix}`).length - 1, 1, `one fix line for ${code}`)
  }
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

t.test('notices come last, before the summary repeated as the last line', async (t) => {
  const { main } = formatReportText(sampleReport({ notices: ['using the embedded npm registry keys: TUF refresh failed'] }))
  const all = lines(main)
  t.equal(all.at(-1), '', 'ends with a newline')
  t.equal(all.at(-2), all[0], 'the summary again')
  t.equal(all.at(-3), '')
  t.match(all.at(-4), /^note: using the embedded npm registry keys/)
})

t.test('a report with nothing to list is its summary only, not repeated', async (t) => {
  const all = lines(formatReportText(buildReport([passing()], { project: { root: '/p', lockfile: '' } })).main)
  t.same(all, ['verify-deps: 1 package: 1 pass, 0 warn, 0 fail, 0 skipped', all[1], ''])
  t.match(all[1], /^cryptographically verified: 1 of 1 registry package /)
})

t.test('no ANSI colour unless asked for', async (t) => {
  const plain = formatReportText(sampleReport()).main
  t.notMatch(plain, '\u001b[')
  const colored = formatReportText(sampleReport(), { color: true }).main
  t.match(colored, '\u001b[31m')
  t.match(colored, '\u001b[33m')
  t.match(lines(colored)[0], '\u001b[31m1 fail\u001b[0m', 'the summary colours its counts')
  t.match(lines(colored)[0], '\u001b[33m3 warn\u001b[0m', 'warnings in yellow')
  t.match(lines(formatReportText(buildReport([passing()]), { color: true }).main)[0], ', 0 warn, 0 fail, 0 skipped', 'a zero count is not coloured')
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

/** `n` failing packages, each with one or two of several finding codes, some with a full provenance identity. */
function manyFailing(n: number): PackageResult[] {
  const codes = ['SIGNATURE_INVALID', 'PROVENANCE_MISSING', 'PROVENANCE_IDENTITY_MISMATCH', 'PUBLISHER_NOT_ALLOWED', 'INTEGRITY_WEAK'] as const
  return Array.from({ length: n }, (_, i) => {
    const name = `pkg-${String(i).padStart(4, '0')}`
    const own = [codes[i % codes.length]!, ...(i % 3 === 0 ? [codes[(i + 1) % codes.length]!] : [])]
    const findings = own.map((code) => decided(code, `${name}@1.0.0: ${code.toLowerCase()}`, 'error'))
    return result(name, '1.0.0', { decision: 'fail', findings, locations: [location(['my-app', `top-${i % 7}@1.0.0`, `${name}@1.0.0`])] })
  })
}

t.test('findings are grouped by code: the most severe and most frequent first, with a count, examples and one fix line', async (t) => {
  const text = lines(formatReportText(sampleReport()).main)
  const start = text.indexOf('Findings (4 codes)')
  t.ok(start > 0)
  t.match(text[start + 1], /^ {2}x ATTESTATION_INVALID {2,}1 package: evil-pkg@6\.6\.6$/)
  t.equal(text[start + 2]?.trim(), `fix: ${FINDINGS.ATTESTATION_INVALID.fix}`)
  t.match(text[start + 3], /^ {2}x SIGNATURE_INVALID /)
  t.match(text[start + 5], /^ {2}! PROVENANCE_MISSING {2,}2 packages: lodash@4\.17\.21, deep-dep@0\.1\.0$/)
  t.match(text[start + 7], /^ {2}! SIGNATURE_UNSUPPORTED_BY_REGISTRY {2}1 package/)

  // One code at different severities (a policy decides them per package): the worst leads, each is counted.
  const mixed = [warnNoProvenance(), result('strict', '1.0.0', { decision: 'fail', findings: [decided('PROVENANCE_MISSING', 'strict@1.0.0: none', 'error')] })]
  t.match(formatReportText(buildReport(mixed)).main, /\n {2}x PROVENANCE_MISSING {2}2 packages \(1 error, 1 warning\): lodash@4\.17\.21, strict@1\.0\.0\n/)
})

t.test('1,000 failing packages with several codes: under 200 lines, every code shown in detail once, the rest counted', async (t) => {
  const packages = manyFailing(1000)
  const report = buildReport(packages, { notices: ['a notice'] })
  const text = formatReportText(report).main
  const all = lines(text)
  t.ok(all.length < 200, `${all.length} lines`)
  t.equal(all.at(-2), 'verify-deps: 1000 packages: 0 pass, 0 warn, 1000 fail, 0 skipped', 'the summary is the last line')
  for (const code of ['SIGNATURE_INVALID', 'PROVENANCE_MISSING', 'PROVENANCE_IDENTITY_MISMATCH', 'PUBLISHER_NOT_ALLOWED', 'INTEGRITY_WEAK']) {
    t.equal(text.split(`fix: ${FINDINGS[code as keyof typeof FINDINGS].fix}`).length - 1, 1, `${code}: one fix line`)
    t.ok(all.some((l) => l.startsWith(`    x ${code}  `)), `${code}: a package with it is shown in detail`)
  }
  const shown = all.filter((l) => /^x pkg-\d{4}@1\.0\.0$/.test(l)).length
  t.ok(shown >= 5 && shown <= DEFAULT_MAX_FAILED_DETAILED, `${shown} failing packages in detail`)
  t.ok(all.includes(`Failed (1000): ${shown} shown`))
  t.ok(all.includes(`  … ${1000 - shown} more — --verbose for all`))

  const verbose = lines(formatReportText(report, { verbose: true }).main)
  t.equal(verbose.filter((l) => /^x pkg-\d{4}@1\.0\.0$/.test(l)).length, 1000, '--verbose: every failing package')
  t.notOk(verbose.some((l) => l.includes('more — --verbose')))
  t.equal(verbose.filter((l) => l.trim().startsWith('fix:')).length, 5, '--verbose: still one fix line per code')
})

t.test('the detail stays within its line budget when packages carry a whole provenance identity, warnings included', async (t) => {
  const heavy = (name: string, decision: 'fail' | 'warn') =>
    result(name, '1.0.0', { decision, rule: 'rules[0] (@acme/*)', findings: [decided('PROVENANCE_IDENTITY_MISMATCH', `${name}: mismatch`, decision === 'fail' ? 'error' : 'warning')] })
  const packages = [...Array.from({ length: 1000 }, (_, i) => heavy(`f${i}`, 'fail')), ...Array.from({ length: 1000 }, (_, i) => heavy(`w${i}`, 'warn'))]
  const all = lines(formatReportText(buildReport(packages)).main)
  t.ok(all.length < 200, `${all.length} lines`)
  t.ok(all.some((l) => /^Warnings \(1000\): \d+ shown$/.test(l)))
  t.ok(all.filter((l) => l.includes('more — --verbose for all')).length === 2, 'both sections say how many more')
})

t.test('a package installed under an npm: alias shows as `alias → name@version`, and aliases are listed', async (t) => {
  const aliased = result('real-name', '1.0.0', {
    decision: 'fail',
    findings: [decided('SIGNATURE_INVALID', 'real-name@1.0.0: bad')],
    locations: [location(['my-app', 'real-name@1.0.0'], { path: 'node_modules/nick', alias: 'nick' })],
  })
  const text = formatReportText(buildReport([aliased, passing()])).main
  t.match(text, '\nx nick → real-name@1.0.0\n')
  t.match(text, 'SIGNATURE_INVALID  1 package: nick → real-name@1.0.0')
  t.match(text, '\nAliases (1)\n  nick → real-name@1.0.0  fail\n')
  t.notMatch(formatReportText(buildReport([passing()])).main, 'Aliases')
  const many = Array.from({ length: 12 }, (_, i) => result(`real-${i}`, '1.0.0', { locations: [location(['my-app', `real-${i}@1.0.0`], { alias: `nick-${i}` })] }))
  t.match(formatReportText(buildReport(many)).main, 'Aliases (12)\n  nick-0 → real-0@1.0.0  pass')
  t.match(formatReportText(buildReport(many)).main, '  … 2 more — --verbose for all')
  t.match(formatReportText(buildReport(many), { verbose: true }).main, '  nick-11 → real-11@1.0.0  pass')
})

t.test('says which lockfile was read, relative to the project, with its format when the report names it', async (t) => {
  t.equal(lines(formatReportText(sampleReport()).main)[2], 'lockfile: package-lock.json')
  const pnpm = sampleReport({ project: { root: '/work/my-app', lockfile: '/work/my-app/pnpm-lock.yaml', lockfileFormat: 'pnpm' } })
  t.equal(lines(formatReportText(pnpm).main)[2], 'lockfile: pnpm-lock.yaml (pnpm)')
  const outside = sampleReport({ project: { root: '/work/my-app', lockfile: '/elsewhere/package-lock.json' } })
  t.equal(lines(formatReportText(outside).main)[2], 'lockfile: /elsewhere/package-lock.json')
  const sibling = sampleReport({ project: { root: '/work/my-app', lockfile: '/work/my-app-2/package-lock.json' } })
  t.equal(lines(formatReportText(sibling).main)[2], 'lockfile: /work/my-app-2/package-lock.json', 'a folder that only starts with the root’s name')
})

t.test('--verbose lists every skipped package', async (t) => {
  const many = Array.from({ length: 12 }, (_, i) => ({ ...skippedBundled(), name: `b${i}` }))
  t.match(formatReportText(buildReport(many)).main, 'Skipped (12): 12 bundled — --verbose to list them')
  t.match(formatReportText(buildReport(many), { verbose: true }).main, "\n  - b11@1.0.0: bundled: covered by parent-pkg@2.0.0's tarball")
})
