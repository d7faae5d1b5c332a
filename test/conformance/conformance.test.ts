/**
 * Runs the sigstore-conformance client (client.mjs, over dist/) against every case directory of the
 * recorded `bundle-verify` suite, twice per case as upstream does: with the artifact file and with
 * its `sha256:<hex>` digest. A directory name ending in `_fail` must fail, any other must verify.
 * Case layout and defaults: fixtures/corpus/README.md. SIGSTORE_CONFORMANCE_CASES may point at
 * another directory with the same layout (e.g. a full upstream checkout).
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { CORPUS_DIR, PROJECT_ROOT } from '../helpers/corpus.js'

const CASES_DIR = process.env.SIGSTORE_CONFORMANCE_CASES ?? join(CORPUS_DIR, 'conformance', 'bundle-verify')
const CLIENT = join(PROJECT_ROOT, 'test', 'conformance', 'client.mjs')
const DIST_ENTRY = join(PROJECT_ROOT, 'dist', 'verify', 'sigstore', 'index.js')
const PUBLIC_GOOD_ROOT = join(CORPUS_DIR, 'trust', 'sigstore-public-good.trusted_root.json')
const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main'
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com'

// CI builds before testing; build here only when there is nothing to run.
if (!existsSync(DIST_ENTRY)) spawnSync('npm', ['run', 'build'], { cwd: PROJECT_ROOT, stdio: 'ignore' })

function optional(dir: string, file: string): string | undefined {
  const path = join(dir, file)
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined
}

function runClient(args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [CLIENT, 'verify-bundle', ...args], { encoding: 'utf8' })
  return { status: run.status, stderr: run.stderr }
}

const cases = readdirSync(CASES_DIR)
  .filter((name) => statSync(join(CASES_DIR, name)).isDirectory())
  .sort()

t.ok(existsSync(DIST_ENTRY), 'dist/ is built')
t.ok(cases.length >= 31, `found ${cases.length} conformance cases`)

for (const name of cases) {
  t.test(name, async (t) => {
    const dir = join(CASES_DIR, name)
    const artifact = existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(CASES_DIR, 'a.txt')
    const trustedRoot = existsSync(join(dir, 'trusted_root.json')) ? join(dir, 'trusted_root.json') : PUBLIC_GOOD_ROOT
    const signer = existsSync(join(dir, 'key.pub'))
      ? ['--key', join(dir, 'key.pub')]
      : [
          '--certificate-identity',
          optional(dir, 'identity') ?? DEFAULT_IDENTITY,
          '--certificate-oidc-issuer',
          optional(dir, 'issuer') ?? DEFAULT_ISSUER,
        ]
    const digest = `sha256:${createHash('sha256').update(readFileSync(artifact)).digest('hex')}`
    const mustFail = name.endsWith('_fail')
    for (const [form, input] of [
      ['artifact file', artifact],
      ['sha256 digest', digest],
    ] as const) {
      const { status, stderr } = runClient(['--bundle', join(dir, 'bundle.sigstore.json'), ...signer, '--trusted-root', trustedRoot, input])
      if (mustFail) {
        t.equal(status, 1, `${form}: rejected`)
        t.match(stderr, /^verify-bundle: \S+/, `${form}: one-line reason on stderr`)
      } else {
        t.equal(status, 0, `${form}: verified${stderr ? ` (${stderr.trim()})` : ''}`)
      }
    }
  })
}

t.test('usage errors exit 2, unreadable input exits 1', async (t) => {
  const dir = join(CASES_DIR, 'happy-path-v0.1')
  const bundle = join(dir, 'bundle.sigstore.json')
  t.equal(runClient(['--bundle', bundle, join(CASES_DIR, 'a.txt')]).status, 2, 'no identity and no key')
  t.equal(
    runClient(['--bundle', bundle, '--key', bundle, '--certificate-identity', 'x', '--certificate-oidc-issuer', 'y', 'a']).status,
    2,
    '--key with an identity',
  )
  t.equal(
    runClient(['--bundle', join(dir, 'missing.json'), '--certificate-identity', DEFAULT_IDENTITY, '--certificate-oidc-issuer', DEFAULT_ISSUER, join(CASES_DIR, 'a.txt')])
      .status,
    1,
    'missing bundle file',
  )
})
