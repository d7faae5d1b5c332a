/**
 * Setting a project up for the preinstall hook: the hook in package.json and a starter policy where
 * there is none. Everything is decided before anything is written: when the hook cannot be set
 * (no package.json, not JSON, a different preinstall without `force`) nothing is written.
 * The CLI (lib/cli/setup-command.ts) turns the outcome into messages and exit codes.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { findPolicyFile } from '../check.js'
import { starterPolicy } from '../policy/starter.js'
import { addPreinstallHook, PackageJsonError, parsePackageJson, type HookChange } from './package-json.js'

export const POLICY_FILE_NAME = 'verify-deps.policy.yaml'

export type SetupOutcome =
  | { kind: 'no-package-json'; packageJson: string }
  | { kind: 'invalid-package-json'; packageJson: string; reason: string }
  /** A different preinstall script is there (and `force` was not given): nothing was changed. */
  | { kind: 'hook-conflict'; packageJson: string; existing: string }
  | {
      kind: 'set-up'
      packageJson: string
      hook: Exclude<HookChange, { kind: 'conflict' }>
      /** The policy file already there (unchanged), or the starter policy written. */
      policy: { path: string; written: boolean }
      /** verify-deps is in dependencies or devDependencies (npm runs the hook from node_modules/.bin). */
      isDependency: boolean
      /** package.json says `"private": true` (a published package's preinstall runs on others' installs). */
      isPrivate: boolean
    }

export function setUpProject(projectDir: string, options: { force?: boolean } = {}): SetupOutcome {
  const packageJson = join(projectDir, 'package.json')
  // 1. Decide everything before writing anything: the hook change and whether a policy exists.
  let text: string
  try {
    text = readFileSync(packageJson, 'utf8')
  } catch {
    return { kind: 'no-package-json', packageJson }
  }
  let hook: HookChange
  let manifest: Record<string, unknown>
  try {
    hook = addPreinstallHook(text, { force: Boolean(options.force) })
    manifest = parsePackageJson(text).value
  } catch (err) {
    if (err instanceof PackageJsonError) return { kind: 'invalid-package-json', packageJson, reason: err.message }
    throw err
  }
  if (hook.kind === 'conflict') return { kind: 'hook-conflict', packageJson, existing: hook.existing }
  const existingPolicy = findPolicyFile(projectDir)

  // 2. The hook.
  if (hook.kind !== 'unchanged') writeFileSync(packageJson, hook.text)

  // 3. The starter policy, only where there is none ('wx': never overwrite, even in a race).
  let policy = { path: existingPolicy ?? join(projectDir, POLICY_FILE_NAME), written: false }
  if (!existingPolicy) {
    writeFileSync(policy.path, starterPolicy(), { flag: 'wx' })
    policy = { ...policy, written: true }
  }

  const deps = { ...(manifest.dependencies as object | undefined), ...(manifest.devDependencies as object | undefined) }
  return { kind: 'set-up', packageJson, hook, policy, isDependency: Object.hasOwn(deps, 'verify-deps'), isPrivate: manifest.private === true }
}
