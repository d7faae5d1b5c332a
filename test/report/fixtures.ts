/**
 * Report builders for the format tests: one package per situation a report must render, and a
 * package-lock.json text that has an entry for each location.
 */
import { FINDINGS, type FindingCode, type FindingSeverity } from '../../lib/findings.js'
import type { DecidedFinding, PackageLocation, PackageResult, Report } from '../../lib/model.js'
import type { PackageFacts, SignerIdentity } from '../../lib/model/facts.js'

export const NPM_KEYID = 'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA'
export const SLSA_V1 = 'https://slsa.dev/provenance/v1'
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'

export function location(why: string[], over: Partial<PackageLocation> = {}): PackageLocation {
  const last = why[why.length - 1] ?? 'x@0.0.0'
  const name = last.slice(0, last.lastIndexOf('@'))
  return { path: `node_modules/${name}`, why, dev: false, optional: false, peer: false, ...over }
}

export function decided(code: FindingCode, message: string, severity: FindingSeverity = FINDINGS[code].defaultSeverity): DecidedFinding {
  return { code, severity, message }
}

export function identity(over: Partial<SignerIdentity> = {}): SignerIdentity {
  return {
    issuer: GITHUB_ISSUER,
    subjectAlternativeName: 'https://github.com/acme/built/.github/workflows/release.yml@refs/tags/v2.1.0',
    repository: 'acme/built',
    workflow: '.github/workflows/release.yml',
    ref: 'refs/tags/v2.1.0',
    commit: '0123456789abcdef0123456789abcdef01234567',
    runner: 'github-hosted',
    trigger: 'push',
    sources: { issuer: 'certificate', subjectAlternativeName: 'certificate-san', repository: 'certificate', workflow: 'certificate', ref: 'certificate', commit: 'certificate', runner: 'certificate', trigger: 'certificate' },
    ...over,
  }
}

export function facts(name: string, version: string, over: Partial<Omit<PackageFacts, 'name' | 'version'>> = {}): PackageFacts {
  return {
    name,
    version,
    integrity: { status: 'verified', integrity: `sha512-${name}`, registryIntegrity: `sha512-${name}` },
    signature: { status: 'verified', keyid: NPM_KEYID },
    provenance: { status: 'verified', predicateType: SLSA_V1, signedAt: '2025-01-01T00:00:00Z', identity: identity() },
    publish: { status: 'verified', keyid: NPM_KEYID },
    publisher: { name: 'publisher', email: 'publisher@example.com', source: 'registry-metadata' },
    findings: [],
    ...over,
  }
}

/** A result whose `facts` findings mirror its decided findings. */
export function result(name: string, version: string, over: Partial<PackageResult> = {}): PackageResult {
  const findings = over.findings ?? []
  const base: PackageResult = {
    name,
    version,
    integrity: `sha512-${name}`,
    source: 'registry',
    registry: 'https://registry.npmjs.org/',
    locations: [location(['my-app', `${name}@${version}`])],
    decision: 'pass',
    findings,
    facts: facts(name, version, { findings: findings.map((f) => ({ code: f.code, message: f.message })) }),
    rule: 'default',
  }
  return { ...base, ...over }
}

/** Verified signature and provenance. */
export const passing = () => result('left-pad', '1.3.0')

/** Signed, no provenance. */
export const warnNoProvenance = () =>
  result('lodash', '4.17.21', {
    decision: 'warn',
    findings: [decided('PROVENANCE_MISSING', 'lodash@4.17.21: the version has no SLSA provenance')],
    facts: facts('lodash', '4.17.21', {
      provenance: { status: 'none' },
      publish: { status: 'verified', keyid: NPM_KEYID },
      findings: [{ code: 'PROVENANCE_MISSING', message: 'lodash@4.17.21: the version has no SLSA provenance' }],
    }),
  })

/** A broken registry signature and a broken attestation. */
export const failSignatureAndAttestation = () => {
  const findings = [
    decided('SIGNATURE_INVALID', 'evil-pkg@6.6.6: the signature by SHA256:bad does not verify'),
    decided('ATTESTATION_INVALID', 'evil-pkg@6.6.6: provenance bundle: transparency log proof does not verify'),
  ]
  return result('evil-pkg', '6.6.6', {
    decision: 'fail',
    findings,
    locations: [location(['my-app', 'express@4.21.0', 'evil-pkg@6.6.6'], { path: 'node_modules/evil-pkg' })],
    facts: facts('evil-pkg', '6.6.6', {
      signature: { status: 'invalid', keyid: 'SHA256:bad' },
      provenance: { status: 'invalid', predicateType: SLSA_V1 },
      publish: { status: 'invalid' },
      findings: findings.map(({ code, message }) => ({ code, message })),
    }),
  })
}

/** Bundled inside its parent's tarball: nothing to verify on its own. */
export const skippedBundled = () =>
  result('bundled-dep', '1.0.0', {
    source: 'bundled',
    registry: undefined,
    integrity: undefined,
    decision: 'skipped',
    skipReason: "bundled: covered by parent-pkg@2.0.0's tarball",
    facts: undefined,
    locations: [location(['my-app', 'parent-pkg@2.0.0', 'bundled-dep@1.0.0'], { path: 'node_modules/parent-pkg/node_modules/bundled-dep' })],
  })

export const LONG_WHY = ['my-app', 'a@1.0.0', 'b@1.0.0', 'c@1.0.0', 'd@1.0.0', 'e@1.0.0', 'f@1.0.0', 'g@1.0.0', 'deep-dep@0.1.0']

/** Installed in three places, the first through a long chain of dependents. */
export const manyLocations = () =>
  result('deep-dep', '0.1.0', {
    decision: 'warn',
    findings: [decided('PROVENANCE_MISSING', 'deep-dep@0.1.0: the version has no SLSA provenance')],
    locations: [
      location(LONG_WHY, { path: 'node_modules/g/node_modules/deep-dep', dev: true }),
      location(['my-app', 'x@1.0.0', 'deep-dep@0.1.0'], { path: 'node_modules/x/node_modules/deep-dep' }),
      location(['my-app', 'deep-dep@0.1.0'], { path: 'node_modules/deep-dep', workspace: 'packages/web' }),
    ],
    facts: facts('deep-dep', '0.1.0', { provenance: { status: 'none' }, findings: [{ code: 'PROVENANCE_MISSING', message: 'deep-dep@0.1.0: the version has no SLSA provenance' }] }),
  })

/** A scoped package from a registry without keys, built with provenance by a known workflow. */
export const scopedWithIdentity = () =>
  result('@acme/built', '2.1.0', {
    registry: 'https://npm.acme.example/',
    decision: 'warn',
    findings: [decided('SIGNATURE_UNSUPPORTED_BY_REGISTRY', '@acme/built@2.1.0: the registry publishes no signing keys')],
    locations: [location(['my-app', '@acme/built@2.1.0'], { path: 'node_modules/@acme/built' })],
    facts: facts('@acme/built', '2.1.0', {
      signature: { status: 'unsupported' },
      publisher: { source: 'registry-metadata', name: 'GitHub Actions', trustedPublisher: { id: 'github', oidcConfigId: 'oidc-1' } },
      findings: [{ code: 'SIGNATURE_UNSUPPORTED_BY_REGISTRY', message: '@acme/built@2.1.0: the registry publishes no signing keys' }],
    }),
  })

export function buildReport(packages: PackageResult[], over: Partial<Report> = {}): Report {
  const count = (d: PackageResult['decision']) => packages.filter((p) => p.decision === d).length
  return {
    schemaVersion: 1,
    tool: { name: 'verify-deps', version: '0.1.0' },
    project: { root: '/work/my-app', lockfile: '/work/my-app/package-lock.json' },
    summary: { total: packages.length, pass: count('pass'), warn: count('warn'), fail: count('fail'), skipped: count('skipped') },
    packages,
    couldNotVerify: false,
    notices: [],
    ...over,
  }
}

/** Every situation at once: 1 pass, 3 warn, 1 fail, 1 skipped. */
export function sampleReport(over: Partial<Report> = {}): Report {
  return buildReport([passing(), warnNoProvenance(), failSignatureAndAttestation(), skippedBundled(), manyLocations(), scopedWithIdentity()], over)
}

/** A package-lock.json (v3) with an entry for every location of `report`, formatted as npm writes it. */
export function lockfileTextFor(report: Report): string {
  const packages: Record<string, unknown> = { '': { name: 'my-app', version: '1.0.0' } }
  for (const p of report.packages) {
    for (const l of p.locations) packages[l.path] = { version: p.version, resolved: `https://registry.npmjs.org/${p.name}/-/x.tgz`, integrity: p.integrity ?? 'sha512-x' }
  }
  return JSON.stringify({ name: 'my-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2) + '\n'
}

/** The 1-based line of `"<key>": {` in a lockfile text. */
export function lineOf(text: string, key: string): number {
  const i = text.split('\n').findIndex((line) => line.trimStart().startsWith(`${JSON.stringify(key)}: {`))
  if (i < 0) throw new Error(`no ${key} in lockfile`)
  return i + 1
}

/** Freezes a value deeply, so a test fails if a formatter mutates its input. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
