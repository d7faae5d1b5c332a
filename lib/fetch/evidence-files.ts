/**
 * Evidence from files (`verify-deps verify <file.tgz>`): the tarball, the registry's packument or
 * version document and the attestations document, read from files the user names, into the same
 * PackageEvidence the registry path (evidence.ts) produces. Every file is attacker-controlled
 * input, read with the same caps (files.ts) and the same field checks as a registry answer
 * (readVersionData, readPublishTime); what the registry path reports as a fetch failure is an
 * input error here, naming the file (exit 2). fetch/ gathers and never decides.
 */
import { requireCjs } from '../cjs.js'
import type { AttestationsEvidence, PackageEvidence, VersionData } from '../model/evidence.js'
import { inputError } from '../errors.js'
import { readPublishTime, readVersionData } from './evidence.js'
import { MAX_TARBALL_BYTES, readInputFile, readJSONFile } from '../tree/files.js'
import { readTarballManifest } from './tarball.js'
const ssri = requireCjs('ssri') as typeof import('ssri').default

export interface EvidenceFiles {
  /** The package tarball (`.tgz`). */
  tarballFile: string
  /** The attestations document (`GET /-/npm/v1/attestations/<name>@<version>`) or a single Sigstore bundle. */
  attestationsFile?: string
  /** The registry's packument (`GET /<name>`) or version document (`GET /<name>/<version>`). */
  packumentFile?: string
  /** The package the tarball is verified as; default: its own `package/package.json`. */
  name?: string
  version?: string
}

/**
 * The evidence for one package from files. The integrity "the project will install" is the
 * tarball's own sha512, and the bytes are carried along so the verifier hashes them itself.
 * Throws RunError (usage) for an unreadable, malformed or mismatched file.
 */
export async function readEvidenceFiles(files: EvidenceFiles): Promise<PackageEvidence> {
  const tarball = readInputFile(files.tarballFile, 'tarball', MAX_TARBALL_BYTES)
  const manifest = await readTarballManifest(tarball, files.tarballFile)
  const name = files.name ?? manifest.name
  const version = files.version ?? manifest.version

  const { versionData, publishTime } = files.packumentFile ? readVersionFile(files.packumentFile, name, version) : {}
  const attestations: AttestationsEvidence = files.attestationsFile
    ? { state: 'fetched', document: asAttestationsDocument(readJSONFile(files.attestationsFile, 'attestations'), files.attestationsFile) }
    : { state: 'not-requested' }

  return {
    name,
    version,
    integrity: ssri.fromData(tarball, { algorithms: ['sha512'] }).toString(),
    ...(versionData !== undefined && { versionData }),
    ...(publishTime !== undefined && { publishTime }),
    attestations,
    tarball,
  }
}

/**
 * A packument (the version is picked from `versions`, the publish time from `time`) or a single
 * version document, which must name this package and version. The version's fields are read as the
 * registry's answer is (readVersionData): a `dist` or `dist.integrity` of the wrong type, or a
 * version object about another package, is refused rather than read as "absent".
 */
function readVersionFile(path: string, name: string, version: string): { versionData: VersionData; publishTime?: string } {
  const doc = readJSONFile(path, 'packument')
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw inputError('EPACKUMENT', `${path}: packument is not a JSON object`)
  const d = doc as Record<string, unknown>
  let versionDoc: unknown = d
  let publishTime: string | undefined
  if (typeof d.versions === 'object' && d.versions !== null) {
    versionDoc = (d.versions as Record<string, unknown>)[version]
    if (typeof versionDoc !== 'object' || versionDoc === null) throw inputError('EPACKUMENT', `${path}: packument has no version ${version} of ${name}`)
    const time = readPublishTime(d, version)
    if (typeof time === 'object') throw inputError('EPACKUMENT', `${path}: packument ${time.problem}`)
    publishTime = time
  } else if (d.version !== version || d.name !== name) {
    // A version document must say which version it is; one about another package is not evidence for this one.
    throw inputError('EPACKUMENT', `${path}: version document is for ${String(d.name)}@${String(d.version)}, not ${name}@${version}`)
  }
  const versionData = readVersionData(versionDoc, name, version)
  if (typeof versionData === 'string') throw inputError('EPACKUMENT', `${path}: the version ${name}@${version} ${versionData}`)
  return { versionData, ...(publishTime !== undefined && { publishTime }) }
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
