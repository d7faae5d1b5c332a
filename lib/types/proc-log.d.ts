// Minimal types for proc-log 6 (npm's process-event logging); only what verify-deps uses.
// CommonJS without detectable named exports: import the default, `const { log } = procLog`.
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
