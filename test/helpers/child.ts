/**
 * How tests start child processes. tap's processinfo loader (`@tapjs/processinfo`) rides into every
 * child a test starts, through NODE_OPTIONS, whatever `env` the test passes: it records coverage and
 * costs about half a second of CPU per node start (module hooks, source-map lookups). Only
 * verify-deps' own code is worth that, and only while coverage is being recorded; every other child
 * (npm, and the CLI when coverage is off) is started through `env -u NODE_OPTIONS`, which execs the
 * command in place: same pid, so signals reach it directly.
 */
const RECORDING_COVERAGE = process.env._TAPJS_PROCESSINFO_COVERAGE_ === '1'

/** `[file, args]` for spawn: the command as given when its coverage is wanted and recorded, else under `env -u NODE_OPTIONS`. */
export function childCommand(file: string, args: readonly string[], options: { coverage?: boolean } = {}): [string, string[]] {
  if (options.coverage === true && RECORDING_COVERAGE) return [file, [...args]]
  return ['env', ['-u', 'NODE_OPTIONS', file, ...args]]
}
