/**
 * `verify-deps install` / `ci` take verify-deps options and npm arguments on one command line.
 * The rule (docs/install-gates.md):
 *   - an option verify-deps knows is verify-deps'; `--registry` goes to both (npm must resolve from
 *     the registry that is verified);
 *   - before `--`, any other option must be one of the npm install/ci options the gate forwards
 *     (NPM_OPTIONS, from npm 11's definitions): a misspelled `--polcy` is a usage error, never
 *     handed to npm, where it would be ignored;
 *   - after `--` everything is npm's (so an npm option with a verify-deps name, `--offline`, can
 *     reach npm); an option the gate does not know must be written `--name=value` or `--no-name`,
 *     because npm may take the next argument as its value — the gate's own flags included.
 * Every option is handed to npm as one argument (`--omit=dev`, `--save-exact`), so the install after
 * the check can take npm's options without the package specs.
 *
 * The command line may be an attacker's (a CI file edited in a pull request): refusedNpmSetting
 * names the settings that would undo what the gate relies on, and the caller also puts the gate's
 * own flags last (npm: the last one wins), where they override the environment and .npmrc too.
 */
import { inputError } from '../errors.js'

export interface OptionSpec {
  type: 'boolean' | 'string'
  short?: string
}

export type GateCommand = 'install' | 'ci'

/** One npm option as npm will read it: its canonical name and value. */
export interface NpmSetting {
  name: string
  /** Booleans as true/false; other options as given. */
  value: boolean | string
  /** As the user wrote it, for messages. */
  given: string
}

export interface SplitArgs {
  /** verify-deps' own arguments, for parseArgs. */
  own: string[]
  /** npm's arguments, in the order given, each option as one argument. */
  npm: string[]
  /** npm's options among them, for refusedNpmSetting. */
  settings: NpmSetting[]
}

/**
 * The npm options the gate forwards (npm 11, `npm install --help` and `npm ci --help`, and the
 * general options commonly given to them), with their types as npm's config definitions give them
 * (`@npmcli/config`). npm 11 and 12 define all of them (test/gate/args.test.ts checks against the
 * npm on PATH; CI runs both); npm 10 lacks the allow-*, min-release-age* and strict-allow-scripts
 * ones and ignores them. The gate's own flags (lib/gate/install.ts) are in npm 10, 11 and 12.
 */
export const NPM_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  save: { type: 'boolean', short: 'S' },
  'save-exact': { type: 'boolean', short: 'E' },
  'save-dev': { type: 'boolean', short: 'D' },
  'save-optional': { type: 'boolean', short: 'O' },
  'save-prod': { type: 'boolean', short: 'P' },
  'save-peer': { type: 'boolean' },
  'save-bundle': { type: 'boolean', short: 'B' },
  global: { type: 'boolean', short: 'g' },
  location: { type: 'string', short: 'L' },
  prefix: { type: 'string', short: 'C' },
  'install-strategy': { type: 'string' },
  'legacy-bundling': { type: 'boolean' },
  'global-style': { type: 'boolean' },
  omit: { type: 'string' },
  include: { type: 'string' },
  'strict-peer-deps': { type: 'boolean' },
  'legacy-peer-deps': { type: 'boolean' },
  'prefer-dedupe': { type: 'boolean' },
  'package-lock': { type: 'boolean' },
  'package-lock-only': { type: 'boolean' },
  'lockfile-version': { type: 'string' },
  'foreground-scripts': { type: 'boolean' },
  'ignore-scripts': { type: 'boolean' },
  'allow-directory': { type: 'string' },
  'allow-file': { type: 'string' },
  'allow-git': { type: 'string' },
  'allow-remote': { type: 'string' },
  'allow-scripts': { type: 'string' },
  'strict-allow-scripts': { type: 'boolean' },
  'dangerously-allow-all-scripts': { type: 'boolean' },
  audit: { type: 'boolean' },
  'audit-level': { type: 'string' },
  fund: { type: 'boolean' },
  before: { type: 'string' },
  'min-release-age': { type: 'string' },
  'min-release-age-exclude': { type: 'string' },
  'bin-links': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  cpu: { type: 'string' },
  os: { type: 'string' },
  libc: { type: 'string' },
  workspace: { type: 'string', short: 'w' },
  workspaces: { type: 'boolean' },
  'include-workspace-root': { type: 'boolean' },
  'install-links': { type: 'boolean' },
  'engine-strict': { type: 'boolean' },
  force: { type: 'boolean', short: 'f' },
  yes: { type: 'boolean', short: 'y' },
  'prefer-offline': { type: 'boolean' },
  'prefer-online': { type: 'boolean' },
  progress: { type: 'boolean' },
  loglevel: { type: 'string' },
  cache: { type: 'string' },
  'replace-registry-host': { type: 'string' },
  'script-shell': { type: 'string' },
  // npm's own options that share a name with verify-deps' reach npm only after `--`.
  offline: { type: 'boolean' },
  json: { type: 'boolean' },
  'fetch-timeout': { type: 'string' },
  'fetch-retries': { type: 'string' },
  registry: { type: 'string' },
  userconfig: { type: 'string' },
  globalconfig: { type: 'string' },
}

/** npm's shorthands that expand to an option with a value, and its long aliases (@npmcli/config). */
const NPM_SHORTHANDS: Readonly<Record<string, readonly [string, string | boolean]>> = {
  d: ['loglevel', 'info'],
  dd: ['loglevel', 'verbose'],
  ddd: ['loglevel', 'silly'],
  q: ['loglevel', 'warn'],
  s: ['loglevel', 'silent'],
  quiet: ['loglevel', 'warn'],
  silent: ['loglevel', 'silent'],
  verbose: ['loglevel', 'verbose'],
  local: ['global', false],
  ws: ['workspaces', true],
  iwr: ['include-workspace-root', true],
}

/**
 * npm settings the gate decides (or that must reach npm and the check alike). Any occurrence is
 * checked by refusedNpmSetting, and an unknown option that abbreviates one is refused: npm expands
 * unambiguous abbreviations (`--ignore-scr=false` is `--ignore-scripts=false`).
 */
const GUARDED = ['package-lock-only', 'package-lock', 'ignore-scripts', 'dry-run', 'save', 'lockfile-version', 'global', 'location', 'prefix', 'registry', 'userconfig', 'globalconfig']

export function splitGateArgs(argv: readonly string[], options: Readonly<Record<string, OptionSpec>>, shared: ReadonlySet<string>): SplitArgs {
  const own: string[] = []
  const npm: string[] = []
  const settings: NpmSetting[] = []
  const shorts = new Map<string, string>(Object.entries(options).flatMap(([name, o]) => (o.short ? [[`-${o.short}`, name] as const] : [])))
  const npmShorts = new Map<string, string>(Object.entries(NPM_OPTIONS).flatMap(([name, o]) => (o.short ? [[o.short, name] as const] : [])))
  const add = (name: string, value: boolean | string, given: string) => {
    settings.push({ name, value, given })
    npm.push(value === true ? `--${name}` : value === false ? `--no-${name}` : `--${name}=${value}`)
  }
  /** An npm option from the list: its value inline, as the next argument, or (booleans) none. */
  const takeNpmOption = (name: string, inline: string | undefined, negated: boolean, given: string, next: () => string | undefined, peek: () => string | undefined) => {
    const spec = NPM_OPTIONS[name]!
    if (spec.type === 'boolean') {
      // npm also reads `--flag true` / `--flag false` as the flag's value.
      const raw = inline ?? (peek() === 'true' || peek() === 'false' ? next() : undefined)
      if (raw !== undefined && raw !== 'true' && raw !== 'false') throw usage(`"${given}": npm's --${name} is true or false`)
      const value = raw === undefined ? true : raw === 'true'
      add(name, negated ? !value : value, given)
      return
    }
    if (negated) return add(name, false, given)
    const value = inline ?? next()
    if (value === undefined) throw usage(`"${given}" needs a value (write --${name}=<value>)`)
    add(name, value, given)
  }

  let afterDashes = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const next = () => (i + 1 < argv.length ? argv[++i] : undefined)
    const peek = () => argv[i + 1]
    if (arg === '--') {
      if (afterDashes) throw usage('"--" may be given once: everything after it is already npm\'s')
      afterDashes = true
      continue
    }
    if (!arg.startsWith('-') || arg === '-') {
      npm.push(arg)
      continue
    }
    if (!afterDashes) {
      const name = arg.startsWith('--') ? arg.slice(2).split('=')[0]! : shorts.get(arg)
      const spec = name === undefined ? undefined : options[name]
      if (spec) {
        // A string option's value is the next argument unless given inline (`--policy=FILE`).
        const taken = spec.type === 'string' && !arg.includes('=') && i + 1 < argv.length ? [arg, argv[++i]!] : [arg]
        own.push(...taken)
        // Shared options reach npm as one `--name=value` argument (not a setting to refuse: the check gets it too).
        if (shared.has(name!)) npm.push(taken.length === 2 ? `--${name}=${taken[1]}` : arg)
        continue
      }
    }
    // npm's: a long option (`--name`, `--name=value`, `--no-name`) or a shorthand (`-D`, `-DE`, `-w a`).
    if (!arg.startsWith('--')) {
      const letters = arg.slice(1)
      const alias = NPM_SHORTHANDS[letters]
      if (alias) {
        add(alias[0], alias[1], arg)
        continue
      }
      const single = npmShorts.get(letters)
      if (single) {
        takeNpmOption(single, undefined, false, arg, next, peek)
        continue
      }
      // npm reads `-DE` as `-D -E` when every letter is a shorthand.
      const each = [...letters].map((l) => npmShorts.get(l))
      if (letters.length > 1 && each.every((n) => n !== undefined && NPM_OPTIONS[n]!.type === 'boolean')) {
        for (const n of each) add(n!, true, arg)
        continue
      }
      throw unknownOption(arg, afterDashes, options)
    }
    const eq = arg.indexOf('=')
    const written = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
    const inline = eq === -1 ? undefined : arg.slice(eq + 1)
    const negated = written.startsWith('no-') && !NPM_OPTIONS[written] && !NPM_SHORTHANDS[written]
    const name = negated ? written.slice(3) : written
    const alias = NPM_SHORTHANDS[name]
    if (alias && inline === undefined && !negated) {
      add(alias[0], alias[1], arg)
      continue
    }
    if (NPM_OPTIONS[name]) {
      takeNpmOption(name, inline, negated, arg, next, peek)
      continue
    }
    if (!afterDashes) throw unknownOption(arg, afterDashes, options)
    // After `--`: npm's own business, as long as it cannot hide a guarded setting or swallow the
    // argument after it.
    const abbreviates = GUARDED.find((g) => g !== name && g.startsWith(name))
    if (abbreviates) throw usage(`"${arg}": npm would read it as --${abbreviates}; write the full option name`)
    if (name.endsWith(':registry')) throw usage(`"${arg}": a scope's registry must be the same for npm and the check`, 'Set it in the project\'s .npmrc, which both read.')
    if (inline === undefined && !negated) throw usage(`"${arg}" is not an npm option verify-deps knows, and npm may take the next argument as its value`, `Write it as ${arg}=<value> (or ${arg}=true).`)
    settings.push({ name, value: negated ? false : inline!, given: arg })
    npm.push(arg)
  }
  return { own, npm, settings }
}

/**
 * Why an npm setting cannot be given to the gate, or null. `install` runs npm twice: first
 * `npm install --package-lock-only --ignore-scripts` to write the lockfile that is checked, then
 * `npm ci` (or `npm install`) to install it; `ci` runs `npm ci` on the lockfile that was checked.
 */
export function refusedNpmSetting(setting: NpmSetting, command: GateCommand): string | null {
  const { name, value } = setting
  switch (name) {
    case 'global':
      return value === false ? null : 'the install gates verify the project\'s lockfile in this folder, not a global install'
    case 'location':
      return value === 'project' ? null : 'the install gates verify the project\'s lockfile in this folder'
    case 'prefix':
      return 'the install gates verify the project\'s lockfile in this folder (run verify-deps in the project folder instead)'
    case 'registry':
      return 'after "--" it would reach npm but not the check: npm must install from the registry that is verified (give --registry before "--": it goes to both)'
    case 'userconfig':
    case 'globalconfig':
      return 'on the command line it would reach npm but not the check (set npm_config_' + name + ' in the environment, which both read)'
    case 'package-lock-only':
      return 'the gate decides when npm writes only the lockfile'
    case 'dry-run':
      return value === false ? null : 'npm would install nothing, and the gate would report an install that did not happen'
    case 'package-lock':
      return value === true ? null : 'npm would ignore the lockfile that was verified'
    case 'allow-scripts':
      // npm 11.16+ and 12 throw EALLOWSCRIPTS for it in any project install (resolve-allow-scripts.js).
      return 'npm refuses --allow-scripts in a project install: list the packages in package.json "allowScripts" ("npm approve-scripts <pkg>") or in .npmrc'
  }
  if (command !== 'install') return null
  switch (name) {
    case 'ignore-scripts':
      return value === true ? null : 'npm would run install scripts while writing the lockfile, before the check'
    case 'save':
      return value === true ? null : 'npm would not write the lockfile the check reads, and would install something the check did not see'
    case 'lockfile-version':
      return value === '2' || value === '3' ? null : 'lockfile version 1 lacks data npm then fetches from the registry at install time, after the check'
  }
  return null
}

/** Throws a usage error (exit 2) for the first npm setting the gate cannot accept. */
export function refuseNpmSettings(settings: readonly NpmSetting[], command: GateCommand): void {
  for (const setting of settings) {
    const why = refusedNpmSetting(setting, command)
    if (why) throw usage(`"${setting.given}" is not supported by verify-deps ${command}: ${why}`)
  }
}

/**
 * npm's options among its arguments, for `npm ci` after `npm install <specs>`: package specs are
 * dropped. splitGateArgs hands every option over as one argument, so values go with their option.
 */
export function npmOptionsOnly(npmArgs: readonly string[]): string[] {
  return npmArgs.filter((a) => a.startsWith('-') && a !== '-' && a !== '--')
}

function usage(message: string, hint = '"verify-deps install --help" and "verify-deps ci --help" say which arguments go where.') {
  return inputError('EUSAGE', message, hint)
}

function unknownOption(arg: string, afterDashes: boolean, options: Readonly<Record<string, OptionSpec>>) {
  if (afterDashes) return usage(`"${arg}" is not an npm shorthand verify-deps knows`, 'Write npm options in full, with two dashes (e.g. --save-dev).')
  const name = arg.replace(/^-+/, '').split('=')[0]!
  const near = Object.keys(options).find((o) => editDistance(o, name) <= 2)
  return usage(
    `unknown option "${arg}": not a verify-deps option, nor an npm install option verify-deps passes on${near ? ` (did you mean --${near}?)` : ''}`,
    'Put other npm options after "--" (e.g. verify-deps install <pkg> -- --some-option=value); "verify-deps install --help" lists both kinds.',
  )
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    row = next
  }
  return row[b.length]!
}
