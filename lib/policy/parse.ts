/**
 * From policy text to a Policy: YAML (or JSON, which YAML 1.2 reads) with source positions, the one
 * schema (lib/policy/schema.ts), then the checks across fields that a schema cannot express.
 * Every problem names the file, the path in the document and its line and column. Pure.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml'
import { PolicyFileError } from './errors.js'
import { Cursor, INVALID, formatPath, type Issue, type Path } from './schema-dsl.js'
import { POLICY_SCHEMA, type PolicyDocument } from './schema.js'
import { DEFAULT_INSTALL_SCRIPTS_POLICY } from './install-scripts.js'
import { DEFAULT_CONTINUITY, DEFAULT_MODE, DEFAULT_REQUIREMENTS, type ContinuityPolicy, type Mode, type Policy, type RuleBody, type SourcePosition } from './types.js'

export type PolicyParseResult = { ok: true; policy: Policy } | { ok: false; errors: PolicyFileError[] }

export function parsePolicy(text: string, file: string): PolicyParseResult {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const toError = (issue: Issue): PolicyFileError => {
    const { line, col } = lineCounter.linePos(issue.offset)
    return new PolicyFileError({ file, path: formatPath(issue.path), line, column: col, reason: issue.message, ...(issue.hint ? { hint: issue.hint } : {}) })
  }
  const fail = (issues: Issue[]): PolicyParseResult => {
    const errors = [...issues].sort((a, b) => a.offset - b.offset).map(toError)
    errors[0]!.errors = errors
    return { ok: false, errors }
  }

  // 1. YAML itself: syntax errors, duplicate keys, unresolved tags.
  const yamlProblems = [...doc.errors, ...doc.warnings]
  if (yamlProblems.length > 0) {
    return fail(yamlProblems.map((e) => ({ path: pathAt(doc, e.pos[0]), offset: e.pos[0], message: `invalid YAML: ${firstLine(e.message)}` })))
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return fail([{ path: [], offset: 0, message: 'the policy is empty: expected a mapping starting with `version: 1`' }])
  }

  // 2. The schema: types, allowed values, required and unknown keys.
  const cx = new Cursor(doc)
  const value = POLICY_SCHEMA.read(doc.contents as Node, [], 0, cx)
  if (value === INVALID || cx.issues.length > 0) return fail(cx.issues)

  // 3. What the schema cannot say: contradictions and rules that would tie.
  const issues = checkAcrossFields(value, cx)
  if (issues.length > 0) return fail(issues)

  const positions: Record<string, SourcePosition> = {}
  for (const [path, offset] of cx.offsets) {
    const { line, col } = lineCounter.linePos(offset)
    positions[path] = { line, column: col }
  }
  return { ok: true, policy: { ...normalize(value), source: { file, positions } } }
}

function checkAcrossFields(doc: PolicyDocument, cx: Cursor): Issue[] {
  const issues: Issue[] = []
  const at = (path: Path) => cx.offsets.get(formatPath(path)) ?? 0

  // The same pattern in two rules can never pick a winner: equally specific for every name it matches.
  const seen = new Map<string, Path>()
  doc.rules?.forEach((rule, i) => {
    rule.packages.forEach((pattern, j) => {
      const path = ['rules', i, 'packages', j]
      const first = seen.get(pattern)
      if (first) {
        const where = first[1] === i ? 'earlier in this rule' : `in ${formatPath(first.slice(0, 2))}`
        issues.push({ path, offset: at(path), message: `${JSON.stringify(pattern)} is already listed ${where}`, hint: 'each package pattern may appear in one rule only' })
      } else {
        seen.set(pattern, path)
      }
    })
  })

  // `builds` means provenance is needed; saying otherwise is a contradiction, not a preference.
  const checkBody = (body: { require?: { provenance?: boolean }; builds?: unknown[] }, path: Path) => {
    if (body.builds && body.require?.provenance === false) {
      const p = [...path, 'require', 'provenance']
      issues.push({ path: p, offset: at(p), message: '`provenance: false` contradicts `builds`, which needs verified provenance', hint: 'remove `provenance: false`' })
    }
  }
  if (doc.default) checkBody(doc.default, ['default'])
  doc.rules?.forEach((rule, i) => checkBody(rule, ['rules', i]))

  return issues
}

function normalize(doc: PolicyDocument): Policy {
  const body = (b: NonNullable<PolicyDocument['default']>): RuleBody => ({
    mode: (b.mode as RuleBody['mode'] | undefined) ?? DEFAULT_MODE,
    require: { ...DEFAULT_REQUIREMENTS, ...b.require, ...(b.builds ? { provenance: true } : {}) },
    ...(b.publishers ? { publishers: b.publishers } : {}),
    ...(b.builds ? { builds: b.builds } : {}),
    ...(b.severity ? { severity: b.severity as RuleBody['severity'] } : {}),
    ...(b.continuity ? { continuity: continuityOf(b.continuity) } : {}),
    ...(b.minimumReleaseAge !== undefined ? { minimumReleaseAge: b.minimumReleaseAge } : {}),
  })
  return {
    version: 1,
    ...(doc.default ? { default: body(doc.default) } : {}),
    rules: (doc.rules ?? []).map((r) => ({ packages: r.packages, ...body(r) })),
    exceptions: (doc.exceptions ?? []).map((e) => ({ package: e.package, allow: e.allow as Policy['exceptions'][number]['allow'], reason: e.reason, ...(e.expires ? { expires: e.expires } : {}) })),
    deny: (doc.deny ?? []).map((d) => ({ package: d.package, reason: d.reason })),
    installScripts: {
      mode: (doc.installScripts?.mode as Mode | undefined) ?? DEFAULT_INSTALL_SCRIPTS_POLICY.mode,
      require: { ...DEFAULT_INSTALL_SCRIPTS_POLICY.require, ...doc.installScripts?.require },
    },
  }
}

/** A `continuity` section with its defaults (DEFAULT_CONTINUITY) filled in. */
function continuityOf(c: NonNullable<NonNullable<PolicyDocument['default']>['continuity']>): ContinuityPolicy {
  return {
    downgrade: (c.downgrade as Mode | undefined) ?? DEFAULT_CONTINUITY.downgrade,
    identity: (c.identity as Mode | undefined) ?? DEFAULT_CONTINUITY.identity,
    ...(c.since !== undefined ? { since: c.since } : {}),
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim()
}

/** The document path of the deepest node at a source offset (for YAML errors, which carry only an offset). */
function pathAt(doc: Document, offset: number): Path {
  type Ranged = { range?: [number, number, number] | null } | null | undefined
  const span = (from: unknown, to: unknown): [number, number] | undefined => {
    const a = (from as Ranged)?.range
    const b = ((to as Ranged)?.range ?? a) as [number, number, number] | undefined
    return a && b ? [a[0], b[2]] : undefined
  }
  // Strictly inside first; an error at the very end of a node (an unclosed list at the end of the file) belongs to it too.
  const find = <T>(items: readonly T[], spanOf: (item: T) => [number, number] | undefined): number => {
    const strict = items.findIndex((item) => {
      const s = spanOf(item)
      return s !== undefined && offset >= s[0] && offset < s[1]
    })
    if (strict !== -1) return strict
    return items.findIndex((item) => {
      const s = spanOf(item)
      return s !== undefined && offset >= s[0] && offset <= s[1]
    })
  }
  const path: (string | number)[] = []
  let node: unknown = doc.contents
  for (;;) {
    if (isMap(node)) {
      const i = find(node.items, (p) => span(p.key, p.value))
      if (i === -1) break
      const pair = node.items[i]!
      path.push(isScalar(pair.key) ? String(pair.key.value) : '?')
      node = pair.value
    } else if (isSeq(node)) {
      const i = find(node.items, (item) => span(item, item))
      if (i === -1) break
      path.push(i)
      node = node.items[i]
    } else {
      break
    }
  }
  return path
}
