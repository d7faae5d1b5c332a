/**
 * Where the trust lockfile is and how large it may be (docs/trust-lockfile.md). Apart from
 * trust-lockfile.ts so that the check can look for the file without loading its parser (and semver)
 * in a project that has none: a warm run's start-up is measured (test/cli/startup.test.ts).
 */
export const TRUST_LOCKFILE_NAME = 'verify-deps.trust.json'
/** A larger file is refused before it is parsed (~400 bytes an entry: room for some 20,000 lines). */
export const MAX_TRUST_LOCKFILE_BYTES = 8 * 1024 * 1024
