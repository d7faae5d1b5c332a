/** Hand-built packages, facts and identities for policy tests. */
import type { Finding } from '../../lib/findings.js'
import type { PackageRef } from '../../lib/model.js'
import type { PackageOutcome } from '../../lib/policy/decision.js'
import { parsePolicy } from '../../lib/policy/parse.js'
import type { Policy } from '../../lib/policy/types.js'
import type { PackageFacts, SignerIdentity } from '../../lib/model/facts.js'
import type { InstallScriptContext } from '../../lib/model/install-scripts.js'

export const NOW = new Date('2026-06-01T12:00:00Z')

export const ref = (name = '@acme/app', version = '1.0.0', over: Partial<PackageRef> = {}): PackageRef => ({
  name,
  version,
  integrity: 'sha512-x',
  source: 'registry',
  registry: 'https://registry.npmjs.org/',
  locations: [{ path: `node_modules/${name}`, why: ['(root)', `${name}@${version}`], dev: false, optional: false, peer: false }],
  ...over,
})

const RELEASE = 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0.0'

/** A GitHub Actions release of acme/app from a tag, on a GitHub-hosted runner. */
export const identity = (over: Partial<SignerIdentity> = {}): SignerIdentity => ({
  issuer: 'https://token.actions.githubusercontent.com',
  subjectAlternativeName: RELEASE,
  buildSignerUri: RELEASE,
  repository: 'acme/app',
  repositoryUri: 'https://github.com/acme/app',
  repositoryId: '123456789',
  repositoryOwnerId: '4242',
  workflow: '.github/workflows/release.yml',
  ref: 'refs/tags/v1.0.0',
  commit: 'a'.repeat(40),
  runner: 'github-hosted',
  trigger: 'push',
  visibility: 'public',
  sources: {},
  ...over,
})

export interface FactsOptions {
  name?: string
  version?: string
  findings?: Finding[]
  signature?: PackageFacts['signature']
  provenance?: PackageFacts['provenance']
  publisher?: Partial<PackageFacts['publisher']>
}

/** Verified facts: signed, with provenance from `identity()`, published by acme-bot through a trusted publisher with an approver. */
export const facts = (o: FactsOptions = {}): PackageFacts => ({
  name: o.name ?? '@acme/app',
  version: o.version ?? '1.0.0',
  integrity: { status: 'verified', integrity: 'sha512-x' },
  signature: o.signature ?? { status: 'verified', keyid: 'SHA256:key' },
  provenance: o.provenance ?? { status: 'verified', predicateType: 'https://slsa.dev/provenance/v1', identity: identity() },
  publish: { status: 'verified' },
  publisher: { name: 'acme-bot', trustedPublisher: { id: 'github' }, approver: { name: 'alice' }, source: 'registry-metadata', ...o.publisher },
  findings: o.findings ?? [],
})

export const verified = (o: FactsOptions = {}): PackageOutcome => ({ kind: 'verified', facts: facts(o) })

/** Verified facts without provenance, as the verify stage reports them. */
export const noProvenance = (o: FactsOptions = {}): PackageOutcome =>
  verified({ ...o, provenance: { status: 'none' }, findings: [...(o.findings ?? []), { code: 'PROVENANCE_MISSING', message: `${o.name ?? '@acme/app'}@${o.version ?? '1.0.0'}: no provenance attestation` }] })

export function policyFrom(text: string, file = 'verify-deps.policy.yaml'): Policy {
  const parsed = parsePolicy(text, file)
  if (!parsed.ok) throw parsed.errors[0]
  return parsed.policy
}

/** A run's install-script context: npm 11 rules, nothing set, allowScripts from package.json; `over` changes it. */
export const scriptContext = (over: Partial<InstallScriptContext> = {}): InstallScriptContext => ({
  rules: 'npm11',
  npmVersion: '11.19.1',
  reason: 'npm 11 rules: test',
  settings: { ignoreScripts: { value: false, from: 'default' }, dangerouslyAllowAllScripts: { value: false, from: 'default' }, strictAllowScripts: { value: false, from: 'default' } },
  allowScripts: { source: 'package.json', file: 'package.json', ignored: [] },
  ...over,
})
