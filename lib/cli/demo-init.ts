/**
 * `verify-deps demo --init`: the workflow init is for, on the demo world. Trust is bootstrapped
 * from a known-good state, the main branch; the check then catches the pull request.
 *   1. `verify-deps init` (the real command) in a temporary copy of main without its policy;
 *   2. `verify-deps policy check` (the real command) on the policy init wrote;
 *   3. the check on main with that policy and trust lockfile: nothing may fail (exit 0);
 *   4. the check of the pull request (its package-lock.json in place of main's) with the same files:
 *      each package must end as lib/demo/world.ts's EXPECTED_OUTCOMES says.
 * Each step is printed briefly; whatever ended otherwise is returned as a sentence.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { runCheck } from '../check.js'
import { compareDemoOutcomes, compareMainOutcomes } from '../demo/outcomes.js'
import { withDemoWorkspace } from '../demo/run.js'
import type { Report } from '../model.js'
import { POLICY_FILE_NAMES } from '../policy/load.js'
import { TRUST_LOCKFILE_NAME } from '../model/trust-lockfile-file.js'
import { plainText } from '../report/describe.js'
import { exitCodeForReport } from './exit-codes.js'
import { runInitCommand } from './init-command.js'
import { runPolicyCommand } from './policy-commands.js'
import type { Terminal } from './terminal.js'

export interface DemoInitRun {
  /** What to print: the steps and what the pull request's check caught. */
  text: string
  /** Each way a step did not end as intended; empty when every step did. */
  problems: string[]
}

export async function runDemoInit(fixturesDir: string, toolVersion: string): Promise<DemoInitRun> {
  return withDemoWorkspace(fixturesDir, async (workspace) => {
    const { projectDir } = workspace
    const problems: string[] = []
    const lines = [
      'verify-deps demo --init: trust bootstrapped from the main branch by `verify-deps init`, then a pull request checked with it, offline.',
      `  main          ${join(fixturesDir, 'project')} (its package.json and package-lock.json; not its policy)`,
      `  pull request  ${join(fixturesDir, 'pull-request', 'package-lock.json')}`,
      `  registry      ${join(fixturesDir, 'registry')}, served on ${workspace.registryUrl} for the run`,
      `  trust         ${join(fixturesDir, 'trust', 'trusted_root.json')}: the demo's own Sigstore (throwaway test keys)`,
      '',
    ]
    // Init starts from a project without a policy, as on a project adopting verify-deps.
    for (const name of POLICY_FILE_NAMES) rmSync(join(projectDir, name), { force: true })

    const ctx = { env: workspace.env, cwd: projectDir, toolVersion }
    const init = captured()
    const initCode = await runInitCommand(['--trusted-root', workspace.trustedRootFile, '--registry-keys', `${workspace.registryUrl}=${workspace.registryKeysFile}`, '--no-cache'], init, ctx)
    lines.push('1. verify-deps init, on main', ...indent(init.text))
    if (initCode !== 0) problems.push(`init exited ${initCode}`)

    const policyCheck = captured()
    // Throws (a usage error, exit 2) if the policy init wrote is not valid.
    await runPolicyCommand(['check'], policyCheck, ctx)
    lines.push('2. verify-deps policy check', ...indent(policyCheck.text.replaceAll(projectDir + '/', '')))

    const main = await runCheck(workspace.checkOptions(toolVersion))
    lines.push(`3. verify-deps, on main with that policy and ${TRUST_LOCKFILE_NAME}: ${summary(main)}`)
    problems.push(...compareMainOutcomes(main))

    workspace.checkoutPullRequest()
    const pullRequest = await runCheck(workspace.checkOptions(toolVersion))
    lines.push(`4. verify-deps, on the pull request with the same files: ${summary(pullRequest)}`, ...caught(main, pullRequest))
    problems.push(...compareDemoOutcomes(pullRequest))
    if (problems.length === 0) {
      lines.push(
        '',
        'Main passed with the policy init wrote from it; the pull request did not. Review and commit both files:',
        "from then on, the check on every pull request holds it to what main's packages verified.",
      )
    }
    return { text: lines.join('\n') + '\n', problems }
  })
}

/** A Terminal that keeps what a command printed. */
function captured(): Terminal & { text: string } {
  const term = { text: '', stderrIsTTY: false, out: (s: string) => void (term.text += s), err: (s: string) => void (term.text += s) }
  return term
}

function indent(text: string): string[] {
  return text.trimEnd().split('\n').map((line) => `   ${line}`)
}

function summary(report: Report): string {
  const { total, pass, warn, fail } = report.summary
  return `${total} packages: ${pass} pass, ${warn} warn, ${fail} fail (exit ${exitCodeForReport(report)})`
}

/** The pull request's failing packages: from which version on main, and the codes of their findings. */
function caught(main: Report, pullRequest: Report): string[] {
  const failing = pullRequest.packages.filter((p) => p.decision === 'fail')
  if (failing.length === 0) return []
  return [
    '   caught:',
    ...failing.map((p) => {
      const before = main.packages.find((m) => m.name === p.name)?.version
      const change = before && before !== p.version ? `${before} → ${p.version}` : p.version
      const codes = [...new Set(p.findings.filter((f) => f.severity !== 'info').map((f) => f.code))].join(', ')
      return plainText(`     ${p.name} ${change}: ${codes}`)
    }),
  ]
}
