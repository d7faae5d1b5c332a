/**
 * The registry-keys memo: a registry's own `GET /-/npm/v1/keys` answer, sealed in the pack so that a
 * warm run within the registry's cache lifetime makes no request at all.
 *
 * Keys can be revoked, so the memo keeps them no longer than the registry lets any cache reuse them
 * (its Cache-Control `max-age` less `Age`, as npm's own HTTP cache would: registry.npmjs.org sends
 * `public, max-age=300`), and never longer than MAX_KEYS_FRESH_MS, whatever the registry says. A
 * registry that says `no-cache` or `no-store`, or nothing, is asked on every run, as before. Only keys
 * the registry served about itself (`kind: 'registry'`) are memoized: pinned keys are read from their
 * file every run, TUF and embedded keys come with the trust material. The entry holds the key
 * document as served and is parsed again on a hit, by the same parser; the pack's MAC means only keys
 * this user's own runs fetched are ever read back (pack.ts).
 */
import { parseRegistryKeys } from '../registry-keys/parse.js'
import type { RegistryKeysResult } from '../registry-keys/by-registry.js'
import type { SealedPack } from './pack.js'
import { sha256 } from './facts-memo.js'

/** The longest a registry's keys are reused without asking it, whatever its Cache-Control says. */
export const MAX_KEYS_FRESH_MS = 5 * 60 * 1000

/** Bumped when what a keys entry holds changes. */
export const KEYS_MEMO_FORMAT = 1

/** What fetchKeysForRegistries asks before requesting a registry's own keys, and tells after. */
export interface RegistryKeysMemo {
  /** The registry's keys when a fresh answer is memoized; undefined otherwise. Never throws. */
  recall(registry: string): RegistryKeysResult | undefined
  /** Keeps the registry's answer (its key document) for `freshForMs` (capped); 0 keeps nothing. */
  remember(registry: string, answer: { document: unknown; source: string; freshForMs: number }): void
}

interface KeysEntry {
  document: unknown
  source: string
  /** ISO time after which the answer must be asked for again. */
  freshUntil: string
}

export class KeysMemo implements RegistryKeysMemo {
  readonly #pack: SealedPack
  readonly #toolVersion: string
  readonly #now: () => Date

  constructor(options: { pack: SealedPack; toolVersion: string; now?: () => Date }) {
    this.#pack = options.pack
    this.#toolVersion = options.toolVersion
    this.#now = options.now ?? (() => new Date())
  }

  recall(registry: string): RegistryKeysResult | undefined {
    const entry = this.#pack.get('keys', this.#id(registry))
    if (!entry) return undefined
    const now = this.#now().getTime()
    // A stored time ahead of the clock (the clock went back) is not trusted to bound freshness.
    if (Date.parse(entry.storedAt) > now) return undefined
    let value: Partial<KeysEntry>
    try {
      value = (JSON.parse(entry.data) ?? {}) as Partial<KeysEntry>
    } catch {
      return undefined
    }
    const freshUntil = typeof value.freshUntil === 'string' ? Date.parse(value.freshUntil) : NaN
    // Never past the cap from when it was stored, even if the entry says otherwise.
    if (!(now < freshUntil) || freshUntil - Date.parse(entry.storedAt) > MAX_KEYS_FRESH_MS || typeof value.source !== 'string') return undefined
    try {
      return { state: 'fetched', keys: parseRegistryKeys(value.document, value.source), source: value.source, kind: 'registry' }
    } catch {
      return undefined
    }
  }

  remember(registry: string, answer: { document: unknown; source: string; freshForMs: number }): void {
    const freshForMs = Math.min(answer.freshForMs, MAX_KEYS_FRESH_MS)
    if (!(freshForMs > 0)) return
    const now = this.#now()
    const entry: KeysEntry = { document: answer.document, source: answer.source, freshUntil: new Date(now.getTime() + freshForMs).toISOString() }
    this.#pack.put('keys', this.#id(registry), JSON.stringify(entry), now.toISOString())
  }

  #id(registry: string): string {
    // A digest: a registry URL may carry credentials, and the pack is stored in the clear.
    return sha256(`${KEYS_MEMO_FORMAT}\0${this.#toolVersion}\0${registry}`)
  }
}
