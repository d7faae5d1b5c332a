/**
 * `verify-deps [check] [dir]`: the main job. Reads the project's lockfile (or installed tree),
 * fetches the evidence for every package, verifies it, decides with the policy, reports, and sets
 * the exit code (lib/cli/exit-codes.ts).
 */
import { accessSync, appendFileSync, constants, readFileSync, statSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { runCheck, type CheckOptions } from '../check.js'
import type { Report } from '../model.js'
import { inputError } from '../errors.js'
import type { OmitType } from '../tree/index.js'
import { parseRegistryKeysArgs } from '../fetch/registry-keys/by-registry.js'
import { FORMAT_NAMES, isFormatName, loadFormatter, type FormatName } from '../report/format-names.js'
import type { FormattedOutput } from '../report/types.js'
import { exitCodeForReport, type ExitCode } from './exit-codes.js'
import { chooseColor } from './color.js'
import { createProgress } from './progress.js'
import type { Terminal } from './terminal.js'
import { writeReportFile, writeReportOut } from './write-report.js'

export const CHECK_HELP = `Usage: verify-deps [check] [dir] [options]

Verify every package in the project's lockfile: registry signatures, SLSA provenance and npm
publish attestations, bound to the integrity the lockfile records; then decide with the policy.
Runs before \`npm ci\`: no node_modules needed. The project is found as npm finds it: the
nearest folder up from [dir] (default: here) with a package.json; in a workspace folder, the
workspace root with that workspace selected. npm's configuration (.npmrc files, npm_config_*)
is read as npm reads it; docs/check.md "npm configuration" lists what is used.

Tree:
  --lockfile FILE        the lockfile to check: the project's package-lock.json,
                         npm-shrinkwrap.json, pnpm-lock.yaml or yarn.lock (v1) (default: npm's if
                         there is one, else pnpm's, else yarn's; the others are named in the report)
  --installed            check the tree on disk (node_modules) and compare it with the lockfile
  --ideal                check the tree npm would install (resolves missing entries from the registry)
  -w, --workspace NAME   only this workspace's dependencies (repeatable; default: npm's
                         workspace config, or the workspace folder it runs in, else all)
  --include-workspace-root
                         with --workspace, the root's own dependencies too (as npm's
                         include-workspace-root config, which is read too)
  --omit TYPE            leave out dev, optional or peer dependencies (repeatable; default:
                         npm's omit/include config and NODE_ENV=production, shown in the report)
  --include TYPE         check dev, optional or peer dependencies npm config would omit
Policy:
  --policy FILE          the trust policy (default: verify-deps.policy.yaml/.yml/.json in the
                         project; without one, the built-in default policy)
                         verify-deps.trust.json at the project root, when there is one, gives
                         each package's accepted trust level and build identity per release line
                         ("verify-deps trust update" writes it; docs/trust-lockfile.md)
  --at TIME              decide as of that moment, an ISO 8601 time with a timezone
                         (2026-05-16T12:00:00Z): exception expiry and minimumReleaseAge; to
                         reproduce a past CI decision. The report names it (setting "at")
Registry and trust:
  --registry URL         the default registry (else from .npmrc / npm_config_registry)
  --upstream URL         the registry the default registry mirrors (Artifactory, Nexus, Verdaccio
                         uplink), e.g. https://registry.npmjs.org/: its keys check the mirror's
                         packages, and its evidence is used, without credentials, where the
                         mirror's lacks signatures or attestations. In .npmrc:
                         verify-deps-upstream=URL, per scope @scope:verify-deps-upstream=URL
                         (docs/mirrors.md)
  --offline              no network at all, as npm's offline (also npm's offline config): embedded
                         or pinned trust material, evidence only from the verification cache;
                         what it does not hold could not be verified (exit 3)
  --trusted-root FILE    Sigstore trusted_root.json to verify provenance against
  --registry-keys [URL=]FILE
                         pin a registry's signing keys (TUF keys.json or /-/npm/v1/keys shape):
                         URL=FILE for that registry, a plain FILE for registry.npmjs.org;
                         repeatable. In .npmrc: //host/path/:verify-deps-registry-keys=FILE.
                         A pinned registry's own keys endpoint is never used
  --concurrency N        packages fetched and verified at once (default 32)
  --fetch-timeout MS     per-request timeout (default npm's fetch-timeout, else 30000)
  --fetch-retries N      retries on 429/5xx/timeouts (default npm's fetch-retries, else 2)
  --fetch-tarballs       download the tarball of each lockfile entry whose integrity has no
                         sha512 (sha1, sha256, sha384) from its resolved URL on the registry and
                         pass it only if the bytes match both that integrity and the signed sha512
Cache:
  --cache-dir DIR        verification cache (default <npm cache>/_verify-deps/facts)
  --no-cache             verify everything afresh
Output:
  --format NAME          ${FORMAT_NAMES.join(' | ')} (default text)
                         html: one self-contained page, e.g. --output report.html
  --json                 same as --format json
  --output FILE          write the report to FILE instead of stdout
  --verbose              text: every failing, warning and skipped package in detail (default:
                         the first 10 failing and 5 warning ones, and how many more)
  --color WHEN           text: auto (default: when stdout is a terminal, unless NO_COLOR is set;
                         FORCE_COLOR forces it), always or never (--no-color); a report written
                         with --output is coloured only with --color=always
  -h, --help             show this help

Exit codes: 0 nothing failed (warnings allowed) · 1 a package failed · 2 usage, configuration or
lockfile error · 3 could not verify (registry, network or trust-material failure)
`

export const CHECK_OPTIONS = {
  lockfile: { type: 'string' },
  installed: { type: 'boolean' },
  ideal: { type: 'boolean' },
  workspace: { type: 'string', short: 'w', multiple: true },
  'include-workspace-root': { type: 'boolean' },
  omit: { type: 'string', multiple: true },
  include: { type: 'string', multiple: true },
  registry: { type: 'string' },
  upstream: { type: 'string' },
  offline: { type: 'boolean' },
  policy: { type: 'string' },
  at: { type: 'string' },
  'trusted-root': { type: 'string' },
  'registry-keys': { type: 'string', multiple: true },
  concurrency: { type: 'string' },
  'fetch-timeout': { type: 'string' },
  'fetch-retries': { type: 'string' },
  'fetch-tarballs': { type: 'boolean' },
  'cache-dir': { type: 'string' },
  'no-cache': { type: 'boolean' },
  format: { type: 'string' },
  json: { type: 'boolean' },
  output: { type: 'string' },
  verbose: { type: 'boolean' },
  color: { type: 'string' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

export type CheckValues = ReturnType<typeof parseArgs<{ options: typeof CHECK_OPTIONS; allowPositionals: true; strict: true }>>['values']

/** The tree, registry, trust, policy and cache options shared by check and explain. */
export function checkRunOptions(values: CheckValues, dir: string | undefined, ctx: CheckContext): CheckOptions {
  if (values.installed && values.ideal) throw inputError('EUSAGE', '--installed and --ideal cannot be combined')
  const depTypes = (flag: 'omit' | 'include'): OmitType[] =>
    (values[flag] ?? []).map((o) => {
      if (o !== 'dev' && o !== 'optional' && o !== 'peer') throw inputError('EUSAGE', `--${flag} must be dev, optional or peer (got "${o}")`)
      return o
    })
  const omit = depTypes('omit')
  const include = depTypes('include')
  return {
    projectDir: resolve(ctx.cwd, dir ?? '.'),
    env: ctx.env,
    toolVersion: ctx.toolVersion,
    mode: values.installed ? 'installed' : values.ideal ? 'ideal' : 'lockfile',
    ...(values.lockfile && { lockfile: resolve(ctx.cwd, values.lockfile) }),
    ...(values.workspace?.length && { workspaces: values.workspace }),
    ...(values['include-workspace-root'] && { includeWorkspaceRoot: true }),
    ...(omit.length && { omit }),
    ...(include.length && { include }),
    ...(values.registry && { registry: values.registry }),
    ...(values.upstream !== undefined && { upstream: upstreamOption(values.upstream) }),
    offline: Boolean(values.offline),
    ...(values['fetch-tarballs'] && { fetchTarballs: true }),
    ...(values.policy && { policyFile: resolve(ctx.cwd, values.policy) }),
    ...(values.at !== undefined && { now: parseAtOption(values.at), at: values.at }),
    ...(values['trusted-root'] && { trustedRootFile: resolve(ctx.cwd, values['trusted-root']) }),
    ...registryKeysOptions(values['registry-keys'] ?? [], ctx.cwd),
    ...(values['no-cache'] ? { cacheDir: false as const } : values['cache-dir'] ? { cacheDir: resolve(ctx.cwd, values['cache-dir']) } : {}),
    ...numberOption('concurrency', values.concurrency, 1),
    ...numberOption('timeoutMs', values['fetch-timeout'], 1),
    ...numberOption('retries', values['fetch-retries'], 0),
  }
}

export interface CheckContext {
  env: NodeJS.ProcessEnv
  cwd: string
  toolVersion: string
}

export async function runCheckCommand(argv: readonly string[], term: Terminal, ctx: CheckContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: CHECK_OPTIONS })
  if (values.help) {
    term.out(CHECK_HELP)
    return 0
  }
  if (positionals.length > 1) throw inputError('EUSAGE', 'check: takes at most one project directory', 'Run "verify-deps --help" for usage.')
  // Run by npm as the project's own install script: say what npm has (or has not) written
  // (lifecycle.ts, loaded only when npm runs us as a script).
  if (ctx.env.npm_lifecycle_event) {
    const { hookCheckValues, hookTiming, lifecycleEvent, runAsLifecycleScript } = await import('./lifecycle.js')
    const event = lifecycleEvent(ctx.env)
    if (event) {
      const projectDir = resolve(ctx.cwd, positionals[0] ?? '.')
      const check = () => checkAndReport(hookCheckValues(values, ctx.env, term, hookTiming(event, ctx.env), projectDir), positionals[0], term, ctx)
      return runAsLifecycleScript(event, check, projectDir, term, ctx.env)
    }
  }
  return (await checkAndReport(values, positionals[0], term, ctx)).exitCode
}

/** Runs the check with the parsed options, writes the report where the options say, and gives its exit code. */
export async function checkAndReport(values: CheckValues, dir: string | undefined, term: Terminal, ctx: CheckContext, extra: Partial<CheckOptions> = {}): Promise<{ report: Report; exitCode: ExitCode }> {
  const format = values.json ? 'json' : (values.format ?? 'text')
  if (!isFormatName(format)) throw inputError('EUSAGE', `--format must be one of ${FORMAT_NAMES.join(', ')} (got "${format}")`)
  // An unusable --output is a usage error found now, not after every package has been fetched.
  if (values.output) checkOutputWritable(resolve(ctx.cwd, values.output), values.output)
  // Colour only in the text format; --color is checked whatever the format.
  const color = chooseColor({ flag: values.color, noColor: values['no-color'], env: ctx.env, stdoutIsTTY: Boolean(term.stdoutIsTTY), toFile: Boolean(values.output) }) && format === 'text'
  const progress = createProgress(term, format !== 'github')
  let report: Report
  progress.start('reading the project')
  try {
    report = await runCheck({ ...checkRunOptions(values, dir, ctx), ...extra, onProgress: (done, total, label) => progress.update(done, total, label) })
  } finally {
    // Erased before anything else is written to stderr, an error message too.
    progress.done()
  }

  const lockfileText = report.project.lockfile ? safeRead(report.project.lockfile) : undefined
  const output = (await loadFormatter(format as FormatName))(report, {
    lockfilePath: report.project.lockfile ? relative(ctx.cwd, report.project.lockfile) || report.project.lockfile : 'package-lock.json',
    ...(lockfileText !== undefined && { lockfileText }),
    ...(color && { color }),
    ...(values.verbose && { verbose: true }),
  })
  const s = report.summary
  await emitReport(term, ctx, output, values.output, `${s.total} packages: ${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.skipped} skipped`)
  return { report, exitCode: exitCodeForReport(report) }
}

/**
 * Prints a formatted report: to `--output FILE` (`outputFile`, relative to the working directory;
 * then one line on stderr with `summaryLine`) or to stdout. Its GitHub step summary, if the format
 * has one, is appended to $GITHUB_STEP_SUMMARY when that is set. Shared by check and verify.
 */
export async function emitReport(term: Terminal, ctx: CheckContext, formatted: FormattedOutput, outputFile: string | undefined, summaryLine: string): Promise<void> {
  if (outputFile) {
    try {
      writeReportFile(resolve(ctx.cwd, outputFile), formatted)
    } catch (err) {
      throw inputError('EOUTPUT', `${outputFile}: cannot write the report: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
    term.err(`verify-deps: ${summaryLine}; report written to ${outputFile}\n`)
  } else {
    await writeReportOut(term, formatted)
  }
  const summaryFile = ctx.env.GITHUB_STEP_SUMMARY
  if (formatted.githubStepSummary && summaryFile) appendFileSync(summaryFile, formatted.githubStepSummary)
}

/** `--registry-keys`: a plain FILE pins registry.npmjs.org, `URL=FILE` that registry. */
function registryKeysOptions(values: readonly string[], cwd: string): Pick<CheckOptions, 'registryKeysPins'> {
  if (values.length === 0) return {}
  const pins = parseRegistryKeysArgs(values, (file) => resolve(cwd, file))
  return { registryKeysPins: Object.fromEntries([...pins].map(([url, pin]) => [url, pin.file])) }
}

/** Throws a usage error naming `--output FILE` when the report could not be written there. */
export function checkOutputWritable(path: string, given: string): void {
  const fail = (reason: string): never => {
    throw inputError('EOUTPUT', `${given}: --output cannot be written: ${reason}`)
  }
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat?.isDirectory()) fail('it is a directory')
  const dir = stat ? null : statSync(dirname(path), { throwIfNoEntry: false })
  if (!stat && !dir) fail(`the directory ${dirname(given) || '.'} does not exist`)
  if (dir && !dir.isDirectory()) fail(`${dirname(given)} is not a directory`)
  try {
    accessSync(stat ? path : dirname(path), constants.W_OK)
  } catch (err) {
    fail(`${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}

/** `--upstream URL`: an http(s) URL without credentials (an upstream is only ever asked without them). Shared with `audit`. */
export function upstreamOption(value: string): string {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw inputError('EUSAGE', `--upstream must be an http(s) registry URL (got "${value}")`, 'For the public npm registry: --upstream https://registry.npmjs.org/')
  if (url.username || url.password) throw inputError('EUSAGE', '--upstream must not carry credentials: an upstream is only ever asked without them')
  return value
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/

/** How far past this machine's clock `--at` may be (clock skew between CI machines), and no further. */
const AT_FUTURE_SKEW_MS = 5 * 60_000

/**
 * `--at TIME`: a strict ISO 8601 time with a timezone (`2026-05-16T12:00:00Z`,
 * `2026-05-16T14:00:00+02:00`). Anything else, a date alone or a local time included (whose
 * meaning would depend on the machine's timezone), is a usage error naming the flag. So is a time
 * to come: `--at` reproduces a past decision, and a future one would only age every release past
 * `minimumReleaseAge` (a CI flag that would let a release hours old through).
 */
export function parseAtOption(value: string, now: Date = new Date()): Date {
  const m = ISO_TIME.exec(value)
  const fail = (): never => {
    throw inputError('EUSAGE', `--at must be an ISO 8601 time with a timezone, like 2026-05-16T12:00:00Z (got "${value}")`, 'It reproduces a past decision: give the time the check ran, in UTC (Z) or with an offset (+02:00).')
  }
  if (!m) return fail()
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0', m[8] ?? '0', m[9] ?? '0'].map(Number) as number[]
  // Date.parse rolls 2026-02-30 over into March: check each field is one that exists.
  const dayExists = new Date(Date.UTC(year!, month! - 1, day!)).getUTCDate() === day && month! >= 1 && month! <= 12
  if (!dayExists || hour! > 23 || minute! > 59 || second! > 59 || offsetHours! > 23 || offsetMinutes! > 59) return fail()
  const at = new Date(value)
  if (Number.isNaN(at.getTime())) return fail()
  if (at.getTime() > now.getTime() + AT_FUTURE_SKEW_MS) {
    throw inputError('EUSAGE', `--at ${value} is in the future (now ${now.toISOString()}): it reproduces a past decision`, 'Give the time the check ran; a time to come would count every release older than it is.')
  }
  return at
}

function numberOption<K extends string>(key: K, value: string | undefined, min: number): Partial<Record<K, number>> {
  const n = wholeNumberFlag(key === 'timeoutMs' ? 'fetch-timeout' : key === 'retries' ? 'fetch-retries' : key, value, min)
  return n === undefined ? {} : ({ [key]: n } as Partial<Record<K, number>>)
}

/** A `--flag N` value: a whole number (a safe integer) of at least `min`; undefined when not given. Shared with `audit`. */
export function wholeNumberFlag(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min) throw inputError('EUSAGE', `--${flag} must be a whole number >= ${min} (got "${value}")`)
  return n
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
