/**
 * One measured process: wall time from spawn to exit, peak RSS (bench/maxrss.cjs, preloaded through
 * NODE_OPTIONS so it also reaches a node started by a launcher such as npm's bin), and its output.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'

export const MAXRSS_PRELOAD = fileURLToPath(new URL('./maxrss.cjs', import.meta.url))
// Children a tool starts report too, and exit before it: the last line is the tool's own.
const MAXRSS_LINE = /\nBENCH_MAXRSS_KB=(\d+)\n/g

export interface Measured {
  ms: number
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  /** Without the peak-RSS line. */
  stderr: string
  /** Peak resident set size, bytes; 0 if the process died before reporting it. */
  rssBytes: number
}

export interface MeasureOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  /** More --require preloads, after maxrss.cjs. */
  preload?: string[]
  /** Preload maxrss.cjs (default true); off for start-up timings, where it would be part of what is timed. */
  maxrss?: boolean
  timeoutMs?: number
}

export function measure(file: string, args: readonly string[], options: MeasureOptions): Promise<Measured> {
  const preloads = [...(options.maxrss === false ? [] : [MAXRSS_PRELOAD]), ...(options.preload ?? [])]
  const env = { ...options.env, NODE_OPTIONS: preloads.map((p) => `--require ${JSON.stringify(p)}`).join(' ') }
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(file, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 30 * 60_000 })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    child.on('error', (e) => reject(new Error(`could not start ${file}: ${e.message}`)))
    child.on('close', (status, signal) => {
      const ms = performance.now() - started
      const stderr = Buffer.concat(err).toString('utf8')
      const rss = [...stderr.matchAll(MAXRSS_LINE)].at(-1)
      resolve({
        ms,
        status,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: stderr.replaceAll(MAXRSS_LINE, '\n'),
        // process.resourceUsage().maxRSS is in kilobytes.
        rssBytes: rss ? Number(rss[1]) * 1024 : 0,
      })
    })
  })
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
