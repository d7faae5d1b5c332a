/**
 * Which npm's install-script rules apply to a run, from what is known about the npm that will
 * install. Fails closed: only the npm binary itself (`npm --version`) can raise the rules above
 * `legacy`, and every other signal — the `npm_config_user_agent` verify-deps was started with,
 * package.json `packageManager` and `devEngines.packageManager` — can only lower them, because each
 * may name an npm that installs the project and each is editable by a pull request (the user agent
 * through a project .npmrc `user-agent`). The lowest npm that may install decides. Pure.
 */
// One function file each: semver's index loads its 48 files, where a run uses a handful.
import gte from 'semver/functions/gte.js'
import semverValid from 'semver/functions/valid.js'
import semverValidRange from 'semver/ranges/valid.js'
import minVersion from 'semver/ranges/min-version.js'
import type { NpmScriptRules } from '../model/install-scripts.js'

/** npm 11.16 introduced allowScripts (warning only); npm 12 enforces it (issue 10; npm's changelog). */
const NPM11_ALLOW_SCRIPTS = '11.16.0'
const NPM12 = '12.0.0'

/** What `npm --version` answered, or why it could not be asked. */
export type NpmVersionAnswer = { version: string } | { error: string }

export interface NpmRulesInput {
  /** The npm that will install, asked lazily (only when some package has install scripts). */
  npm: NpmVersionAnswer
  /** `npm_config_user_agent` of the environment, e.g. `npm/12.2.2 node/v24.1.0 linux x64`. */
  userAgent?: string
  /** package.json `packageManager` and `devEngines`, as written (untrusted). */
  declared: { packageManager?: unknown; devEngines?: unknown }
}

export interface NpmRulesChoice {
  rules: NpmScriptRules
  npmVersion?: string
  reason: string
}

const RANK: Record<NpmScriptRules, number> = { legacy: 0, npm11: 1, npm12: 2 }

export const RULES_NAME: Record<NpmScriptRules, string> = {
  npm12: 'npm 12 rules (install scripts run only when allowScripts allows them)',
  npm11: 'npm 11 rules (install scripts run unless allowScripts denies them)',
  legacy: 'npm before 11.16 rules (allowScripts is not read: every install script runs)',
}

/** The rules an npm version follows. */
export function rulesOfVersion(version: string): NpmScriptRules {
  if (gte(version, NPM12)) return 'npm12'
  if (gte(version, NPM11_ALLOW_SCRIPTS)) return 'npm11'
  return 'legacy'
}

interface Signal {
  rules: NpmScriptRules
  said: string
}

export function chooseNpmRules(input: NpmRulesInput): NpmRulesChoice {
  const version = 'version' in input.npm ? semverValid(input.npm.version) : null
  if (!version) {
    const why = 'error' in input.npm ? `\`npm --version\` could not be run (${input.npm.error})` : `\`npm --version\` answered ${JSON.stringify(input.npm.version)}, not a version`
    return { rules: 'legacy', reason: `${RULES_NAME.legacy}: ${why}; unsure which npm installs, every install script is assumed to run` }
  }
  const actual: Signal = { rules: rulesOfVersion(version), said: `\`npm --version\` says ${version}` }
  const others = [userAgentSignal(input.userAgent), packageManagerSignal(input.declared.packageManager), ...devEnginesSignals(input.declared.devEngines)].filter((s): s is Signal => s !== undefined)
  const lowest = others.reduce((low, s) => (RANK[s.rules] < RANK[low.rules] ? s : low), actual)
  const reason = lowest === actual
    ? `${RULES_NAME[actual.rules]}: ${actual.said}${others.length > 0 ? ` (${others.map((s) => s.said).join(', ')})` : ''}`
    : `${RULES_NAME[lowest.rules]}: ${actual.said}, but ${lowest.said}; the lowest npm that may install decides`
  return { rules: lowest.rules, npmVersion: version, reason }
}

function userAgentSignal(userAgent: string | undefined): Signal | undefined {
  const version = userAgent ? /^npm\/(\S+)/.exec(userAgent)?.[1] : undefined
  if (!version) return undefined
  const valid = semverValid(version)
  return { rules: valid ? rulesOfVersion(valid) : 'legacy', said: `npm_config_user_agent names npm ${version}` }
}

/** `packageManager: "npm@12.2.2"` (corepack; a `+sha512.…` hash may follow). Another package manager says nothing about npm. */
function packageManagerSignal(value: unknown): Signal | undefined {
  if (value === undefined) return undefined
  const m = typeof value === 'string' ? /^npm@([^+\s]+)(?:\+.*)?$/.exec(value) : null
  if (typeof value === 'string' && !m && !value.startsWith('npm@')) return undefined
  const valid = m ? semverValid(m[1]!) : null
  return { rules: valid ? rulesOfVersion(valid) : 'legacy', said: `package.json packageManager says ${JSON.stringify(value)}` }
}

/** `devEngines.packageManager`: one `{ name, version }` or a list; the lowest version its npm range allows decides. */
function devEnginesSignals(value: unknown): Signal[] {
  if (typeof value !== 'object' || value === null) return []
  const pm = (value as { packageManager?: unknown }).packageManager
  const entries = Array.isArray(pm) ? pm : pm === undefined ? [] : [pm]
  return entries.flatMap((entry: unknown): Signal[] => {
    const { name, version } = (typeof entry === 'object' && entry !== null ? entry : {}) as { name?: unknown; version?: unknown }
    if (name !== 'npm') return []
    // No version range: any npm may install.
    const range = typeof version === 'string' ? semverValidRange(version) : null
    const lowest = range ? minVersion(range) : null
    const said = `package.json devEngines.packageManager allows npm ${typeof version === 'string' ? JSON.stringify(version) : '(any version)'}`
    return [{ rules: lowest ? rulesOfVersion(lowest.version) : 'legacy', said }]
  })
}
