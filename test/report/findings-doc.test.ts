import t from 'tap'
import { readFileSync } from 'node:fs'
import { formatFindingsMarkdown } from '../../lib/report/findings-doc.js'
import { FINDINGS } from '../../lib/findings.js'

t.test('docs/findings.md is generated from the finding registry and up to date', async (t) => {
  const onDisk = readFileSync(new URL('../../docs/findings.md', import.meta.url), 'utf8')
  t.equal(onDisk, formatFindingsMarkdown(), 'run `npm run docs` to regenerate')
  for (const code of Object.keys(FINDINGS)) t.match(onDisk, `## ${code}`)
})
