// Preloaded into a benchmarked process: report the CPU it used (user + sys) on exit (stderr), in µs.
process.on('exit', () => {
  const { user, system } = process.cpuUsage()
  process.stderr.write(`\nBENCH_CPU_US=${user + system}\n`)
})
