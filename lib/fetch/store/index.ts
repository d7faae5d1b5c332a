/**
 * The run store: the warm path. One sealed pack file per cache folder (pack.ts), authenticated with a
 * key kept outside it (key.ts), holding two memos:
 *  - the tree memo (tree-memo.ts): an unchanged project skips arborist;
 *  - the verified-facts memo (facts-memo.ts): an unchanged package skips fetch and verification;
 *  - the registry-keys memo (keys-memo.ts): a registry's own keys, within the lifetime its Cache-Control gives;
 *  - the trusted roots a run named (`--trusted-root`) that passed the verify stage's check, so that a
 *    warm run need not load the verifier to check the same document again.
 * Read once at the start of a run; what the run adds goes to a temp file as it comes, which replaces
 * the pack at the end (save()), at most once.
 *
 * Without a usable key (no home folder, a refused key file) the run store is off: the tree is loaded
 * and every package goes through the evidence cache (cache.ts), whose entries are unsealed and so
 * re-verified on every hit. The two stay apart on purpose: evidence is safe to trust nobody about (it
 * is verified), facts are not, and a run without the key must still be warm for the network.
 */
import { rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { log } from '../log.js'
import { CACHE_FORMAT, canonicalJSON, DEFAULT_CACHE_MAX_AGE_MS } from '../cache.js'
import type { RegistryKeysResult } from '../registry-keys/by-registry.js'
import type { LoadPackagesOptions, TreeResult } from '../../tree/index.js'
import type { PackageRef } from '../../model.js'
import { FactsMemo, sha256 } from './facts-memo.js'
import { KeysMemo } from './keys-memo.js'
import { defaultKeyFile, loadStoreKey } from './key.js'
import { PACK_FORMAT, SealedPack } from './pack.js'
import { loadTreeMemoized, type LoadTree } from './tree-memo.js'

export { FactsMemo, type RememberedFacts } from './facts-memo.js'
export { KeysMemo, MAX_KEYS_FRESH_MS, type RegistryKeysMemo } from './keys-memo.js'
export { defaultKeyFile, KEY_BYTES, KEY_FILE_NAME } from './key.js'


/** The pack's file name inside the verification cache folder. */
export const PACK_FILE = `sealed-v${PACK_FORMAT}.json`
/** The packs of earlier formats: never read again, removed when a pack of this format is written. */
const OLD_PACK_FILES = ['sealed-v1.json']

export interface RunStoreOptions {
  /** The verification cache folder (the pack lives in it). */
  cacheDir: string
  /** The environment the key file's place is found from (XDG_STATE_HOME, HOME, LOCALAPPDATA). */
  env: Readonly<Record<string, string | undefined>>
  toolVersion: string
  /** The key file; default defaultKeyFile(env). */
  keyFile?: string
  maxAgeMs?: number
  now?: () => Date
}

export class RunStore {
  /** For the user: why the store is off, when a key file was refused. */
  readonly notices: string[] = []
  readonly #pack: SealedPack | undefined
  readonly #toolVersion: string
  readonly #now: (() => Date) | undefined

  constructor(options: RunStoreOptions) {
    this.#toolVersion = options.toolVersion
    this.#now = options.now
    const keyFile = options.keyFile ?? defaultKeyFile(options.env)
    const key = keyFile ? loadStoreKey(keyFile) : { reason: 'no XDG_STATE_HOME or HOME to keep its key in' }
    if ('key' in key) {
      this.#pack = new SealedPack({ file: join(options.cacheDir, PACK_FILE), key: key.key, maxAgeMs: options.maxAgeMs ?? DEFAULT_CACHE_MAX_AGE_MS, ...(options.now && { now: options.now }) })
    } else if ('notice' in key) {
      this.notices.push(key.notice)
    } else {
      log.verbose('verify-deps store', `verification memo off: ${key.reason}`)
    }
  }

  get enabled(): boolean {
    return this.#pack !== undefined
  }

  /** The tree (tree stage), from the tree memo when the project is unchanged. */
  loadTree(options: LoadPackagesOptions, load: LoadTree): Promise<TreeResult> {
    return this.#pack ? loadTreeMemoized(this.#pack, this.#toolVersion, options, load) : load(options)
  }

  /** The facts memo for a run's trust material (and its upstreams, docs/mirrors.md); undefined when the store is off. */
  factsMemo(trustedRoot: unknown, registryKeys: ReadonlyMap<string, RegistryKeysResult>, upstreamFor?: (ref: PackageRef, registry: string) => string | undefined): FactsMemo | undefined {
    return this.#pack && new FactsMemo({ pack: this.#pack, toolVersion: this.#toolVersion, trustedRoot, registryKeys, ...(upstreamFor && { upstreamFor }) })
  }

  /** The memo of registries' own keys, within their cache lifetime (keys-memo.ts); undefined when the store is off. */
  keysMemo(): KeysMemo | undefined {
    return this.#pack && new KeysMemo({ pack: this.#pack, toolVersion: this.#toolVersion, ...(this.#now && { now: this.#now }) })
  }

  /** Whether this trusted root document (as loaded) passed the verify stage's check in an earlier run of this tool version. */
  trustedRootChecked(trustedRoot: unknown): boolean {
    return this.#pack?.get('trust', this.#trustedRootId(trustedRoot)) !== undefined
  }

  /** Records that this trusted root document passed the verify stage's check (createTrustContext). */
  rememberTrustedRoot(trustedRoot: unknown): void {
    this.#pack?.put('trust', this.#trustedRootId(trustedRoot), 'true')
  }

  #trustedRootId(trustedRoot: unknown): string {
    return sha256(canonicalJSON({ kind: 'trusted-root', cacheFormat: CACHE_FORMAT, tool: this.#toolVersion, trustedRoot }))
  }

  /** Writes what the run added (one file, atomically). */
  save(): void {
    if (!this.#pack?.save()) return
    for (const name of OLD_PACK_FILES) {
      try {
        rmSync(join(dirname(this.#pack.file), name), { force: true })
      } catch {
        // not ours to remove: it is never read anyway
      }
    }
  }
}
