#!/usr/bin/env node
// Regenerates the reference pages in docs/ from the compiled code (run `npm run build` first).
import { readFileSync, writeFileSync } from 'node:fs'
import { formatFindingsMarkdown } from '../dist/report/findings-doc.js'
import { formatReportReferenceMarkdown, formatReportSchemaJson } from '../dist/report/report-doc.js'

writeFileSync(new URL('../docs/findings.md', import.meta.url), formatFindingsMarkdown())
writeFileSync(new URL('../docs/report.schema.json', import.meta.url), formatReportSchemaJson())
writeFileSync(new URL('../docs/report.md', import.meta.url), formatReportReferenceMarkdown())
console.log('wrote docs/findings.md, docs/report.schema.json, docs/report.md')

const { formatPolicyMarkdown, formatPolicySchemaJson } = await import('../dist/policy/doc.js')
writeFileSync(new URL('../docs/policy.schema.json', import.meta.url), formatPolicySchemaJson())
writeFileSync(new URL('../docs/policy.md', import.meta.url), formatPolicyMarkdown())
console.log('wrote docs/policy.schema.json, docs/policy.md')

const { formatErrorsMarkdown, formatErrorSchemaJson } = await import('../dist/cli/errors-doc.js')
writeFileSync(new URL('../docs/errors.md', import.meta.url), formatErrorsMarkdown())
writeFileSync(new URL('../docs/error.schema.json', import.meta.url), formatErrorSchemaJson())
console.log('wrote docs/errors.md, docs/error.schema.json')

const { withInstallScriptSettings } = await import('../dist/gate/npm-settings.js')
const npmrcExample = new URL('../.npmrc.example', import.meta.url)
writeFileSync(npmrcExample, withInstallScriptSettings(readFileSync(npmrcExample, 'utf8')))
console.log('wrote the install-script section of .npmrc.example')
