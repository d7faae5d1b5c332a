/**
 * Dependency install scripts: what the tree stage reads (the lockfile's `hasInstallScript`, npm's
 * `allowScripts` verdict for each package), which npm rules apply to the run, and what the policy
 * stage concludes per package (will its install scripts run, with the evidence verified). Plain data.
 */

/**
 * npm's `allowScripts` answer for a package (@npmcli/arborist lib/script-allowed.js):
 * - `allowed`: an entry with `true` matches it and none with `false`;
 * - `denied`: an entry with `false` matches it (deny wins);
 * - `unreviewed`: no entry matches it;
 * - `bundled`: inside another package's tarball, which no entry can allow or deny.
 */
export type AllowScriptsVerdict = 'allowed' | 'denied' | 'unreviewed' | 'bundled'

/** What the tree stage says about a package that has install scripts (absent: the lockfile says it has none). */
export interface InstallScriptRef {
  /** The most permissive verdict over the package's locations (npm decides each installed copy). */
  allowScripts: AllowScriptsVerdict
  /** The `allowScripts` keys that matched it. */
  matched: string[]
  /**
   * `true` entries that name this package pinned to other versions only (`"pkg@1.0.0": true` while
   * the lockfile has 1.0.1): approved for a version that is not the one installed.
   */
  pinnedElsewhere: string[]
  /**
   * Set when the lockfile does not flag the package and something else says it may have install
   * scripts: `registry` (its version document: `hasInstallScript`, a preinstall/install/postinstall
   * script, or `gypfile`), `bundled` (npm reads a bundled package's package.json from its parent's
   * tarball; the lockfile cannot tell, so it is assumed to have some).
   */
  unflagged?: 'registry' | 'bundled'
}

/**
 * Whose rules decide whether a dependency's install scripts run:
 * - `npm12`: npm 12 and later run them only when `allowScripts` allows them;
 * - `npm11`: npm 11.16 to 11.x run them unless `allowScripts` denies them (unreviewed ones with a
 *   warning, or the install fails under `strict-allow-scripts`);
 * - `legacy`: npm before 11.16, or an npm verify-deps could not identify: `allowScripts` is not read
 *   and every install script runs.
 */
export type NpmScriptRules = 'npm12' | 'npm11' | 'legacy'

/** An npm setting and where it was set. */
export interface NpmSetting {
  value: boolean
  /** `.npmrc` file, `environment`, or `default`. */
  from: string
}

/** The install-script settings of the npm configuration (lib/fetch/npm-script-settings.ts). */
export interface NpmScriptSettings {
  ignoreScripts: NpmSetting
  dangerouslyAllowAllScripts: NpmSetting
  strictAllowScripts: NpmSetting
}

/** Where npm's allowScripts policy comes from for the project (npm lib/utils/resolve-allow-scripts.js). */
export interface AllowScriptsSource {
  /** `package.json` (its `allowScripts`), `.npmrc` (the `allow-scripts` setting), or `none`. */
  source: 'package.json' | '.npmrc' | 'none'
  /** The file it was read from. */
  file?: string
  /** Entries npm drops or ignores, each with why (dist-tags, semver ranges, values other than true/false). */
  ignored: string[]
}

/** The run's install-script context: which npm rules apply and why, the settings and the allowScripts source. */
export interface InstallScriptContext {
  rules: NpmScriptRules
  /** The version of the npm that will install, when it is known (`npm --version`). */
  npmVersion?: string
  /** Why these rules: which signals were read and what they said. */
  reason: string
  settings: NpmScriptSettings
  allowScripts: AllowScriptsSource
}

/** The policy stage's answer for one package with install scripts (PackageResult.installScripts). */
export interface InstallScriptsResult {
  /** Whether npm will run its install scripts (fail closed: true when unsure). */
  willRun: boolean
  /** Why, in words: the rules, setting or allowScripts entry that decided. */
  reason: string
  allowScripts: AllowScriptsVerdict
  /** The allowScripts keys that matched it. */
  matched: string[]
  /** `true` entries pinned to other versions than the one locked. */
  pinnedElsewhere: string[]
  rules: NpmScriptRules
  /** What verify-deps verified cryptographically about these bytes. */
  verified: { provenance: boolean; trustedPublisher: boolean }
}
