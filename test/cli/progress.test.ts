import t from 'tap'
import { createProgress } from '../../lib/cli/progress.js'
import type { Terminal } from '../../lib/cli/terminal.js'

const term = (tty: boolean) => {
  const err: string[] = []
  const out: string[] = []
  const terminal: Terminal = { out: (s) => void out.push(s), err: (s) => void err.push(s), stderrIsTTY: tty }
  return { terminal, err, out }
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

t.test('no progress when stderr is not a TTY (CI logs, pipes)', async (t) => {
  const { terminal, err } = term(false)
  const p = createProgress(terminal, true)
  p.update(1, 2, 'fetching')
  p.done()
  t.same(err, [])
})
