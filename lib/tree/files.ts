/**
 * Reading files the user (or a pull request) names: `.npmrc`, the policy, trust material, `verify`
 * inputs. Such a path is attacker-controlled input: a symlink to `/dev/zero` or `/dev/random` would
 * never end, a FIFO would block the open itself, a multi-gigabyte file would exhaust memory. So a
 * file is read only if it is a regular file (after following symlinks), opened without blocking, and
 * no larger than a cap for its kind; anything else is an error naming the file.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, writeSync } from 'node:fs'
import { inputError } from '../errors.js'

/** Configuration files: `.npmrc`, the policy file. */
export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024
/** JSON inputs: trusted root, registry keys, attestations, packuments (large packages' packuments run to tens of MB). */
export const MAX_JSON_FILE_BYTES = 128 * 1024 * 1024
/** Package tarballs for `verify-deps verify` (the npm registry refuses far smaller ones). */
export const MAX_TARBALL_BYTES = 1024 * 1024 * 1024

/**
 * Why a file could not be read: `ENOENT`, `ENOTREG` (not a regular file), `ETOOLARGE` or the system's
 * code. Its code is not a run-error code: callers wrap it in one that names the file (EINPUTFILE,
 * ENPMRC, ECAFILE, EPOLICY; lib/errors.ts).
 */
export class FileReadError extends Error {
  constructor(
    readonly code: string,
    /** Lower-case, without the path: "no such file", "not a regular file (a character device)"… */
    readonly reason: string,
  ) {
    super(reason)
    this.name = 'FileReadError'
  }
}

/**
 * The bytes of `path` if it is a regular file of at most `maxBytes`; throws FileReadError otherwise.
 * O_NONBLOCK keeps the open of a FIFO from waiting for a writer; the type and size are checked on the
 * opened descriptor (no race with a swap between check and read), and reading stops at the cap in
 * case the file grows meanwhile.
 */
export function readRegularFile(path: string, maxBytes: number): Buffer {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    throw new FileReadError(code, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'not a regular file (a directory)' : `${code}: ${(err as Error).message}`)
  }
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) throw new FileReadError('ENOTREG', `not a regular file (${fileKind(stat)})`)
    if (stat.size > maxBytes) throw new FileReadError('ETOOLARGE', `larger than ${formatBytes(maxBytes)}`)
    const buffer = Buffer.alloc(Math.min(stat.size + 1, maxBytes + 1))
    let length = 0
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null)
      if (n === 0) break
      length += n
      if (length > maxBytes) throw new FileReadError('ETOOLARGE', `larger than ${formatBytes(maxBytes)}`)
      if (length === buffer.length) break
    }
    return buffer.subarray(0, length)
  } catch (err) {
    if (err instanceof FileReadError) throw err
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    throw new FileReadError(code, code === 'EISDIR' ? 'not a regular file (a directory)' : `${code}: ${(err as Error).message}`)
  } finally {
    closeSync(fd)
  }
}

/** Reads a file the user named; a missing, unreadable, non-regular or oversized file is an input error naming it. */
export function readInputFile(path: string, what: string, maxBytes: number = MAX_JSON_FILE_BYTES): Buffer {
  try {
    return readRegularFile(path, maxBytes)
  } catch (err) {
    if (err instanceof FileReadError) throw inputError('EINPUTFILE', `${path}: cannot read ${what}: ${err.reason}`)
    throw err
  }
}

/** Reads and parses a JSON file; bad JSON is an input error naming the file and the position. */
export function readJSONFile(path: string, what: string, maxBytes: number = MAX_JSON_FILE_BYTES): unknown {
  const text = readInputFile(path, what, maxBytes).toString('utf8')
  try {
    return JSON.parse(text)
  } catch (err) {
    throw inputError('EJSONPARSE', `${path}: ${what} is not valid JSON: ${(err as Error).message}`)
  }
}

function fileKind(stat: { isDirectory(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (stat.isDirectory()) return 'a directory'
  if (stat.isCharacterDevice()) return 'a character device'
  if (stat.isBlockDevice()) return 'a block device'
  if (stat.isFIFO()) return 'a named pipe'
  if (stat.isSocket()) return 'a socket'
  return 'not a file'
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : `${n} bytes`
}

/** Which of `paths` exist (any kind of file), in order: e.g. the policy file names at a project's root. */
export function existingPaths(paths: readonly string[]): string[] {
  return paths.filter((path) => existsSync(path))
}

/** Writes all of `bytes` to `fd` (writeSync may write less than it is given). */
export function writeAll(fd: number, bytes: Buffer): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at)
}
