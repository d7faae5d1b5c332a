import t from 'tap'
import { DEFAULT_RETRY_POLICY, getJSON, parseRetryAfter } from '../../lib/fetch/http.js'
import { startRegistry } from '../helpers/registry/index.js'

t.test('Retry-After as seconds or as an HTTP date', async (t) => {
  const now = new Date('2025-03-01T12:00:00Z')
  t.equal(parseRetryAfter('7', now), 7000)
  t.equal(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', now), 30_000)
  t.equal(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now), 0, 'a date in the past: now')
  t.equal(parseRetryAfter('soon', now), undefined)
  t.equal(parseRetryAfter(undefined, now), undefined)
})

t.test('an aborted run stops waiting at once and is not retried', async (t) => {
  const registry = await startRegistry({ faults: [{ prefix: '/', type: 'delay', delayMs: 5000 }] })
  t.teardown(() => registry.close())
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 50)
  const started = Date.now()
  const result = await getJSON(`${registry.url}x`, {
    fetchOptions: { registry: registry.url },
    timeoutMs: 10_000,
    retry: DEFAULT_RETRY_POLICY,
    signal: controller.signal,
    redact: (s) => s,
  })
  t.match(result, { ok: false, reason: /: aborted$/, attempts: 1 })
  t.ok(Date.now() - started < 2000)
})
