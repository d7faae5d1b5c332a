/**
 * bench/maxrss.cjs reports the benchmarked process's own peak RSS, not its parent's: Linux keeps
 * ru_maxrss across execve, so a child forked by the bench (which holds the whole generated world)
 * would otherwise report the bench's size.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const PRELOAD = fileURLToPath(new URL('../../bench/maxrss.cjs', import.meta.url))

function childPeakKb(code: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', PRELOAD, '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d))
    child.on('error', reject)
    child.on('close', () => {
      const m = /BENCH_MAXRSS_KB=(\d+)/.exec(err)
      if (m) resolve(Number(m[1]))
      else reject(new Error(`no BENCH_MAXRSS_KB line: ${err}`))
    })
  })
}

t.test("a small child of a big parent reports its own peak, not the parent's", { skip: process.platform !== 'linux' && 'VmHWM is Linux only' }, async (t) => {
  const ballast = Buffer.alloc(200 * 1024 * 1024, 1) // resident in this (parent) process
  const small = await childPeakKb('0')
  const grown = await childPeakKb('globalThis.b = Buffer.alloc(100 * 1024 * 1024, 1)')
  t.ok(ballast.length > 0)
  t.ok(small < 150 * 1024, `an idle node: ${small} kB`)
  t.ok(grown > small + 80 * 1024, `a child that holds 100 MB: ${grown} kB`)
  t.ok(grown < 200 * 1024, 'still its own peak, below the parent')
})
