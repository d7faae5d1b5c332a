/**
 * The JSON report of `check` and of `verify` (a one-package report): public contract,
 * `schemaVersion: 1`, described by docs/report.schema.json and docs/report.md (both generated from
 * lib/report/report-schema.ts). Fields may be added within a
 * schema version; none is renamed or removed. Absent values are `null`, so every named field is
 * always there. Pure.
 */
import { chunkedOutput, JsonArrayStream, stringifyJSONChunks } from './describe.js'
import type { FindingCode, FindingSeverity } from '../findings.js'
import type { Decision, LockfileFormat, PackageLocation, PackageResult, PackageTrustSummary, PackageSource, RegistryDiagnosis, RegistrySummary, Report, ReportSummary, RunSetting } from '../model.js'
import type { EvidenceOrigin } from '../model/evidence.js'
import type { AttestationStatus, IdentitySource, IntegrityStatus, PackageFacts, SignatureStatus, SignerIdentity } from '../model/facts.js'
import type { InstallScriptContext, InstallScriptsResult } from '../model/install-scripts.js'
// Only a type: the schema module itself (~25 KB) is not loaded by the JSON writer.
import type { IdentityField } from './report-schema.js'
import type { FormatOptions, FormattedOutput } from './types.js'

/** No facts were established: the package was skipped, is not from a registry, or its evidence could not be fetched. */
export type NotChecked = 'not-checked'

export interface JsonReport {
  schemaVersion: 1
  tool: { name: string; version: string }
  /** `tarball`: only in `verify`'s report. */
  project: { root: string; lockfile: string; lockfileFormat?: LockfileFormat; policy: string | null; tarball?: string; settings?: RunSetting[] }
  summary: ReportSummary
  couldNotVerify: boolean
  notices: string[]
  registries: JsonRegistry[]
  packages: JsonPackage[]
  /** Which npm rules decided install scripts; null when no package has any. */
  installScripts: JsonInstallScriptRules | null
}

export type JsonInstallScriptRules = Omit<InstallScriptContext, 'npmVersion' | 'allowScripts'> & {
  npmVersion: string | null
  allowScripts: { source: InstallScriptContext['allowScripts']['source']; file: string | null; ignored: string[] }
}

/** A RegistrySummary with every field present: counts 0 and the rest `null` when absent. */
export type JsonRegistry = Omit<Required<RegistrySummary>, 'upstream' | 'diagnosis'> & { upstream: string | null; diagnosis: RegistryDiagnosis | null }

export interface JsonPackage {
  name: string
  version: string
  integrity: string | null
  source: PackageSource
  registry: string | null
  locations: JsonLocation[]
  decision: Decision
  skipReason: string | null
  rule: string
  findings: JsonFinding[]
  evidence: JsonEvidence
  /** Null when the package has no install scripts. */
  installScripts: InstallScriptsResult | null
  /** Trust over time; null when the check did not gather it. */
  trust: PackageTrustSummary | null
}

export interface JsonLocation {
  path: string
  why: string[]
  dev: boolean
  optional: boolean
  peer: boolean
  workspace: string | null
  alias: string | null
  extraneous: boolean
}

export interface JsonFinding {
  code: FindingCode
  severity: FindingSeverity
  message: string
}

export type JsonIdentity = Partial<Record<IdentityField, string>> & { sources: Partial<Record<IdentityField, IdentitySource>> }

export interface JsonEvidence {
  integrity: { status: IntegrityStatus | NotChecked; registryIntegrity: string | null; tarball: 'verified' | 'mismatch' | null }
  signature: { status: SignatureStatus; keyid: string | null }
  provenance: { status: AttestationStatus | NotChecked; predicateType: string | null; signedAt: string | null; identity: JsonIdentity | null }
  publish: { status: AttestationStatus | NotChecked; keyid: string | null; signedAt: string | null }
  /** Registry metadata about who published; no signature covers it. `null` without facts. */
  publisher: JsonPublisher | null
  /** Where the evidence came from (docs/mirrors.md); `null` without facts or for evidence read from files. */
  origin: EvidenceOrigin | null
}

export interface JsonPublisher {
  source: 'registry-metadata'
  name?: string
  email?: string
  trustedPublisher?: { id: string; oidcConfigId?: string }
  approver?: { name?: string; email?: string }
}

export function toJsonReport(report: Report): JsonReport {
  return {
    schemaVersion: 1,
    tool: { name: report.tool.name, version: report.tool.version },
    project: {
      root: report.project.root,
      lockfile: report.project.lockfile,
      ...(report.project.lockfileFormat !== undefined && { lockfileFormat: report.project.lockfileFormat }),
      policy: report.project.policy ?? null,
      ...(report.project.tarball !== undefined && { tarball: report.project.tarball }),
      ...(report.project.settings !== undefined && { settings: report.project.settings.map((s) => ({ ...s })) }),
    },
    summary: { total: report.summary.total, pass: report.summary.pass, warn: report.summary.warn, fail: report.summary.fail, skipped: report.summary.skipped },
    couldNotVerify: report.couldNotVerify,
    notices: [...report.notices],
    registries: (report.registries ?? []).map((r) => ({
      url: r.url,
      keysSource: r.keysSource,
      keysFrom: r.keysFrom,
      packages: r.packages,
      verified: r.verified,
      couldNotVerify: r.couldNotVerify,
      upstream: r.upstream ?? null,
      fromUpstream: r.fromUpstream ?? 0,
      unsigned: r.unsigned ?? 0,
      signedWithoutKeys: r.signedWithoutKeys ?? 0,
      diagnosis: r.diagnosis ? { kind: r.diagnosis.kind, message: r.diagnosis.message, fixes: [...r.diagnosis.fixes] } : null,
    })),
    packages: report.packages.map(toJsonPackage),
    installScripts: report.installScripts ? toJsonInstallScriptRules(report.installScripts) : null,
  }
}

function toJsonInstallScriptRules(c: InstallScriptContext): JsonInstallScriptRules {
  return {
    rules: c.rules,
    npmVersion: c.npmVersion ?? null,
    reason: c.reason,
    settings: { ignoreScripts: { ...c.settings.ignoreScripts }, dangerouslyAllowAllScripts: { ...c.settings.dangerouslyAllowAllScripts }, strictAllowScripts: { ...c.settings.strictAllowScripts } },
    allowScripts: { source: c.allowScripts.source, file: c.allowScripts.file ?? null, ignored: [...c.allowScripts.ignored] },
  }
}

function toJsonInstallScripts(r: InstallScriptsResult): InstallScriptsResult {
  return { willRun: r.willRun, reason: r.reason, allowScripts: r.allowScripts, matched: [...r.matched], pinnedElsewhere: [...r.pinnedElsewhere], rules: r.rules, verified: { provenance: r.verified.provenance, trustedPublisher: r.verified.trustedPublisher } }
}

/** The JSON report, written package by package (describe.ts: stringifyJSONChunks), the same bytes as stringifyJSON(toJsonReport(report)). */
export function formatReportJson(report: Report, _options: FormatOptions = {}): FormattedOutput {
  return chunkedOutput(function* () {
    // toJsonReport without its packages keeps every field in its place; they are made one at a time.
    const head = toJsonReport({ ...report, packages: [] })
    yield* stringifyJSONChunks({ ...head, packages: new JsonArrayStream(function* () {
      for (const p of report.packages) yield toJsonPackage(p)
    }) })
    yield '\n'
  })
}

export function toJsonPackage(p: PackageResult): JsonPackage {
  return {
    name: p.name,
    version: p.version,
    integrity: p.integrity ?? p.facts?.integrity.integrity ?? null,
    source: p.source,
    registry: p.registry ?? null,
    locations: p.locations.map(toJsonLocation),
    decision: p.decision,
    skipReason: p.skipReason ?? null,
    rule: p.rule,
    findings: p.findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message })),
    evidence: toJsonEvidence(p.facts),
    installScripts: p.installScripts ? toJsonInstallScripts(p.installScripts) : null,
    trust: p.trust ? toJsonTrust(p.trust) : null,
  }
}

/** The trust summary with every field in a fixed order (a baseline identity only with the fields it has). */
function toJsonTrust(trust: PackageTrustSummary): PackageTrustSummary {
  const b = trust.baseline
  return {
    level: trust.level,
    publishedAt: trust.publishedAt ? { at: trust.publishedAt.at, source: trust.publishedAt.source } : null,
    historyState: trust.historyState,
    history: trust.history ? { level: trust.history.level, version: trust.history.version, publishedAt: trust.history.publishedAt } : null,
    baseline: b ? { line: b.line, level: b.level, version: b.version, ...(b.identity && { identity: { ...b.identity } }) } : null,
  }
}

function toJsonLocation(l: PackageLocation): JsonLocation {
  return {
    path: l.path,
    why: [...l.why],
    dev: l.dev,
    optional: l.optional,
    peer: l.peer,
    workspace: l.workspace ?? null,
    alias: l.alias ?? null,
    extraneous: l.extraneous ?? false,
  }
}

function toJsonEvidence(facts: PackageFacts | undefined): JsonEvidence {
  if (!facts) {
    return {
      integrity: { status: 'not-checked', registryIntegrity: null, tarball: null },
      signature: { status: 'not-checked', keyid: null },
      provenance: { status: 'not-checked', predicateType: null, signedAt: null, identity: null },
      publish: { status: 'not-checked', keyid: null, signedAt: null },
      publisher: null,
      origin: null,
    }
  }
  const { integrity, signature, provenance, publish, publisher, origin } = facts
  return {
    integrity: { status: integrity.status, registryIntegrity: integrity.registryIntegrity ?? null, tarball: integrity.tarball ?? null },
    signature: { status: signature.status, keyid: signature.keyid ?? null },
    provenance: {
      status: provenance.status,
      predicateType: provenance.predicateType ?? null,
      signedAt: provenance.signedAt ?? null,
      identity: provenance.identity ? toJsonIdentity(provenance.identity) : null,
    },
    publish: { status: publish.status, keyid: publish.keyid ?? null, signedAt: publish.signedAt ?? null },
    publisher: toJsonPublisher(publisher),
    origin: origin ? { registry: origin.registry, role: origin.role, keys: origin.keys } : null,
  }
}

/**
 * Copies the known identity fields only, in the schema's order (report-schema.ts IDENTITY_FIELDS;
 * test/report/json.test.ts holds this literal to it), so the output matches the schema whatever else the object
 * carries: a field that is not a string, and a source that is not given, is `undefined`, which JSON
 * leaves out. One object literal each, not a property added per field: the 32 keyed stores per
 * package cost ~5 of the ~8 ms that copying a 1,000-package report took in a warm check.
 */
function toJsonIdentity(identity: SignerIdentity): JsonIdentity {
  const i = identity
  const s: SignerIdentity['sources'] = identity.sources ?? {}
  return {
    sources: {
      issuer: s.issuer || undefined,
      subjectAlternativeName: s.subjectAlternativeName || undefined,
      repository: s.repository || undefined,
      repositoryUri: s.repositoryUri || undefined,
      repositoryId: s.repositoryId || undefined,
      repositoryOwnerId: s.repositoryOwnerId || undefined,
      workflow: s.workflow || undefined,
      ref: s.ref || undefined,
      commit: s.commit || undefined,
      runner: s.runner || undefined,
      trigger: s.trigger || undefined,
      visibility: s.visibility || undefined,
      buildSignerUri: s.buildSignerUri || undefined,
      runInvocationUri: s.runInvocationUri || undefined,
      buildType: s.buildType || undefined,
      builderId: s.builderId || undefined,
    },
    issuer: text(i.issuer),
    subjectAlternativeName: text(i.subjectAlternativeName),
    repository: text(i.repository),
    repositoryUri: text(i.repositoryUri),
    repositoryId: text(i.repositoryId),
    repositoryOwnerId: text(i.repositoryOwnerId),
    workflow: text(i.workflow),
    ref: text(i.ref),
    commit: text(i.commit),
    runner: text(i.runner),
    trigger: text(i.trigger),
    visibility: text(i.visibility),
    buildSignerUri: text(i.buildSignerUri),
    runInvocationUri: text(i.runInvocationUri),
    buildType: text(i.buildType),
    builderId: text(i.builderId),
  }
}

/** A string as it is; anything else undefined (left out of the JSON). */
function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function toJsonPublisher(p: PackageFacts['publisher']): JsonPublisher {
  const out: JsonPublisher = { source: 'registry-metadata' }
  if (p.name !== undefined) out.name = p.name
  if (p.email !== undefined) out.email = p.email
  if (p.trustedPublisher) {
    out.trustedPublisher = { id: p.trustedPublisher.id, ...(p.trustedPublisher.oidcConfigId !== undefined ? { oidcConfigId: p.trustedPublisher.oidcConfigId } : {}) }
  }
  if (p.approver) {
    out.approver = { ...(p.approver.name !== undefined ? { name: p.approver.name } : {}), ...(p.approver.email !== undefined ? { email: p.approver.email } : {}) }
  }
  return out
}
