/**
 * How tests start child processes. tap's processinfo loader (`@tapjs/processinfo`) rides into every
 * child a test starts, through NODE_OPTIONS, whatever `env` the test passes: it records coverage and
 * costs about half a second of CPU per node start (module hooks, source-map lookups). It is worth
 * that only while coverage is being recorded, and only for a child that runs verify-deps' code: the
 * CLI, or npm (whose preinstall hook runs the CLI). Otherwise the child is started through
 * `env -u NODE_OPTIONS`, which execs the command in place: same pid, so signals reach it directly.
 */
const RECORDING_COVERAGE = process.env._TAPJS_PROCESSINFO_COVERAGE_ === '1'

/** `[file, args]` for spawn: the command as given when its coverage is wanted and recorded, else under `env -u NODE_OPTIONS`. */
export function childCommand(file: string, args: readonly string[], options: { coverage?: boolean } = {}): [string, string[]] {
  if (options.coverage === true && RECORDING_COVERAGE) return [file, [...args]]
  return ['env', ['-u', 'NODE_OPTIONS', file, ...args]]
}
