import t from 'tap'
import { readFileSync } from 'node:fs'
import { FINDINGS } from '../../lib/findings.js'
import { DEFAULT_INFORMATION_URI, formatReportSarif, SARIF_FINGERPRINT_KEY } from '../../lib/report/sarif.js'
import { buildReport, decided, deepFreeze, lineOf, lockfileTextFor, passing, sampleReport, warnNoProvenance } from './fixtures.js'
import { validateJsonSchema } from '../helpers/json-schema.js'

// The SARIF 2.1.0 JSON schema (rtm.5, the OASIS release) as published in the npm registry package
// @microsoft/jest-sarif (a devDependency used only for this file), so no copy of it lives in the repo.
const SARIF_SCHEMA = JSON.parse(readFileSync(new URL('../../node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json', import.meta.url), 'utf8')) as Record<string, unknown>
const sarif = (...args: Parameters<typeof formatReportSarif>) => JSON.parse(formatReportSarif(...args).main) as Record<string, any>
const findingCount = (r: ReturnType<typeof sampleReport>) => r.packages.reduce((n, p) => n + p.findings.length, 0)

t.test('validates against the SARIF 2.1.0 schema', async (t) => {
  const report = sampleReport({ notices: ['using embedded trust material'], couldNotVerify: true })
  const cases = {
    sample: sarif(report),
    'with lockfile regions': sarif(report, { lockfileText: lockfileTextFor(report), lockfilePath: 'app/package-lock.json' }),
    'no packages': sarif(buildReport([])),
  }
  for (const [name, log] of Object.entries(cases)) t.same(validateJsonSchema(SARIF_SCHEMA, log), [], name)
})

t.test('the schema check catches broken SARIF', async (t) => {
  const mutations: Record<string, (log: any) => void> = {
    'unknown level': (log) => (log.runs[0].results[0].level = 'fatal'),
    'result without message': (log) => delete log.runs[0].results[0].message,
    'rule without id': (log) => delete log.runs[0].tool.driver.rules[0].id,
    'wrong version': (log) => (log.version = '2.0.0'),
    'region line 0': (log) => (log.runs[0].results[0].locations[0].physicalLocation.region = { startLine: 0 }),
  }
  for (const [name, mutate] of Object.entries(mutations)) {
    const log = sarif(sampleReport())
    mutate(log)
    t.not(validateJsonSchema(SARIF_SCHEMA, log).length, 0, name)
  }
})

t.test('one run by verify-deps with one rule per finding code', async (t) => {
  const log = sarif(sampleReport())
  t.equal(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json')
  t.equal(log.version, '2.1.0')
  t.equal(log.runs.length, 1)
  const driver = log.runs[0].tool.driver
  t.match(driver, { name: 'verify-deps', version: '0.1.0', informationUri: DEFAULT_INFORMATION_URI })
  t.same(driver.rules.map((r: any) => r.id), Object.keys(FINDINGS))
  for (const rule of driver.rules) {
    const def = FINDINGS[rule.id as keyof typeof FINDINGS]
    t.equal(rule.shortDescription.text, def.title, `${rule.id} title`)
    t.equal(rule.fullDescription.text, def.description, `${rule.id} description`)
    t.match(rule.help.text, def.fix, `${rule.id} fix`)
    t.equal(rule.defaultConfiguration.level, { error: 'error', warning: 'warning', info: 'note' }[def.defaultSeverity], `${rule.id} level`)
  }
  t.equal(sarif(sampleReport(), { informationUri: 'https://example.com/verify-deps' }).runs[0].tool.driver.informationUri, 'https://example.com/verify-deps')
})

t.test('one result per decided finding, mapped to its rule, at the level of its severity', async (t) => {
  const report = sampleReport()
  // The policy may lower a finding to info: that is a SARIF note.
  report.packages[1]!.findings = [decided('PROVENANCE_MISSING', 'lodash@4.17.21: no provenance', 'info')]
  const run = sarif(report).runs[0]
  t.equal(run.results.length, findingCount(report))
  for (const r of run.results) t.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId, `${r.ruleId} ruleIndex`)
  const levels = run.results.map((r: any) => `${r.properties.package} ${r.ruleId} ${r.level}`)
  t.same(levels, [
    'lodash PROVENANCE_MISSING note',
    'evil-pkg SIGNATURE_INVALID error',
    'evil-pkg ATTESTATION_INVALID error',
    'deep-dep PROVENANCE_MISSING warning',
    '@acme/built SIGNATURE_UNSUPPORTED_BY_REGISTRY warning',
  ])
  t.equal(run.results[1].message.text, 'evil-pkg@6.6.6: the signature by SHA256:bad does not verify')
  t.equal(sarif(buildReport([passing()])).runs[0].results.length, 0, 'a clean report has an empty results array')
})

t.test('results point at the lockfile, and at the package entry when the lockfile text is given', async (t) => {
  const report = sampleReport()
  const plain = sarif(report).runs[0].results
  for (const r of plain) {
    t.same(r.locations[0].physicalLocation, { artifactLocation: { uri: 'package-lock.json' } })
  }
  const text = lockfileTextFor(report)
  const located = sarif(report, { lockfileText: text, lockfilePath: 'app/package-lock.json' }).runs[0].results
  const evil = located.find((r: any) => r.properties.package === 'evil-pkg')
  t.same(evil.locations[0].physicalLocation, { artifactLocation: { uri: 'app/package-lock.json' }, region: { startLine: lineOf(text, 'node_modules/evil-pkg') } })
  t.same(evil.locations[0].logicalLocations, [{ name: 'evil-pkg@6.6.6', fullyQualifiedName: 'node_modules/evil-pkg', kind: 'module' }])
  const deep = located.find((r: any) => r.properties.package === 'deep-dep')
  t.equal(deep.locations[0].physicalLocation.region.startLine, lineOf(text, 'node_modules/g/node_modules/deep-dep'), 'the first location of several')
  t.same(deep.properties.locations, ['node_modules/g/node_modules/deep-dep', 'node_modules/x/node_modules/deep-dep', 'node_modules/deep-dep'])
})

t.test('the lockfile path defaults to the lockfile relative to the project root', async (t) => {
  const nested = sampleReport({ project: { root: '/repo', lockfile: '/repo/services/api/package-lock.json' } })
  t.equal(sarif(nested).runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'services/api/package-lock.json')
  const outside = sampleReport({ project: { root: '/repo', lockfile: '/elsewhere/npm-shrinkwrap.json' } })
  t.equal(sarif(outside).runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'npm-shrinkwrap.json')
})

t.test('fingerprints are stable per package and code', async (t) => {
  const fingerprints = (log: any) => log.runs[0].results.map((r: any) => r.partialFingerprints[SARIF_FINGERPRINT_KEY])
  const first = fingerprints(sarif(sampleReport()))
  t.same(fingerprints(sarif(sampleReport({ notices: ['other run'] }))), first, 'the same on another run')
  t.equal(new Set(first).size, first.length, 'distinct per package and code')
  const otherMessage = buildReport([{ ...warnNoProvenance(), findings: [decided('PROVENANCE_MISSING', 'worded differently')] }])
  t.equal(fingerprints(sarif(otherMessage))[0], first[0], 'independent of the message text')
  const otherVersion = buildReport([{ ...warnNoProvenance(), version: '4.17.22' }])
  t.not(fingerprints(sarif(otherVersion))[0], first[0], 'another version is another alert')
})

t.test('could-not-verify and notices are recorded on the invocation', async (t) => {
  const inv = sarif(sampleReport({ couldNotVerify: true, notices: ['using embedded trust material'] })).runs[0].invocations[0]
  t.equal(inv.executionSuccessful, false)
  t.same(inv.toolExecutionNotifications, [{ level: 'note', message: { text: 'using embedded trust material' } }])
  t.equal(sarif(sampleReport()).runs[0].invocations[0].executionSuccessful, true)
})

t.test('does not modify the report', async (t) => {
  const report = deepFreeze(sampleReport())
  t.doesNotThrow(() => formatReportSarif(report, { lockfileText: lockfileTextFor(report) }))
})
