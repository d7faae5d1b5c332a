/** Politeness for the audit (`--rate`): a token bucket over requests. */

/**
 * A token bucket of `rate` requests a second (a burst of at most one second's worth), or no limit.
 * Each take() resolves when a token is available; waiters are served in arrival order.
 */
export function createTokenBucket(rate: number | undefined, clock: { now: () => number; sleep: (ms: number) => Promise<void> } = SYSTEM_CLOCK): () => Promise<void> {
  if (rate === undefined || !Number.isFinite(rate)) return () => Promise.resolve()
  const capacity = Math.max(1, rate)
  let tokens = capacity
  let last = clock.now()
  let queue: Promise<void> = Promise.resolve()
  const refill = () => {
    const now = clock.now()
    tokens = Math.min(capacity, tokens + ((now - last) / 1000) * rate)
    last = now
  }
  return () => {
    const turn = queue.then(async () => {
      refill()
      while (tokens < 1) {
        await clock.sleep(Math.ceil(((1 - tokens) / rate) * 1000))
        refill()
      }
      tokens -= 1
    })
    queue = turn
    return turn
  }
}

const SYSTEM_CLOCK = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) }
