/**
 * Files a command writes (`--output`, the policy and trust lockfile): through a temporary file beside
 * the target, renamed into place once complete, so an interrupted or failed write never leaves half a
 * file (to commit, or to read as a report). Every failure is EOUTPUT naming the file, and leaves no
 * temporary file behind.
 */
import { closeSync, openSync, renameSync, rmSync } from 'node:fs'
import { inputError } from '../errors.js'
import { writeAll } from '../tree/files.js'

/** A file being written: `write` as often as needed, then `commit`; `abandon` (in a finally) removes an uncommitted one. */
export interface AtomicFile {
  write(text: string): void
  commit(): void
  abandon(): void
}

export function openFileAtomic(path: string): AtomicFile {
  const tmp = `${path}.${process.pid}.tmp`
  const failed = (err: unknown) => inputError('EOUTPUT', `${path}: cannot be written: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  let fd: number | undefined
  try {
    fd = openSync(tmp, 'w')
  } catch (err) {
    throw failed(err)
  }
  return {
    write: (text) => {
      try {
        writeAll(fd!, Buffer.from(text, 'utf8'))
      } catch (err) {
        throw failed(err)
      }
    },
    commit: () => {
      closeSync(fd!)
      fd = undefined
      try {
        renameSync(tmp, path)
      } catch (err) {
        rmSync(tmp, { force: true })
        throw failed(err)
      }
    },
    abandon: () => {
      if (fd === undefined) return
      closeSync(fd)
      fd = undefined
      rmSync(tmp, { force: true })
    },
  }
}

/** `text` to `path`, whole or not at all. */
export function writeFileAtomic(path: string, text: string): void {
  const file = openFileAtomic(path)
  try {
    file.write(text)
    file.commit()
  } finally {
    file.abandon()
  }
}
