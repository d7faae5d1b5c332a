/**
 * `verify-deps policy check [FILE]`: validate a policy without running the check.
 * `verify-deps explain <name>[@version] [dir]`: which rule decided a package and why.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { gatherRun } from '../check.js'
import { inputError } from '../errors.js'
import { explainPackage } from '../policy/evaluate.js'
import { formatExplanation } from '../policy/explain.js'
import { findPolicyFile, loadPolicy } from '../check.js'
import { plainText, stringifyJSON } from '../report/describe.js'
import { formatExplanationsJson } from '../report/explain-json.js'
import { EXIT, exitCodeForReport, type ExitCode } from './exit-codes.js'
import type { CheckContext } from './check-command.js'
import { checkRunOptions, CHECK_OPTIONS } from './check-command.js'
import { parseColorMode } from './color.js'
import type { Terminal } from './terminal.js'

export const POLICY_HELP = `Usage: verify-deps policy check [FILE] [--json]

Validate a trust policy (default: verify-deps.policy.yaml, .yml or .json in the current
directory) without running the check. Exit 0 when valid, 2 with file:line:column otherwise.
With --json, print the result (or the error, as {"error":{"code","summary","detail"}}) as JSON.
`

export async function runPolicyCommand(argv: readonly string[], term: Terminal, ctx: CheckContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } } })
  if (values.help || positionals[0] === undefined) {
    term.out(POLICY_HELP)
    return values.help ? EXIT.OK : EXIT.USAGE
  }
  if (positionals[0] !== 'check' || positionals.length > 2) throw inputError('EUSAGE', `policy: unknown subcommand "${positionals.join(' ')}"`, 'Run "verify-deps policy --help" for usage.')
  const file = positionals[1] ? resolve(ctx.cwd, positionals[1]) : findPolicyFile(ctx.cwd)
  if (!file) throw inputError('ENOPOLICY', `${ctx.cwd}: no verify-deps.policy.yaml, .yml or .json here`, 'Name the file: verify-deps policy check FILE')
  const policy = await loadPolicy(file)
  const counts = { rules: policy.rules.length, exceptions: policy.exceptions.length, deny: policy.deny.length }
  if (values.json) term.out(stringifyJSON({ file, valid: true, version: policy.version, ...counts }) + '\n')
  else term.out(`${file}: valid policy (version ${policy.version}: ${counts.rules} rules, ${counts.exceptions} exceptions, ${counts.deny} deny entries)\n`)
  return EXIT.OK
}

export const EXPLAIN_HELP = `Usage: verify-deps explain <name>[@version] [dir] [check options]

Run the check and show, for each installed version of the package (named by its name or by a
name it is installed under, an npm: alias), where it is installed and why (root → … → package,
as npm explain), which policy rule matched, each requirement with what was observed and what is
allowed, exceptions and the decision; for a package with install scripts, whether npm will run
them, why, and what the policy's installScripts section required. Takes the same tree, registry,
trust and cache options as the check.

  --json, --format json  print the explanations as JSON (docs/explain.schema.json): each
                         package's report entry (as check --json) with the rule, mode,
                         checks and exceptions that decided it

Exit codes: 0 the package passes (or warns) · 1 it fails · 2 usage error, or it is not in the
tree · 3 its evidence could not be fetched
`

export async function runExplainCommand(argv: readonly string[], term: Terminal, ctx: CheckContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: CHECK_OPTIONS })
  if (values.help) {
    term.out(EXPLAIN_HELP)
    return EXIT.OK
  }
  const [spec, dir, ...extra] = positionals
  if (!spec || extra.length > 0) throw inputError('EUSAGE', 'explain: name one package (and optionally the project directory)', 'Run "verify-deps explain --help" for usage.')
  if (values.format !== undefined && values.format !== 'json' && values.format !== 'text') throw inputError('EUSAGE', `explain: --format ${values.format} is not supported: use text or json`, 'Run "verify-deps explain --help" for usage.')
  parseColorMode(values.color, values['no-color'])
  const at = spec.lastIndexOf('@')
  const [name, version] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, undefined]
  const options = checkRunOptions(values, dir, ctx)
  const gathered = await gatherRun(options)
  // The package's own name, or a name it is installed under (an `npm:` alias).
  const named = (ref: (typeof gathered.run)[number]['ref']) => ref.name === name || ref.locations.some((l) => l.alias === name)
  const matches = gathered.run.filter(({ ref }) => named(ref) && (version === undefined || ref.version === version))
  if (matches.length === 0) throw inputError('ENOTINTREE', `${spec} is not in the project's tree (${gathered.tree.lockfile ?? options.projectDir})`)
  // As the check decides: as of --at when given.
  const now = options.now ?? new Date()
  const explanations = matches.map(({ ref, outcome, trust }) => explainPackage(gathered.policy, ref, outcome, now, gathered.scripts, trust))
  if (values.json || values.format === 'json') {
    term.out(formatExplanationsJson(explanations))
  } else {
    // Messages, names and identity fields are attacker-controlled: no control character reaches the terminal.
    for (const e of explanations) term.out(plainText(formatExplanation(e), true) + '\n')
  }
  // As the check decides it for these packages: 1 when one failed, 3 when one could not be verified.
  return exitCodeForReport({ couldNotVerify: false, packages: explanations.map((e) => e.result) })
}
