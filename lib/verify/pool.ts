/**
 * Verification off the main thread: a few worker_threads (worker.ts) that each verify packages with
 * their own trust contexts, so that on a machine with more than one core the main thread fetches
 * (and writes the evidence cache) while the workers verify. Verification stays the same pure
 * function of the same inputs (pool-protocol.ts says what crosses); only where it runs changes.
 *
 * The pool never decides an outcome: `tryVerify` gives facts, or says that it has no room (every
 * worker's queue is full) or that a worker failed (threw, crashed, exited, sent what cannot be
 * read). Either way the caller verifies inline, as it would without workers, so a failing worker
 * neither loses a package nor passes one. Idle workers are unref'd: they never keep the process
 * alive, and `close` terminates them (a check ends, or is aborted, without waiting for them).
 */
import { availableParallelism } from 'node:os'
import { Worker, type ResourceLimits } from 'node:worker_threads'
import type { PackageEvidence } from '../model/evidence.js'
import type { PackageFacts } from '../model/facts.js'
import type { VerifyReply, VerifyTask } from './pool-protocol.js'
import type { TrustInput } from './trust-context.js'

/**
 * Fewer packages to verify than this: verify inline. A worker costs a thread, an isolate and the
 * verify stage's modules (about 100 ms of CPU and 20–30 MB), worth it only when it takes over more
 * verification than that (about 2 ms of CPU per package).
 */
export const DEFAULT_WORKER_THRESHOLD = 100

/**
 * Tasks waiting in one worker before tryVerify says "no room" and the main thread verifies that
 * package itself. A waiting task no longer holds its fetch slot (check-pipeline.ts), but it holds
 * its evidence on both sides of the boundary; with more than this waiting the worker is behind
 * (it is still starting, or the main thread fetches faster than it verifies) and the main thread
 * may as well verify. With 4 (tried first) the main thread verified a third of a 1,000-package run
 * while the worker sat idle 40% of the time; with 16 a tenth to a sixth (mostly while the worker
 * loads its modules), with 64 about a tenth — no clear difference in wall time on a loaded 2-core machine.
 */
export const DEFAULT_MAX_QUEUED_PER_WORKER = 16

/**
 * Workers for `cores` cores: one core stays with the main thread (fetching, the evidence cache,
 * the report), the rest verify, at most 4 (verification is about a third of a cold run's CPU, so
 * more workers would wait for the main thread). One core: none, since a worker would only add its
 * start-up to the same core.
 */
export function defaultWorkerCount(cores = availableParallelism()): number {
  return Math.max(0, Math.min(4, cores - 1))
}

/**
 * The heap of each verify worker. A worker's live set is its trust contexts and the few packages it
 * is verifying (about 10–15 MB after a full GC at 10,000 packages); without limits V8 sized it for
 * a main thread (16 MB semi-spaces, old space grown 2–4× past the live set): about 60–75 MB per
 * worker at 10,000 packages, 24–30 MB with these, for the same CPU time. A package whose evidence
 * does not fit (an attacker can make an attestation bundle large) makes the worker fail with
 * ERR_WORKER_OUT_OF_MEMORY: like any failed worker, its packages are verified inline (never lost,
 * never passed), and the pool stops using it.
 */
export const DEFAULT_WORKER_RESOURCE_LIMITS: Readonly<ResourceLimits> = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 48 }

export type PoolResult = { facts: PackageFacts } | { failed: string }

export interface VerifyPool {
  /** The package's facts from a worker, or undefined when no worker has room (verify inline). */
  tryVerify(evidence: PackageEvidence, registry: string): Promise<PoolResult> | undefined
  /** Terminates the workers; tasks still waiting resolve as failed. */
  close(): Promise<void>
}

export interface VerifyPoolOptions {
  size: number
  /** The trust-context inputs of a registry's packages, sent to each worker once per registry. */
  trustInputFor: (registry: string) => TrustInput
  maxQueuedPerWorker?: number
  /** The worker entry; default worker.js (worker.ts under a TypeScript loader) beside this module. */
  workerURL?: URL
  /** Heap limits of each worker; default DEFAULT_WORKER_RESOURCE_LIMITS. */
  resourceLimits?: ResourceLimits
  /** Node options of the workers; default the process's own (Worker's default), which carry any loader it runs under. */
  execArgv?: string[]
}

interface Slot {
  worker: Worker
  pending: Map<number, (result: PoolResult) => void>
  /** Registries whose trust input this worker has been sent. */
  trusted: Set<string>
  alive: boolean
}

/**
 * The worker entry beside this module: dist/verify/worker.js when built. Under a TypeScript loader
 * (the test suite runs lib/*.ts through tap's), this module is pool.ts and the entry worker.ts; the
 * worker inherits the loader with the parent's execArgv (Worker's default).
 */
export function defaultWorkerURL(moduleURL = import.meta.url): URL {
  return new URL(moduleURL.endsWith('.ts') ? './worker.ts' : './worker.js', moduleURL)
}

/** Starts `size` workers now, so that their module loading overlaps whatever the caller does next (the first fetches). */
export function createVerifyPool(options: VerifyPoolOptions): VerifyPool {
  const maxQueued = Math.max(1, options.maxQueuedPerWorker ?? DEFAULT_MAX_QUEUED_PER_WORKER)
  const url = options.workerURL ?? defaultWorkerURL()
  const slots: Slot[] = []
  let nextId = 0
  let closed = false

  const settle = (slot: Slot, id: number, result: PoolResult): void => {
    const resolve = slot.pending.get(id)
    if (!resolve) return
    slot.pending.delete(id)
    // An idle worker must not keep the process alive; a busy one must, or a run whose last package
    // is in a worker would end with its promise pending.
    if (slot.pending.size === 0) slot.worker.unref()
    resolve(result)
  }
  const fail = (slot: Slot, reason: string): void => {
    slot.alive = false
    for (const id of [...slot.pending.keys()]) settle(slot, id, { failed: reason })
  }

  for (let i = 0; i < options.size; i++) {
    const worker = new Worker(url, { resourceLimits: options.resourceLimits ?? DEFAULT_WORKER_RESOURCE_LIMITS, ...(options.execArgv && { execArgv: options.execArgv }) })
    const slot: Slot = { worker, pending: new Map(), trusted: new Set(), alive: true }
    worker.unref()
    worker.on('message', (reply: VerifyReply) => settle(slot, reply.id, 'facts' in reply ? { facts: reply.facts } : { failed: reply.error }))
    worker.on('error', (err) => fail(slot, `verify worker failed: ${err.message}`))
    worker.on('messageerror', (err) => {
      fail(slot, `verify worker sent an unreadable reply: ${err.message}`)
      void worker.terminate()
    })
    worker.on('exit', (code) => fail(slot, `verify worker exited (code ${code})`))
    slots.push(slot)
  }

  return {
    tryVerify(evidence, registry) {
      if (closed) return undefined
      let slot: Slot | undefined
      for (const s of slots) if (s.alive && s.pending.size < maxQueued && (!slot || s.pending.size < slot.pending.size)) slot = s
      if (!slot) return undefined
      const chosen = slot
      const id = nextId++
      const task: VerifyTask = { id, registry, evidence, ...(!chosen.trusted.has(registry) && { trust: options.trustInputFor(registry) }) }
      try {
        chosen.worker.postMessage(task)
      } catch (err) {
        // Evidence that cannot be cloned (never plain data from fetch/): verified inline instead.
        return Promise.resolve({ failed: `cannot be sent to a verify worker: ${(err as Error).message}` })
      }
      if (task.trust) chosen.trusted.add(registry)
      if (chosen.pending.size === 0) chosen.worker.ref()
      return new Promise<PoolResult>((resolve) => chosen.pending.set(id, resolve))
    },
    async close() {
      closed = true
      for (const slot of slots) fail(slot, 'verify pool closed')
      await Promise.all(slots.map((slot) => slot.worker.terminate()))
    },
  }
}
