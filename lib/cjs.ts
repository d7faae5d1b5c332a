/**
 * The CommonJS libraries verify-deps uses (npm's proc-log, ssri, @npmcli/config) are loaded with
 * `require`, not `import`: node's ESM loader runs every CommonJS module an `import` names through
 * cjs-module-lexer to find its named exports, and that cost ~20 ms of a warm check's ~60 ms of
 * start-up for these five modules (issue 11; `import` 93 ms against `require` 70 ms for the same
 * modules, node 20). Their types still come from `typeof import(…)`, which loads nothing. Also
 * what a module loads on first use rather than at start-up (semver's range functions, node:http).
 */
import { createRequire } from 'node:module'

export const requireCjs = createRequire(import.meta.url)
