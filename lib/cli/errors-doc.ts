/**
 * Renders docs/errors.md and docs/error.schema.json from the registry of run errors (lib/errors.ts),
 * so the docs cannot drift from the code. It lives in the CLI because the exit codes do.
 */
import { ERRORS, type ErrorCode, type ErrorDefinition } from '../errors.js'
import { exitCodeForError } from './exit-codes.js'

const entries = (): [ErrorCode, ErrorDefinition][] => Object.entries(ERRORS) as [ErrorCode, ErrorDefinition][]

export function formatErrorsMarkdown(): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from lib/errors.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'An error means the run could not finish: the input was unusable, or evidence or trust material',
    'could not be obtained. It is not a [finding](findings.md) (data about one package). Every error has',
    'a stable code, and each code always ends the run with the same [exit code](exit-codes.md): 2 for',
    'usage, configuration, policy or lockfile errors, 3 for "could not verify". Codes npm uses itself',
    '(`ENOLOCK`, `EJSONPARSE`, `EUSAGE`) mean the same here.',
    '',
    'An error is printed on stderr as one line naming the file or package and what is wrong (never a',
    'stack trace), followed by a hint: the specific one when there is one, else the fix below.',
    '',
    '## Errors under `--json`',
    '',
    'Under `--json` (or `--format json`), every command (`check`, `verify`, `explain`, `policy check`,',
    '`install`, `ci`, `demo`) also prints the error on stdout as one JSON document, in the shape npm',
    'uses, and exits with the code below; the human message still goes to stderr.',
    '',
    '```json',
    '{ "error": { "code": "ENOLOCK", "summary": "No package-lock.json or npm-shrinkwrap.json in /work/app", "detail": "Create one with \\"npm install --package-lock-only\\" (npm 7 or newer) and commit it." } }',
    '```',
    '',
    '`code` is one of the codes below, `summary` the one-line message naming the file or package,',
    '`detail` the hint (or every problem in a policy file). The shape is [error.schema.json](error.schema.json).',
    '',
    '| code | exit | meaning |',
    '|---|---|---|',
  ]
  for (const [code, def] of entries()) lines.push(`| [\`${code}\`](#${code.toLowerCase()}) | ${exitCodeForError(code)} | ${def.summary} |`)
  for (const [code, def] of entries()) {
    lines.push('', `## ${code}`, '', `Exit code ${exitCodeForError(code)}. ${def.summary}`, '', `**Fix:** ${def.fix}`)
  }
  return lines.join('\n') + '\n'
}

/** The JSON Schema (draft 2020-12) of an error printed under `--json`. */
export function formatErrorSchemaJson(): string {
  const schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'verify-deps error (under --json)',
    description: 'Generated from lib/errors.ts by `npm run docs`. Printed on stdout when a run cannot finish; see docs/errors.md.',
    type: 'object',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'summary', 'detail'],
        additionalProperties: false,
        properties: {
          code: { enum: Object.keys(ERRORS), description: 'The stable error code (docs/errors.md).' },
          summary: { type: 'string', minLength: 1, description: 'One line naming the file or package and what is wrong.' },
          detail: { type: 'string', description: 'The hint, or every problem in a policy file.' },
        },
      },
    },
  }
  return JSON.stringify(schema, null, 2) + '\n'
}
