/**
 * npm's proc-log `log`, the one the fetch stage logs through (npm's own libraries log through the
 * same one: `--loglevel` decides for all of them). Required, not imported (lib/cjs.ts).
 */
import { requireCjs } from '../cjs.js'

export const { log } = requireCjs('proc-log') as typeof import('proc-log').default
