/**
 * runDemo: the real check over the demo world, with nothing from the machine's npm setup.
 *   1. serve the registry snapshot on 127.0.0.1;
 *   2. copy the sample project to a temp folder and point its `.npmrc` at that registry;
 *   3. runCheck with the demo's trusted root and the snapshot's keys pinned for that registry (so no
 *      Sigstore TUF, no request beyond 127.0.0.1), and no verification cache;
 *   4. remove the temp folder and stop the registry, whatever happened.
 * Registry keys are the snapshot's `-/npm/v1/keys` document, pinned as `--registry-keys URL=FILE`
 * would: the demo does not take the registry's word for them.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadProjectPolicy, runCheck } from '../check.js'
import type { Env } from '../fetch/npm-config.js'
import type { Report } from '../model.js'
import type { Policy } from '../policy/types.js'
import { startSnapshotRegistry } from './snapshot-registry.js'
import { DEMO_PLACEHOLDER_ORIGIN } from './world.js'

export interface DemoOptions {
  /** fixtures/demo: `registry/`, `trust/trusted_root.json`, `project/`. */
  fixturesDir: string
  toolVersion: string
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

export async function runDemo(options: DemoOptions): Promise<DemoRun> {
  const registry = await startSnapshotRegistry(join(options.fixturesDir, 'registry'))
  let work: string | undefined
  try {
    work = mkdtempSync(join(tmpdir(), 'verify-deps-demo-'))
    const projectDir = join(work, 'project')
    cpSync(join(options.fixturesDir, 'project'), projectDir, { recursive: true })
    writeFileSync(
      join(projectDir, '.npmrc'),
      // noproxy: @npmcli/agent reads HTTP(S)_PROXY from the environment itself; loopback must bypass it.
      // replace-registry-host: the lockfile's `resolved` URLs name the placeholder host; npm (and so
      // the check's RESOLVED_ORIGIN_MISMATCH) fetches them from `registry` with this setting.
      `registry=${registry.url}\nnoproxy=127.0.0.1\nreplace-registry-host=${new URL(DEMO_PLACEHOLDER_ORIGIN).hostname}\n`,
    )
    const report = await runCheck({
      projectDir,
      env: isolatedNpmEnv(work),
      toolVersion: options.toolVersion,
      trustedRootFile: join(options.fixturesDir, 'trust', 'trusted_root.json'),
      registryKeysPins: { [registry.url]: join(options.fixturesDir, 'registry', '-', 'npm', 'v1', 'keys.json') },
      cacheDir: false,
      ...(options.onProgress && { onProgress: options.onProgress }),
    })
    return { report, policy: (await loadProjectPolicy(projectDir)).policy, registryUrl: registry.url, requests: [...registry.requests] }
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
