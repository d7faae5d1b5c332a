/**
 * A sigstore-conformance client over the verifier in lib/verify/sigstore:
 *
 *   verify-bundle --bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key FILE)
 *                 [--trusted-root FILE] FILE_OR_DIGEST
 *
 * (https://github.com/sigstore/sigstore-conformance/blob/main/docs/cli_protocol.md). FILE_OR_DIGEST
 * is a path, or `sha256:<64 hex>` when no such file exists; a bare digest is verified with the
 * test-only prehash.ts, never part of verify-deps. Exit 0 iff the bundle verifies, 1 when it does
 * not, 2 on a usage error; the reason is one line on stderr. Signing commands are not implemented
 * (verify-deps only verifies). `runVerifyBundle` is the same client as a function, so the
 * conformance test runs every case in one process; `sigstore-conformance` runs it as a program.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createBundleVerifier, parseTrustedRoot, type ArtifactInput, type PublicKeyEntry, type VerifyPolicy } from '../../lib/verify/sigstore/index.js'
import { verifyDigestSignature } from './prehash.js'

// The public-good root recorded in the corpus, else the copy embedded in the package.
const DEFAULT_TRUSTED_ROOTS = [
  new URL('../../fixtures/corpus/trust/sigstore-public-good.trusted_root.json', import.meta.url),
  new URL('../../trust/trusted_root.json', import.meta.url),
]
const DIGEST = /^sha256:([0-9a-fA-F]{64})$/
const VALUED_FLAGS = new Set(['--bundle', '--certificate-identity', '--certificate-oidc-issuer', '--key', '--trusted-root'])

export interface ClientResult {
  /** 0 verified, 1 not verified, 2 usage error. */
  status: 0 | 1 | 2
  /** The verifier's code (or the error's) when not verified. */
  code?: string
  /** One line, for stderr. */
  message?: string
}

class UsageError extends Error {}

interface Args {
  bundle: string
  input: string
  key?: string
  identity?: string
  issuer?: string
  trustedRoot?: string
}

function parseArgs(argv: readonly string[]): Args {
  const [command, ...rest] = argv
  if (command !== 'verify-bundle') throw new UsageError(`unsupported command ${JSON.stringify(command ?? '')}`)
  const flags: Record<string, string | true> = {}
  const positional: string[] = []
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string
    if (VALUED_FLAGS.has(arg)) {
      if (i + 1 >= rest.length) throw new UsageError(`${arg} needs a value`)
      flags[arg.slice(2)] = rest[++i] as string
    } else if (arg === '--staging') {
      flags.staging = true
    } else if (arg.startsWith('--')) {
      throw new UsageError(`unknown flag ${arg}`)
    } else {
      positional.push(arg)
    }
  }
  const value = (name: string): string | undefined => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined)
  const bundle = value('bundle')
  if (!bundle || positional.length !== 1) throw new UsageError('needs --bundle FILE and one FILE_OR_DIGEST')
  const identity = value('certificate-identity')
  const issuer = value('certificate-oidc-issuer')
  const key = value('key')
  if ((identity !== undefined || issuer !== undefined) && key !== undefined) {
    throw new UsageError('--key and --certificate-identity/--certificate-oidc-issuer are exclusive')
  }
  if (!key && (!identity || !issuer)) throw new UsageError('needs --certificate-identity and --certificate-oidc-issuer, or --key')
  const trustedRoot = value('trusted-root')
  if (flags.staging && !trustedRoot) throw new UsageError('--staging needs an explicit --trusted-root')
  return {
    bundle,
    input: positional[0] as string,
    ...(key !== undefined && { key }),
    ...(identity !== undefined && { identity }),
    ...(issuer !== undefined && { issuer }),
    ...(trustedRoot !== undefined && { trustedRoot }),
  }
}

function readJSON(file: string, code: string): unknown {
  const text = readFileSync(file, 'utf8')
  try {
    return JSON.parse(text)
  } catch (err) {
    throw Object.assign(new Error(`${file} is not JSON: ${(err as Error).message}`), { code })
  }
}

function verify(args: Args): ClientResult {
  const rootFile = args.trustedRoot ?? DEFAULT_TRUSTED_ROOTS.map((u) => fileURLToPath(u)).find((p) => existsSync(p))
  if (!rootFile) throw Object.assign(new Error('no trusted root'), { code: 'TRUSTED_ROOT_INVALID' })
  const trustedRoot = parseTrustedRoot(readJSON(rootFile, 'TRUSTED_ROOT_INVALID'), rootFile)
  const digest = DIGEST.exec(args.input)
  const artifact: ArtifactInput =
    digest && !existsSync(args.input)
      ? { digest: { algorithm: 'sha256', hex: (digest[1] as string).toLowerCase() } }
      : { bytes: readFileSync(args.input) }
  const bundle = readJSON(args.bundle, 'BUNDLE_MALFORMED')

  let publicKeys: Record<string, PublicKeyEntry> | undefined
  let policy: VerifyPolicy
  if (args.key) {
    // The caller's key, not the bundle's unsigned hint, decides who must have signed.
    const pem = readFileSync(args.key, 'utf8')
    const hint = `key:${createHash('sha256').update(pem).digest('hex')}`
    publicKeys = { [hint]: { publicKey: pem } }
    policy = { publicKeyHint: hint }
  } else {
    policy = { certificateIdentity: args.identity as string, certificateIssuer: args.issuer as string }
  }
  const result = createBundleVerifier({ trustedRoot, ...(publicKeys && { publicKeys }), verifyDigestSignature }).verify(bundle, artifact, policy)
  return result.ok ? { status: 0 } : { status: 1, code: result.code, message: `${result.code}: ${result.message}` }
}

/** The client as a function: never throws. */
export function runVerifyBundle(argv: readonly string[]): ClientResult {
  try {
    return verify(parseArgs(argv))
  } catch (err) {
    // Unreadable files, malformed JSON, an invalid trusted root or key: the bundle is not verified.
    const e = err as { code?: unknown; message?: unknown }
    const code = typeof e.code === 'string' ? e.code : undefined
    const message = `${code ? `${code}: ` : ''}${String(e.message ?? err)}`
    return { status: err instanceof UsageError ? 2 : 1, ...(code && { code }), message }
  }
}

/** What the program prints on stderr: nothing, or the reason on one line. */
export function formatStderr(result: ClientResult): string {
  return result.message ? `verify-bundle: ${result.message.replace(/\s+/g, ' ')}\n` : ''
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = runVerifyBundle(process.argv.slice(2))
  process.stderr.write(formatStderr(result))
  process.exitCode = result.status
}
