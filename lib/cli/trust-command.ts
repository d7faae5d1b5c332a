/**
 * `verify-deps trust update [dir] [--dry-run] [check options]`: records in the trust lockfile
 * (verify-deps.trust.json, docs/trust-lockfile.md) the level and build identity each locked
 * registry package verified at, per name and release line, and prints what changed for review.
 */
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { gatherRun, type GatheredRun } from '../check.js'
import { inputError } from '../errors.js'
import { buildTrustLockfile, diffTrustLockfiles, emptyTrustLockfile, serializeTrustLockfile, TRUST_LOCKFILE_NAME, type BuiltTrustLockfile, type ObservedPackage } from '../model/trust-lockfile.js'
import { plainText } from '../report/describe.js'
import { formatTrustLockfileDiff } from '../report/trust-lockfile-diff.js'
import { EXIT, type ExitCode } from './exit-codes.js'
import { CHECK_OPTIONS, checkRunOptions, type CheckContext } from './check-command.js'
import { createProgress } from './progress.js'
import { writeFileAtomic } from './output-file.js'
import type { Terminal } from './terminal.js'

export const TRUST_HELP = `Usage: verify-deps trust update [dir] [--dry-run] [check options]

Record in ${TRUST_LOCKFILE_NAME} (at the project root, next to its lockfile; commit it) the
trust level and build identity each locked registry package verified at, per package name and
release line (1.x, 0.30.x, 1.2.3-beta), and print what changed: added, raised, lowered, identity
changed (field by field), removed — or "no changes". The check then reports a package that drops
below its line's entry (TRUST_DOWNGRADE) or is built by another identity (IDENTITY_CHANGED),
even when the registry's history is unavailable. docs/trust-lockfile.md.

A line with several locked versions records the LOWEST level among them and the identity of the
highest. Packages that failed verification (evidence not fetched, a broken signature or
attestation, bytes that do not match) are not recorded; their line keeps its previous entry.

  --dry-run              print the changes without writing the file
Every package in the lockfile is recorded, whatever npm config omits (omit, NODE_ENV=production)
or selects (workspace): --omit, --include and --workspace are refused.
Takes the check's other tree, policy, registry, trust and cache options (see "verify-deps check --help").

Exit codes: 0 written (or nothing to change) · 2 usage, configuration, policy, lockfile or trust
lockfile error · 3 could not verify (registry, network or trust-material failure; or some package's
evidence could not be fetched: its line keeps its previous entry)
`

const TRUST_OPTIONS = { ...CHECK_OPTIONS, 'dry-run': { type: 'boolean' } } as const

export async function runTrustCommand(argv: readonly string[], term: Terminal, ctx: CheckContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: TRUST_OPTIONS })
  if (values.help || positionals[0] === undefined) {
    term.out(TRUST_HELP)
    return values.help ? EXIT.OK : EXIT.USAGE
  }
  if (positionals[0] !== 'update' || positionals.length > 2) throw inputError('EUSAGE', `trust: unknown subcommand "${positionals.join(' ')}"`, 'Run "verify-deps trust --help" for usage.')
  refuseReportOptions(values, 'trust update')
  refuseSubsetOptions(values, 'trust update')
  const gathered = await gatherWithProgress(term, (onProgress) => gatherRun({ ...checkRunOptions(values, positionals[1], ctx), wholeProject: true, onProgress }))
  const path = join(gathered.projectDir, TRUST_LOCKFILE_NAME)
  const before = gathered.trustLockfile ?? emptyTrustLockfile()
  const built = buildTrustLockfile(observedPackages(gathered), before)
  const changes = diffTrustLockfiles(before, built.lockfile)
  const shown = relative(ctx.cwd, path) || path
  // The diff escapes every value itself; the names in the notes come from the lockfile: no escapes reach the terminal.
  term.out(formatTrustLockfileDiff(changes) + notRecordedNote(built))
  const text = serializeTrustLockfile(built.lockfile)
  if (values['dry-run']) {
    term.out(`${shown}: not written (--dry-run)\n`)
  } else if (gathered.trustLockfile && changes.length === 0 && text === serializeTrustLockfile(gathered.trustLockfile)) {
    term.out(`${shown}: unchanged\n`)
  } else {
    writeFileAtomic(path, text)
    term.out(`${shown}: written (${changes.length} change${changes.length === 1 ? '' : 's'}); review the diff and commit it\n`)
  }
  // Evidence that could not be fetched leaves those lines as they were: the file is not up to date (exit 3, as the check).
  return gathered.run.some(({ outcome }) => outcome.kind === 'fetch-failed') ? EXIT.COULD_NOT_VERIFY : EXIT.OK
}

/** The check's report options mean nothing to a command that prints a diff: refused, not ignored. */
export function refuseReportOptions(values: { format?: string | undefined; json?: boolean | undefined; output?: string | undefined; verbose?: boolean | undefined }, command: string): void {
  const given = (['format', 'json', 'output', 'verbose'] as const).filter((k) => values[k] !== undefined)
  if (given.length > 0) throw inputError('EUSAGE', `${command}: --${given[0]} is a check report option; ${command} prints what it writes, not a report`, `Run "verify-deps ${command.split(' ')[0]} --help" for usage.`)
}

/**
 * The trust lockfile is the project's, whatever npm config omits or selects: trust update and init
 * read every package in the lockfile (CheckOptions.wholeProject). A subset would drop the others'
 * entries, so the options that choose one are refused.
 */
export function refuseSubsetOptions(values: { workspace?: string[] | undefined; omit?: string[] | undefined; include?: string[] | undefined; 'include-workspace-root'?: boolean | undefined }, command: string): void {
  const given = (['workspace', 'omit', 'include', 'include-workspace-root'] as const).filter((k) => values[k] !== undefined)
  if (given.length > 0) throw inputError('EUSAGE', `${command}: --${given[0]} selects part of the tree; ${command} records every package in the lockfile`, `Run "verify-deps ${command.split(' ')[0]} --help" for usage.`)
}

/** The gather stage with the check's progress line on stderr. */
export async function gatherWithProgress(term: Terminal, gather: (onProgress: (done: number, total: number, label: string) => void) => Promise<GatheredRun>): Promise<GatheredRun> {
  const progress = createProgress(term, true)
  progress.start('reading the project')
  try {
    return await gather((done, total, label) => progress.update(done, total, label))
  } finally {
    progress.done()
  }
}

/** Each locked registry package with its verified facts (none when its evidence was not fetched). */
export function observedPackages(gathered: GatheredRun): ObservedPackage[] {
  return gathered.run
    .filter(({ ref }) => ref.source === 'registry')
    .map(({ ref, outcome }) => ({ name: ref.name, version: ref.version, ...(outcome.kind === 'verified' && { facts: outcome.facts }), ...(ref.lockfileFindings && { lockfileFindings: ref.lockfileFindings }) }))
}

/** Why some packages are not in the file. */
export function notRecordedNote(built: BuiltTrustLockfile): string {
  const out: string[] = []
  if (built.notRecorded.length > 0) {
    const shown = built.notRecorded.slice(0, 10).map((p) => plainText(p)).join(', ')
    out.push(`not recorded (failed verification): ${shown}${built.notRecorded.length > 10 ? `, and ${built.notRecorded.length - 10} more` : ''}`)
  }
  for (const k of built.kept) out.push(`kept ${plainText(k.name)} ${plainText(k.line)}: no locked version of the line verified; its previous entry stays`)
  return out.length ? `${out.join('\n')}\n` : ''
}

