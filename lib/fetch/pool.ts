/**
 * Bounded concurrency without a dependency: `limit` workers take items in order until none are
 * left. Results keep the input order. `fn` must not throw (fetch/ turns every failure into data).
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index]!, index)
    }
  }
  const workers = Math.max(1, Math.min(Math.floor(limit), items.length))
  await Promise.all(Array.from({ length: workers }, worker))
  return results
}

/**
 * At most `limit` calls of `fn` running at once, whoever calls: a semaphore for one kind of work
 * (tarball downloads) inside a wider pool. Calls wait in arrival order.
 */
export function createLimiter(limit: number): <R>(fn: () => Promise<R>) => Promise<R> {
  const max = Math.max(1, Math.floor(limit))
  const waiting: Array<() => void> = []
  let running = 0
  // A finished call hands its slot straight to the next waiter, so that no newcomer slips in between.
  const release = (): void => {
    const next = waiting.shift()
    if (next) next()
    else running--
  }
  return async <R>(fn: () => Promise<R>): Promise<R> => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve))
    else running++
    try {
      return await fn()
    } finally {
      release()
    }
  }
}
