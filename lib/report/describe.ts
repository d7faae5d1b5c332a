/**
 * Small pieces every report format shares: counts, a package's id and `why` path, and the facts
 * worth showing about it. Pure.
 *
 * Package names, versions, finding messages and identity fields come from the lockfile, the
 * registry or signed certificates: attacker-controlled text. Each format escapes them for its
 * own output (terminal, workflow commands, Markdown); `plainText` is the terminal's.
 */
import type { FormattedOutput } from './types.js'
import type { Decision, PackageLocation, PackageResult, Report } from '../model.js'

/** A `why` path longer than this many hops is shortened in the middle. */
export const DEFAULT_MAX_WHY_HOPS = 6

export function formatPackageId(p: { name: string; version: string }): string {
  return `${p.name}@${p.version}`
}

/**
 * `${name}@${version}`, or for a package installed under other names (`npm:` aliases) those names
 * first: `old-lodash → lodash@3.10.1`.
 */
export function formatInstalledAs(p: { name: string; version: string; locations: readonly { alias?: string }[] }): string {
  const aliases = [...new Set(p.locations.map((l) => l.alias).filter((a): a is string => a !== undefined && a !== p.name))]
  return aliases.length > 0 ? `${aliases.join(', ')} → ${formatPackageId(p)}` : formatPackageId(p)
}

/**
 * `120 packages: 115 pass, 3 warn, 1 fail, 1 skipped` (+ `; could not verify some packages`).
 * `decorate` may style each non-zero count (the text report colours them); it must keep the text.
 */
export function formatSummaryCounts(report: Report, decorate: (decision: Decision, text: string) => string = (_d, text) => text): string {
  const s = report.summary
  const count = (decision: Decision) => (s[decision] > 0 ? decorate(decision, `${s[decision]} ${decision}`) : `${s[decision]} ${decision}`)
  const counts = `${s.total} ${s.total === 1 ? 'package' : 'packages'}: ${count('pass')}, ${count('warn')}, ${count('fail')}, ${count('skipped')}`
  return report.couldNotVerify ? `${counts}; could not verify some packages` : counts
}

export function packagesWith(report: Report, decision: Decision): PackageResult[] {
  return report.packages.filter((p) => p.decision === decision)
}

/**
 * root → … → package, as `npm explain` walks it; the middle of a long path is elided so the
 * line stays readable (the JSON report keeps it whole).
 */
export function formatWhy(location: PackageLocation, maxHops = DEFAULT_MAX_WHY_HOPS): string {
  if (location.extraneous || location.why.length === 0) return `${location.path} (extraneous: nothing depends on it)`
  const why = location.why
  if (why.length <= maxHops) return why.join(' → ')
  const head = why.slice(0, 2)
  const tail = why.slice(why.length - (maxHops - 2))
  return [...head, `… ${why.length - head.length - tail.length} more …`, ...tail].join(' → ')
}

/** The first location's `why`, and how many other places the same package is installed. */
export function formatFirstWhy(p: PackageResult, maxHops = DEFAULT_MAX_WHY_HOPS): string | undefined {
  const [first] = p.locations
  if (!first) return undefined
  const more = p.locations.length - 1
  const kinds = [first.dev && 'dev', first.optional && 'optional', first.peer && 'peer'].filter(Boolean)
  const suffix = [kinds.length > 0 ? `(${kinds.join(', ')})` : '', more > 0 ? `(+${more} more ${more === 1 ? 'location' : 'locations'})` : '']
  return [formatWhy(first, maxHops), ...suffix].filter(Boolean).join('  ')
}

/** Rows of what was observed about a package: label → value, only what is present. */
export function describeObserved(p: PackageResult): Array<[label: string, value: string]> {
  const rows: Array<[string, string]> = []
  if (p.source !== 'registry') rows.push(['source', p.source])
  if (p.installScripts) rows.push(['install script', `${p.installScripts.willRun ? 'will run' : 'will not run'}: ${p.installScripts.reason}`])
  const facts = p.facts
  if (!facts) return rows
  // Behind a mirror (docs/mirrors.md): where the evidence was read from and whose keys checked it.
  const origin = facts.origin
  if (origin && origin.role !== 'registry') rows.push(['evidence', `${origin.role === 'upstream' ? 'from the upstream' : 'from the mirror'} ${origin.registry}  keys of ${origin.keys}`])
  const i = facts.integrity
  if (i.status !== 'verified') {
    rows.push(['integrity', [i.status, i.integrity && `lockfile ${i.integrity}`, i.registryIntegrity && `registry ${i.registryIntegrity}`].filter(Boolean).join('  ')])
  }
  if (i.tarball === 'mismatch') rows.push(['tarball', 'does not match the integrity'])
  const s = facts.signature
  rows.push(['signature', [s.status, s.keyid && `key ${s.keyid}`].filter(Boolean).join('  ')])
  const prov = facts.provenance
  rows.push(['provenance', [prov.status, prov.predicateType].filter(Boolean).join('  ')])
  const id = prov.identity
  if (id) {
    if (id.repository) rows.push(['  repository', id.repository])
    if (id.workflow) rows.push(['  workflow', id.workflow])
    if (id.ref) rows.push(['  ref', id.ref])
    if (id.commit) rows.push(['  commit', id.commit])
    if (id.runner) rows.push(['  runner', id.runner])
    if (id.issuer) rows.push(['  issuer', id.issuer])
    if (id.subjectAlternativeName && !id.workflow) rows.push(['  signer', id.subjectAlternativeName])
  }
  const pub = facts.publish
  rows.push(['publish', [pub.status, pub.keyid && `key ${pub.keyid}`].filter(Boolean).join('  ')])
  const who = facts.publisher
  const publisher = [
    who.name && `${who.name}${who.email ? ` <${who.email}>` : ''}`,
    who.trustedPublisher && `trusted publisher ${who.trustedPublisher.id}`,
  ].filter(Boolean)
  if (publisher.length > 0) rows.push(['publisher', `${publisher.join('  ')}  (registry metadata, not signed)`])
  return rows
}

/**
 * Makes untrusted text safe to print on a terminal: control characters (ESC starts ANSI
 * sequences that can rewrite the screen) become visible `\u{…}` escapes. Newlines are kept only
 * when `keepNewlines` is set.
 */
export function plainText(text: string, keepNewlines = false): string {
  // C0 controls, DEL and C1 controls; U+2028/9 are line breaks some terminals honour.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => (keepNewlines && c === '\n' ? c : `\\u{${c.codePointAt(0)!.toString(16)}}`))
}

/**
 * JSON text with every control character escaped: JSON.stringify escapes C0 (U+0000–U+001F) but
 * leaves DEL, the C1 controls (U+009B is a terminal CSI) and U+2028/9 raw. Those can only occur
 * inside strings, where `\uXXXX` is the same value: the document is unchanged, the bytes are inert.
 */
export function stringifyJSON(value: unknown): string {
  return escapeInert(JSON.stringify(value, null, 2))
}

function escapeInert(text: string): string {
  return text.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** A FormattedOutput whose `main` is built from `chunks` only if someone reads it. */
export function chunkedOutput(chunks: () => Iterable<string>): FormattedOutput {
  return {
    get main() {
      let text = ''
      for (const chunk of chunks()) text += chunk
      return text
    },
    mainChunks: chunks,
  }
}

/**
 * An array whose items are made one at a time while stringifyJSONChunks writes them (e.g. a report's
 * packages). Items are written ITEMS_PER_STRINGIFY at a time, by one JSON.stringify: a package is a
 * few KB, and opening it member by member cost more than the whole report's JSON.stringify.
 */
export class JsonArrayStream {
  constructor(readonly items: () => Iterable<unknown>) {}
}

/**
 * How many JsonArrayStream items one JSON.stringify writes: 64 packages are about 200 KB of JSON,
 * little next to the report, and 1,000 packages take 16 calls instead of 1,000.
 */
const ITEMS_PER_STRINGIFY = 64

/** How many levels of objects and arrays stringifyJSONChunks opens itself; deeper values are stringified whole. */
const CHUNK_DEPTH = 4

/**
 * stringifyJSON(value), byte for byte, in pieces: the outer objects and arrays are written member by
 * member (a JsonArrayStream item by item), so a report of 10,000 packages is never one string.
 * Joined, the pieces are exactly stringifyJSON's output (test/report/json-stream.test.ts).
 */
export function* stringifyJSONChunks(value: unknown, indent = '', depth = CHUNK_DEPTH): Generator<string> {
  const inner = `${indent}  `
  if (value instanceof JsonArrayStream) {
    let first = true
    let batch: unknown[] = []
    for (const item of value.items()) {
      batch.push(item)
      if (batch.length < ITEMS_PER_STRINGIFY) continue
      yield `${first ? '[' : ','}\n${inner}${arrayItems(batch, indent)}`
      first = false
      batch = []
    }
    if (batch.length > 0) {
      yield `${first ? '[' : ','}\n${inner}${arrayItems(batch, indent)}`
      first = false
    }
    yield first ? '[]' : `\n${indent}]`
    return
  }
  if (depth > 0 && Array.isArray(value)) {
    let first = true
    for (const item of value as unknown[]) {
      yield first ? `[\n${inner}` : `,\n${inner}`
      first = false
      // As JSON.stringify: an item that has no JSON form is null.
      const text = isContainer(item, depth - 1) ? undefined : leaf(item, inner)
      if (text === undefined && isContainer(item, depth - 1)) yield* stringifyJSONChunks(item, inner, depth - 1)
      else yield text ?? 'null'
    }
    yield first ? '[]' : `\n${indent}]`
    return
  }
  if (isContainer(value, depth)) {
    let first = true
    for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
      const container = isContainer(member, depth - 1)
      const text = container ? undefined : leaf(member, inner)
      // As JSON.stringify: a member that has no JSON form (undefined, a function) is left out.
      if (!container && text === undefined) continue
      yield `${first ? '{' : ','}\n${inner}${escapeInert(JSON.stringify(key))}: `
      first = false
      if (container) yield* stringifyJSONChunks(member, inner, depth - 1)
      else yield text!
    }
    yield first ? '{}' : `\n${indent}}`
    return
  }
  yield leaf(value, indent) ?? 'undefined'
}

/** A plain object or array (no toJSON) that stringifyJSONChunks opens itself at this depth. */
function isContainer(value: unknown, depth: number): boolean {
  if (value instanceof JsonArrayStream) return true
  if (depth <= 0 || typeof value !== 'object' || value === null) return false
  return Array.isArray(value) || typeof (value as { toJSON?: unknown }).toJSON !== 'function'
}

/**
 * The items of a non-empty array as JSON.stringify(…, null, 2) writes them inside an array at
 * `indent`: `item,\n<indent + 2>item…`, without the brackets (as JSON.stringify, an item that has no
 * JSON form is null). The items are stringified in one call, nested in as many arrays as `indent`
 * has levels, so that JSON.stringify indents them itself: no pass over their lines afterwards.
 */
function arrayItems(items: unknown[], indent: string): string {
  const levels = indent.length / 2
  let nested: unknown = items
  for (let i = 0; i < levels; i++) nested = [nested]
  const text = JSON.stringify(nested, null, 2)
  // Level i (0 … levels) opens with `<2i spaces>[\n` and closes with `\n<2i spaces>]`: 2i + 2 characters
  // each way, (levels + 1)(levels + 2) in all; the first item then starts at `indent` + 2 spaces.
  const brackets = (levels + 1) * (levels + 2)
  return escapeInert(text.slice(brackets + indent.length + 2, text.length - brackets))
}

/** JSON.stringify(value, null, 2) written at `indent` (its line breaks are never inside strings), or undefined. */
function leaf(value: unknown, indent: string): string | undefined {
  const text = JSON.stringify(value, null, 2) as string | undefined
  if (text === undefined) return undefined
  return escapeInert(indent && text.includes('\n') ? text.replaceAll('\n', `\n${indent}`) : text)
}

/** Groups skip reasons by their kind (`bundled: covered by …` → `bundled`). */
export function skipKind(reason: string | undefined): string {
  if (!reason) return 'no reason given'
  // "git: …", "bundled (bundled in a@1.0.0)": the kind is the words before the first colon or parenthesis.
  const kind = /^[^:(]*/.exec(reason)![0].trim()
  return kind || reason
}
