/** The CLI's only window on the terminal: commands write through this, libraries never do. */
export interface Terminal {
  out(text: string): void
  err(text: string): void
  /**
   * Resolves once what `out` was given has left the process, or at least once stdout no longer holds
   * more than its high-water mark (a pipe read slowly). Absent: `out` never holds anything back.
   */
  outDrained?(): Promise<void>
  readonly stderrIsTTY: boolean
  /** Standard output is a terminal (the text report may be coloured: color.ts). Absent: not a terminal. */
  readonly stdoutIsTTY?: boolean
  /** The width of the terminal stderr writes to, when it is one (a progress line must not wrap). */
  readonly columns?: number | undefined
}

/**
 * A closed pipe (`verify-deps | head`) is the reader saying it has seen enough: the rest of the
 * output on that stream is dropped quietly (no EPIPE crash, no stack trace) and the run ends with its
 * own exit code.
 */
export function quietOnClosedPipe(stream: NodeJS.WritableStream & { writableNeedDrain: boolean }): { write: (text: string) => void; drained: () => Promise<void> } {
  let closed = false
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      closed = true
      return
    }
    throw err
  })
  return {
    write: (text) => {
      if (!closed) stream.write(text)
    },
    // A pipe on Linux is written asynchronously: without waiting here, a 10,000-package report
    // written to a slow reader would be queued in memory whole (~60 MB, issue 11).
    drained: () => {
      if (closed || !stream.writableNeedDrain) return Promise.resolve()
      // Room again, or the stream closed or failed (a closed pipe: nothing more will leave).
      return new Promise<void>((resolve) => {
        const done = () => {
          for (const event of ['drain', 'close', 'error']) stream.off(event, done)
          resolve()
        }
        for (const event of ['drain', 'close', 'error']) stream.on(event, done)
      })
    },
  }
}

const stdout = quietOnClosedPipe(process.stdout)
const stderr = quietOnClosedPipe(process.stderr)

export const processTerminal: Terminal = {
  out: stdout.write,
  err: stderr.write,
  outDrained: stdout.drained,
  stderrIsTTY: Boolean(process.stderr.isTTY),
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  get columns() {
    return process.stderr.isTTY ? process.stderr.columns : undefined
  },
}
