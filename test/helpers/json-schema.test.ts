// The tests' JSON Schema validator (ajv 8): it fails what breaks a schema, passes what does not, and
// refuses a schema it would only half understand.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { validate } from './json-schema.js'

const read = (url: URL) => JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>
const SARIF = read(new URL('../../node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json', import.meta.url))
const REPORT = read(new URL('../../docs/report.schema.json', import.meta.url))

t.test('draft 2020-12: every missing required field of the report is named', async (t) => {
  const errors = validate(REPORT, { schemaVersion: 1 })
  t.ok(errors.length > 1, 'all errors, not only the first')
  t.ok(errors.some((e) => /required property 'packages'/.test(e.message)))
})

t.test('draft-04 SARIF: a valid log passes, a wrong version and a malformed URI fail with where', async (t) => {
  const log = { version: '2.1.0', runs: [{ tool: { driver: { name: 'verify-deps', informationUri: 'https://example.test/' } }, results: [] }] }
  t.same(validate(SARIF, log), [])
  t.match(validate(SARIF, { ...log, version: '2.2.0' }), [{ path: '/version' }])
  const badUri = { ...log, runs: [{ tool: { driver: { name: 'verify-deps', informationUri: 'not a uri' } }, results: [] }] }
  t.match(validate(SARIF, badUri), [{ path: '/runs/0/tool/driver/informationUri', message: /format "uri"/ }])
})

t.test('formats are checked: date-time and date', async (t) => {
  const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { at: { type: 'string', format: 'date-time' }, day: { type: 'string', format: 'date' } } }
  t.same(validate(schema, { at: '2026-01-02T03:04:05Z', day: '2026-02-28' }), [])
  t.equal(validate(schema, { at: '2026-01-02 03:04', day: '2026-02-30' }).length, 2)
})

t.test('a schema with an unknown keyword, format or draft is refused, never half checked', async (t) => {
  const base = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'string' }
  t.throws(() => validate({ ...base, maxGraphemes: 3 }, 'x'), /unknown keyword/)
  t.throws(() => validate({ ...base, format: 'hostname' }, 'x'), /unknown format/)
  t.throws(() => validate({ $schema: 'http://json-schema.org/draft-03/schema#', type: 'string' }, 'x'), /unsupported \$schema/)
})
