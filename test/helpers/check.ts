/**
 * The check command's job through the library, in the test process: `runCheck` (lib/check.ts) with
 * the options the CLI builds from its flags, the report rendered by the same format drivers
 * (lib/report/formats.ts) and the exit code from `exitCodeForReport`, the one place the CLI maps a
 * finished check to an exit code. No process per case: behaviour tests use this; the few CLI tests
 * per command (test/cli/check.test.ts, check-exits.test.ts, …) spawn bin/verify-deps.js for
 * arguments, terminal output, error printing and exit codes of errors.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCheck, type CheckOptions } from '../../lib/check.js'
import { exitCodeForReport, type ExitCode } from '../../lib/cli/exit-codes.js'
import type { Report } from '../../lib/model.js'
import { formatReport, type FormatName } from '../../lib/report/formats.js'
import { cleanEnv } from '../cli/run.js'

export const TOOL_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

/** What a scenario gives a check: where its project and trust files are, and its registry. */
export interface CheckedScenario {
  dir: string
  projectDir: string
  trustedRootFile: string
  registryKeysFile: string
  registry: { url: string }
}

/** A package of the JSON report (`--json`), loosely typed as tests read it. */
export type JsonPackage = Record<string, any>

export interface CheckResult {
  /** The exit code the CLI gives this report (exitCodeForReport). */
  status: ExitCode
  report: Report
  /** The report as `--json` prints it, parsed (loosely typed, as JSON.parse gives it). */
  json: Record<string, any>
  /** What `--format <name>` prints on stdout. */
  output(format: FormatName): string
  /** The JSON report's package named `name`; throws when it is not there. */
  pkg(name: string): JsonPackage
  /** The finding codes of the package named `name`, in report order. */
  codes(name: string): string[]
}

/** CheckOptions without what every test run shares; `env` defaults to a clean npm environment in `home`. */
export type TestCheckOptions = Omit<CheckOptions, 'env' | 'toolVersion'> & { env?: Record<string, string> }

/** `--trusted-root FILE --registry-keys <registry>=<keys file>`: nothing asked of TUF or the keys endpoint. */
export function pinnedTrust(s: CheckedScenario): Pick<CheckOptions, 'trustedRootFile' | 'registryKeysPins'> {
  return { trustedRootFile: s.trustedRootFile, registryKeysPins: { [s.registry.url]: s.registryKeysFile } }
}

/** Runs the check on `options.projectDir` in this process, as `verify-deps check` would. Errors that stop the run are thrown. */
export async function checkProject(options: TestCheckOptions, home: string): Promise<CheckResult> {
  const { env, ...rest } = options
  const report = await runCheck({ ...rest, env: env ?? cleanEnv(home), toolVersion: TOOL_VERSION })
  return checkResult(report)
}

/** Runs the check on a scenario's project with a clean environment in `<scenario>/home`; `options` add to or override it. */
export function checkScenario(s: CheckedScenario, options: Partial<TestCheckOptions> = {}): Promise<CheckResult> {
  return checkProject({ projectDir: s.projectDir, ...options }, join(s.dir, 'home'))
}

function checkResult(report: Report): CheckResult {
  const formatted = (format: FormatName): string => {
    const lockfile = report.project.lockfile
    const lockfileText = lockfile ? readIfThere(lockfile) : undefined
    return formatReport(format, report, { lockfilePath: lockfile || 'package-lock.json', ...(lockfileText !== undefined && { lockfileText }) }).main
  }
  const json = JSON.parse(formatted('json')) as CheckResult['json']
  const pkg = (name: string): JsonPackage => {
    const packages = json.packages as JsonPackage[]
    const found = packages.find((p) => p.name === name)
    if (!found) throw new Error(`${name} is not in the report: ${packages.map((p) => p.name).join(', ')}`)
    return found
  }
  return {
    status: exitCodeForReport(report),
    report,
    json,
    output: formatted,
    pkg,
    codes: (name) => (pkg(name).findings as Array<{ code: string }>).map((f) => f.code),
  }
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
