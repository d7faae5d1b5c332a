/**
 * What crosses the thread boundary between the verify pool (pool.ts) and its workers (worker.ts),
 * and the worker's side of it as a plain function, so that it is the same code in a worker and in a
 * test. Everything here is structured-clone data: the evidence as fetched (strings, JSON values, a
 * tarball's bytes), the trust-context INPUTS (the trusted root's JSON, the registry's keys: node
 * clones a KeyObject, and Dates stay Dates), and back the PackageFacts (strings, numbers and plain
 * objects only: model/facts.ts). No trust context crosses: each worker builds its own, once per
 * registry, with the same pure createTrustContext the main thread uses.
 */
import type { PackageEvidence } from '../model/evidence.js'
import type { PackageFacts } from '../model/facts.js'
import { verifyPackage } from './package.js'
import { createTrustContext, type TrustContext, type TrustInput } from './trust-context.js'

/** Main thread → worker: verify one package. `trust` comes with the first task of each registry sent to that worker. */
export interface VerifyTask {
  id: number
  registry: string
  trust?: TrustInput
  evidence: PackageEvidence
}

/** Worker → main thread: the facts, or why there are none (then the main thread verifies inline). */
export type VerifyReply = { id: number; facts: PackageFacts } | { id: number; error: string }

/**
 * The worker's handler: one trust context per registry, built from the first inputs it receives
 * and reused. Never throws: a failure (a trust input it cannot use, a verifier bug) is a reply that
 * the main thread answers by verifying inline, where the same failure shows as it would without workers.
 */
export function createTaskHandler(): (task: VerifyTask) => VerifyReply {
  const contexts = new Map<string, TrustContext>()
  return (task) => {
    try {
      let context = contexts.get(task.registry)
      if (!context) {
        if (!task.trust) throw new Error(`no trust input for ${task.registry}`)
        context = createTrustContext(task.trust)
        contexts.set(task.registry, context)
      }
      return { id: task.id, facts: verifyPackage(asReceived(task.evidence), context) }
    } catch (err) {
      return { id: task.id, error: err instanceof Error ? err.message : String(err) }
    }
  }
}

/** A Buffer arrives as a plain Uint8Array (structured clone): make it a Buffer again, over the same memory. */
function asReceived(evidence: PackageEvidence): PackageEvidence {
  const tarball: Uint8Array | undefined = evidence.tarball
  if (!tarball || Buffer.isBuffer(tarball)) return evidence
  return { ...evidence, tarball: Buffer.from(tarball.buffer, tarball.byteOffset, tarball.byteLength) }
}
