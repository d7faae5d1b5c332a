/**
 * Termination signals (Ctrl-C, a CI job cancelled, a closed terminal) while a command has something
 * to undo: the command handles the signal instead of dying with the files half-changed. The process
 * then exits with the shell's conventional code, 128 + the signal number (exit-codes.ts).
 */
export const TERMINATION_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
export type TerminationSignal = (typeof TERMINATION_SIGNALS)[number]

/**
 * Until the returned function is called, the first termination signal calls `handler` instead of
 * ending the process; later ones are ignored (the handler is already putting things back).
 */
export function onTerminationSignal(handler: (signal: TerminationSignal) => void): () => void {
  let fired = false
  const listener = (signal: NodeJS.Signals) => {
    if (fired) return
    fired = true
    handler(signal as TerminationSignal)
  }
  for (const signal of TERMINATION_SIGNALS) process.on(signal, listener)
  return () => {
    for (const signal of TERMINATION_SIGNALS) process.off(signal, listener)
  }
}
