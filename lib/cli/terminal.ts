/** The CLI's only window on the terminal: commands write through this, libraries never do. */
export interface Terminal {
  out(text: string): void
  err(text: string): void
  readonly stderrIsTTY: boolean
}

export const processTerminal: Terminal = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  stderrIsTTY: Boolean(process.stderr.isTTY),
}
