/**
 * `verify-deps verify <file.tgz>`: verify one package tarball fully offline against the
 * attestations (and optionally the registry's packument) given as files — like
 * `gh attestation verify` for npm tarballs.
 */
import { parseArgs } from 'node:util'
import ssri from 'ssri'
import { FINDINGS } from '../findings.js'
import { inputError } from '../fetch/errors.js'
import { MAX_TARBALL_BYTES, readInputFile, readJSONFile } from '../fetch/files.js'
import { readTarballManifest } from '../fetch/tarball.js'
import { invalidTrustedRootFile, loadTrustFiles } from '../fetch/trust.js'
import { stringifyJSON } from '../report/describe.js'
import { formatPackageFactsText, type VerifyOutcome } from '../report/verify-text.js'
import { verifyPackage } from '../verify/package.js'
import { SigstoreError } from '../verify/sigstore/index.js'
import { createTrustContext } from '../verify/trust-context.js'
import type { AttestationsEvidence, PackageEvidence, VersionData } from '../model/evidence.js'
import type { PackageFacts } from '../model/facts.js'
import { EXIT, type ExitCode } from './exit-codes.js'
import type { Terminal } from './terminal.js'

export const VERIFY_HELP = `Usage: verify-deps verify <file.tgz> [options]

Verify one npm package tarball offline: its integrity, registry signature (with --packument),
SLSA provenance and npm publish attestation, and show who built it.

Options:
  --attestations FILE   the attestations document (GET /-/npm/v1/attestations/<name>@<version>)
                        or a single Sigstore bundle
  --packument FILE      the registry's packument or version document: supplies dist.signatures,
                        dist.integrity, dist.attestations, _npmUser and the publish time
  --name NAME           package name (default: from the tarball's package.json)
  --version VERSION     package version (default: from the tarball's package.json)
  --trusted-root FILE   Sigstore trusted_root.json (default: the embedded public-good root)
  --registry-keys FILE  registry keys, TUF keys.json or /-/npm/v1/keys shape (default: embedded npm keys)
  --offline             accepted for symmetry; verify never uses the network
  --json                print the facts as JSON
  -h, --help            show this help

Exit codes: 0 everything present verified, and at least one signature or attestation ·
1 a check failed · 2 unusable input · 3 nothing verified (no signature or attestation to check)
`

export async function runVerifyCommand(argv: readonly string[], term: Terminal): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      attestations: { type: 'string' },
      packument: { type: 'string' },
      name: { type: 'string' },
      version: { type: 'string' },
      'trusted-root': { type: 'string' },
      'registry-keys': { type: 'string' },
      offline: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    term.out(VERIFY_HELP)
    return EXIT.OK
  }
  if (positionals.length !== 1) {
    throw inputError('EUSAGE', positionals.length === 0 ? 'verify: name a tarball to verify' : 'verify: takes exactly one tarball', 'Run "verify-deps verify --help" for usage.')
  }
  const tarballPath = positionals[0]!
  const tarball = readInputFile(tarballPath, 'tarball', MAX_TARBALL_BYTES)
  const manifest = readTarballManifest(tarball, tarballPath)
  const name = values.name ?? manifest.name
  const version = values.version ?? manifest.version

  const { versionData, publishTime } = values.packument ? readVersionData(values.packument, name, version) : {}
  const attestations: AttestationsEvidence = values.attestations
    ? { state: 'fetched', document: asAttestationsDocument(readJSONFile(values.attestations, 'attestations'), values.attestations) }
    : { state: 'not-requested' }

  const trust = loadTrustFiles({ trustedRootFile: values['trusted-root'], registryKeysFile: values['registry-keys'] })
  const context = buildTrustContext(trust, values['trusted-root'])

  const evidence: PackageEvidence = {
    name,
    version,
    // The integrity "the project will install" is the tarball's own sha512 here.
    integrity: ssri.fromData(tarball, { algorithms: ['sha512'] }).toString(),
    versionData,
    publishTime,
    attestations,
    tarball,
  }
  const facts = verifyPackage(evidence, context)
  const outcome = verifyOutcome(facts)
  if (values.json) {
    term.out(stringifyJSON({ ...facts, outcome }) + '\n')
  } else {
    term.out(formatPackageFactsText(facts, outcome))
  }
  return outcome === 'fail' ? EXIT.FAILED : outcome === 'nothing-verified' ? EXIT.COULD_NOT_VERIFY : EXIT.OK
}

/**
 * `pass` needs at least one verified signature or attestation: a tarball's sha512 of itself proves
 * nothing about who made it, so with neither `--packument` signatures nor attestations the outcome
 * is `nothing-verified` (exit 3, "could not verify"), never a pass.
 */
export function verifyOutcome(facts: PackageFacts): VerifyOutcome {
  if (facts.findings.some((f) => FINDINGS[f.code].defaultSeverity === 'error')) return 'fail'
  const verified = facts.signature.status === 'verified' || facts.provenance.status === 'verified' || facts.publish.status === 'verified'
  return verified ? 'pass' : 'nothing-verified'
}

function buildTrustContext(trust: ReturnType<typeof loadTrustFiles>, trustedRootFile: string | undefined) {
  try {
    return createTrustContext(trust)
  } catch (err) {
    if (trustedRootFile && err instanceof SigstoreError && err.code === 'TRUSTED_ROOT_INVALID') throw invalidTrustedRootFile(trustedRootFile, err)
    if (err instanceof SigstoreError) throw inputError(err.code, err.message)
    throw err
  }
}

/** Accepts a packument (picks the version) or a single version document. */
function readVersionData(path: string, name: string, version: string): { versionData: VersionData; publishTime?: string } {
  const doc = readJSONFile(path, 'packument') as Record<string, unknown> | null
  if (typeof doc !== 'object' || doc === null) throw inputError('EPACKUMENT', `${path}: packument is not a JSON object`)
  const versions = doc.versions as Record<string, unknown> | undefined
  if (versions && typeof versions === 'object') {
    const v = versions[version]
    if (typeof v !== 'object' || v === null) throw inputError('EPACKUMENT', `${path}: packument has no version ${version} of ${name}`)
    const time = (doc.time as Record<string, unknown> | undefined)?.[version]
    return { versionData: v as VersionData, publishTime: typeof time === 'string' ? time : undefined }
  }
  if (doc.version !== version || doc.name !== name) {
    throw inputError('EPACKUMENT', `${path}: version document is for ${String(doc.name)}@${String(doc.version)}, not ${name}@${version}`)
  }
  return { versionData: doc as VersionData }
}

/** A bare Sigstore bundle is wrapped as a one-entry attestations document. */
function asAttestationsDocument(doc: unknown, path: string): unknown {
  const d = doc as { attestations?: unknown; mediaType?: unknown } | null
  if (d && typeof d === 'object' && !('attestations' in d) && typeof d.mediaType === 'string') {
    return { attestations: [{ predicateType: bundlePredicateType(d, path), bundle: d }] }
  }
  return doc
}

// Read only to label the entry; the signed statement is checked against the label afterwards.
function bundlePredicateType(bundle: unknown, path: string): string {
  const payload = (bundle as { dsseEnvelope?: { payload?: unknown } }).dsseEnvelope?.payload
  let statement: { predicateType?: unknown } | undefined
  try {
    statement = typeof payload === 'string' ? (JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as typeof statement) : undefined
  } catch {
    statement = undefined
  }
  if (typeof statement?.predicateType !== 'string') {
    throw inputError('EATTESTATIONS', `${path}: the bundle has no DSSE envelope with an in-toto statement; npm attestations are DSSE in-toto bundles`)
  }
  return statement.predicateType
}
