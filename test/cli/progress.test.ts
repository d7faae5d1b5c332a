import t from 'tap'
import { createProgress, formatDuration, formatProgressLine, PROGRESS_MIN_REDRAW_MS, PROGRESS_TICK_MS, type ProgressClock } from '../../lib/cli/progress.js'
import type { Terminal } from '../../lib/cli/terminal.js'

const term = (tty: boolean, columns?: number) => {
  const err: string[] = []
  const out: string[] = []
  const terminal: Terminal = { out: (s) => void out.push(s), err: (s) => void err.push(s), stderrIsTTY: tty, ...(columns !== undefined && { columns }) }
  return { terminal, err, out }
}

/** A clock the test moves by hand, with the ticking timer it was asked for. */
function fakeClock() {
  let now = 1_000_000
  const timers = new Set<{ ms: number; fn: () => void; next: number }>()
  const clock: ProgressClock = {
    now: () => now,
    every(ms, fn) {
      const timer = { ms, fn, next: now + ms }
      timers.add(timer)
      return () => void timers.delete(timer)
    },
  }
  const advance = (ms: number) => {
    const until = now + ms
    for (;;) {
      const due = [...timers].filter((x) => x.next <= until).sort((a, b) => a.next - b.next)[0]
      if (!due) break
      now = due.next
      due.next += due.ms
      due.fn()
    }
    now = until
  }
  return { clock, advance, timers }
}

t.test('progress shows on a TTY stderr and clears itself', async (t) => {
  const { terminal, err, out } = term(true)
  const p = createProgress(terminal, true)
  p.update(3, 3, 'verifying')
  p.done()
  t.match(err.join(''), /verifying 3\/3/)
  t.match(err.at(-1), /\r\x1b\[2K$/)
  t.same(out, [], 'never on stdout')
})

t.test('no progress when stderr is not a TTY (CI logs, pipes), or when not wanted', async (t) => {
  const { terminal, err } = term(false)
  const { clock, timers } = fakeClock()
  const p = createProgress(terminal, true, clock)
  p.update(1, 2, 'fetching')
  p.done()
  t.same(err, [])
  t.equal(timers.size, 0, 'no timer either')
  const tty = term(true)
  createProgress(tty.terminal, false, clock).update(1, 2, 'fetching')
  t.same(tty.err, [])
})

t.test('moves as packages finish, with the rate and the time left, and while nothing finishes', async (t) => {
  const { terminal, err } = term(true)
  const { clock, advance, timers } = fakeClock()
  const p = createProgress(terminal, true, clock)
  p.update(0, 1000, 'fetching')
  t.equal(err.at(-1), '\r\x1b[2Kverify-deps: fetching 0/1000 (0%)')
  // A slow registry: nothing finishes for 3 s; the line still moves (elapsed time).
  advance(3000)
  t.equal(err.at(-1), '\r\x1b[2Kverify-deps: fetching 0/1000 (0%) · 3s')
  // Then 100 packages a second.
  for (let i = 1; i <= 200; i++) {
    advance(10)
    p.update(i, 1000, 'verifying')
  }
  t.match(err.at(-1), /^\r\x1b\[2Kverify-deps: verifying 1\d\d\/1000 \(1\d%\) · 40\/s · ETA 2\ds$/, 'rate since the start; ETA from it')
  const redraws = err.length
  t.ok(redraws < 3 + 200 / 5, `redrawn at most every 100 ms (${redraws} writes)`)
  advance(PROGRESS_TICK_MS)
  t.equal(err.length, redraws + 1, 'the tick redraws')
  t.equal(err.at(-1), '\r\x1b[2Kverify-deps: verifying 200/1000 (20%) · 33/s · ETA 24s', 'with the latest count, rate and ETA')
  p.update(1000, 1000, 'verifying')
  t.equal(err.at(-1), '\r\x1b[2Kverify-deps: verifying 1000/1000 (100%) · 6s', 'the last count is always drawn')
  p.done()
  t.equal(err.at(-1), '\r\x1b[2K', 'erased at the end')
  t.equal(timers.size, 0, 'the timer is stopped')
  advance(5000)
  t.equal(err.at(-1), '\r\x1b[2K', 'nothing after the end')
})

t.test('packages done before the start (remembered, not from a registry) do not count towards the rate', async (t) => {
  t.equal(formatProgressLine(900, 1000, 'verifying', 2000, 10), 'verify-deps: verifying 900/1000 (90%) · 5.0/s · ETA 20s')
  t.equal(formatProgressLine(3, 1000, 'verifying', 2000, 3), 'verify-deps: verifying 3/1000 (0%) · 2s', 'too few to estimate')
  t.equal(formatProgressLine(0, 0, 'fetching', 0, 0), 'verify-deps: fetching 0/0')
})

t.test('the line never wraps: cut to the terminal width', async (t) => {
  const { terminal, err } = term(true, 20)
  const p = createProgress(terminal, true, fakeClock().clock)
  p.update(10, 1000, 'verifying')
  t.equal(err.at(-1), '\r\x1b[2K' + 'verify-deps: verifying 10/1000 (1%)'.slice(0, 19))
})

t.test('durations', async (t) => {
  t.equal(formatDuration(400), '0s')
  t.equal(formatDuration(59_400), '59s')
  t.equal(formatDuration(65_000), '1m05s')
  t.equal(formatDuration(3_725_000), '1h02m')
})

t.test('work of unknown size first: its label and the time passing; the rate counts from the first count', async (t) => {
  const { terminal, err } = term(true)
  const { clock, advance, timers } = fakeClock()
  const p = createProgress(terminal, true, clock)
  p.start('reading the project')
  t.equal(err.at(-1), '\r\x1b[2Kverify-deps: reading the project')
  advance(2000)
  t.equal(err.at(-1), '\r\x1b[2Kverify-deps: reading the project · 2s')
  p.update(0, 100, 'fetching')
  advance(PROGRESS_TICK_MS)
  t.equal(err.at(-1), '\r\x1b[2Kverify-deps: fetching 0/100 (0%) · 1s', 'elapsed since the count started')
  advance(PROGRESS_MIN_REDRAW_MS)
  p.update(50, 100, 'verifying')
  t.equal(err.at(-1), '\r\x1b[2Kverify-deps: verifying 50/100 (50%) · 45/s · ETA 1s')
  t.equal(timers.size, 1, 'one timer')
  p.done()
  t.equal(timers.size, 0)
})
