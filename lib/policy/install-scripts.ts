/**
 * Install scripts only from verified builds: whether npm will run a package's install scripts
 * under the run's npm rules, settings and allowScripts verdict, and whether what verify-deps verified
 * about it meets the policy's `installScripts` section. Pure.
 *
 * What npm does with the allowScripts verdict (@npmcli/arborist lib/arborist/rebuild.js, npm
 * lib/utils/strict-allow-scripts-preflight.js and check-allow-scripts.js, npm 11.19.1 and 12.2.2):
 * - `ignore-scripts` runs nothing (it wins over every other setting);
 * - `dangerously-allow-all-scripts` runs everything;
 * - npm 12: only `allowed` packages run them; denied, unreviewed and bundled ones are skipped;
 * - npm 11.16+: everything runs but `denied` (a bundled one too: it cannot be denied);
 * - `strict-allow-scripts` (npm 11.16+ and 12): an unreviewed package fails the whole install
 *   before any script runs (bundled ones are not checked);
 * - npm before 11.16 does not read allowScripts: everything runs.
 */
import { finding, type Finding } from '../findings.js'
import type { PackageRef } from '../model.js'
import type { PackageFacts } from '../model/facts.js'
import type { InstallScriptContext, InstallScriptRef, InstallScriptsResult } from '../model/install-scripts.js'
import type { InstallScriptsPolicy } from './types.js'

export const DEFAULT_INSTALL_SCRIPTS_POLICY: Readonly<InstallScriptsPolicy> = { mode: 'warn', require: { provenance: true, trustedPublisher: false } }

const UNFLAGGED_REASON: Record<NonNullable<InstallScriptRef['unflagged']>, string> = {
  registry: "the lockfile does not flag it, but the registry's version document says it has install scripts: assumed to run (npm runs node-gyp for a binding.gyp whatever the flag says)",
  bundled: "the lockfile does not flag it, and npm reads a bundled package's scripts from its parent's tarball: assumed to have some",
}

/**
 * The package as npm will treat its install scripts. The lockfile's `hasInstallScript` is
 * attacker-controlled and only a lower bound: npm runs `node-gyp rebuild` for a binding.gyp the
 * flag does not mention, and npm 11 reads a bundled package's package.json from disk. So an
 * unflagged package has install scripts when the registry's version document says so
 * (`registryDeclares`), and a bundled one is assumed to have some (its scripts are unknown: fail
 * closed). Returns `ref` itself when nothing changes.
 */
export function withUnflaggedInstallScript(ref: PackageRef, registryDeclares: boolean): PackageRef {
  const latent = ref.unflaggedInstallScript
  if (ref.installScript || !latent) return ref
  const unflagged = registryDeclares ? 'registry' : latent.allowScripts === 'bundled' ? 'bundled' : undefined
  return unflagged ? { ...ref, installScript: { ...latent, unflagged } } : ref
}

/** Whether npm will run the package's install scripts, and why. Undefined for a package without any. */
export function installScriptsOf(ref: PackageRef, facts: PackageFacts | undefined, context: InstallScriptContext): InstallScriptsResult | undefined {
  const script = ref.installScript
  if (!script) return undefined
  const decided = decideRun(script.allowScripts, script.matched, context)
  return {
    willRun: decided.willRun,
    reason: script.unflagged ? `${decided.reason} (${UNFLAGGED_REASON[script.unflagged]})` : decided.reason,
    allowScripts: script.allowScripts,
    matched: script.matched,
    pinnedElsewhere: script.pinnedElsewhere,
    rules: context.rules,
    verified: verifiedEvidence(ref, facts),
  }
}

function decideRun(verdict: InstallScriptsResult['allowScripts'], matched: readonly string[], context: InstallScriptContext): { willRun: boolean; reason: string } {
  const { settings, rules } = context
  const entries = matched.map((m) => JSON.stringify(m)).join(', ')
  const where = context.allowScripts.file ?? 'allowScripts'
  if (settings.ignoreScripts.value) return { willRun: false, reason: `ignore-scripts is set (${settings.ignoreScripts.from}): npm runs no install script` }
  if (rules === 'legacy') return { willRun: true, reason: 'this npm does not read allowScripts: it runs every install script' }
  if (settings.dangerouslyAllowAllScripts.value) return { willRun: true, reason: `dangerously-allow-all-scripts is set (${settings.dangerouslyAllowAllScripts.from}): npm runs every install script` }
  switch (verdict) {
    case 'allowed':
      return { willRun: true, reason: `allowed by ${entries} in ${where}` }
    case 'denied':
      return { willRun: false, reason: `denied by ${entries} in ${where}` }
    case 'bundled':
      return rules === 'npm12'
        ? { willRun: false, reason: 'bundled in another package: npm 12 never runs the install scripts of a bundled dependency' }
        : { willRun: true, reason: 'bundled in another package: npm 11 runs its install scripts (allowScripts cannot deny a bundled dependency)' }
    case 'unreviewed':
      if (settings.strictAllowScripts.value) return { willRun: false, reason: `not in allowScripts, and strict-allow-scripts is set (${settings.strictAllowScripts.from}): npm refuses the whole install (ESTRICTALLOWSCRIPTS)` }
      return rules === 'npm12'
        ? { willRun: false, reason: 'not in allowScripts: npm 12 does not run it (`npm approve-scripts` would allow it)' }
        : { willRun: true, reason: 'not in allowScripts: npm 11 runs it with a warning' }
  }
}

/**
 * What verify-deps verified cryptographically about the bytes npm installs: provenance that verifies
 * and names the locked integrity; a trusted publisher is that provenance plus the registry's
 * `_npmUser.trustedPublisher` (metadata alone never counts).
 */
function verifiedEvidence(ref: PackageRef, facts: PackageFacts | undefined): InstallScriptsResult['verified'] {
  const provenance = ref.source === 'registry' && facts !== undefined && facts.integrity.status === 'verified' && facts.provenance.status === 'verified'
  return { provenance, trustedPublisher: provenance && facts?.publisher.trustedPublisher !== undefined }
}

/** The findings the `installScripts` section raises for one package (none under `mode: off`). */
export function checkInstallScripts(section: InstallScriptsPolicy, pkg: string, result: InstallScriptsResult | undefined): Finding[] {
  if (!result || section.mode === 'off') return []
  const findings: Finding[] = []
  if (result.willRun) {
    const missing = [
      section.require.provenance && !result.verified.provenance && 'verified provenance for the locked integrity',
      section.require.trustedPublisher && !result.verified.trustedPublisher && 'a trusted publisher (verified provenance and _npmUser.trustedPublisher)',
    ].filter((m): m is string => typeof m === 'string')
    if (missing.length > 0) findings.push(finding('INSTALL_SCRIPT_UNVERIFIED', `${pkg}: will run install scripts (${result.reason}) without ${missing.join(' or ')}`))
  }
  if (result.pinnedElsewhere.length > 0) {
    const pins = result.pinnedElsewhere.map((p) => JSON.stringify(p)).join(', ')
    const effect = result.willRun ? `npm runs its install scripts anyway (${result.reason})` : 'npm will not run its install scripts'
    findings.push(finding('INSTALL_SCRIPT_NOT_ALLOWED', `${pkg}: allowScripts allows ${pins}, not the locked version: ${effect}`))
  }
  return findings
}
