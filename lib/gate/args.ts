/**
 * `verify-deps install` / `ci` take verify-deps options and npm arguments on one command line.
 * The rule (docs/install-gates.md): an option verify-deps knows is verify-deps'; `--registry` goes
 * to both (npm must resolve from the registry that is verified); everything else — package specs
 * and any other option — is npm's, in order; after `--` everything is npm's, so an npm option with
 * a verify-deps name (`--offline`, `--json`) can still reach npm.
 */

export interface OptionSpec {
  type: 'boolean' | 'string'
  short?: string
}

export interface SplitArgs {
  /** verify-deps' own arguments, for parseArgs. */
  own: string[]
  /** npm's arguments, in the order given. */
  npm: string[]
}

export function splitGateArgs(argv: readonly string[], options: Readonly<Record<string, OptionSpec>>, shared: ReadonlySet<string>): SplitArgs {
  const own: string[] = []
  const npm: string[] = []
  const shorts = new Map<string, string>(Object.entries(options).flatMap(([name, o]) => (o.short ? [[`-${o.short}`, name] as const] : [])))
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      npm.push(...argv.slice(i + 1))
      break
    }
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0]! : shorts.get(arg)
    const spec = name === undefined ? undefined : options[name]
    if (!spec) {
      npm.push(arg)
      continue
    }
    // A string option's value is the next argument unless given inline (`--policy=FILE`).
    const taken = spec.type === 'string' && !arg.includes('=') && i + 1 < argv.length ? [arg, argv[++i]!] : [arg]
    own.push(...taken)
    // Shared options reach npm as one `--name=value` argument, so npmOptionsOnly keeps them whole.
    if (shared.has(name!)) npm.push(taken.length === 2 ? `--${name}=${taken[1]}` : arg)
  }
  return { own, npm }
}

/**
 * npm's options among its arguments, for `npm ci` after `npm install <specs>`: package specs are
 * dropped, and so is the value of an option written `--name value` (write `--name=value`).
 */
export function npmOptionsOnly(npmArgs: readonly string[]): string[] {
  return npmArgs.filter((a) => a.startsWith('-') && a !== '-' && a !== '--')
}
