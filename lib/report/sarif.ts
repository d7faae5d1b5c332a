/**
 * SARIF 2.1.0 (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/) for code scanning: one
 * run, one rule per finding code from the finding registry, one result per decided finding,
 * located at the package's entry in the lockfile. Pure.
 */
import { createHash } from 'node:crypto'
import { FINDINGS, type FindingCode, type FindingSeverity } from '../findings.js'
import type { DecidedFinding, PackageResult, Report } from '../model.js'
import { chunkedOutput, formatFirstWhy, formatPackageId, JsonArrayStream, stringifyJSONChunks } from './describe.js'
import { indexLockfileLines, lockfilePathFor, packageLine } from './lockfile-lines.js'
import type { FormatOptions, FormattedOutput } from './types.js'

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json'
export const SARIF_VERSION = '2.1.0'
export const DEFAULT_INFORMATION_URI = 'https://www.npmjs.com/package/verify-deps'
/** The partialFingerprints key: bump its version if what it hashes ever changes. */
export const SARIF_FINGERPRINT_KEY = 'verifyDepsPackageFinding/v1'

export type SarifLevel = 'error' | 'warning' | 'note'

/** SARIF §3.27.10: `note` is the level for information a user may want but need not act on. */
export const SARIF_LEVELS: Record<FindingSeverity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note' }

/** The SARIF log, written result by result (describe.ts: stringifyJSONChunks), the same bytes as stringifyJSON(toSarifLog(report, options)). */
export function formatReportSarif(report: Report, options: FormatOptions = {}): FormattedOutput {
  return chunkedOutput(function* () {
    yield* stringifyJSONChunks(sarifLog(report, options, (results) => new JsonArrayStream(results)))
    yield '\n'
  })
}

/** The SARIF log as a plain object (what `formatReportSarif` serialises). */
export function toSarifLog(report: Report, options: FormatOptions = {}) {
  return sarifLog(report, options, (results) => [...results()])
}

/** The log with its results as `collect` gives them: an array, or a stream made while writing. */
function sarifLog<R>(report: Report, options: FormatOptions, collect: (results: () => Iterable<ReturnType<typeof toResult>>) => R) {
  const codes = Object.keys(FINDINGS) as FindingCode[]
  const ruleIndex = new Map(codes.map((code, i) => [code, i]))
  const uri = lockfilePathFor(report, options)
  const lines = options.lockfileText !== undefined ? indexLockfileLines(options.lockfileText) : undefined

  const results = collect(function* () {
    for (const p of report.packages) {
      const seen = new Map<FindingCode, number>()
      for (const f of p.findings) {
        const n = seen.get(f.code) ?? 0
        seen.set(f.code, n + 1)
        yield toResult(p, f, n, ruleIndex.get(f.code) ?? -1, uri, packageLine(lines, p))
      }
    }
  })

  return {
    $schema: SARIF_SCHEMA_URI,
    version: SARIF_VERSION,
    runs: [
      {
        tool: {
          driver: {
            name: 'verify-deps',
            version: report.tool.version,
            semanticVersion: report.tool.version,
            informationUri: options.informationUri ?? DEFAULT_INFORMATION_URI,
            rules: codes.map(toRule),
          },
        },
        invocations: [
          {
            // "could not verify" means the check did not finish for every package.
            executionSuccessful: !report.couldNotVerify,
            ...(report.notices.length > 0 ? { toolExecutionNotifications: report.notices.map((text) => ({ level: 'note', message: { text } })) } : {}),
          },
        ],
        results,
        properties: { summary: { ...report.summary }, couldNotVerify: report.couldNotVerify },
      },
    ],
  }
}

function toRule(code: FindingCode) {
  const def = FINDINGS[code]
  return {
    id: code,
    name: code
      .toLowerCase()
      .split('_')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(''),
    shortDescription: { text: def.title },
    fullDescription: { text: def.description },
    help: { text: `Fix: ${def.fix}`, markdown: `**Fix:** ${def.fix}\n\n${def.description}` },
    defaultConfiguration: { level: SARIF_LEVELS[def.defaultSeverity] },
    properties: { tags: ['security', 'supply-chain', def.evidence] },
  }
}

function toResult(p: PackageResult, f: DecidedFinding, occurrence: number, ruleIndex: number, uri: string, line: number | undefined) {
  const id = formatPackageId(p)
  const why = formatFirstWhy(p)
  return {
    ruleId: f.code,
    ruleIndex,
    level: SARIF_LEVELS[f.severity],
    message: { text: f.message },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri }, ...(line !== undefined ? { region: { startLine: line } } : {}) },
        logicalLocations: [{ name: id, ...(p.locations[0] ? { fullyQualifiedName: p.locations[0].path } : {}), kind: 'module' }],
      },
    ],
    // Stable across runs for the same package, version and code, so code scanning tracks one alert.
    partialFingerprints: { [SARIF_FINGERPRINT_KEY]: fingerprint(`${id}\u0000${f.code}\u0000${occurrence}`) },
    properties: {
      package: p.name,
      version: p.version,
      decision: p.decision,
      rule: p.rule,
      ...(why ? { why } : {}),
      locations: p.locations.map((l) => l.path),
    },
  }
}

function fingerprint(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}
