/**
 * A Rekor-v1-like transparency log: an append-only RFC 6962 Merkle tree that answers each upload
 * with what a Sigstore bundle records about it — a signed entry timestamp (SET, the "inclusion
 * promise") and an inclusion proof against a signed checkpoint.
 *
 * Like the real log it is never empty and keeps growing: `prefill` entries exist before the first
 * upload and `trailingEntries` are appended after each one (other users' uploads), so proofs have
 * both inner and right-border hashes rather than being trivially empty.
 */
import { randomBytes } from 'node:crypto'
import { canonicalJSON } from './canonical-json.js'
import { generateP256KeyPair, logIdOf, signP256, type KeyPair } from './keys.js'
import { MerkleTree, hashLeaf } from './merkle.js'
import type { RekorBody } from './rekor-entries.js'

/** A transparency log entry in the Sigstore bundle's JSON form (protobuf-specs TransparencyLogEntry). */
export interface TLogEntryJSON {
  logIndex: string
  logId: { keyId: string }
  kindVersion: { kind: string; version: string }
  integratedTime: string
  inclusionPromise?: { signedEntryTimestamp: string }
  inclusionProof?: InclusionProofJSON
  canonicalizedBody: string
}

export interface InclusionProofJSON {
  logIndex: string
  rootHash: string
  treeSize: string
  hashes: string[]
  checkpoint: { envelope: string }
}

export interface TransparencyLogOptions {
  baseUrl: string
  /** Entries already in the log before the first upload. */
  prefill?: number
  /** Entries other users add right after each upload, before its proof is taken. */
  trailingEntries?: number
  /**
   * Rekor's global `logIndex` counts entries across all shards, while the inclusion proof's
   * `logIndex` is the index in the current tree; this offset separates the two.
   */
  shardOffset?: number
}

export interface AppendOptions {
  integratedTime: Date
  /** Emit a SET (`inclusionPromise`); bundles v0.1–v0.3 from Rekor v1 all carry one. */
  inclusionPromise?: boolean
  /** Emit an inclusion proof with checkpoint; v0.1 bundles have none. */
  inclusionProof?: boolean
}

export const DEFAULT_PREFILL = 9
export const DEFAULT_TRAILING_ENTRIES = 2

export class TransparencyLog {
  readonly keyPair: KeyPair
  /** SHA-256 of the log's SPKI DER; also the trusted root's `logId.keyId`. */
  readonly logId: Buffer
  readonly baseUrl: string
  /** Checkpoint signer name: the log's host name, which the verifier matches against baseUrl. */
  readonly signerName: string
  /** Checkpoint origin line, `<host> - <tree id>` as Rekor v1 writes it. */
  readonly origin: string
  private readonly leafHashes = new MerkleTree()
  private readonly trailingEntries: number
  private readonly shardOffset: number

  constructor(options: TransparencyLogOptions) {
    this.keyPair = generateP256KeyPair()
    this.logId = logIdOf(this.keyPair.spki)
    this.baseUrl = options.baseUrl
    this.signerName = new URL(options.baseUrl).host
    this.origin = `${this.signerName} - ${BigInt(`0x${randomBytes(7).toString('hex')}`).toString()}`
    this.trailingEntries = options.trailingEntries ?? DEFAULT_TRAILING_ENTRIES
    this.shardOffset = options.shardOffset ?? 0
    this.appendNoise(options.prefill ?? DEFAULT_PREFILL)
  }

  get size(): number {
    return this.leafHashes.size
  }

  append(body: RekorBody, options: AppendOptions): TLogEntryJSON {
    const treeIndex = this.leafHashes.size
    this.leafHashes.append(hashLeaf(body.canonical))
    this.appendNoise(this.trailingEntries)

    const logIndex = this.shardOffset + treeIndex
    const integratedTime = Math.floor(options.integratedTime.getTime() / 1000)
    const entry: TLogEntryJSON = {
      logIndex: String(logIndex),
      logId: { keyId: this.logId.toString('base64') },
      kindVersion: { kind: body.kind, version: body.apiVersion },
      integratedTime: String(integratedTime),
      canonicalizedBody: body.canonical.toString('base64'),
    }
    if (options.inclusionPromise ?? true) {
      entry.inclusionPromise = { signedEntryTimestamp: this.signEntryTimestamp(body, integratedTime, logIndex) }
    }
    if (options.inclusionProof ?? true) {
      entry.inclusionProof = this.proveInclusion(treeIndex)
    }
    return entry
  }

  /**
   * SET: the log's signature over the canonical JSON of {body, integratedTime, logIndex, logID}
   * (Rekor `VerifySET`; sigstore-js tlog/set.ts). logID is hex here, body base64.
   */
  private signEntryTimestamp(body: RekorBody, integratedTime: number, logIndex: number): string {
    const payload = canonicalJSON({
      body: body.canonical.toString('base64'),
      integratedTime,
      logIndex,
      logID: this.logId.toString('hex'),
    })
    return signP256(this.keyPair.privateKey, Buffer.from(payload, 'utf8')).toString('base64')
  }

  private proveInclusion(treeIndex: number): InclusionProofJSON {
    const treeSize = this.leafHashes.size
    const rootHash = this.leafHashes.rootHash()
    return {
      logIndex: String(treeIndex),
      rootHash: rootHash.toString('base64'),
      treeSize: String(treeSize),
      hashes: this.leafHashes.inclusionProof(treeIndex).map((h) => h.toString('base64')),
      checkpoint: { envelope: this.checkpoint(treeSize, rootHash) },
    }
  }

  /**
   * A signed note (transparency-dev/formats log/README.md): body `<origin>\n<size>\n<b64 root>\n`,
   * a blank line, then `— <name> <b64(key hint || signature)>\n`. Rekor's key hint is the first
   * four bytes of its log ID; the signature is ECDSA over the body.
   */
  checkpoint(treeSize: number, rootHash: Buffer): string {
    const note = `${this.origin}\n${treeSize}\n${rootHash.toString('base64')}\n`
    const signature = signP256(this.keyPair.privateKey, Buffer.from(note, 'utf8'))
    const keyHintAndSig = Buffer.concat([this.logId.subarray(0, 4), signature]).toString('base64')
    return `${note}\n\u2014 ${this.signerName} ${keyHintAndSig}\n`
  }

  private appendNoise(count: number): void {
    for (let i = 0; i < count; i++) this.leafHashes.append(hashLeaf(randomBytes(32)))
  }
}
