// docs/errors.md and docs/error.schema.json are generated from the registry of run errors.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { formatErrorSchemaJson, formatErrorsMarkdown } from '../../lib/cli/errors-doc.js'
import { exitCodeForError, EXIT } from '../../lib/cli/exit-codes.js'
import { ERRORS, type ErrorCode } from '../../lib/errors.js'

const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8')

t.test('docs/errors.md is generated from the error registry and up to date', async (t) => {
  const onDisk = doc('errors.md')
  t.equal(onDisk, formatErrorsMarkdown(), 'run `npm run docs` to regenerate')
  for (const code of Object.keys(ERRORS) as ErrorCode[]) {
    t.match(onDisk, `## ${code}\n\nExit code ${exitCodeForError(code)}.`, code)
    t.match(onDisk, ERRORS[code].fix, `${code}: fix`)
  }
})

t.test('docs/error.schema.json is generated from the error registry and up to date', async (t) => {
  t.equal(doc('error.schema.json'), formatErrorSchemaJson(), 'run `npm run docs` to regenerate')
  t.same(JSON.parse(doc('error.schema.json')).properties.error.properties.code.enum, Object.keys(ERRORS))
})

t.test('usage errors exit 2 and could-not-verify errors exit 3, as docs/exit-codes.md says', async (t) => {
  t.equal(exitCodeForError('EUSAGE'), EXIT.USAGE)
  t.equal(exitCodeForError('EPOLICY'), EXIT.USAGE)
  t.equal(exitCodeForError('ELOCKSYNC'), EXIT.USAGE)
  t.equal(exitCodeForError('EREGISTRYKEYS'), EXIT.COULD_NOT_VERIFY)
  t.equal(exitCodeForError('EINTERNAL'), EXIT.COULD_NOT_VERIFY, 'a bug is never a pass')
  t.match(doc('exit-codes.md'), '(errors.md)', 'exit-codes.md links the error codes')
})
