/**
 * Writes a formatted report to a file or the terminal in pieces of about 64 KiB, so that a report
 * of 10,000 packages is never held as one string (the json and sarif formats give `mainChunks`).
 */
import { closeSync, openSync } from 'node:fs'
import { writeAll } from '../tree/files.js'
import type { FormattedOutput } from '../report/formats.js'
import type { Terminal } from './terminal.js'

const PIECE_CHARS = 64 * 1024

/** `formatted.main` in pieces of at least PIECE_CHARS characters (the last may be shorter). */
export function* reportPieces(formatted: FormattedOutput): Generator<string> {
  if (!formatted.mainChunks) {
    yield formatted.main
    return
  }
  let piece = ''
  for (const chunk of formatted.mainChunks()) {
    piece += chunk
    if (piece.length >= PIECE_CHARS) {
      yield piece
      piece = ''
    }
  }
  if (piece) yield piece
}

/** Writes the report to `path` (created or truncated). Throws the file system's error. */
export function writeReportFile(path: string, formatted: FormattedOutput): void {
  const fd = openSync(path, 'w')
  try {
    for (const piece of reportPieces(formatted)) writeAll(fd, Buffer.from(piece, 'utf8'))
  } finally {
    closeSync(fd)
  }
}

/**
 * Writes the report to the terminal's standard output, a piece at a time: the next piece is made
 * only when stdout has room for it (a slow pipe reader), so the report is never queued whole.
 */
export async function writeReportOut(term: Terminal, formatted: FormattedOutput): Promise<void> {
  for (const piece of reportPieces(formatted)) {
    term.out(piece)
    if (term.outDrained) await term.outDrained()
  }
}
