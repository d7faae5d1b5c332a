/**
 * runDemo: the real check over the demo world, with nothing from the machine's npm setup.
 *   1. serve the registry snapshot on 127.0.0.1;
 *   2. copy the sample project (the main branch) to a temp folder and point its `.npmrc` at that
 *      registry; for the pull request, put its package-lock.json in place of main's;
 *   3. runCheck with the demo's trusted root and the snapshot's keys pinned for that registry (so no
 *      Sigstore TUF, no request beyond 127.0.0.1), and no verification cache;
 *   4. remove the temp folder and stop the registry, whatever happened.
 * Registry keys are the snapshot's `-/npm/v1/keys` document, pinned as `--registry-keys URL=FILE`
 * would: the demo does not take the registry's word for them. withDemoWorkspace gives steps 1, 2
 * and 4 to callers that run more than one check on the same copy (`verify-deps demo --init`).
 */
import { copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadProjectPolicy, runCheck, type CheckOptions } from '../check.js'
import type { Env } from '../fetch/npm-config.js'
import type { Report } from '../model.js'
import type { Policy } from '../policy/types.js'
import { startSnapshotRegistry } from './snapshot-registry.js'
import { DEMO_PLACEHOLDER_ORIGIN } from './world.js'

/** `main`: fixtures/demo/project as it is; `pull-request`: with fixtures/demo/pull-request/package-lock.json. */
export type DemoBranch = 'main' | 'pull-request'

export interface DemoOptions {
  /** fixtures/demo: `registry/`, `trust/trusted_root.json`, `project/`, `pull-request/`. */
  fixturesDir: string
  toolVersion: string
  /** Which lockfile is checked; default the pull request. */
  branch?: DemoBranch
  onProgress?: (done: number, total: number, label: string) => void
}

export interface DemoRun {
  report: Report
  /** The sample project's policy, as the check read it. */
  policy: Policy | null
  /** The registry URL the check used (gone by the time this returns). */
  registryUrl: string
  /** Paths the check requested from the demo registry, in order. */
  requests: readonly string[]
}

/** A temporary copy of the main branch, its `.npmrc` pointing at the snapshot registry served for it. */
export interface DemoWorkspace {
  projectDir: string
  /** Only the project's `.npmrc` applies (isolatedNpmEnv). */
  env: Env
  registryUrl: string
  trustedRootFile: string
  /** The snapshot's keys document, pinned for registryUrl. */
  registryKeysFile: string
  /** Paths requested from the registry so far. */
  requests: readonly string[]
  /** runCheck's options for the copy: the demo's trust material, no cache. */
  checkOptions(toolVersion: string, onProgress?: DemoOptions['onProgress']): CheckOptions
  /** Puts the pull request's package-lock.json in place of main's. */
  checkoutPullRequest(): void
}

export async function runDemo(options: DemoOptions): Promise<DemoRun> {
  return withDemoWorkspace(options.fixturesDir, async (workspace) => {
    if ((options.branch ?? 'pull-request') === 'pull-request') workspace.checkoutPullRequest()
    const report = await runCheck(workspace.checkOptions(options.toolVersion, options.onProgress))
    const { policy } = await loadProjectPolicy(workspace.projectDir)
    return { report, policy, registryUrl: workspace.registryUrl, requests: [...workspace.requests] }
  })
}

/** Runs `fn` on a fresh DemoWorkspace; the folder is removed and the registry stopped whatever happens. */
export async function withDemoWorkspace<T>(fixturesDir: string, fn: (workspace: DemoWorkspace) => Promise<T>): Promise<T> {
  const registry = await startSnapshotRegistry(join(fixturesDir, 'registry'))
  let work: string | undefined
  try {
    work = mkdtempSync(join(tmpdir(), 'verify-deps-demo-'))
    const projectDir = join(work, 'project')
    cpSync(join(fixturesDir, 'project'), projectDir, { recursive: true })
    writeFileSync(
      join(projectDir, '.npmrc'),
      // noproxy: @npmcli/agent reads HTTP(S)_PROXY from the environment itself; loopback must bypass it.
      // replace-registry-host: the lockfile's `resolved` URLs name the placeholder host; npm (and so
      // the check's RESOLVED_ORIGIN_MISMATCH) fetches them from `registry` with this setting.
      `registry=${registry.url}\nnoproxy=127.0.0.1\nreplace-registry-host=${new URL(DEMO_PLACEHOLDER_ORIGIN).hostname}\n`,
    )
    const env = isolatedNpmEnv(work)
    const trustedRootFile = join(fixturesDir, 'trust', 'trusted_root.json')
    const registryKeysFile = join(fixturesDir, 'registry', '-', 'npm', 'v1', 'keys.json')
    return await fn({
      projectDir,
      env,
      registryUrl: registry.url,
      trustedRootFile,
      registryKeysFile,
      requests: registry.requests,
      checkOptions: (toolVersion, onProgress) => ({
        projectDir,
        env,
        toolVersion,
        trustedRootFile,
        registryKeysPins: { [registry.url]: registryKeysFile },
        cacheDir: false,
        ...(onProgress && { onProgress }),
      }),
      checkoutPullRequest: () => copyFileSync(join(fixturesDir, 'pull-request', 'package-lock.json'), join(projectDir, 'package-lock.json')),
    })
  } finally {
    await registry.close()
    if (work) rmSync(work, { recursive: true, force: true })
  }
}

/** Only the project's `.npmrc` applies: empty user and global npmrc files, a throwaway npm cache. */
function isolatedNpmEnv(work: string): Env {
  const userconfig = join(work, 'user.npmrc')
  const globalconfig = join(work, 'global.npmrc')
  writeFileSync(userconfig, '')
  writeFileSync(globalconfig, '')
  return { HOME: work, npm_config_userconfig: userconfig, npm_config_globalconfig: globalconfig, npm_config_cache: join(work, 'npm-cache') }
}
