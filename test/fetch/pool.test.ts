/** The bounded pools of fetch/: mapWithConcurrency (one pool of workers) and createLimiter (a semaphore). */
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { createLimiter, mapWithConcurrency } from '../../lib/fetch/pool.js'

/** Runs `n` tasks through `run`, each yielding a few times; returns the most that ran at once and the order they started. */
async function measure(n: number, run: (task: () => Promise<number>) => Promise<number>): Promise<{ most: number; started: number[]; results: number[] }> {
  let running = 0
  let most = 0
  const started: number[] = []
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      run(async () => {
        started.push(i)
        most = Math.max(most, ++running)
        await sleep(i % 3)
        await Promise.resolve()
        running--
        return i * 2
      }),
    ),
  )
  return { most, started, results }
}

t.test('createLimiter: never more than the limit at once, in arrival order, results kept', async (t) => {
  const limit = createLimiter(3)
  const { most, started, results } = await measure(20, (task) => limit(task))
  t.equal(most, 3)
  t.same(started, Array.from({ length: 20 }, (_, i) => i), 'first come, first served')
  t.same(results, Array.from({ length: 20 }, (_, i) => i * 2))
})

t.test('createLimiter: a caller arriving as a slot is handed over does not slip in beyond the limit', async (t) => {
  const limit = createLimiter(1)
  let running = 0
  let most = 0
  const task = async () => {
    most = Math.max(most, ++running)
    await Promise.resolve()
    running--
  }
  const first = limit(task)
  const second = limit(task)
  // Arrives synchronously after the first call's slot is released but before the waiter resumes.
  await first
  const third = limit(task)
  await Promise.all([second, third])
  t.equal(most, 1)
})

t.test('createLimiter: a failing call frees its slot and rejects for its caller only', async (t) => {
  const limit = createLimiter(1)
  await t.rejects(limit(() => Promise.reject(new Error('boom'))), /boom/)
  t.equal(await limit(async () => 'next'), 'next')
})

t.test('createLimiter: a limit below one still lets calls through, one at a time', async (t) => {
  const { most } = await measure(5, (task) => createLimiter(0)(task))
  t.ok(most >= 1)
  const one = createLimiter(0.5)
  t.equal((await measure(5, (task) => one(task))).most, 1)
})

t.test('mapWithConcurrency: bounded workers, input order kept', async (t) => {
  let running = 0
  let most = 0
  const results = await mapWithConcurrency([5, 4, 3, 2, 1], 2, async (x, i) => {
    most = Math.max(most, ++running)
    await sleep(x)
    running--
    return `${i}:${x}`
  })
  t.equal(most, 2)
  t.same(results, ['0:5', '1:4', '2:3', '3:2', '4:1'])
})
