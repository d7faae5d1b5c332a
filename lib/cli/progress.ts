/**
 * A one-line progress indicator on stderr, only when stderr is a TTY (never in CI logs or pipes):
 * `verify-deps: verifying 412/1000 (41%) · 83/s · ETA 7s`, redrawn in place as packages finish and
 * once a second besides (so a run waiting on a slow registry shows its time passing instead of a
 * line that looks frozen), cut to the terminal's width, and erased when the work is done.
 */
import type { Terminal } from './terminal.js'

export interface Progress {
  /** Work whose size is not known yet (`reading the project`): the label and, after a second, the time passing. */
  start(label: string): void
  update(done: number, total: number, label: string): void
  done(): void
}

/** Redraws at most this often when packages finish. */
export const PROGRESS_MIN_REDRAW_MS = 100
/** Redraws at least this often while work is under way (the elapsed time, the rate and the ETA move). */
export const PROGRESS_TICK_MS = 1000
/** No rate or ETA before this much time and this many packages: the first ones are not representative. */
const RATE_AFTER_MS = 1000
const RATE_AFTER_PACKAGES = 5

const SILENT: Progress = { start: () => {}, update: () => {}, done: () => {} }

/** The clock and timer the indicator uses (tests give their own). */
export interface ProgressClock {
  now(): number
  /** Calls `fn` every `ms` until the returned function is called; must not keep the process alive. */
  every(ms: number, fn: () => void): () => void
}

const SYSTEM_CLOCK: ProgressClock = {
  now: () => Date.now(),
  every(ms, fn) {
    const timer = setInterval(fn, ms)
    timer.unref()
    return () => clearInterval(timer)
  },
}

export function createProgress(term: Terminal, enabled: boolean, clock: ProgressClock = SYSTEM_CLOCK): Progress {
  if (!enabled || !term.stderrIsTTY) return SILENT
  let state: { done: number; total: number | undefined; label: string } | undefined
  let started = 0
  let startDone = 0
  let drawn = 0
  let shown = false
  let stopTicking: (() => void) | undefined
  const draw = () => {
    if (!state) return
    drawn = clock.now()
    shown = true
    const line = formatProgressLine(state.done, state.total, state.label, drawn - started, state.done - startDone)
    // One column short of the width: writing the last column makes some terminals wrap.
    const width = term.columns && term.columns > 1 ? term.columns - 1 : Infinity
    term.err(`\r\x1b[2K${line.length > width ? line.slice(0, width) : line}`)
  }
  const begin = (done: number) => {
    started = clock.now()
    startDone = done
    stopTicking = clock.every(PROGRESS_TICK_MS, draw)
  }
  return {
    start(label) {
      if (!stopTicking) begin(0)
      state = { done: 0, total: undefined, label }
      draw()
    },
    update(done, total, label) {
      const now = clock.now()
      // The rate and the ETA count from the first counted update, not from the phase before it.
      if (!stopTicking || state?.total === undefined) {
        stopTicking?.()
        begin(done)
      }
      state = { done, total, label }
      if (now - drawn < PROGRESS_MIN_REDRAW_MS && done < total && shown) return
      draw()
    },
    done() {
      stopTicking?.()
      stopTicking = undefined
      if (shown) term.err('\r\x1b[2K')
      shown = false
      state = undefined
    },
  }
}

/**
 * `verify-deps: verifying 412/1000 (41%) · 83/s · ETA 7s`. The rate counts only the packages done
 * since the indicator started (`doneSinceStart`: remembered and non-registry ones count as done from
 * the start and say nothing about speed); before it means anything, the elapsed time is shown.
 */
export function formatProgressLine(done: number, total: number | undefined, label: string, elapsedMs: number, doneSinceStart: number): string {
  if (total === undefined) return [`verify-deps: ${label}`, ...(elapsedMs >= RATE_AFTER_MS ? [formatDuration(elapsedMs)] : [])].join(' · ')
  const percent = total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : ''
  const parts = [`verify-deps: ${label} ${done}/${total}${percent}`]
  if (elapsedMs >= RATE_AFTER_MS && doneSinceStart >= RATE_AFTER_PACKAGES && done < total) {
    const perSecond = doneSinceStart / (elapsedMs / 1000)
    parts.push(`${perSecond >= 10 ? Math.round(perSecond) : perSecond.toFixed(1)}/s`, `ETA ${formatDuration(((total - done) / perSecond) * 1000)}`)
  } else if (elapsedMs >= RATE_AFTER_MS) {
    parts.push(formatDuration(elapsedMs))
  }
  return parts.join(' · ')
}

/** `7s`, `1m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}
