/**
 * `verify-deps demo`: the real check, offline, on the demo world shipped in fixtures/demo (a
 * registry snapshot served on 127.0.0.1, a sample project's main branch and policy, a pull request's
 * lockfile, a throwaway Sigstore root). Checks the pull request; prints the normal report and a
 * plain-words account of it. Exits 0 when every package ended as the demo intends — failures
 * included, they are the point — and 1 when not, so the demo cannot silently stop showing what it
 * claims. `--init` instead runs init on main and checks main and the pull request with what it
 * wrote (demo-init.ts), with the same exit codes.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { inputError } from '../errors.js'
import type { Report } from '../model.js'
import { formatReport } from '../report/formats.js'
import { describePullRequest, formatDemoExplanation } from '../demo/story.js'
import { compareDemoOutcomes } from '../demo/outcomes.js'
import { runDemo } from '../demo/run.js'
import { EXIT, exitCodeForReport, type ExitCode } from './exit-codes.js'
import { runDemoInit } from './demo-init.js'
import { createProgress } from './progress.js'
import type { Terminal } from './terminal.js'

/** The demo world, found relative to the installed package (dist/cli/ → fixtures/demo/). */
export const DEMO_FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/demo/', import.meta.url))

export const DEMO_HELP = `Usage: verify-deps demo [--json | --init]

Run the real check on a built-in demo, offline: a sample project's pull request against its main
branch. Main locks eight packages as their maintainers published them; the pull request's
lockfile updates two and records altered bytes for a third. The project's trust policy decides,
with a registry snapshot served on 127.0.0.1 for the run. Some packages pass, one warns for
missing provenance, and three are blocked: one built by the wrong repository, one whose release
dropped the provenance its previous release had, and one whose tarball was altered. Nothing
touches the network and nothing outside a temporary folder is written.

Options:
  --json       print the JSON report instead of the text report and explanation
  --init       bootstrap trust from main instead: run "verify-deps init" there (no policy
               yet), "policy check" on what it wrote, the check on main with it (nothing fails),
               then the check of the pull request with init's policy and trust lockfile
  -h, --help   show this help

Exit codes: 0 the demo showed what it should (the real check of the pull request would exit 1)
· 1 it did not (a bug in verify-deps or its demo files) · 2 usage error (--init with --json)
`

export interface DemoContext {
  toolVersion: string
  /** Another copy of the demo world (tests); default DEMO_FIXTURES_DIR. */
  fixturesDir?: string
}

export async function runDemoCommand(argv: readonly string[], term: Terminal, ctx: DemoContext): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean' }, init: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  })
  if (values.help) {
    term.out(DEMO_HELP)
    return EXIT.OK
  }
  if (positionals.length > 0) throw inputError('EUSAGE', 'demo: takes no arguments', 'Run "verify-deps demo --help" for usage.')
  if (values.init && values.json) throw inputError('EUSAGE', 'demo: --init prints its steps as text; it cannot be combined with --json', 'Run "verify-deps demo --json" for the JSON report of the pull request.')

  const fixturesDir = ctx.fixturesDir ?? DEMO_FIXTURES_DIR
  if (values.init) {
    const { text, problems } = await runDemoInit(fixturesDir, ctx.toolVersion)
    term.out(text)
    return reportProblems(problems, term)
  }
  const progress = createProgress(term, !values.json)
  const demo = await runDemo({ fixturesDir, toolVersion: ctx.toolVersion, onProgress: (done, total, label) => progress.update(done, total, label) })
  progress.done()
  const { report } = demo
  const problems = compareDemoOutcomes(report)

  if (values.json) {
    term.out(formatReport('json', report).main)
  } else {
    term.out(
      [
        "verify-deps demo: the real check on a sample project's pull request against its main branch, offline.",
        `  main          ${join(fixturesDir, 'project')} (package.json, package-lock.json, verify-deps.policy.yaml)`,
        `  pull request  ${join(fixturesDir, 'pull-request', 'package-lock.json')}: ${describePullRequest()}`,
        `  registry      ${join(fixturesDir, 'registry')}, served on ${demo.registryUrl} for the run (${demo.requests.length} requests; now closed)`,
        `  trust         ${join(fixturesDir, 'trust', 'trusted_root.json')}: the demo's own Sigstore (throwaway test keys)`,
        "  as            verify-deps --trusted-root <trust> --registry-keys <registry>=<its keys.json> --no-cache, in a temporary copy of main with the pull request's package-lock.json",
        '',
        '',
      ].join('\n'),
    )
    term.out(formatReport('text', report).main)
    if (problems.length === 0) term.out('\n' + formatDemoExplanation(report, demo.policy) + '\n' + closing(report))
  }

  return reportProblems(problems, term)
}

function reportProblems(problems: readonly string[], term: Terminal): ExitCode {
  if (problems.length > 0) {
    term.err(
      `verify-deps demo: the demo did not show what it is meant to:\n${problems.map((p) => `  - ${p}\n`).join('')}` +
        'This is a bug in verify-deps or in its demo files (fixtures/demo; `npm run demo:regenerate` rebuilds them).\n',
    )
    return EXIT.FAILED
  }
  return EXIT.OK
}

function closing(report: Report): string {
  const code = exitCodeForReport(report)
  const { fail, warn } = report.summary
  return [
    `The real check would exit ${code} for this pull request: ${fail} ${fail === 1 ? 'package fails' : 'packages fail'}, ${warn} ${warn === 1 ? 'warns' : 'warn'}.`,
    'In CI on each pull request, run before `npm ci`, that stops the build before the blocked or tampered code is installed.',
    'The demo itself exits 0: every package ended as intended. `verify-deps demo --init` shows where a policy comes from:',
    '`verify-deps init` on main. On your own project: `npx verify-deps init`, then `npx verify-deps`.',
    '',
  ].join('\n')
}
