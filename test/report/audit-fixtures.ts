/**
 * Inputs for the audit report's renderers (lib/report/audit-html.ts, audit-csv.ts): a generated
 * population's ground truth (test/helpers/population: no registry, no verifier), and a variant whose
 * every registry-controlled string — package names, versions, issuers, runners, the registry URL —
 * tries to break out of its HTML context or to start a spreadsheet formula.
 */
import type { AuditRecord } from '../../lib/model/audit.js'
import { auditMetrics, type AuditPackage } from '../../lib/model/audit-metrics.js'
import { auditPage, type AuditHtmlInput } from '../../lib/report/audit-html.js'
import { generatePopulation, truthMetrics, truthRecords } from '../helpers/population/index.js'

export const GENERATED_AT = '2026-11-02T00:00:00.000Z'
export const REGISTRY = 'https://registry.npmjs.org/'

/** The renderers' input, with the records and packages it was computed from. */
export interface AuditFixture extends AuditHtmlInput {
  records: AuditRecord[]
  packages: AuditPackage[]
}

/** The truth of a generated population as the renderers' input (with download weights unless `downloads` is false). */
export function populationInput(options: { seed?: number; packages?: number; downloads?: boolean; maxRows?: number } = {}): AuditFixture {
  const population = generatePopulation({ seed: options.seed ?? 13, packages: options.packages ?? 120 })
  const records = truthRecords(population)
  const packages = population.packages.map((p) => ({ name: p.name, latest: p.latest }))
  const downloads = options.downloads ?? true
  const metrics = truthMetrics(population, { generatedAt: GENERATED_AT, registry: REGISTRY, downloads })
  return { metrics, page: auditPage(records, packages, { ...(options.maxRows !== undefined && { maxRows: options.maxRows }), ...(downloads && { downloads: population.downloads }) }), records, packages }
}

/** Appears in the hostile package's name, to find it in the page. */
export const HOSTILE_AUDIT_MARKER = 'HOSTILE-a13'
export const HOSTILE_PACKAGE = `<img src=x onerror="window.__pwned=1">${HOSTILE_AUDIT_MARKER}`
export const HOSTILE_AUDIT_VERSION = `2.0.0"><script>window.__pwned=1</script>`
export const HOSTILE_ISSUER = `=HYPERLINK("https://evil.example/"),</script><script>window.__pwned=1</script>`
export const HOSTILE_RUNNER = `@SUM(1+1)"><svg onload="window.__pwned=1">\u001b[31m\u202e`
export const HOSTILE_REGISTRY = `https://evil.example/"><base href="https://evil.example/"><!--`

function record(name: string, version: string, publishedAt: string, over: Partial<AuditRecord> = {}): AuditRecord {
  return { name, version, publishedAt, signature: 'verified', provenance: 'missing', publishAttestation: 'missing', trustedPublisher: false, approver: false, findings: [], fetchFailed: false, ...over }
}

/** Hostile strings in every place the page and the CSV show one, with a downgrade and a version not fetched. */
export function hostileInput(): AuditFixture {
  const provenance = { provenance: 'verified', publishAttestation: 'verified', issuer: HOSTILE_ISSUER, runner: HOSTILE_RUNNER } as const
  const records: AuditRecord[] = [
    record(HOSTILE_PACKAGE, '1.0.0', '2025-08-01T00:00:00.000Z', { ...provenance, trustedPublisher: true }),
    record(HOSTILE_PACKAGE, HOSTILE_AUDIT_VERSION, '2025-09-01T00:00:00.000Z'),
    record(HOSTILE_PACKAGE, '1.0.1', '2025-10-01T00:00:00.000Z'),
    record('-cmd|calc', '1.0.0', '2025-08-15T00:00:00.000Z', { signature: 'unverifiable', provenance: 'unverifiable', publishAttestation: 'unverifiable', fetchFailed: true }),
    record('plain', '1.0.0', '2025-11-01T00:00:00.000Z', provenance),
    record('plain', HOSTILE_AUDIT_VERSION, '2025-12-01T00:00:00.000Z'),
  ]
  const packages: AuditPackage[] = [
    { name: HOSTILE_PACKAGE, latest: '1.0.1' },
    { name: '-cmd|calc', latest: '1.0.0' },
    { name: 'plain', latest: HOSTILE_AUDIT_VERSION },
    { name: '</script><!--never-recorded' },
  ]
  const downloads = { [HOSTILE_PACKAGE]: 100, plain: 5 }
  const metrics = auditMetrics(records, packages, { generatedAt: '<b>2026</b>', registry: HOSTILE_REGISTRY, downloads })
  return { metrics, page: auditPage(records, packages, { downloads }), records, packages }
}
