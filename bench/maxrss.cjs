// Preloaded into a benchmarked process: report its peak resident set size on exit (stderr), in kB.
//
// On Linux that is VmHWM from /proc/self/status: the peak of this process's own memory since it
// started its program. Not process.resourceUsage().maxRSS: Linux keeps ru_maxrss across execve, so a
// child forked by a big parent (the bench holds the whole generated world: ~350 MB at 10,000
// packages) reports the parent's size at the fork when its own peak is smaller. maxRSS elsewhere.
const { readFileSync } = require('node:fs')

function peakKb() {
  try {
    const hwm = /^VmHWM:\s*(\d+)\s*kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))
    if (hwm) return Number(hwm[1])
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS
}

process.on('exit', () => {
  process.stderr.write(`\nBENCH_MAXRSS_KB=${peakKb()}\n`)
})
