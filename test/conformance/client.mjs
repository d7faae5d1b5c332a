#!/usr/bin/env node
/**
 * A sigstore-conformance client over the compiled verifier (run `npm run build` first):
 *
 *   verify-bundle --bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key FILE)
 *                 [--trusted-root FILE] FILE_OR_DIGEST
 *
 * (https://github.com/sigstore/sigstore-conformance/blob/main/docs/cli_protocol.md). FILE_OR_DIGEST
 * is a path, or `sha256:<64 hex>` when no such file exists. Exit 0 iff the bundle verifies, 1 when
 * it does not, 2 on a usage error; the reason is one line on stderr. Signing commands are not
 * implemented (verify-deps only verifies).
 */
import { existsSync, readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { createBundleVerifier, parseTrustedRoot } from '../../dist/verify/sigstore/index.js'

// The public-good root recorded in the corpus, else the copy embedded in the package.
const DEFAULT_TRUSTED_ROOTS = [
  new URL('../../fixtures/corpus/trust/sigstore-public-good.trusted_root.json', import.meta.url),
  new URL('../../trust/trusted_root.json', import.meta.url),
]
const DIGEST = /^sha256:([0-9a-fA-F]{64})$/

class UsageError extends Error {}

function parseArgs(argv) {
  const [command, ...rest] = argv
  if (command !== 'verify-bundle') throw new UsageError(`unsupported command ${JSON.stringify(command ?? '')}`)
  const flags = {}
  const positional = []
  const valued = new Set(['--bundle', '--certificate-identity', '--certificate-oidc-issuer', '--key', '--trusted-root'])
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]
    if (valued.has(arg)) {
      if (i + 1 >= rest.length) throw new UsageError(`${arg} needs a value`)
      flags[arg.slice(2)] = rest[++i]
    } else if (arg === '--staging') {
      flags.staging = true
    } else if (arg.startsWith('--')) {
      throw new UsageError(`unknown flag ${arg}`)
    } else {
      positional.push(arg)
    }
  }
  if (!flags.bundle || positional.length !== 1) throw new UsageError('needs --bundle FILE and one FILE_OR_DIGEST')
  const identity = flags['certificate-identity'] !== undefined || flags['certificate-oidc-issuer'] !== undefined
  if (identity && flags.key !== undefined) throw new UsageError('--key and --certificate-identity/--certificate-oidc-issuer are exclusive')
  if (!flags.key && (!flags['certificate-identity'] || !flags['certificate-oidc-issuer'])) {
    throw new UsageError('needs --certificate-identity and --certificate-oidc-issuer, or --key')
  }
  if (flags.staging && !flags['trusted-root']) throw new UsageError('--staging needs an explicit --trusted-root')
  return { ...flags, input: positional[0] }
}

function readTrustedRoot(path) {
  const file = path ?? DEFAULT_TRUSTED_ROOTS.map((u) => fileURLToPath(u)).find((p) => existsSync(p))
  return parseTrustedRoot(readJSON(file, 'TRUSTED_ROOT_INVALID'), file)
}

function readJSON(file, code) {
  const text = readFileSync(file, 'utf8')
  try {
    return JSON.parse(text)
  } catch (err) {
    throw Object.assign(new Error(`${file} is not JSON: ${err.message}`), { code })
  }
}

function run(argv) {
  const args = parseArgs(argv)
  const trustedRoot = readTrustedRoot(args['trusted-root'])
  const digest = DIGEST.exec(args.input)
  const artifact =
    digest && !existsSync(args.input)
      ? { digest: { algorithm: 'sha256', hex: digest[1].toLowerCase() } }
      : { bytes: readFileSync(args.input) }
  const bundle = readJSON(args.bundle, 'BUNDLE_MALFORMED')

  let publicKeys
  let policy
  if (args.key) {
    // The caller's key, not the bundle's unsigned hint, decides who must have signed.
    const pem = readFileSync(args.key, 'utf8')
    const hint = `key:${createHash('sha256').update(pem).digest('hex')}`
    publicKeys = { [hint]: { publicKey: pem } }
    policy = { publicKeyHint: hint }
  } else {
    policy = { certificateIdentity: args['certificate-identity'], certificateIssuer: args['certificate-oidc-issuer'] }
  }
  const result = createBundleVerifier({ trustedRoot, publicKeys }).verify(bundle, artifact, policy)
  if (!result.ok) return fail(1, `${result.code}: ${result.message}`)
  return 0
}

function fail(status, message) {
  process.stderr.write(`verify-bundle: ${message.replace(/\s+/g, ' ')}\n`)
  return status
}

try {
  process.exitCode = run(process.argv.slice(2))
} catch (err) {
  // Unreadable files, malformed JSON, an invalid trusted root or key: the bundle is not verified.
  process.exitCode = fail(err instanceof UsageError ? 2 : 1, `${err.code ? `${err.code}: ` : ''}${err.message}`)
}
