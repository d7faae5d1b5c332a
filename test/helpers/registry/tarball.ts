/**
 * Deterministic npm package tarballs, built in memory: a gzipped ustar archive with every entry
 * under `package/`, as `npm pack` makes them. Same input, same bytes (fixed mtime, owner and mode,
 * sorted entries), so integrities can be asserted and recomputed.
 */
import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import ssri from 'ssri'

/** npm pack's fixed mtime (1985-10-26T08:15:00Z), which keeps tarballs reproducible. */
export const TARBALL_MTIME_SECONDS = 499162500

export type PackageFiles = Record<string, string | Uint8Array>

export interface PackedTarball {
  bytes: Buffer
  /** sha512 SRI, as `dist.integrity`. */
  integrity: string
  /** sha1 hex, as `dist.shasum`. */
  shasum: string
  fileCount: number
  unpackedSize: number
}

/**
 * Packs `package.json` (from `manifest`) and `files` (paths relative to the package root).
 * A `package.json` in `files` wins over `manifest`, so a test can ship a manifest that disagrees
 * with the registry's.
 */
export function packTarball(manifest: Record<string, unknown>, files: PackageFiles = {}): PackedTarball {
  const entries = new Map<string, Buffer>()
  entries.set('package.json', Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8'))
  for (const [path, content] of Object.entries(files)) {
    entries.set(normalizePath(path), Buffer.from(content))
  }
  const blocks: Buffer[] = []
  let unpackedSize = 0
  for (const path of [...entries.keys()].sort()) {
    const data = entries.get(path)!
    unpackedSize += data.length
    blocks.push(ustarHeader(`package/${path}`, data.length), data, Buffer.alloc(padding(data.length)))
  }
  blocks.push(Buffer.alloc(1024)) // end of archive: two zero blocks
  const bytes = gzipSync(Buffer.concat(blocks), { level: 9 })
  return tarballDigests(bytes, { fileCount: entries.size, unpackedSize })
}

/** Digests of tarball bytes made elsewhere (e.g. a real tarball from the corpus). */
export function tarballDigests(bytes: Uint8Array, counts = { fileCount: 0, unpackedSize: 0 }): PackedTarball {
  const buffer = Buffer.from(bytes)
  return {
    bytes: buffer,
    integrity: ssri.fromData(buffer, { algorithms: ['sha512'] }).toString(),
    shasum: createHash('sha1').update(buffer).digest('hex'),
    ...counts,
  }
}

function normalizePath(path: string): string {
  const clean = path.replace(/\\/g, '/').replace(/^\.?\/+/, '')
  if (clean === '' || clean.split('/').some((part) => part === '..' || part === '')) {
    throw new Error(`bad package file path: ${JSON.stringify(path)}`)
  }
  return clean
}

function padding(size: number): number {
  return (512 - (size % 512)) % 512
}

// POSIX ustar header (IEEE Std 1003.1, "pax" chapter, ustar Interchange Format).
function ustarHeader(path: string, size: number): Buffer {
  const header = Buffer.alloc(512)
  const [prefix, name] = splitPath(path)
  header.write(name, 0, 100, 'utf8')
  writeOctal(header, 0o644, 100, 8)
  writeOctal(header, 0, 108, 8) // uid
  writeOctal(header, 0, 116, 8) // gid
  writeOctal(header, size, 124, 12)
  writeOctal(header, TARBALL_MTIME_SECONDS, 136, 12)
  header.fill(0x20, 148, 156) // checksum is computed with its own field as spaces
  header.write('0', 156, 1, 'ascii') // regular file
  header.write('ustar\u000000', 257, 8, 'ascii')
  header.write(prefix, 345, 155, 'utf8')
  let sum = 0
  for (const byte of header) sum += byte
  header.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 8, 'ascii')
  return header
}

function splitPath(path: string): [prefix: string, name: string] {
  if (Buffer.byteLength(path) <= 100) return ['', path]
  const cut = path.lastIndexOf('/', 155)
  const prefix = path.slice(0, cut)
  const name = path.slice(cut + 1)
  if (cut <= 0 || Buffer.byteLength(prefix) > 155 || Buffer.byteLength(name) > 100) {
    throw new Error(`path too long for ustar: ${path}`)
  }
  return [prefix, name]
}

function writeOctal(header: Buffer, value: number, offset: number, length: number): void {
  header.write(value.toString(8).padStart(length - 1, '0') + '\u0000', offset, length, 'ascii')
}
