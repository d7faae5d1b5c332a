/**
 * The registry's JSON documents, rendered from the store for one origin: full packument, abbreviated
 * ("corgi") packument, version manifest. Field choice follows the registry's package-metadata docs
 * (github.com/npm/registry docs/responses/package-metadata.md) and what pacote/npm-pick-manifest read.
 */
import type { PackageRecord, VersionRecord } from './store.js'

/** Version fields the registry keeps in the abbreviated document (install-time fields only). */
export const CORGI_VERSION_FIELDS = [
  'name', 'version', 'deprecated', 'dependencies', 'optionalDependencies', 'devDependencies',
  'bundleDependencies', 'peerDependencies', 'peerDependenciesMeta', 'acceptDependencies', 'bin',
  'directories', 'dist', 'engines', 'os', 'cpu', 'libc', 'funding', 'license', '_hasShrinkwrap', 'hasInstallScript',
] as const

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall']

/** `/@scope/name/-/name-1.0.0.tgz`: the registry's tarball path (the scope is not repeated in the file name). */
export function tarballPath(name: string, version: string): string {
  return `/${name}/-/${name.replace(/^@[^/]+\//, '')}-${version}.tgz`
}

/** `/-/npm/v1/attestations/@scope%2fname@1.0.0`: the form the registry puts in `dist.attestations.url`. */
export function attestationsPath(name: string, version: string): string {
  return `/-/npm/v1/attestations/${name.replace('/', '%2f')}@${version}`
}

export function formatDist(v: VersionRecord, origin: string): Record<string, unknown> {
  const provenance = v.attestations?.attestations.find((a) => a.predicateType.startsWith('https://slsa.dev/provenance/'))
  const dist: Record<string, unknown> = {
    integrity: v.integrity,
    shasum: v.shasum,
    tarball: origin + tarballPath(v.name, v.version),
    ...(v.fileCount !== undefined ? { fileCount: v.fileCount, unpackedSize: v.unpackedSize } : {}),
    ...(v.signatures ? { signatures: v.signatures } : {}),
    ...(v.attestations
      ? {
          attestations: {
            url: origin + attestationsPath(v.name, v.version),
            ...(provenance ? { provenance: { predicateType: provenance.predicateType } } : {}),
          },
        }
      : {}),
    ...v.dist,
  }
  if (typeof dist.tarball === 'string' && dist.tarball.startsWith('/')) dist.tarball = origin + dist.tarball
  // An override of `undefined` removes the field.
  return Object.fromEntries(Object.entries(dist).filter(([, value]) => value !== undefined))
}

export function formatVersionManifest(v: VersionRecord, origin: string): Record<string, unknown> {
  const scripts = v.manifest.scripts as Record<string, unknown> | undefined
  return {
    _npmVersion: '11.0.0',
    _nodeVersion: '20.0.0',
    _hasShrinkwrap: false,
    ...v.manifest,
    name: v.name,
    version: v.version,
    _id: `${v.name}@${v.version}`,
    _npmUser: v.npmUser,
    ...(scripts && INSTALL_SCRIPTS.some((s) => s in scripts) ? { hasInstallScript: true } : {}),
    dist: formatDist(v, origin),
  }
}

/**
 * `history: 'stripped'`: as a mirror that strips history serves it — no `time`, and no
 * `dist.signatures` / `dist.attestations` for versions no dist-tag points at.
 */
export function formatPackument(pkg: PackageRecord, origin: string, history: 'served' | 'stripped' = 'served'): Record<string, unknown> {
  const versions = [...pkg.versions.values()]
  const times = versions.map((v) => v.publishTime).sort()
  const tagged = new Set(Object.values(pkg.distTags))
  const manifest = (v: VersionRecord): Record<string, unknown> => {
    const full = formatVersionManifest(v, origin)
    if (history === 'served' || tagged.has(v.version)) return full
    const { signatures: _signatures, attestations: _attestations, ...dist } = full.dist as Record<string, unknown>
    return { ...full, dist }
  }
  return {
    _id: pkg.name,
    name: pkg.name,
    ...pkg.fields,
    'dist-tags': pkg.distTags,
    versions: Object.fromEntries(versions.map((v) => [v.version, manifest(v)])),
    ...(history === 'served' && {
      time: {
        ...(times.length ? { created: times[0], modified: times[times.length - 1] } : {}),
        ...Object.fromEntries(versions.map((v) => [v.version, v.publishTime])),
      },
    }),
  }
}

export function formatCorgi(pkg: PackageRecord, origin: string): Record<string, unknown> {
  const full = formatPackument(pkg, origin) as { time: Record<string, string>; versions: Record<string, Record<string, unknown>> }
  return {
    name: pkg.name,
    'dist-tags': pkg.distTags,
    ...(full.time.modified ? { modified: full.time.modified } : {}),
    versions: Object.fromEntries(
      Object.entries(full.versions).map(([version, manifest]) => [version, pick(manifest, CORGI_VERSION_FIELDS)]),
    ),
  }
}

function pick(source: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.filter((f) => source[f] !== undefined).map((f) => [f, source[f]]))
}
