// Minimal types for proc-log 6 (npm's process-event logging); only what verify-deps uses.
// CommonJS without detectable named exports: required through lib/cjs.ts (lib/fetch/log.ts), its types taken from here.
declare module 'proc-log' {
  type LogFn = (...args: unknown[]) => boolean
  const procLog: {
    log: {
      error: LogFn
      warn: LogFn
      notice: LogFn
      info: LogFn
      verbose: LogFn
      http: LogFn
      silly: LogFn
    }
  }
  export default procLog
}
