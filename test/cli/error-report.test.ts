// How the CLI turns any error into a code, a summary, a detail and an exit code (describeError), in
// process: the registry decides the exit code and supplies the fix when the error has no hint.
import t from 'tap'
import { parseArgs } from 'node:util'
import { describeError, main } from '../../lib/cli/main.js'
import { EXIT } from '../../lib/cli/exit-codes.js'
import { ERRORS, VerifyDepsError } from '../../lib/errors.js'
import { PolicyFileError } from '../../lib/policy/errors.js'
import { TreeError } from '../../lib/tree/index.js'
import type { Terminal } from '../../lib/cli/terminal.js'

t.test('a policy file error is EPOLICY (exit 2) listing every problem in the file', async (t) => {
  const first = new PolicyFileError({ file: 'p.yaml', path: 'rules[0].builds', line: 4, column: 3, reason: 'expected a list', hint: 'write builds as a list' })
  first.errors.push(new PolicyFileError({ file: 'p.yaml', path: 'deny[1]', line: 9, column: 5, reason: 'not a package spec' }))
  const e = describeError(first)
  t.match(e, { code: 'EPOLICY', summary: 'p.yaml:4:3: rules[0].builds: expected a list', exitCode: EXIT.USAGE })
  t.equal(e.detail, 'p.yaml:4:3: rules[0].builds: expected a list\n  write builds as a list\np.yaml:9:5: deny[1]: not a package spec')
  const alone = describeError(new PolicyFileError({ file: 'p.yaml', path: '', line: 0, column: 0, reason: 'no such file' }))
  t.equal(alone.detail, ERRORS.EPOLICY.fix, 'without a hint, the registry says how to fix it')
})

t.test('a registered error keeps its code and hint; the registry decides the exit code', async (t) => {
  t.same(describeError(new TreeError('EIDEALTREE', 'could not resolve', { hint: 'check the registry' })), {
    code: 'EIDEALTREE',
    summary: 'could not resolve',
    detail: 'check the registry',
    exitCode: EXIT.COULD_NOT_VERIFY,
  })
  t.same(describeError(new VerifyDepsError('EINPUTFILE', 'x.tgz: cannot read tarball: no such file')), {
    code: 'EINPUTFILE',
    summary: 'x.tgz: cannot read tarball: no such file',
    detail: ERRORS.EINPUTFILE.fix,
    exitCode: EXIT.USAGE,
  })
  t.equal(describeError(new VerifyDepsError('EREGISTRYKEYS', 'r: could not fetch')).exitCode, EXIT.COULD_NOT_VERIFY)
})

t.test('an unknown or malformed option is EUSAGE (exit 2)', async (t) => {
  let thrown: unknown
  try {
    parseArgs({ args: ['--nope'], options: {}, strict: true })
  } catch (err) {
    thrown = err
  }
  t.match(describeError(thrown), { code: 'EUSAGE', summary: /--nope/, detail: ERRORS.EUSAGE.fix, exitCode: EXIT.USAGE })
})

t.test('anything else is EINTERNAL (exit 3), never a pass and never a stack trace', async (t) => {
  const e = describeError(new TypeError('boom\n    at somewhere'))
  t.match(e, { code: 'EINTERNAL', summary: /^internal error: boom/, exitCode: EXIT.COULD_NOT_VERIFY })
  t.equal(describeError('a string').code, 'EINTERNAL')
  t.equal(describeError(null).code, 'EINTERNAL')
  t.equal(describeError({ code: 'EPOLICY' }).code, 'EINTERNAL', 'a look-alike code is not trusted')
})

t.test('main prints the error on stderr, and under --json also as {"error":{code,summary,detail}} on stdout', async (t) => {
  const run = async (argv: string[]) => {
    let out = ''
    let err = ''
    const term: Terminal = { out: (s) => void (out += s), err: (s) => void (err += s), stderrIsTTY: false }
    const status = await main(argv, term)
    return { status, out, err }
  }
  const json = await run(['no-such-command', '--json'])
  t.equal(json.status, EXIT.USAGE)
  t.same(JSON.parse(json.out), { error: { code: 'EUSAGE', summary: 'unknown command or option "no-such-command"', detail: 'Run "verify-deps --help" for usage.' } })
  t.match(json.err, 'verify-deps: unknown command or option "no-such-command"\nRun "verify-deps --help" for usage.\n')
  const text = await run(['no-such-command'])
  t.equal(text.status, EXIT.USAGE)
  t.equal(text.out, '', 'nothing on stdout without --json')
})
