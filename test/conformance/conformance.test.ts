/**
 * The sigstore-conformance client (client.ts, over lib/verify/sigstore) on every case directory of
 * the recorded `bundle-verify` suite, twice per case as upstream does: with the artifact file and
 * with its `sha256:<hex>` digest. A directory name ending in `_fail` must fail, any other must
 * verify; for the recorded cases the reason (code) is asserted too, and both forms must agree.
 * The client runs in this process; one run of the `sigstore-conformance` entrypoint checks that the
 * program starts and exits 0. Case layout and defaults:
 * fixtures/corpus/README.md. SIGSTORE_CONFORMANCE_CASES may point at another directory with the
 * same layout (e.g. a full upstream checkout); codes are then asserted only for the recorded names.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { CORPUS_DIR, PROJECT_ROOT } from '../helpers/corpus.js'
import { formatStderr, runVerifyBundle } from './client.js'

const CASES_DIR = process.env.SIGSTORE_CONFORMANCE_CASES ?? join(CORPUS_DIR, 'conformance', 'bundle-verify')
const ENTRYPOINT = join(PROJECT_ROOT, 'test', 'conformance', 'sigstore-conformance')
const PUBLIC_GOOD_ROOT = join(CORPUS_DIR, 'trust', 'sigstore-public-good.trusted_root.json')
const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main'
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com'

// Why each recorded case fails ('OK': verifies); the extra checks lib/verify/sigstore adds over
// @sigstore/verify are marked (+).
const RECORDED: Record<string, string> = {
  'bundle-empty-certificate-chain_fail': 'BUNDLE_MALFORMED',
  'bundle-invalid-base64-signature_fail': 'BUNDLE_MALFORMED', // (+) strict base64
  'bundle-negative-log-index_fail': 'BUNDLE_MALFORMED', // (+) non-negative integers
  'bundle-with-sct-with-extensions': 'OK',
  'checkpoint-wrong-roothash_fail': 'TLOG_ERROR', // (+) checkpoint root = proof root
  'dsse-invalid-sig_fail': 'TLOG_ERROR',
  'dsse-mismatch-envelope_fail': 'TLOG_ERROR',
  'happy-path-intoto-in-dsse-v3': 'OK',
  'happy-path-v0.1': 'OK',
  'inclusion-proof-corrupted-hash_fail': 'TLOG_ERROR',
  'integrated-time-in-future_fail': 'CERTIFICATE_ERROR',
  'intoto-set-outside-signing-cert-validity_fail': 'CERTIFICATE_ERROR',
  'intoto-tsa-timestamp-outside-cert-validity_fail': 'CERTIFICATE_ERROR',
  'intoto-with-custom-trust-root': 'OK',
  'invalid-checkpoint-signature_fail': 'TLOG_ERROR',
  'invalid-ct-key_fail': 'CERTIFICATE_ERROR',
  'managed-key-and-trusted-root': 'OK',
  'managed-key-happy-path': 'OK',
  'managed-key-no-key_fail': 'PUBLIC_KEY_ERROR',
  'rekor2-checkpoint-cosigned': 'OK',
  'rekor2-checkpoint-missing-origin_fail': 'TLOG_ERROR', // (+) strict checkpoint lines
  'rekor2-checkpoint-two-sigs-from-origin': 'OK',
  'rekor2-no-timestamp_fail': 'TIMESTAMP_ERROR',
  'rekor2-timestamp-outside-tsa-cert-validity_fail': 'TIMESTAMP_ERROR',
  'rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail': 'TIMESTAMP_ERROR',
  'rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail': 'TIMESTAMP_ERROR',
  'rekor2-timestamp-without-embedded-cert': 'OK',
  'set-invalid-signature_fail': 'TLOG_ERROR',
  'signature-mismatch_fail': 'TLOG_ERROR',
  'wrong-hashedrekord-entry_fail': 'TLOG_ERROR',
  'wrong-material_fail': 'ARTIFACT_MISMATCH', // (+) messageDigest vs artifact
}

function optional(dir: string, file: string): string | undefined {
  const path = join(dir, file)
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined
}

/** The client's arguments for a case, with the artifact as a file and as its digest. */
function caseArgs(name: string): { file: string[]; digest: string[] } {
  const dir = join(CASES_DIR, name)
  const artifact = existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(CASES_DIR, 'a.txt')
  const trustedRoot = existsSync(join(dir, 'trusted_root.json')) ? join(dir, 'trusted_root.json') : PUBLIC_GOOD_ROOT
  const signer = existsSync(join(dir, 'key.pub'))
    ? ['--key', join(dir, 'key.pub')]
    : ['--certificate-identity', optional(dir, 'identity') ?? DEFAULT_IDENTITY, '--certificate-oidc-issuer', optional(dir, 'issuer') ?? DEFAULT_ISSUER]
  const base = ['verify-bundle', '--bundle', join(dir, 'bundle.sigstore.json'), ...signer, '--trusted-root', trustedRoot]
  const digest = `sha256:${createHash('sha256').update(readFileSync(artifact)).digest('hex')}`
  return { file: [...base, artifact], digest: [...base, digest] }
}

const cases = readdirSync(CASES_DIR)
  .filter((name) => statSync(join(CASES_DIR, name)).isDirectory())
  .sort()

t.ok(cases.length >= 31, `found ${cases.length} conformance cases`)
if (!process.env.SIGSTORE_CONFORMANCE_CASES) t.same(cases, Object.keys(RECORDED).sort(), 'every recorded case has its expected code')

for (const name of cases) {
  t.test(name, async (t) => {
    const args = caseArgs(name)
    const mustFail = name.endsWith('_fail')
    const results = { 'artifact file': runVerifyBundle(args.file), 'sha256 digest': runVerifyBundle(args.digest) }
    for (const [form, result] of Object.entries(results)) {
      if (mustFail) {
        t.equal(result.status, 1, `${form}: rejected`)
        t.match(formatStderr(result), /^verify-bundle: [A-Z_]+: [^\n]+\n$/, `${form}: one-line reason on stderr`)
      } else {
        t.equal(result.status, 0, `${form}: verified${result.message ? ` (${result.message})` : ''}`)
      }
      const expected = RECORDED[name]
      if (expected) t.equal(result.code ?? 'OK', expected, `${form}: ${expected}`)
    }
    t.equal(results['sha256 digest'].code, results['artifact file'].code, 'the digest form agrees with the file form')
  })
}

t.test('usage errors are status 2, unreadable input status 1', async (t) => {
  const bundle = join(CASES_DIR, 'happy-path-v0.1', 'bundle.sigstore.json')
  const identity = ['--certificate-identity', DEFAULT_IDENTITY, '--certificate-oidc-issuer', DEFAULT_ISSUER]
  t.equal(runVerifyBundle(['verify-bundle', '--bundle', bundle, join(CASES_DIR, 'a.txt')]).status, 2, 'no identity and no key')
  t.equal(runVerifyBundle(['verify-bundle', '--bundle', bundle, '--key', bundle, ...identity, 'a']).status, 2, '--key with an identity')
  t.equal(runVerifyBundle(['sign-bundle', '--bundle', bundle, ...identity, 'a']).status, 2, 'signing is not implemented')
  t.equal(runVerifyBundle(['verify-bundle', '--bundle', bundle, '--bogus', 'a']).status, 2, 'unknown flag')
  const missing = runVerifyBundle(['verify-bundle', '--bundle', join(CASES_DIR, 'missing.json'), ...identity, join(CASES_DIR, 'a.txt')])
  t.equal(missing.status, 1, 'missing bundle file')
  t.equal(missing.code, 'ENOENT')
})

// One run of the program (it starts slowly: TypeScript is compiled on the fly); the rest is above.
t.test('the sigstore-conformance entrypoint runs the client: a bare digest verifies, exit 0', async (t) => {
  const run = spawnSync(ENTRYPOINT, caseArgs('happy-path-v0.1').digest, { encoding: 'utf8' })
  t.equal(run.status, 0, `exit 0${run.stderr ? ` (${run.stderr.trim()})` : ''}`)
  t.equal(run.stderr, '', 'nothing on stderr')
})
