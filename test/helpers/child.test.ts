import t from 'tap'
import { execFileSync } from 'node:child_process'
import { childCommand } from './child.js'

const probe = ['-e', 'process.stdout.write(JSON.stringify({ options: process.env.NODE_OPTIONS ?? null, pid: process.pid, ppid: process.ppid }))']

t.test('a child started through childCommand carries no NODE_OPTIONS, so tap\'s loader stays out of npm', async (t) => {
  t.match(process.env.NODE_OPTIONS ?? '', /processinfo/, 'the test runner does put its loader into NODE_OPTIONS')
  const [file, args] = childCommand(process.execPath, probe)
  const seen = JSON.parse(execFileSync(file, args, { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--no-warnings' } })) as { options: string | null; ppid: number }
  t.equal(seen.options, null)
  t.equal(seen.ppid, process.pid, '`env` execs the command in place: the child is ours, so signals reach it')
})

t.test('coverage: true keeps the loader exactly when coverage is recorded', async (t) => {
  const [file, args] = childCommand(process.execPath, probe, { coverage: true })
  const seen = JSON.parse(execFileSync(file, args, { encoding: 'utf8' })) as { options: string | null }
  if (process.env._TAPJS_PROCESSINFO_COVERAGE_ === '1') t.match(seen.options, /processinfo/)
  else t.equal(seen.options, null)
})
