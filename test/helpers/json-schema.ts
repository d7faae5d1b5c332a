/**
 * JSON Schema validation for tests, with ajv 8 (a maintained validator instead of a hand-written one):
 * draft 2020-12 (docs/report.schema.json), draft-07 (docs/policy.schema.json) and draft-04 (the
 * SARIF 2.1.0 schema), each as its `$schema` says. Strict mode: a keyword or format ajv does not know is an error
 * when the schema is compiled, so a schema can never pass by being only half understood.
 */
import { createRequire } from 'node:module'
import type { ErrorObject, ValidateFunction } from 'ajv'

// ajv is CommonJS: its classes are the modules' default exports (see ajv's docs on ESM use).
const require = createRequire(import.meta.url)
const Ajv2020 = (require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).default
const AjvDraft07 = (require('ajv') as typeof import('ajv')).default

type Schema = Record<string, unknown>

export interface SchemaError {
  /** Where in the value: a JSON pointer (`/packages/0/decision`, `` for the root). */
  path: string
  message: string
}

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema'
const DRAFT_07 = 'http://json-schema.org/draft-07/schema#'
const DRAFT_04 = 'http://json-schema.org/draft-04/schema#'

/**
 * The formats these schemas use, checked (ajv-formats is not a dependency). `uri` needs a scheme;
 * `uri-reference` may be relative; `date-time` is RFC 3339; `date` is a real calendar day.
 */
const FORMATS: Record<string, (value: string) => boolean> = {
  uri: (value) => URL.canParse(value) && /^[a-z][a-z0-9+.-]*:/i.test(value),
  'uri-reference': (value) => !/\s/.test(value) && URL.canParse(value, 'http://base.invalid/'),
  'date-time': (value) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value) && !Number.isNaN(Date.parse(value)),
  date: (value) => /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
}

const compiled = new WeakMap<Schema, ValidateFunction>()

/** Every place `value` breaks `schema` (empty when it is valid). Throws when the schema itself cannot be compiled. */
export function validate(schema: Schema, value: unknown): SchemaError[] {
  let check = compiled.get(schema)
  if (!check) {
    check = compile(schema)
    compiled.set(schema, check)
  }
  return check(value) ? [] : (check.errors ?? []).map(describe)
}

function compile(schema: Schema): ValidateFunction {
  const options = { allErrors: true, strict: true, formats: FORMATS }
  switch (schema.$schema) {
    case DRAFT_2020_12:
      return new Ajv2020(options).compile(schema)
    case DRAFT_07:
      return new AjvDraft07(options).compile(schema)
    case DRAFT_04: {
      // ajv 8 has no draft-04 mode; the SARIF schema uses only what draft-07 reads the same way,
      // once its draft-04 `id` is `$id`. Its `language` pattern is not valid with the regex `u` flag.
      // Unknown keywords and formats stay errors (strictSchema); the style checks that do not change
      // what validates (a `required` name without a matching `properties` under `anyOf`) are off.
      const { $schema: _draft, id, ...rest } = schema
      const sarifOptions = { ...options, strict: false, strictSchema: true, unicodeRegExp: false }
      return new AjvDraft07(sarifOptions).compile({ ...rest, ...(typeof id === 'string' && { $id: id }) })
    }
    default:
      throw new Error(`validate: unsupported $schema ${JSON.stringify(schema.$schema)}`)
  }
}

function describe(error: ErrorObject): SchemaError {
  return { path: error.instancePath, message: `${error.message ?? error.keyword} (${error.schemaPath})` }
}

/** The name the hand-written validator had, for the tests that import it. */
export const validateJsonSchema = validate
