// The public library API: explicit exports only.
export { EXIT, type ExitCode } from './cli/exit-codes.js'
