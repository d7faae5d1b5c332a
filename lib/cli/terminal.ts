/** The CLI's only window on the terminal: commands write through this, libraries never do. */
export interface Terminal {
  out(text: string): void
  err(text: string): void
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
function quietOnClosedPipe(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      closed = true
      return
    }
    throw err
  })
  return (text) => {
    if (!closed) stream.write(text)
  }
}

export const processTerminal: Terminal = {
  out: quietOnClosedPipe(process.stdout),
  err: quietOnClosedPipe(process.stderr),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  get columns() {
    return process.stderr.isTTY ? process.stderr.columns : undefined
  },
}
