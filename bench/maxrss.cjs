// Preloaded into a benchmarked process: report its peak resident set size on exit (stderr).
process.on('exit', () => {
  process.stderr.write(`\nBENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`)
})
