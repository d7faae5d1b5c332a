/**
 * A small typed schema language for the policy file. One definition gives three things, so they
 * cannot drift (like changesets' config schema):
 *   - `read`: validation of the parsed YAML tree, with the document path and source offset of every
 *     problem, and the typed value;
 *   - `jsonSchema`: the published JSON Schema (draft-07, what editors' YAML/JSON language servers read);
 *   - `fieldRows`: the field table of the reference page.
 * Checks that JSON Schema cannot express (a semver range, a date that exists) run in `check`; the
 * JSON Schema carries the closest `pattern`.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml'

export type Path = readonly (string | number)[]

export function formatPath(path: Path): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part
    else out += `[${JSON.stringify(part)}]`
  }
  return out
}

export interface Issue {
  path: Path
  /** Offset in the source text. */
  offset: number
  message: string
  hint?: string
}

/** Validation state for one document: issues found, and the source offset of every value read. */
export class Cursor {
  readonly issues: Issue[] = []
  readonly offsets = new Map<string, number>()
  constructor(readonly doc: Document) {}
  report(path: Path, offset: number, message: string, hint?: string): void {
    this.issues.push({ path, offset, message, ...(hint ? { hint } : {}) })
  }
}

export const INVALID: unique symbol = Symbol('invalid')
export type Read<T> = T | typeof INVALID

export type JsonSchema = { [key: string]: unknown }

export interface FieldRow {
  /** e.g. `rules[].builds[].ref` */
  path: string
  type: string
  required: boolean
  default?: string
  description: string
}

export interface Schema<T> {
  /** How a value is written, for the docs table: `string`, `enforce \| warn \| off`, `list of glob`. */
  readonly typeName: string
  readonly description: string
  jsonSchema(): JsonSchema
  read(node: Node | null, path: Path, offset: number, cx: Cursor): Read<T>
  /** Rows for nested fields (objects and lists of objects). */
  fieldRows(prefix: string): FieldRow[]
}

function resolve(node: Node | null, cx: Cursor): Node | null {
  // An alias (`*name`) stands for its anchor's node. The schema is finite, so recursion is bounded.
  if (node && isAlias(node)) return (node.resolve(cx.doc) as Node | undefined) ?? null
  return node
}

function offsetOf(node: Node | null, fallback: number): number {
  // `key:` with nothing after it parses as an empty null scalar: point at the key instead.
  if (!node || (isScalar(node) && node.value === null && node.range && node.range[0] === node.range[1])) return fallback
  return node.range?.[0] ?? fallback
}

/** What a node is, for messages: `a number`, `a list`, `nothing`. */
function describe(node: Node | null): string {
  if (node === null) return 'nothing'
  if (isMap(node)) return 'a mapping'
  if (isSeq(node)) return 'a list'
  if (isScalar(node)) {
    const v = node.value
    if (v === null) return 'nothing'
    if (typeof v === 'string') return `the string ${JSON.stringify(v)}`
    if (typeof v === 'number') return `the number ${String(v)}`
    if (typeof v === 'boolean') return String(v)
    return typeof v
  }
  return 'an unsupported value'
}

interface StringOptions {
  description: string
  /** Allowed values (an enum). */
  enum?: readonly string[]
  /** A pattern the value must match, with what to say when it does not. */
  pattern?: { regex: RegExp; message: string; hint?: string }
  /** Extra checks not expressible in JSON Schema; returns what is wrong. */
  check?: (value: string) => string | undefined
  /** Name in the docs table, default `string`. */
  typeName?: string
  /** Extra JSON Schema keywords (e.g. `format`). */
  json?: JsonSchema
}

export function string(opts: StringOptions): Schema<string> {
  const typeName = opts.typeName ?? (opts.enum ? opts.enum.map((e) => `\`${e}\``).join(' \\| ') : 'string')
  return {
    typeName,
    description: opts.description,
    jsonSchema: () => ({
      type: 'string',
      description: opts.description,
      ...(opts.enum ? { enum: [...opts.enum] } : { minLength: 1 }),
      ...(opts.pattern ? { pattern: opts.pattern.regex.source } : {}),
      ...opts.json,
    }),
    read(raw, path, fallback, cx) {
      const node = resolve(raw, cx)
      const offset = offsetOf(node, fallback)
      cx.offsets.set(formatPath(path), offset)
      if (!node || !isScalar(node) || typeof node.value !== 'string') {
        const quoteHint = node && isScalar(node) && (typeof node.value === 'number' || typeof node.value === 'boolean') ? 'quote it to make it a string' : undefined
        cx.report(path, offset, `expected ${opts.enum ? `one of ${opts.enum.join(', ')}` : 'a string'}, got ${describe(node)}`, quoteHint)
        return INVALID
      }
      const value = node.value
      const problem = opts.check?.(value)
      if (problem) {
        cx.report(path, offset, problem)
        return INVALID
      }
      if (opts.enum && !opts.enum.includes(value)) {
        cx.report(path, offset, `expected one of ${opts.enum.join(', ')}, got ${JSON.stringify(value)}`)
        return INVALID
      }
      if (!opts.enum && value.length === 0) {
        cx.report(path, offset, 'must not be empty')
        return INVALID
      }
      if (opts.pattern && !opts.pattern.regex.test(value)) {
        cx.report(path, offset, `${JSON.stringify(value)} ${opts.pattern.message}`, opts.pattern.hint)
        return INVALID
      }
      return value
    },
    fieldRows: () => [],
  }
}

export function boolean(description: string): Schema<boolean> {
  return {
    typeName: 'boolean',
    description,
    jsonSchema: () => ({ type: 'boolean', description }),
    read(raw, path, fallback, cx) {
      const node = resolve(raw, cx)
      const offset = offsetOf(node, fallback)
      cx.offsets.set(formatPath(path), offset)
      if (!node || !isScalar(node) || typeof node.value !== 'boolean') {
        cx.report(path, offset, `expected true or false, got ${describe(node)}`)
        return INVALID
      }
      return node.value
    },
    fieldRows: () => [],
  }
}

export function constant<const T extends number | string>(value: T, description: string): Schema<T> {
  return {
    typeName: `\`${String(value)}\``,
    description,
    jsonSchema: () => ({ const: value, description }),
    read(raw, path, fallback, cx) {
      const node = resolve(raw, cx)
      const offset = offsetOf(node, fallback)
      cx.offsets.set(formatPath(path), offset)
      if (!node || !isScalar(node) || node.value !== value) {
        cx.report(path, offset, `expected ${JSON.stringify(value)}, got ${describe(node)}`)
        return INVALID
      }
      return value
    },
    fieldRows: () => [],
  }
}

export function list<T>(item: Schema<T>, opts: { description: string; minItems?: number }): Schema<T[]> {
  const min = opts.minItems ?? 0
  return {
    typeName: `list of ${item.typeName}`,
    description: opts.description,
    jsonSchema: () => ({ type: 'array', description: opts.description, items: item.jsonSchema(), ...(min ? { minItems: min } : {}) }),
    read(raw, path, fallback, cx) {
      const node = resolve(raw, cx)
      const offset = offsetOf(node, fallback)
      cx.offsets.set(formatPath(path), offset)
      if (!node || !isSeq(node)) {
        cx.report(path, offset, `expected a list, got ${describe(node)}`)
        return INVALID
      }
      if (node.items.length < min) {
        cx.report(path, offset, `must list at least ${min} ${min === 1 ? 'entry' : 'entries'}`)
        return INVALID
      }
      const out: T[] = []
      let ok = true
      node.items.forEach((child, i) => {
        const v = item.read(child as Node | null, [...path, i], offset, cx)
        if (v === INVALID) ok = false
        else out.push(v)
      })
      return ok ? out : INVALID
    },
    fieldRows: (prefix) => item.fieldRows(`${prefix}[]`),
  }
}

/** One value or a list of them (`trigger: push` or `trigger: [push, release]`); read as a list. */
export function oneOrList<T>(item: Schema<T>, opts: { description: string }): Schema<T[]> {
  const asList = list(item, { description: opts.description, minItems: 1 })
  return {
    typeName: `${item.typeName} or list of ${item.typeName}`,
    description: opts.description,
    jsonSchema: () => ({ description: opts.description, oneOf: [item.jsonSchema(), { type: 'array', items: item.jsonSchema(), minItems: 1 }] }),
    read(raw, path, fallback, cx) {
      const node = resolve(raw, cx)
      if (node && isSeq(node)) return asList.read(node, path, fallback, cx)
      const v = item.read(node, path, fallback, cx)
      return v === INVALID ? INVALID : [v]
    },
    fieldRows: () => [],
  }
}

export interface Field<T, R extends boolean> {
  schema: Schema<T>
  required: R
  /** The default, as the docs should show it (applied when the document is normalized). */
  default?: string
}

export function required<T>(schema: Schema<T>): Field<T, true> {
  return { schema, required: true }
}

export function optional<T>(schema: Schema<T>, defaultText?: string): Field<T, false> {
  return { schema, required: false, ...(defaultText !== undefined ? { default: defaultText } : {}) }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyField = Field<any, boolean>
type Simplify<T> = { [K in keyof T]: T[K] } & {}
export type ObjectOf<F extends Record<string, AnyField>> = Simplify<
  { [K in keyof F as F[K] extends Field<unknown, true> ? K : never]: F[K] extends Field<infer T, boolean> ? T : never } & {
    [K in keyof F as F[K] extends Field<unknown, true> ? never : K]?: F[K] extends Field<infer T, boolean> ? T : never
  }
>
export type Infer<S> = S extends Schema<infer T> ? T : never

interface ObjectOptions {
  description: string
  /** An empty mapping is an error (e.g. a `builds` entry that would allow any build). */
  minProperties?: { count: number; message: string }
  typeName?: string
}

export function object<F extends Record<string, AnyField>>(fields: F, opts: ObjectOptions): Schema<ObjectOf<F>> {
  const names = Object.keys(fields)
  return {
    typeName: opts.typeName ?? 'mapping',
    description: opts.description,
    jsonSchema: () => ({
      type: 'object',
      description: opts.description,
      properties: Object.fromEntries(names.map((n) => [n, fields[n]!.schema.jsonSchema()])),
      ...(names.some((n) => fields[n]!.required) ? { required: names.filter((n) => fields[n]!.required) } : {}),
      additionalProperties: false,
      ...(opts.minProperties ? { minProperties: opts.minProperties.count } : {}),
    }),
    read(raw, path, fallback, cx) {
      const node = resolve(raw, cx)
      const offset = offsetOf(node, fallback)
      cx.offsets.set(formatPath(path), offset)
      if (!node || !isMap(node)) {
        cx.report(path, offset, `expected a mapping${names.length ? ` (keys: ${names.join(', ')})` : ''}, got ${describe(node)}`)
        return INVALID
      }
      const out: Record<string, unknown> = {}
      let ok = true
      for (const pair of node.items) {
        const keyNode = resolve(pair.key as Node | null, cx)
        const keyOffset = offsetOf(keyNode, offset)
        if (!keyNode || !isScalar(keyNode) || typeof keyNode.value !== 'string') {
          cx.report(path, keyOffset, `keys must be strings, got ${describe(keyNode)}`)
          ok = false
          continue
        }
        const key = keyNode.value
        const field = Object.hasOwn(fields, key) ? fields[key] : undefined
        if (!field) {
          const near = closest(key, names)
          cx.report([...path, key], keyOffset, `unknown key ${JSON.stringify(key)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`, `allowed keys: ${names.join(', ')}`)
          ok = false
          continue
        }
        // `key:` with nothing after it: point at the key.
        const v = field.schema.read(pair.value as Node | null, [...path, key], keyOffset, cx)
        if (v === INVALID) ok = false
        else out[key] = v
      }
      for (const name of names) {
        if (fields[name]!.required && !node.items.some((p) => isScalar(p.key) && p.key.value === name)) {
          cx.report(path, offset, `missing required key ${JSON.stringify(name)}`)
          ok = false
        }
      }
      if (ok && opts.minProperties && node.items.length < opts.minProperties.count) {
        cx.report(path, offset, opts.minProperties.message)
        ok = false
      }
      return ok ? (out as ObjectOf<F>) : INVALID
    },
    fieldRows(prefix) {
      const rows: FieldRow[] = []
      for (const name of names) {
        const f = fields[name]!
        const p = prefix ? `${prefix}.${name}` : name
        rows.push({ path: p, type: f.schema.typeName, required: f.required, ...(f.default !== undefined ? { default: f.default } : {}), description: f.schema.description })
        rows.push(...f.schema.fieldRows(p))
      }
      return rows
    },
  }
}

/** A known key the word abbreviates, or one within edit distance 2, for "did you mean". */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase()
  if (lower.length >= 3) {
    const extended = candidates.find((c) => c.toLowerCase().startsWith(lower))
    if (extended) return extended
  }
  let best: string | undefined
  let bestDistance = 3
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase())
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = cur
  }
  return prev[b.length]!
}
