import t from 'tap'
import { chooseColor, parseColorMode } from '../../lib/cli/color.js'
import { VerifyDepsError } from '../../lib/errors.js'

const tty = { env: {}, stdoutIsTTY: true, toFile: false }
const pipe = { env: {}, stdoutIsTTY: false, toFile: false }

t.test('auto: colour on a terminal, none in a pipe or a file', async (t) => {
  t.equal(chooseColor(tty), true)
  t.equal(chooseColor(pipe), false)
  t.equal(chooseColor({ ...tty, toFile: true }), false, '--output FILE')
  t.equal(chooseColor({ ...tty, flag: 'auto' }), true)
  t.equal(chooseColor({ ...tty, env: { TERM: 'dumb' } }), false, 'TERM=dumb')
})

t.test('NO_COLOR turns it off unless empty or 0, as npm reads it', async (t) => {
  t.equal(chooseColor({ ...tty, env: { NO_COLOR: '1' } }), false)
  t.equal(chooseColor({ ...tty, env: { NO_COLOR: 'true' } }), false)
  t.equal(chooseColor({ ...tty, env: { NO_COLOR: '' } }), true)
  t.equal(chooseColor({ ...tty, env: { NO_COLOR: '0' } }), true)
})

t.test('FORCE_COLOR forces it (even into a pipe and over NO_COLOR); FORCE_COLOR=0 or false turns it off', async (t) => {
  for (const value of ['', '1', '2', '3', 'true']) t.equal(chooseColor({ ...pipe, env: { FORCE_COLOR: value } }), true, `FORCE_COLOR=${value}`)
  t.equal(chooseColor({ ...pipe, env: { FORCE_COLOR: '1', NO_COLOR: '1' } }), true, 'over NO_COLOR, as Node and chalk')
  for (const value of ['0', 'false', 'FALSE']) t.equal(chooseColor({ ...tty, env: { FORCE_COLOR: value } }), false, `FORCE_COLOR=${value}`)
  t.equal(chooseColor({ ...tty, toFile: true, env: { FORCE_COLOR: '1' } }), false, 'never into --output without --color=always')
})

t.test('the flag wins over the environment', async (t) => {
  t.equal(chooseColor({ ...pipe, flag: 'always', env: { NO_COLOR: '1', FORCE_COLOR: '0' } }), true)
  t.equal(chooseColor({ ...tty, toFile: true, flag: 'always' }), true, '--color=always colours a file')
  t.equal(chooseColor({ ...tty, flag: 'never', env: { FORCE_COLOR: '1' } }), false)
  t.equal(chooseColor({ ...tty, noColor: true, env: { FORCE_COLOR: '1' } }), false, '--no-color')
})

t.test('a --color value other than auto, always or never is a usage error', async (t) => {
  t.equal(parseColorMode(undefined), 'auto')
  t.equal(parseColorMode('never', true), 'never')
  for (const [flag, noColor] of [['yes', false], ['true', false], ['', false], ['always', true]] as const) {
    const err = t.throws(() => parseColorMode(flag, noColor)) as VerifyDepsError
    t.equal(err.code, 'EUSAGE', `--color=${flag}${noColor ? ' --no-color' : ''}`)
  }
})
