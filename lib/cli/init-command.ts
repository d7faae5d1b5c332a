/**
 * `verify-deps init [dir] [--force] [--dry-run] [check options]`: a trust policy made from the
 * identities that verified in the current tree (lib/policy/init-policy.ts), and the trust lockfile
 * recording each package's level (docs/trust-lockfile.md). Never overwrites either without --force.
 */
import { existsSync, rmSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { gatherRun } from '../check.js'
import { findProjectRoot } from '../fetch/npm-config.js'
import { inputError } from '../errors.js'
import { buildTrustLockfile, serializeTrustLockfile, TRUST_LOCKFILE_NAME } from '../model/trust-lockfile.js'
import { evaluateRun } from '../policy/evaluate.js'
import { initPolicy } from '../policy/init-policy.js'
import { parsePolicyFile, POLICY_FILE_NAMES } from '../policy/load.js'
import { plainText } from '../report/describe.js'
import { EXIT, type ExitCode } from './exit-codes.js'
import { CHECK_OPTIONS, checkRunOptions, type CheckContext } from './check-command.js'
import type { Terminal } from './terminal.js'
import { gatherWithProgress, notRecordedNote, observedPackages, refuseReportOptions, refuseSubsetOptions } from './trust-command.js'
import { writeFileAtomic } from './output-file.js'

const POLICY_FILE = 'verify-deps.policy.yaml'

export const INIT_HELP = `Usage: verify-deps init [dir] [--force] [--dry-run] [check options]

Verify the project's locked packages and write, at the project root:
  - ${POLICY_FILE}: one rule per npm scope (@scope/*), or per repository owner for unscoped
    packages (listing their names), whose "builds" allow the issuer, repository (owner/* where
    several), workflow, ref pattern (refs/tags/v* when every build ran on a v tag) and runner that
    verified; "mode: enforce" where every locked version had verified provenance, "warn" otherwise;
    a comment on each rule says what was seen. Unscoped packages without verified provenance get no
    rule: the built-in default policy decides them.
  - ${TRUST_LOCKFILE_NAME}: each package's verified trust level and build identity per release
    line, as "verify-deps trust update" writes it.
Then it says how the check decides the tree with that policy. Review both files, then commit them.
Packages that failed verification (a broken signature, bytes that do not match) fail under any
policy: they are named.

  --force                replace an existing policy file and trust lockfile
  --dry-run              print both files instead of writing them
Every package in the lockfile counts, whatever npm config omits or selects (--omit, --include and
--workspace are refused). Takes the check's other tree, registry, trust and cache options.

Exit codes: 0 written (or printed) · 2 a policy file or trust lockfile exists (without --force),
or a usage, configuration or lockfile error · 3 could not verify (registry, network or trust
material; or some package's evidence could not be fetched: what was written is incomplete)
`

const INIT_OPTIONS = { ...CHECK_OPTIONS, force: { type: 'boolean' }, 'dry-run': { type: 'boolean' } } as const

export async function runInitCommand(argv: readonly string[], term: Terminal, ctx: CheckContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: INIT_OPTIONS })
  if (values.help) {
    term.out(INIT_HELP)
    return EXIT.OK
  }
  if (positionals.length > 1) throw inputError('EUSAGE', 'init: takes at most one project directory', 'Run "verify-deps init --help" for usage.')
  if (values.policy) throw inputError('EUSAGE', 'init: --policy cannot be combined with init, which writes the policy', 'Run "verify-deps init --help" for usage.')
  refuseReportOptions(values, 'init')
  refuseSubsetOptions(values, 'init')
  const dryRun = Boolean(values['dry-run'])
  // Refused before anything is fetched: the project's own files, found as the check finds them.
  const start = resolve(ctx.cwd, positionals[0] ?? '.')
  const root = (await findProjectRoot(start, ctx.env)) ?? start
  const existing = [...POLICY_FILE_NAMES, TRUST_LOCKFILE_NAME].map((name) => join(root, name)).filter((path) => existsSync(path))
  if (existing.length > 0 && !values.force && !dryRun) {
    throw inputError('EINITEXISTS', `${existing.map((f) => relative(ctx.cwd, f) || f).join(' and ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written`, 'Run "verify-deps init --dry-run" to see what it would write, or "verify-deps init --force" to replace them.')
  }

  const gathered = await gatherWithProgress(term, (onProgress) => gatherRun({ ...checkRunOptions(values, positionals[0], ctx), readTrustFiles: false, wholeProject: true, onProgress }))
  const observed = observedPackages(gathered)
  const lockfileName = gathered.tree.lockfile ? relative(gathered.projectDir, gathered.tree.lockfile) || gathered.tree.lockfile : 'the lockfile'
  const policy = initPolicy(observed, lockfileName)
  // Nothing is kept from an old trust lockfile: init starts the baseline afresh from what verified.
  const trust = buildTrustLockfile(observed)
  const trustText = serializeTrustLockfile(trust.lockfile)
  const policyPath = join(gathered.projectDir, POLICY_FILE)
  const trustPath = join(gathered.projectDir, TRUST_LOCKFILE_NAME)
  const shown = (path: string) => relative(ctx.cwd, path) || path

  // How the check would decide the same tree with the written policy (the same pure evaluation).
  const parsed = await parsePolicyFile(policy.text, policyPath)
  const evaluation = evaluateRun(parsed, gathered.run, new Date(), gathered.scripts)
  const count = { pass: 0, warn: 0, fail: 0, skipped: 0 }
  for (const p of evaluation.packages) count[p.decision]++

  const out: string[] = []
  if (dryRun) {
    out.push(`--- ${shown(policyPath)} (not written: --dry-run)`, policy.text.trimEnd(), `--- ${shown(trustPath)} (not written: --dry-run)`, trustText.trimEnd())
  } else {
    writeFileAtomic(policyPath, policy.text)
    writeFileAtomic(trustPath, trustText)
    out.push(`${shown(policyPath)}: wrote a policy with ${policy.rules} rule${policy.rules === 1 ? '' : 's'}`, `${shown(trustPath)}: recorded ${observed.length - trust.notRecorded.length} package versions`)
    // A .yml or .json policy beside it would make two policy files (an error): --force replaced it.
    for (const other of existing.filter((f) => f !== policyPath && f !== trustPath)) {
      rmSync(other, { force: true })
      out.push(`${shown(other)}: removed (replaced by ${shown(policyPath)})`)
    }
  }
  if (policy.unruled.length > 0) out.push(`${policy.unruled.length} unscoped package${policy.unruled.length === 1 ? '' : 's'} without verified provenance got no rule (the built-in default policy decides them)`)
  if (trust.notRecorded.length > 0) out.push(notRecordedNote(trust).trimEnd())
  out.push(`With this policy the check decides ${evaluation.packages.length} packages: ${count.pass} pass, ${count.warn} warn, ${count.fail} fail, ${count.skipped} skipped.`)
  const failing = evaluation.packages.filter((p) => p.decision === 'fail').map((p) => `${plainText(p.name)}@${plainText(p.version)}: ${p.findings.filter((f) => f.severity === 'error').map((f) => f.code).join(', ')}`)
  if (failing.length > 0) out.push('Still failing with this policy (a validity failure fails under any policy):', ...failing.slice(0, 20).map((f) => `  ${f}`))
  // Names and identity values come from the lockfile and the registry: each is escaped where it is
  // written (names above, the diff and files' own quoting and comments), and no escape reaches the terminal.
  term.out(plainText(`${out.join('\n')}\n`, true))
  // Evidence that could not be fetched shaped nothing: what was written is incomplete (exit 3, as the check).
  return gathered.run.some(({ outcome }) => outcome.kind === 'fetch-failed') ? EXIT.COULD_NOT_VERIFY : EXIT.OK
}
