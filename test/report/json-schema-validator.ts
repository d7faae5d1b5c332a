/**
 * A small JSON Schema validator for the keywords the SARIF 2.1.0 schema and docs/report.schema.json
 * use (drafts 04 to 2020-12 agree on all of them). It throws on any keyword it does not know, so a
 * schema can never pass by being only half understood.
 */

type Schema = Record<string, unknown>

/** Keywords that only annotate, or hold definitions reached through `$ref`. */
const ANNOTATIONS = new Set(['$schema', '$id', 'id', 'title', 'description', 'default', 'examples', 'definitions', '$defs', '$comment'])
const ASSERTIONS = new Set([
  '$ref', 'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems',
  'uniqueItems', 'minimum', 'maximum', 'minLength', 'pattern', 'format', 'anyOf', 'oneOf', 'allOf', 'not', 'propertyNames',
])

export interface SchemaError {
  path: string
  message: string
}

export function validateJsonSchema(schema: Schema, data: unknown): SchemaError[] {
  const errors: SchemaError[] = []
  check(schema, schema, data, '$', errors)
  return errors
}

function check(root: Schema, schema: Schema, data: unknown, path: string, errors: SchemaError[]): void {
  const fail = (message: string): void => {
    errors.push({ path, message })
  }
  for (const key of Object.keys(schema)) {
    if (!ANNOTATIONS.has(key) && !ASSERTIONS.has(key)) throw new Error(`validator does not support keyword ${key} (at schema for ${path})`)
  }
  if (typeof schema.$ref === 'string') check(root, resolve(root, schema.$ref), data, path, errors)

  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string]
    if (!types.some((t) => isType(data, t))) return fail(`expected ${types.join(' or ')}, got ${kindOf(data)}`)
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((v) => deepEqual(v, data))) fail(`${JSON.stringify(data)} is not one of ${JSON.stringify(schema.enum)}`)
  if ('const' in schema && !deepEqual(schema.const, data)) fail(`expected ${JSON.stringify(schema.const)}`)

  if (typeof data === 'string') {
    if (typeof schema.minLength === 'number' && [...data].length < schema.minLength) fail(`shorter than ${schema.minLength}`)
    if (typeof schema.pattern === 'string' && !compilePattern(schema.pattern).test(data)) fail(`does not match ${schema.pattern}`)
    if (typeof schema.format === 'string' && !checkFormat(schema.format, data)) fail(`not a valid ${schema.format}`)
  }
  if (typeof data === 'number') {
    if (typeof schema.minimum === 'number' && data < schema.minimum) fail(`less than ${schema.minimum}`)
    if (typeof schema.maximum === 'number' && data > schema.maximum) fail(`greater than ${schema.maximum}`)
  }
  if (Array.isArray(data)) {
    if (typeof schema.minItems === 'number' && data.length < schema.minItems) fail(`fewer than ${schema.minItems} items`)
    if (typeof schema.maxItems === 'number' && data.length > schema.maxItems) fail(`more than ${schema.maxItems} items`)
    if (schema.uniqueItems === true) {
      const seen = new Set(data.map(canonical))
      if (seen.size !== data.length) fail('items are not unique')
    }
    if (isObject(schema.items)) data.forEach((item, i) => check(root, schema.items as Schema, item, `${path}[${i}]`, errors))
  }
  if (isObject(data)) {
    const properties = (isObject(schema.properties) ? schema.properties : {}) as Record<string, unknown>
    for (const name of (schema.required ?? []) as string[]) if (!Object.hasOwn(data, name)) fail(`missing required property ${name}`)
    if (isObject(schema.propertyNames)) for (const name of Object.keys(data)) check(root, schema.propertyNames, name, `${path}{${name}}`, errors)
    for (const [name, value] of Object.entries(data)) {
      const propertySchema = properties[name]
      if (isObject(propertySchema)) check(root, propertySchema, value, `${path}.${name}`, errors)
      else if (schema.additionalProperties === false) errors.push({ path: `${path}.${name}`, message: 'additional property not allowed' })
      else if (isObject(schema.additionalProperties)) check(root, schema.additionalProperties, value, `${path}.${name}`, errors)
    }
  }

  const matches = (subschemas: unknown) => (subschemas as Schema[]).map((s) => validateAgainst(root, s, data, path))
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf as Schema[]) check(root, s, data, path, errors)
  if (Array.isArray(schema.anyOf)) {
    const results = matches(schema.anyOf)
    if (!results.some((r) => r.length === 0)) fail(`matches none of anyOf: ${results.flat().map((e) => `${e.path} ${e.message}`).join('; ')}`)
  }
  if (Array.isArray(schema.oneOf)) {
    const passing = matches(schema.oneOf).filter((r) => r.length === 0).length
    if (passing !== 1) fail(`matches ${passing} of oneOf, expected exactly 1`)
  }
  if (isObject(schema.not) && validateAgainst(root, schema.not, data, path).length === 0) fail('matches a "not" schema')
}

function validateAgainst(root: Schema, schema: Schema, data: unknown, path: string): SchemaError[] {
  const errors: SchemaError[] = []
  check(root, schema, data, path, errors)
  return errors
}

/** Resolves a same-document JSON pointer (`#/definitions/x`, `#/$defs/x`). */
function resolve(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#')) throw new Error(`validator only follows same-document $refs, not ${ref}`)
  let node: unknown = root
  for (const token of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~')
    node = isObject(node) ? node[key] : undefined
  }
  if (!isObject(node)) throw new Error(`unresolvable $ref ${ref}`)
  return node
}

/** ECMA-262 regexes, plus the `(?i)` inline flag the SARIF schema's `language` pattern uses. */
function compilePattern(pattern: string): RegExp {
  if (pattern.startsWith('^(?i)')) return new RegExp(`^${pattern.slice(5)}`, 'iu')
  return new RegExp(pattern, 'u')
}

function checkFormat(format: string, value: string): boolean {
  switch (format) {
    case 'uri':
      return URL.canParse(value) && /^[a-z][a-z0-9+.-]*:/i.test(value)
    case 'uri-reference':
      return !/\s/.test(value) && URL.canParse(value, 'http://base.invalid/')
    case 'date-time':
      return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value) && !Number.isNaN(Date.parse(value))
    default:
      throw new Error(`validator does not support format ${format}`)
  }
}

function isType(data: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return data === null
    case 'boolean':
      return typeof data === 'boolean'
    case 'string':
      return typeof data === 'string'
    case 'number':
      return typeof data === 'number' && Number.isFinite(data)
    case 'integer':
      return Number.isInteger(data)
    case 'array':
      return Array.isArray(data)
    case 'object':
      return isObject(data)
    default:
      throw new Error(`validator does not support type ${type}`)
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (isObject(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`
  return JSON.stringify(value)
}

function deepEqual(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b)
}
