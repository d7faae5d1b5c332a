/**
 * Reads `package/package.json` from an npm package tarball (gzip'd ustar) without unpacking it to
 * disk. The bytes are attacker-controlled: sizes are bounded and every header is checked.
 */
import { gunzipSync } from 'node:zlib'
import { inputError } from '../errors.js'

const BLOCK = 512
const MAX_UNPACKED_BYTES = 512 * 1024 * 1024

export interface TarballManifest {
  name: string
  version: string
}

export function readTarballManifest(bytes: Buffer, source: string): TarballManifest {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw inputError('ENOTTARBALL', `${source}: not a gzip-compressed npm package tarball`)
  }
  let tar: Buffer
  try {
    tar = gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED_BYTES })
  } catch (err) {
    throw inputError('ENOTTARBALL', `${source}: cannot decompress: ${(err as Error).message}`)
  }
  let longName: string | undefined
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK)
    if (header.every((b) => b === 0)) break
    const size = parseOctal(header.subarray(124, 136))
    const type = String.fromCharCode(header[156] ?? 0)
    if (size === undefined || !checksumOk(header)) {
      throw inputError('ENOTTARBALL', `${source}: corrupt tar header at byte ${offset}`)
    }
    const dataStart = offset + BLOCK
    const data = tar.subarray(dataStart, dataStart + size)
    if (data.length < size) throw inputError('ENOTTARBALL', `${source}: truncated tar entry at byte ${offset}`)
    const prefix = cString(header.subarray(345, 500))
    const name = longName ?? (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)))
    longName = undefined
    if (type === 'L') {
      longName = cString(data)
    } else if ((type === '0' || type === '\0') && /^[^/]+\/package\.json$/.test(name)) {
      // npm packs everything under one top-level folder, normally `package/`.
      return parseManifest(data, source)
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK
  }
  throw inputError('ENOTTARBALL', `${source}: the tarball has no package/package.json`)
}

function parseManifest(data: Buffer, source: string): TarballManifest {
  let pkg: { name?: unknown; version?: unknown }
  try {
    pkg = JSON.parse(data.toString('utf8')) as typeof pkg
  } catch {
    throw inputError('ENOTTARBALL', `${source}: package/package.json is not valid JSON`)
  }
  if (typeof pkg?.name !== 'string' || typeof pkg.version !== 'string') {
    throw inputError('ENOTTARBALL', `${source}: package/package.json has no name and version`)
  }
  return { name: pkg.name, version: pkg.version }
}

function cString(buf: Buffer): string {
  const end = buf.indexOf(0)
  return buf.subarray(0, end === -1 ? buf.length : end).toString('utf8')
}

function parseOctal(buf: Buffer): number | undefined {
  const text = cString(buf).trim()
  if (!/^[0-7]+$/.test(text)) return undefined
  return Number.parseInt(text, 8)
}

function checksumOk(header: Buffer): boolean {
  const stored = parseOctal(header.subarray(148, 156))
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!
  return stored === sum
}
