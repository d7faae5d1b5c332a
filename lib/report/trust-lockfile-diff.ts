/**
 * `verify-deps trust update`'s diff (docs/trust-lockfile.md): one line per change between two trust
 * lockfiles (model/trust-lockfile.ts diffTrustLockfiles), for a reviewer. Names, versions and
 * identity values come from the tree, the registry and the file: each is made inert (plainText), so
 * that no value can add a line to what the reviewer reads. Pure.
 */
import { IDENTITY_KEYS, type TrustLockfileChange } from '../model/trust-lockfile.js'
import type { BaselineIdentity } from '../model/trust.js'
import { plainText } from './describe.js'

/** `repository acme/a, workflow .github/workflows/release.yml, …` of an identity, for the diff. */
function describeIdentity(identity: BaselineIdentity | undefined): string {
  if (!identity) return ''
  const parts = IDENTITY_KEYS.filter((k) => identity[k] !== undefined).map((k) => `${k} ${plainText(identity[k]!)}`)
  return parts.length ? `; ${parts.join(', ')}` : ''
}

/**
 * The diff as one line per change (`no changes` when there are none), for review. Names, versions
 * and identity values come from the tree, the registry and the file: each is made inert, so that no
 * value can add a line to what the reviewer reads.
 */
export function formatTrustLockfileDiff(changes: readonly TrustLockfileChange[]): string {
  if (changes.length === 0) return 'no changes\n'
  const lines = changes.map((c) => {
    const at = `${plainText(c.name)} ${plainText(c.line)}`
    switch (c.kind) {
      case 'added':
        return `+ added     ${at}: ${c.after.level} (${plainText(c.after.version)}${describeIdentity(c.after.identity)})`
      case 'raised':
      case 'lowered':
        return `${c.kind === 'raised' ? '^' : 'v'} ${c.kind.padEnd(9)} ${at}: ${c.before.level} (${plainText(c.before.version)}) -> ${c.after.level} (${plainText(c.after.version)})`
      case 'identity':
        return `~ identity  ${at}: ${c.field} ${c.before === undefined ? '(none)' : plainText(c.before)} -> ${c.after === undefined ? '(none)' : plainText(c.after)} (${plainText(c.version)})`
      case 'removed':
        return `- removed   ${at}: was ${c.before.level} (${plainText(c.before.version)})`
    }
  })
  return `${lines.join('\n')}\n`
}
