/**
 * Reads the manifest (`package.json`) of an npm package tarball in memory, with `tar`, the parser
 * npm itself unpacks packages with, so the name and version verified are the ones `npm install`
 * would read. The bytes are attacker-controlled.
 *
 * Which entry is the manifest, as pacote (npm's fetcher) decides it: pacote extracts the archive
 * with `strip: 1` (any top-level folder, not only `package/`), only file entries (links are
 * skipped), and reads `package.json` from the result. So the manifest is the *last* file entry that
 * lands on `package.json` after tar's own path handling (pax and GNU long names applied, the first
 * component stripped, an absolute root stripped, `..` refused), as a later entry overwrites an
 * earlier one on disk; a file entry under `package.json/` that comes first makes it a directory,
 * which npm cannot read (one that comes later is skipped by tar).
 *
 * Bounds: the archive must be gzip (as npm packs it) and unpack to at most MAX_UNPACKED_BYTES and
 * tar's decompression-ratio limit; any tar warning (bad checksum, truncation, invalid header)
 * refuses the archive (strict mode). Refusing is always safe: it is an error, never a pass.
 */
import { posix, win32 } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { Parser, type ReadEntry } from 'tar'
import { inputError } from '../errors.js'

const MAX_UNPACKED_BYTES = 512 * 1024 * 1024
/** tar's default maxDecompressionRatio. */
const MAX_DECOMPRESSION_RATIO = 1000
/** tar's Unpack refuses deeper paths (DEFAULT_MAX_DEPTH). */
const MAX_DEPTH = 1024
/** Where pacote would extract to; only used to resolve entry paths as tar does. */
const EXTRACT_ROOT = '/package-root'
const MANIFEST_PATH = posix.join(EXTRACT_ROOT, 'package.json')

export interface TarballManifest {
  name: string
  version: string
}

export function readTarballManifest(bytes: Buffer, source: string): TarballManifest {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw inputError('ENOTTARBALL', `${source}: not a gzip-compressed npm package tarball`)
  }
  const manifest = readManifestEntry(bytes, source)
  if (!manifest) throw inputError('ENOTTARBALL', `${source}: the tarball has no package/package.json`)
  return parseManifest(manifest, source)
}

function readManifestEntry(bytes: Buffer, source: string): Buffer | undefined {
  // Decompressed here, by the same zlib tar's own gunzip runs on (multi-member streams and trailing
  // bytes behave alike), so that the output is bounded; tar then parses the archive itself.
  let archive: Buffer
  try {
    archive = gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED_BYTES })
  } catch (err) {
    throw inputError('ENOTTARBALL', `${source}: cannot decompress: ${(err as Error).message}`)
  }
  // tar aborts past this ratio of unpacked to packed bytes (maxDecompressionRatio), so npm would too.
  if (archive.length > MAX_DECOMPRESSION_RATIO * bytes.length) {
    throw inputError('ENOTTARBALL', `${source}: cannot decompress: more than ${MAX_DECOMPRESSION_RATIO} times its compressed size`)
  }
  let manifest: Buffer | undefined
  let manifestIsDirectory = false
  let failure: string | undefined
  let ended = false
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const target = extractedPath(entry.path)
      // pacote unpacks file entries only (links and directories are filtered out).
      if (target === undefined || !/File$/.test(entry.type)) return entry.resume()
      // A file under package.json/ makes it a directory, unless the file came first (then tar
      // fails on this entry and skips it); a directory can no longer be replaced by the file.
      if (target.startsWith(`${MANIFEST_PATH}/`)) {
        manifestIsDirectory ||= manifest === undefined
        return entry.resume()
      }
      if (target !== MANIFEST_PATH || manifestIsDirectory) return entry.resume()
      const chunks: Buffer[] = []
      entry.on('data', (chunk: Buffer) => chunks.push(chunk))
      entry.on('end', () => {
        manifest = Buffer.concat(chunks)
      })
    },
  })
  // Strict: every warning (bad checksum, invalid header, truncation, not a tar at all) is an error.
  parser.on('error', (err: Error) => {
    failure ??= err.message
  })
  parser.on('end', () => {
    ended = true
  })
  // A Buffer is parsed synchronously: every entry has been seen when end() returns.
  parser.end(archive)
  if (!failure && !ended) failure = 'the archive did not end'
  if (failure) throw inputError('ENOTTARBALL', `${source}: not a readable npm package tarball: ${failure}`)
  if (manifestIsDirectory) throw inputError('ENOTTARBALL', `${source}: package/package.json is a directory in the tarball`)
  return manifest
}

/**
 * Where tar's Unpack would write `path` under pacote's options (`strip: 1`, no preservePaths), or
 * undefined when it would skip the entry: the first component goes, an absolute root is stripped
 * (tar's stripAbsolutePath, which parses roots the win32 way on every platform), `..` is refused.
 */
export function extractedPath(path: string): string | undefined {
  const parts = path.split('/').slice(1)
  if (parts.length > MAX_DEPTH) return undefined
  let rest = parts.join('/')
  for (let parsed = win32.parse(rest); win32.isAbsolute(rest) || parsed.root; parsed = win32.parse(rest)) {
    const root = rest.startsWith('/') && !rest.startsWith('//?/') ? '/' : parsed.root
    rest = rest.slice(root.length)
  }
  if (rest.replaceAll('\\', '/').split('/').includes('..')) return undefined
  const target = posix.resolve(EXTRACT_ROOT, rest)
  return target === EXTRACT_ROOT ? undefined : target
}

function parseManifest(data: Buffer, source: string): TarballManifest {
  let pkg: { name?: unknown; version?: unknown }
  try {
    // npm's JSON reader (json-parse-even-better-errors) ignores a byte-order mark.
    pkg = JSON.parse(data.toString('utf8').replace(/^\uFEFF/, '')) as typeof pkg
  } catch {
    throw inputError('ENOTTARBALL', `${source}: package/package.json is not valid JSON`)
  }
  if (typeof pkg?.name !== 'string' || typeof pkg.version !== 'string') {
    throw inputError('ENOTTARBALL', `${source}: package/package.json has no name and version`)
  }
  return { name: pkg.name, version: pkg.version }
}
