/**
 * Transparency-log entries: each must come from a log in the trusted root whose key was valid at the
 * signed time, describe this bundle (tlog-body.ts), and be proven included, by a signed entry
 * timestamp (SET) and/or an inclusion proof against a signed checkpoint.
 *
 * Done here rather than by `@sigstore/verify`, which trusts the checkpoint's size and root without
 * comparing them to the inclusion proof's own (conformance checkpoint-wrong-roothash_fail), matches
 * checkpoint signers by a regular expression on the log URL, cannot verify a DSSE envelope logged
 * as a hashedrekord, and never checks the log entry's key against the signer's.
 */
import { verify } from 'node:crypto'
import { json } from '@sigstore/core'
import type { TLogEntry } from './bundle.js'
import { verifyCheckpoint } from './checkpoint.js'
import { SigstoreError, toSigstoreError } from './errors.js'
import { signatureDigest } from './keys.js'
import { hashLeaf, verifyInclusion } from './merkle.js'
import { verifyTLogBody, type BodyExpectations } from './tlog-body.js'
import { withinRange, type TransparencyLog } from './trusted-root.js'

export interface VerifiedTLogEntry {
  entry: TLogEntry
  log: TransparencyLog
  /** The integrated time, present only when a verified SET covers it (Rekor v1). */
  integratedTime?: Date
}

interface TLogContext {
  logs: readonly TransparencyLog[]
  expected: BodyExpectations
  /** RFC 3161 times claimed by the bundle: the only time a Rekor v2 entry has. Verified later. */
  timestampTimes: readonly Date[]
  /** The verifier's clock: the time a log key must be valid at when nothing signed says when. */
  now: Date
}

export function verifyTLogEntries(entries: readonly TLogEntry[], ctx: TLogContext): VerifiedTLogEntry[] {
  if (entries.length === 0) throw new SigstoreError('TLOG_ERROR', 'the bundle has no transparency-log entry')
  return entries.map((entry, i) => {
    try {
      return verifyEntry(entry, ctx)
    } catch (err) {
      const e = toSigstoreError(err, 'TLOG_ERROR')
      throw new SigstoreError(e.code, `tlogEntries[${i}]: ${e.message}`, e.detail)
    }
  })
}

function verifyEntry(entry: TLogEntry, ctx: TLogContext): VerifiedTLogEntry {
  const candidates = ctx.logs.filter((log) => log.logId.equals(entry.logId) || log.checkpointKeyId?.equals(entry.logId))
  if (candidates.length === 0) {
    throw new SigstoreError('TLOG_ERROR', `log ${entry.logId.toString('base64')} is not in the trusted root`)
  }
  verifyTLogBody(entry, ctx.expected)

  // A log key vouches only for entries made while it was valid (closed interval, TimeRange in
  // sigstore_common.proto), at a *signed* time: the integrated time only when a SET covers it (it is
  // checked against this very key below); else the RFC 3161 times (Rekor v2, or a v1 entry with
  // only a proof), verified later. An entry's integratedTime without a SET is the bundle's unsigned
  // claim and decides nothing (as in @sigstore/verify's getTLogTimestamp). With no signed time at
  // all, the key must be valid now: its checkpoint is all that vouches for the entry.
  const times = entry.signedEntryTimestamp
    ? [new Date(Number(entry.integratedTime) * 1000)]
    : ctx.timestampTimes.length > 0
      ? ctx.timestampTimes
      : [ctx.now]
  const valid = candidates.filter((log) => times.every((t) => withinRange(log.validFor, t)))
  if (valid.length === 0) {
    throw new SigstoreError('TLOG_ERROR', `log key was not valid at ${times.map((t) => t.toISOString()).join(', ')}`)
  }
  let last: unknown
  for (const log of valid) {
    try {
      return verifyInclusionWith(entry, log)
    } catch (err) {
      last = err
    }
  }
  throw last
}

function verifyInclusionWith(entry: TLogEntry, log: TransparencyLog): VerifiedTLogEntry {
  const verified: VerifiedTLogEntry = { entry, log }
  if (entry.signedEntryTimestamp) {
    verifySET(entry, log)
    verified.integratedTime = new Date(Number(entry.integratedTime) * 1000)
  }
  if (entry.inclusionProof) {
    const proof = entry.inclusionProof
    const checkpoint = verifyCheckpoint(proof.checkpoint, log)
    // The proof must be about the tree the log signed, not merely self-consistent.
    if (checkpoint.size !== proof.treeSize || !checkpoint.rootHash.equals(proof.rootHash)) {
      throw new SigstoreError('TLOG_ERROR', 'checkpoint does not match the inclusion proof (tree size or root hash)')
    }
    if (!verifyInclusion(hashLeaf(entry.canonicalizedBody), proof.logIndex, proof.treeSize, proof.hashes, proof.rootHash)) {
      throw new SigstoreError('TLOG_ERROR', 'inclusion proof does not verify')
    }
  }
  if (!entry.signedEntryTimestamp && !entry.inclusionProof) {
    throw new SigstoreError('TLOG_ERROR', 'entry has neither an inclusion promise nor an inclusion proof')
  }
  return verified
}

// The SET is the log's signature over the canonical JSON of {body, integratedTime, logID, logIndex}
// (Rekor v1, https://github.com/sigstore/rekor/blob/main/pkg/api/entries.go).
function verifySET(entry: TLogEntry, log: TransparencyLog): void {
  const payload = json.canonicalize({
    body: entry.canonicalizedBody.toString('base64'),
    integratedTime: Number(entry.integratedTime),
    logIndex: Number(entry.logIndex),
    logID: entry.logId.toString('hex'),
  })
  let ok = false
  try {
    ok = verify(signatureDigest(log.publicKey), Buffer.from(payload, 'utf8'), log.publicKey, entry.signedEntryTimestamp as Buffer)
  } catch {
    ok = false
  }
  if (!ok) throw new SigstoreError('TLOG_ERROR', 'inclusion promise (SET) does not verify')
}
