/**
 * A verify pool worker (pool.ts): answers each VerifyTask with a VerifyReply. Only the verify stage
 * is loaded here (no fetch, no arborist), which is what a worker costs to start.
 */
import { parentPort } from 'node:worker_threads'
import { createTaskHandler, type VerifyTask } from './pool-protocol.js'

const handle = createTaskHandler()
parentPort?.on('message', (task: VerifyTask) => parentPort!.postMessage(handle(task)))
