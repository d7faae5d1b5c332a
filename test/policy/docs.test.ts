import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { FINDINGS } from '../../lib/findings.js'
import { formatPolicyMarkdown, formatPolicySchemaJson } from '../../lib/policy/doc.js'
import { policyJSONSchema } from '../../lib/policy/schema.js'
import { validateJsonSchema } from '../helpers/json-schema.js'

const docs = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8')

t.test('docs/policy.schema.json and docs/policy.md are generated from the code and up to date', async (t) => {
  t.equal(docs('policy.schema.json'), formatPolicySchemaJson(), 'run `npm run docs` to regenerate')
  t.equal(docs('policy.md'), formatPolicyMarkdown(), 'run `npm run docs` to regenerate')
  const md = formatPolicyMarkdown()
  for (const code of Object.keys(FINDINGS)) t.match(md, `| \`${code}\` |`, `${code} in the severity table`)
  for (const key of ['rules[].builds[].repositoryId', 'rules[].builds[].signer', 'exceptions[].expires', 'deny[].package']) t.match(md, `| \`${key}\` |`)
})

// The JSON Schema says what the validator says, for documents it can judge (a test-only validator
// that knows neither `minProperties` nor `format: date`; the schema's pattern covers the date shape).
function withoutUnsupported(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutUnsupported)
  if (typeof node !== 'object' || node === null) return node
  return Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'minProperties' && k !== 'format').map(([k, v]) => [k, withoutUnsupported(v)]))
}

t.test('the JSON Schema accepts the valid examples and rejects malformed ones', async (t) => {
  const schema = withoutUnsupported(policyJSONSchema()) as Record<string, unknown>
  const fixtures = fileURLToPath(new URL('../../fixtures/policies/', import.meta.url))
  for (const name of readdirSync(fixtures).filter((f) => /\.policy\.(ya?ml|json)$/.test(f))) {
    t.same(validateJsonSchema(schema, parseYaml(readFileSync(fixtures + name, 'utf8'))), [], name)
  }
  // Malformed files the schema alone can judge (not YAML syntax, dates that do not exist, ranges, or cross-field checks).
  const schemaOnly = ['unknown-top-level-key', 'missing-version', 'wrong-version', 'mode-misspelled', 'unknown-rule-key', 'rule-without-packages', 'packages-empty', 'package-pattern-with-version', 'require-signature-yes', 'builds-runner-not-allowed', 'builds-repository-id-number', 'builds-trigger-empty-list', 'publishers-number', 'exception-without-reason', 'exception-waives-validity-failure', 'exception-date-format', 'deny-unknown-key', 'default-with-packages']
  for (const name of schemaOnly) {
    const doc = parseYaml(readFileSync(`${fixtures}malformed/${name}-fail.yaml`, 'utf8'))
    t.not(validateJsonSchema(schema, doc).length, 0, name)
  }
})
