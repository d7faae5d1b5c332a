/** A Terminal (lib/cli/terminal.ts) that keeps what a command printed, for commands run in the test process. */
import type { Terminal } from '../../lib/cli/terminal.js'

export function captureTerminal(): Terminal & { stdout: string; stderr: string } {
  const term = { stdout: '', stderr: '', stderrIsTTY: false, out: (s: string) => void (term.stdout += s), err: (s: string) => void (term.stderr += s) }
  return term
}
