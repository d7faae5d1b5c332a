/**
 * `verify-deps verify <file.tgz>` as a library call, one call per pipeline stage, like runCheck:
 *   evidence from files → trust material from files → verify → decide (built-in default policy) → Report.
 * Fully offline. The Report is the one model every format renders (a one-package report), so
 * `verify --json` and `check --json` speak the same JSON.
 */
import { dirname } from 'node:path'
import { inputError } from './errors.js'
import { readEvidenceFiles, type EvidenceFiles } from './fetch/evidence-files.js'
import { invalidTrustedRootFile, loadTrustFiles } from './fetch/trust.js'
import type { PackageRef, Report } from './model.js'
import { BUILT_IN_POLICY_WITHOUT_REGISTRY_DATA } from './policy/default.js'
import { evaluateRun } from './policy/evaluate.js'
import { isCryptographicallyVerified } from './report/registries.js'
import { verifyPackage } from './verify/package.js'
import { SigstoreError } from './verify/sigstore/index.js'
import { createTrustContext } from './verify/trust-context.js'
import type { TrustContext } from './verify/trust-context.js'

export interface VerifyTarballOptions extends EvidenceFiles {
  /** Sigstore trusted_root.json; default: the embedded public-good root. */
  trustedRootFile?: string
  /** Registry keys (TUF keys.json or /-/npm/v1/keys shape); default: the embedded npm keys. */
  registryKeysFile?: string
  toolVersion: string
}

export const NOTHING_VERIFIED_NOTICE = 'nothing verified: no registry signature (--packument with dist.signatures) or attestation (--attestations) to check; the sha512 of a tarball proves nothing about who made it'

/**
 * Verifies one tarball against the evidence and trust material in files. Throws RunError (usage)
 * for unusable input. A package that fails a check is `decision: "fail"`; one where no registry
 * signature or attestation verified makes the report `couldNotVerify` (exit 3 unless it failed):
 * never a pass.
 */
export async function runVerifyTarball(options: VerifyTarballOptions): Promise<Report> {
  // 1. Evidence from the files, validated as a registry answer would be.
  const evidence = await readEvidenceFiles(options)

  // 2. Trust material from files (or the embedded copies).
  const context = trustContextFromFiles(options)

  // 3. Verify: what is cryptographically true about this tarball.
  const facts = verifyPackage(evidence, context)

  // 4. Decide as `check` does without a policy file: each finding at its default severity. Without
  //    --packument there is no registry signature to require (only to report as not checked).
  const ref: PackageRef = { name: facts.name, version: facts.version, integrity: evidence.integrity, source: 'registry', locations: [] }
  const policy = evidence.versionData === undefined ? BUILT_IN_POLICY_WITHOUT_REGISTRY_DATA : null
  const [result] = evaluateRun(policy, [{ ref, outcome: { kind: 'verified', facts } }], new Date()).packages
  if (!result) throw new Error('the policy gave no result for the package')

  // 5. The report. A tarball's sha512 of itself proves nothing about who made it: without one
  //    verified signature or attestation the run could not verify the package.
  const couldNotVerify = !isCryptographicallyVerified(facts)
  const summary = { total: 1, pass: 0, warn: 0, fail: 0, skipped: 0 }
  summary[result.decision]++
  return {
    schemaVersion: 1,
    tool: { name: 'verify-deps', version: options.toolVersion },
    project: { root: dirname(options.tarballFile), lockfile: '', policy: null, tarball: options.tarballFile },
    summary,
    packages: [result],
    couldNotVerify,
    notices: couldNotVerify ? [NOTHING_VERIFIED_NOTICE] : [],
    registries: [],
  }
}

function trustContextFromFiles(options: VerifyTarballOptions): TrustContext {
  const trust = loadTrustFiles({ trustedRootFile: options.trustedRootFile, registryKeysFile: options.registryKeysFile })
  try {
    return createTrustContext(trust)
  } catch (err) {
    if (options.trustedRootFile && err instanceof SigstoreError && err.code === 'TRUSTED_ROOT_INVALID') throw invalidTrustedRootFile(options.trustedRootFile, err)
    if (err instanceof SigstoreError) throw inputError(err.code === 'TRUSTED_ROOT_INVALID' ? 'ETRUSTEDROOT' : 'EREGISTRYKEYSFILE', err.message)
    throw err
  }
}
