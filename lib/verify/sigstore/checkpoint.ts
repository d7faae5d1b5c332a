/**
 * Log checkpoints: C2SP signed notes (https://github.com/C2SP/C2SP/blob/main/signed-note.md) whose
 * text is a checkpoint (https://github.com/C2SP/C2SP/blob/main/tlog-checkpoint.md):
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n[extension lines\n]\n— <key name> <base64(key hint ‖ sig)>\n…
 *
 * Parsing is strict where `@sigstore/verify` is lenient: the origin, size and root hash lines must
 * all be present and well-formed (it reads whatever three lines come first, so a note missing its
 * origin line parses), and every signature line must be well-formed. Among the signatures, only
 * those by the log's own key name and key hint count; others (witness cosignatures, unknown keys)
 * are ignored, but one that claims to be the log and fails to verify rejects the note, as Go's
 * `note.Open` does.
 */
import { createHash, verify, type KeyObject } from 'node:crypto'
import { SigstoreError } from './errors.js'
import { signatureDigest } from './keys.js'
import type { TransparencyLog } from './trusted-root.js'

export interface Checkpoint {
  origin: string
  size: bigint
  rootHash: Buffer
}

interface NoteSignature {
  name: string
  keyHint: Buffer
  signature: Buffer
}

const EM_DASH = '\u2014'
const SIGNATURE_LINE = new RegExp(`^${EM_DASH} (\\S+) ([A-Za-z0-9+/]+={0,2})$`)
const MAX_SIGNATURES = 100

function fail(message: string): never {
  throw new SigstoreError('TLOG_ERROR', `checkpoint: ${message}`)
}

/** Parses the envelope and returns the checkpoint once a signature by `log` verifies over it. */
export function verifyCheckpoint(envelope: string, log: TransparencyLog): Checkpoint {
  const split = envelope.indexOf('\n\n')
  if (split < 0) fail('no blank line between the note text and its signatures')
  const text = envelope.slice(0, split + 1)
  const checkpoint = parseCheckpointText(text)
  const signatures = parseSignatureLines(envelope.slice(split + 2))

  const { name, hints } = logSigner(log)
  // Rekor v1 origins are "<host> - <tree id>"; Rekor v2 origins are the host itself.
  if (checkpoint.origin !== name && !checkpoint.origin.startsWith(`${name} - `)) {
    fail(`origin ${JSON.stringify(checkpoint.origin)} is not log ${name}`)
  }
  const mine = signatures.filter((s) => s.name === name && hints.some((h) => h.equals(s.keyHint)))
  if (mine.length === 0) fail(`no signature by log ${name}`)
  const data = Buffer.from(text, 'utf8')
  for (const s of mine) {
    if (!verifySignature(data, log.publicKey, s.signature)) fail(`signature by log ${name} does not verify`)
  }
  return checkpoint
}

function parseCheckpointText(text: string): Checkpoint {
  const lines = text.slice(0, -1).split('\n')
  if (lines.length < 3) fail('needs origin, tree size and root hash lines')
  const [origin, size, root] = lines as [string, string, string]
  if (origin === '' || /[\u0000-\u001f]/.test(origin)) fail('empty or invalid origin line')
  if (!/^(0|[1-9][0-9]{0,19})$/.test(size)) fail(`tree size line ${JSON.stringify(size)} is not a decimal number`)
  if (!/^[A-Za-z0-9+/]{43}=$/.test(root)) fail('root hash line is not a base64 SHA-256 hash')
  if (lines.slice(3).some((l) => l === '')) fail('empty extension line')
  return { origin, size: BigInt(size), rootHash: Buffer.from(root, 'base64') }
}

function parseSignatureLines(block: string): NoteSignature[] {
  if (!block.endsWith('\n')) fail('signature block does not end with a newline')
  const lines = block.slice(0, -1).split('\n')
  if (lines.length > MAX_SIGNATURES) fail('too many signatures')
  return lines.map((line) => {
    const m = SIGNATURE_LINE.exec(line)
    if (!m) fail(`malformed signature line ${JSON.stringify(line.slice(0, 80))}`)
    const blob = Buffer.from(m[2] as string, 'base64')
    if (blob.length < 5) fail('signature too short')
    return { name: m[1] as string, keyHint: blob.subarray(0, 4), signature: blob.subarray(4) }
  })
}

/**
 * The name and key hints a log signs its checkpoints under, worked out once per log of the trusted
 * root (pure functions of its base URL and key, which never change): parsing the URL for every
 * checkpoint was about 1% of a cold run's verification (issue 11).
 */
function logSigner(log: TransparencyLog): { name: string; hints: Buffer[] } {
  let signer = LOG_SIGNERS.get(log)
  if (!signer) {
    const name = keyName(log.baseUrl)
    signer = { name, hints: keyHints(log, name) }
    LOG_SIGNERS.set(log, signer)
  }
  return signer
}

const LOG_SIGNERS = new WeakMap<TransparencyLog, { name: string; hints: Buffer[] }>()

/** The key name a log signs its checkpoints under: the host of its base URL. */
function keyName(baseUrl: string): string {
  try {
    const url = new URL(baseUrl)
    if (url.host) return url.host
  } catch {
    // not a URL: fall through
  }
  return baseUrl.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '')
}

// The hint is the first 4 bytes of the key id: Rekor v1 uses the log id (SHA-256 of the SPKI); a
// C2SP Ed25519 key id is SHA-256(name ‖ "\n" ‖ 0x01 ‖ raw key) (signed-note.md "Signatures").
function keyHints(log: TransparencyLog, name: string): Buffer[] {
  const hints = [log.logId.subarray(0, 4)]
  if (log.checkpointKeyId) hints.push(log.checkpointKeyId.subarray(0, 4))
  if (log.publicKey.asymmetricKeyType === 'ed25519') {
    const raw = rawEd25519(log.publicKey)
    hints.push(createHash('sha256').update(`${name}\n`).update(Buffer.from([0x01])).update(raw).digest().subarray(0, 4))
  }
  return hints
}

// Exported once per key and run: a key's raw bytes never change.
const RAW_KEYS = new WeakMap<KeyObject, Buffer>()
function rawEd25519(key: KeyObject): Buffer {
  let raw = RAW_KEYS.get(key)
  if (!raw) {
    raw = Buffer.from(String(key.export({ format: 'jwk' }).x), 'base64url')
    RAW_KEYS.set(key, raw)
  }
  return raw
}

function verifySignature(data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(signatureDigest(key), data, key, signature)
  } catch {
    return false
  }
}
