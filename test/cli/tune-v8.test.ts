import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { CLI_INTERRUPT_BUDGET, tuneV8 } from '../../lib/cli/main.js'

t.test("the CLI's interrupt budget is 4 × this V8's default, and tuneV8 sets it", async (t) => {
  const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' })
  const byDefault = /--interrupt-budget=(\d+)/.exec(options.slice(options.indexOf('--interrupt-budget (')))
  t.ok(byDefault, 'node --v8-options lists the interrupt budget and its default')
  t.equal(CLI_INTERRUPT_BUDGET, 4 * Number(byDefault![1]))
  t.equal(tuneV8(), `--interrupt-budget=${CLI_INTERRUPT_BUDGET}`)
})

t.test('the launcher tunes V8 before the CLI runs a command, and not for --version', async (t) => {
  const launcher = readFileSync(new URL('../../bin/verify-deps.js', import.meta.url), 'utf8')
  t.match(launcher, /tuneV8\(\)\n\s*process\.exitCode = await main\(argv\)/)
  t.notMatch(launcher.slice(0, launcher.indexOf('} else {')), /tuneV8/)
})
