/** A one-line progress indicator on stderr, only when stderr is a TTY (never in CI logs or pipes). */
import type { Terminal } from './terminal.js'

export interface Progress {
  update(done: number, total: number, label: string): void
  done(): void
}

const SILENT: Progress = { update: () => {}, done: () => {} }

export function createProgress(term: Terminal, enabled: boolean): Progress {
  if (!enabled || !term.stderrIsTTY) return SILENT
  let last = 0
  let shown = false
  return {
    update(done, total, label) {
      const now = Date.now()
      if (now - last < 100 && done < total) return
      last = now
      shown = true
      term.err(`\r\x1b[2Kverify-deps: ${label} ${done}/${total}`)
    },
    done() {
      if (shown) term.err('\r\x1b[2K')
    },
  }
}
