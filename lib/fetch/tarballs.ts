/**
 * `--fetch-tarballs`: the tarball bytes of each registry package whose lockfile integrity is weaker
 * than sha512 (sha1, sha256, sha384), so that verify can prove the bytes match both the lockfile's
 * integrity (what `npm ci` will check) and the registry's signed sha512 (what signatures and
 * attestations are about). Entries with a single sha512 need no download: npm checks it itself.
 *
 * Which URL: the one npm will fetch, the lockfile's `resolved`, and only when it lies under the
 * package's configured registry; without `resolved` npm asks that registry, so its conventional
 * tarball URL is used. A `resolved` anywhere else is not fetched (the entry stays INTEGRITY_WEAK,
 * saying why): credentials would be sent to another origin, and another server could answer us
 * and npm differently. `dist.tarball` from the version document is never used: it is unsigned.
 *
 * The bytes are attacker-controlled and big: the download is streamed with a size cap, bounded by
 * the timeout as a whole, retried like every other request. A download that fails is a
 * FetchFailure (could not verify), never a pass. fetch/ gathers and never decides.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { log } from './log.js'
import type { PackageRef } from '../model.js'
import { parseIntegrity } from '../model/integrity.js'
import { escapedName, evidenceKey, type EvidenceOutcome, type FetchFailure } from './evidence.js'
import { CROSS_ORIGIN_REDIRECT, header, npmFetch, parseRetryAfter, requestAgent, requestPolicy, type RetryPolicy } from './http.js'
import type { NpmConfig } from './npm-config.js'
import { mapWithConcurrency } from './pool.js'
import { normalizeRegistry } from './registry-keys/by-registry.js'


/** npm's registry refuses packages far smaller; a bigger "tarball" is not one worth hashing. */
export const DEFAULT_MAX_TARBALL_BYTES = 256 * 1024 * 1024
/** Downloads at once: tarballs are large, and held in memory until verified. */
export const DEFAULT_TARBALL_CONCURRENCY = 4

export interface FetchTarballsOptions {
  config: NpmConfig
  /** Per attempt, request and whole body; default npm's `fetch-timeout` when set, else 30 s. */
  timeoutMs?: number
  /** Default npm's `fetch-retries` when set, else 2. */
  retries?: number
  retry?: Partial<Omit<RetryPolicy, 'retries'>>
  maxBytes?: number
  concurrency?: number
  signal?: AbortSignal
}

export type TarballResult = { ok: true; bytes: Buffer } | { ok: false; reason: string }

/**
 * For every fetched registry package with a weak lockfile integrity, adds `evidence.tarball` (or
 * `evidence.tarballSkipped`), or turns the outcome into a FetchFailure when the download fails.
 * Returns a new map; other outcomes are passed through unchanged.
 */
export async function addTarballs(
  refs: readonly PackageRef[],
  outcomes: ReadonlyMap<string, EvidenceOutcome>,
  options: FetchTarballsOptions,
): Promise<Map<string, EvidenceOutcome>> {
  const result = new Map(outcomes)
  const wanted = new Map<string, PackageRef>()
  for (const ref of refs) {
    const key = evidenceKey(ref)
    const outcome = outcomes.get(key)
    if (!wanted.has(key) && outcome && wantsTarball(ref, outcome)) wanted.set(key, ref)
  }
  const entries = [...wanted]
  const updated = await mapWithConcurrency(entries, options.concurrency ?? DEFAULT_TARBALL_CONCURRENCY, ([key, ref]) => withTarball(ref, outcomes.get(key)!, options))
  entries.forEach(([key], i) => result.set(key, updated[i]!))
  return result
}

/** Whether `--fetch-tarballs` downloads the tarball of `ref` with this outcome: fetched (not cached) evidence for a weak lockfile integrity. */
export function wantsTarball(ref: PackageRef, outcome: EvidenceOutcome): boolean {
  return ref.source === 'registry' && outcome.state === 'fetched' && parseIntegrity(ref.integrity).kind === 'weak'
}

/**
 * One package's outcome with its tarball: `evidence.tarball` (or `evidence.tarballSkipped`) added,
 * or a FetchFailure when the download fails. Other outcomes are returned unchanged.
 */
export async function withTarball(ref: PackageRef, outcome: EvidenceOutcome, options: FetchTarballsOptions): Promise<EvidenceOutcome> {
  if (outcome.state !== 'fetched') return outcome
  const id = `${ref.name}@${ref.version}`
  const url = tarballUrl(ref, outcome.registry)
  if (typeof url === 'object') return { ...outcome, evidence: { ...outcome.evidence, tarballSkipped: options.config.redact(url.skipped) } }
  const download = await downloadTarball(url, outcome.registry, options)
  if (!download.ok) {
    const failure: FetchFailure = {
      state: 'failed',
      name: ref.name,
      version: ref.version,
      registry: outcome.registry,
      reason: options.config.redact(`${id}: --fetch-tarballs: ${download.reason}`),
      url: options.config.redact(url),
    }
    log.verbose('fetch', failure.reason)
    return failure
  }
  return { ...outcome, evidence: { ...outcome.evidence, tarball: download.bytes } }
}

/** The URL npm will fetch the tarball from, when it is on the package's registry; else why not. */
export function tarballUrl(ref: Pick<PackageRef, 'name' | 'version' | 'resolved'>, registry: string): string | { skipped: string } {
  const base = normalizeRegistry(registry)
  if (ref.resolved === undefined || ref.resolved === '') {
    const path = escapedName(ref.name)
    if (!path) return { skipped: 'not a valid package name for a registry request' }
    const file = `${ref.name.replace(/^@[^/]+\//, '')}-${ref.version}.tgz`
    return `${base}${path}/-/${encodeURIComponent(file)}`
  }
  let resolved: URL
  let registryUrl: URL
  try {
    resolved = new URL(ref.resolved)
    registryUrl = new URL(base)
  } catch {
    return { skipped: `resolved ${JSON.stringify(ref.resolved.slice(0, 200))} is not a URL` }
  }
  if (resolved.username || resolved.password) return { skipped: 'resolved carries credentials' }
  const under = resolved.origin === registryUrl.origin && resolved.pathname.startsWith(registryUrl.pathname) && !resolved.search && !resolved.hash
  if (!under) return { skipped: `resolved ${resolved.origin}${resolved.pathname} is not on the registry ${base}; not downloaded` }
  return resolved.href
}

/** GET `url` with the registry's credentials (npm-registry-fetch scopes them by URL), streamed and capped. */
export async function downloadTarball(url: string, registry: string, options: FetchTarballsOptions): Promise<TarballResult> {
  const { timeoutMs, retry } = requestPolicy(options.config.fetchSettings(), {
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.retries !== undefined && { retries: options.retries }),
    ...(options.retry && { retry: options.retry }),
  })
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_TARBALL_BYTES
  // No HTTP cache: a poisoned cache entry must not stand in for the registry's answer.
  const { cache: _cache, ...fetchOptions } = options.config.fetchOptions(registry)
  const where = options.config.redact(url)
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptDownload(url, { fetchOptions, timeoutMs, maxBytes, ...(options.signal && { signal: options.signal }) })
    if ('bytes' in outcome) return { ok: true, bytes: outcome.bytes }
    const last = attempt > retry.retries || !outcome.retry || options.signal?.aborted
    const waitMs = Math.max(Math.min(retry.maxDelayMs, retry.minDelayMs * retry.factor ** (attempt - 1)), outcome.retryAfterMs ?? 0)
    if (last || waitMs > retry.maxRetryAfterMs) {
      return { ok: false, reason: `GET ${where}: ${options.config.redact(outcome.reason)}${attempt > 1 ? ` (after ${attempt} attempts)` : ''}` }
    }
    log.http('fetch', `GET ${where} attempt ${attempt} failed (${options.config.redact(outcome.reason)}); retrying in ${waitMs}ms`)
    try {
      await sleep(waitMs, undefined, options.signal ? { signal: options.signal } : undefined)
    } catch {
      return { ok: false, reason: `GET ${where}: aborted` }
    }
  }
}

// make-fetch-happen's redirect failures: a loop, a missing Location. The same again on a retry.
const REDIRECT_CODES = new Set(['EMAXREDIRECT', 'EINVALIDREDIRECT', 'ENOREDIRECT', CROSS_ORIGIN_REDIRECT])

interface DownloadResponse {
  status: number
  headers: { get(name: string): string | null }
  body: AsyncIterable<Buffer | string>
}

interface AttemptFailure {
  reason: string
  retry: boolean
  retryAfterMs?: number
}

async function attemptDownload(
  url: string,
  options: { fetchOptions: Record<string, unknown>; timeoutMs: number; maxBytes: number; signal?: AbortSignal },
): Promise<{ bytes: Buffer } | AttemptFailure> {
  const timeout = new AbortController()
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal
  try {
    // Redirects are followed within the origin only when the request carries credentials, as for
    // every other request (http.ts: make-fetch-happen keeps Authorization on another port or
    // scheme of the same host); a redirect loop ends in EMAXREDIRECT.
    const res = (await npmFetch()(url, {
      ...options.fetchOptions,
      agent: requestAgent(url, options.fetchOptions, options.timeoutMs),
      headers: { accept: 'application/octet-stream' },
      retry: { retries: 0 },
      timeout: options.timeoutMs,
      signal,
    })) as unknown as DownloadResponse
    if (res.status < 200 || res.status >= 300) return { reason: `HTTP ${res.status}`, retry: false }
    const declared = Number(res.headers.get('content-length'))
    if (Number.isFinite(declared) && declared > options.maxBytes) return { reason: `the tarball is ${declared} bytes, more than the ${options.maxBytes} allowed`, retry: false }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of res.body) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      size += buf.length
      if (size > options.maxBytes) {
        timeout.abort()
        return { reason: `the tarball is more than the ${options.maxBytes} bytes allowed`, retry: false }
      }
      chunks.push(buf)
    }
    return { bytes: Buffer.concat(chunks, size) }
  } catch (err) {
    if (timeout.signal.aborted && !options.signal?.aborted) return { reason: `no complete response within ${options.timeoutMs}ms`, retry: true }
    return describeError(err)
  } finally {
    clearTimeout(timer)
  }
}

function describeError(err: unknown): AttemptFailure {
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown; name?: unknown; headers?: unknown }
  if (typeof e.statusCode === 'number') {
    const status = e.statusCode
    const retry = status === 408 || status === 420 || status === 429 || status >= 500
    const retryAfter = header(e.headers, 'retry-after')
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(retryAfter) : undefined
    return { reason: `HTTP ${status}`, retry, ...(retryAfterMs !== undefined && { retryAfterMs }) }
  }
  if (e.name === 'AbortError') return { reason: 'aborted', retry: false }
  const code = typeof e.code === 'string' ? e.code : undefined
  // Connection-level trouble is worth another attempt; anything else is reported as it is.
  if (code && REDIRECT_CODES.has(code)) return { reason: `bad redirect (${code})`, retry: false }
  return { reason: code ? `connection failed (${code})` : String(e.message ?? err), retry: code !== undefined }
}

