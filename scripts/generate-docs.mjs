#!/usr/bin/env node
// Regenerates the reference pages in docs/ from the compiled code (run `npm run build` first).
import { writeFileSync } from 'node:fs'
import { formatFindingsMarkdown } from '../dist/report/findings-doc.js'

writeFileSync(new URL('../docs/findings.md', import.meta.url), formatFindingsMarkdown())
console.log('wrote docs/findings.md')
