/**
 * The npm settings that decide whether dependency install scripts run, read from the npm
 * configuration in one place (so the config loader can change under it). Definitions from
 * @npmcli/config lib/definitions/definitions.js (npm 11.19 / 12.2):
 * - `ignore-scripts`: no install script runs at all; it wins over everything below;
 * - `dangerously-allow-all-scripts`: every dependency's install scripts run, allowScripts or not;
 * - `strict-allow-scripts`: a dependency with install scripts that allowScripts does not cover fails
 *   the install before anything runs (ESTRICTALLOWSCRIPTS);
 * - `allow-scripts`: a list of specs allowed to run, used when package.json has no allowScripts.
 *   From the command line or the environment npm refuses it in a project install (EALLOWSCRIPTS),
 *   so only the .npmrc files count.
 * Each value is attacker-reachable through a project .npmrc; the answer fails closed: a value that
 * is not plainly `true` does not stop a script, and one that is not plainly `false` does not stop
 * `dangerously-allow-all-scripts`.
 */
import type { NpmScriptSettings, NpmSetting } from '../model/install-scripts.js'

/** The slice of an npm configuration this needs: a value and where it was set. */
export interface NpmConfigReader {
  get(key: string): unknown
  where(key: string): { layer: string; source: string } | undefined
}

export interface InstallScriptConfig {
  settings: NpmScriptSettings
  /** `allow-scripts` from a .npmrc file, with that file. */
  npmrcAllowScripts?: { value: unknown; file: string }
}

export function readInstallScriptConfig(config: NpmConfigReader): InstallScriptConfig {
  const setting = (key: string, on: (value: unknown) => boolean): NpmSetting => {
    const value = config.get(key)
    if (value === undefined || value === null || config.where(key)?.layer === 'default') return { value: false, from: 'default' }
    return { value: on(value), from: config.where(key)?.source ?? 'npm config' }
  }
  const plainlyTrue = (value: unknown) => value === true || value === 'true'
  const notPlainlyFalse = (value: unknown) => !(value === false || value === 'false' || value === '')
  const settings: NpmScriptSettings = {
    ignoreScripts: setting('ignore-scripts', plainlyTrue),
    dangerouslyAllowAllScripts: setting('dangerously-allow-all-scripts', notPlainlyFalse),
    strictAllowScripts: setting('strict-allow-scripts', plainlyTrue),
  }
  const allow = config.get('allow-scripts')
  const where = config.where('allow-scripts')
  const fromFile = where && where.layer !== 'cli' && where.layer !== 'env' && where.layer !== 'default' && allow !== undefined && allow !== null && allow !== ''
  return { settings, ...(fromFile && { npmrcAllowScripts: { value: allow, file: where.source } }) }
}
