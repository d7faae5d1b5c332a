/** lib/model/trust-lockfile.ts: parse (with errors naming the file and JSON path), serialize, build from verified facts, diff. */
import t from 'tap'
import { VerifyDepsError } from '../../lib/errors.js'
import type { PackageFacts, SignerIdentity } from '../../lib/model/facts.js'
import {
  baselineFor,
  buildTrustLockfile,
  diffTrustLockfiles,
  emptyTrustLockfile,
  failedVerification,
  parseTrustLockfile,
  serializeTrustLockfile,
  type ObservedPackage,
  type TrustLockfile,
} from '../../lib/model/trust-lockfile.js'
import { baselineIdentityChanges, baselineIdentityOf } from '../../lib/model/trust.js'
import { formatTrustLockfileDiff } from '../../lib/report/trust-lockfile-diff.js'

const IDENTITY: SignerIdentity = {
  issuer: 'https://token.actions.githubusercontent.com',
  repository: 'axios/axios',
  repositoryId: '123',
  workflow: '.github/workflows/release.yml',
  ref: 'refs/tags/v1.14.0',
  commit: 'abc',
  trigger: 'push',
  runner: 'github-hosted',
  sources: {},
}

/** Facts at a level: `none`, `signature`, `provenance` or `trusted-publisher`, with findings. */
function facts(level: 'none' | 'signature' | 'provenance' | 'trusted-publisher', identity: SignerIdentity = IDENTITY, findings: PackageFacts['findings'] = []): PackageFacts {
  const prov = level === 'provenance' || level === 'trusted-publisher'
  return {
    name: 'x',
    version: '1.0.0',
    integrity: { status: 'verified' },
    signature: { status: level === 'none' ? 'missing' : 'verified' },
    provenance: prov ? { status: 'verified', identity } : { status: 'none' },
    publish: { status: 'none' },
    publisher: { source: 'registry-metadata', ...(level === 'trusted-publisher' && { trustedPublisher: { id: 'github' } }) },
    findings,
  }
}

const pkg = (name: string, version: string, f?: PackageFacts): ObservedPackage => ({ name, version, ...(f && { facts: f }) })

const SAMPLE = `{
  "lockfileVersion": 1,
  "packages": {
    "@acme/a": {
      "1": {
        "identity": {
          "issuer": "https://token.actions.githubusercontent.com",
          "refKind": "tag",
          "repository": "acme/a",
          "repositoryId": "42",
          "runner": "github-hosted",
          "trigger": "release",
          "workflow": ".github/workflows/release.yml"
        },
        "level": "trusted-publisher",
        "version": "1.2.0"
      }
    },
    "left-pad": {
      "0.30": {
        "level": "signature",
        "version": "0.30.4"
      },
      "2.0.0-beta": {
        "level": "none",
        "version": "2.0.0-beta.3"
      }
    }
  }
}
`

t.test('parses the documented format and writes it back byte for byte', async (t) => {
  const lock = parseTrustLockfile(SAMPLE, 'verify-deps.trust.json')
  t.equal(lock.packages.get('@acme/a')?.get('1')?.level, 'trusted-publisher')
  t.equal(lock.packages.get('@acme/a')?.get('1')?.identity?.repositoryId, '42')
  t.equal(lock.packages.get('left-pad')?.get('0.30')?.version, '0.30.4')
  t.equal(serializeTrustLockfile(lock), SAMPLE, 'round trip: sorted keys, 2-space indent, trailing newline')
  t.equal(serializeTrustLockfile(emptyTrustLockfile()), '{\n  "lockfileVersion": 1,\n  "packages": {}\n}\n')
})

t.test('serialize sorts names and lines whatever the insertion order, integer-like keys too', async (t) => {
  const lock = emptyTrustLockfile()
  lock.packages.set('zed', new Map([['2', { level: 'signature', version: '2.0.0' }], ['10', { level: 'signature', version: '10.0.0' }], ['1', { level: 'signature', version: '1.0.0' }]]))
  lock.packages.set('123', new Map([['1', { level: 'none', version: '1.0.0' }]]))
  lock.packages.set('__proto__', new Map([['1', { level: 'none', version: '1.0.0' }]]))
  const text = serializeTrustLockfile(lock)
  const order = [...text.matchAll(/^ {4}"([^"]+)"/gm)].map((m) => m[1])
  t.same(order, ['__proto__', '123', 'zed'])
  const lines = [...text.matchAll(/^ {6}"([^"]+)"/gm)].map((m) => m[1])
  t.same(lines.slice(2), ['1', '10', '2'], 'lines in text order, not JS integer-key order')
  const again = parseTrustLockfile(text, 'f')
  t.equal(serializeTrustLockfile(again), text, 'a package named __proto__ is a key like any other')
  t.ok(again.packages.has('__proto__'))
})

t.test('a malformed file is an ETRUSTLOCKFILE error naming the file and the JSON path', async (t) => {
  const bad = (text: string, path: RegExp) => {
    let error: unknown
    try {
      parseTrustLockfile(text, '/p/verify-deps.trust.json')
    } catch (err) {
      error = err
    }
    const ok = error instanceof VerifyDepsError && error.code === 'ETRUSTLOCKFILE' && error.kind === 'usage' && error.message.startsWith('/p/verify-deps.trust.json: ') && path.test(error.message)
    t.ok(ok, `${path.source} (got ${String(error)})`)
  }
  const doc = (packages: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ lockfileVersion: 1, packages, ...extra })
  bad('{"lockfileVersion": 1, "packages": {', /not valid JSON/)
  bad('[]', /must be a JSON object/)
  bad(JSON.stringify({ packages: {} }), /lockfileVersion: must be 1 \(got nothing\)/)
  bad(JSON.stringify({ lockfileVersion: 2, packages: {} }), /lockfileVersion: must be 1 \(got 2\)/)
  bad(doc({}, { extra: true }), /: extra: unknown field/)
  bad(doc([]), /packages: must be a JSON object/)
  bad(doc({ 'a b': {} }), /packages\["a b"\]: is not a package name/)
  bad(doc({ a: { '1': { level: 'great', version: '1.0.0' } } }), /packages\["a"\]\["1"\]\.level: must be one of/)
  bad(doc({ a: { '1': { level: 'none' } } }), /packages\["a"\]\["1"\]\.version: must be a non-empty string/)
  bad(doc({ a: { '1': { level: 'none', version: 'latest' } } }), /\.version: "latest" is not a semver version/)
  bad(doc({ a: { '2': { level: 'none', version: '1.0.0' } } }), /packages\["a"\]\["2"\]: "2" is not the release line of 1\.0\.0 \(1\)/)
  bad(doc({ a: { '1': { level: 'none', version: '1.0.0', note: 'x' } } }), /packages\["a"\]\["1"\]\.note: unknown field/)
  bad(doc({ a: { '1': { level: 'none', version: '1.0.0', identity: { commit: 'abc' } } } }), /\["1"\]\.identity\.commit: unknown field/)
  bad(doc({ a: { '1': { level: 'none', version: '1.0.0', identity: { repository: 7 } } } }), /\.identity\.repository: must be a non-empty string/)
  bad(doc({ a: { '1': { level: 'none', version: '1.0.0', identity: { refKind: 'tags' } } } }), /\.identity\.refKind: must be one of tag, branch, pull, other/)
  bad(doc({ a: { '1': 'provenance' } }), /packages\["a"\]\["1"\]: must be a JSON object/)
})

t.test('baselineFor: the entry of the version\'s release line', async (t) => {
  const lock = parseTrustLockfile(SAMPLE, 'f')
  t.same(baselineFor(lock, '@acme/a', '1.9.0'), { line: '1', level: 'trusted-publisher', version: '1.2.0', identity: lock.packages.get('@acme/a')!.get('1')!.identity })
  t.same(baselineFor(lock, 'left-pad', '0.30.9'), { line: '0.30', level: 'signature', version: '0.30.4' })
  t.equal(baselineFor(lock, 'left-pad', '0.31.0'), undefined, 'another 0.x minor is another line')
  t.equal(baselineFor(lock, 'left-pad', '2.0.0-rc.1'), undefined, 'a prerelease only against its own tag')
  t.equal(baselineFor(lock, 'left-pad', '2.0.0-beta.4')?.level, 'none')
  t.equal(baselineFor(lock, '@acme/a', 'not-semver'), undefined)
  t.equal(baselineFor(lock, 'other', '1.0.0'), undefined)
})

t.test('baselineIdentityOf keeps the trigger class and ref kind, never the commit or the tag', async (t) => {
  t.same(baselineIdentityOf(IDENTITY), { issuer: IDENTITY.issuer, repository: 'axios/axios', repositoryId: '123', workflow: '.github/workflows/release.yml', trigger: 'release', refKind: 'tag', runner: 'github-hosted' })
  t.same(baselineIdentityOf({ sources: {}, trigger: 'pull_request_target', ref: 'refs/heads/main' }), { trigger: 'pull-request-target', refKind: 'branch' })
})

t.test('build: the lowest level of a line, the identity of its highest version; failures not recorded', async (t) => {
  const moved = { ...IDENTITY, repository: 'axios-org/axios', repositoryId: '999' }
  const built = buildTrustLockfile([
    pkg('axios', '1.14.0', facts('trusted-publisher')),
    pkg('axios', '1.15.0', facts('provenance', moved)),
    pkg('axios', '0.30.3', facts('signature')),
    pkg('broken', '1.0.0', facts('signature', IDENTITY, [{ code: 'SIGNATURE_INVALID', message: 'bad' }])),
    pkg('unfetched', '2.0.0'),
    pkg('gitdep', 'github:a/b', facts('none')),
    pkg('warned', '3.0.0', facts('signature', IDENTITY, [{ code: 'PROVENANCE_MISSING', message: 'no provenance' }])),
  ])
  const a1 = built.lockfile.packages.get('axios')!.get('1')!
  t.equal(a1.level, 'provenance', 'lowest of trusted-publisher and provenance')
  t.equal(a1.version, '1.15.0')
  t.equal(a1.identity?.repository, 'axios-org/axios', 'identity of the highest version')
  t.same(built.lockfile.packages.get('axios')!.get('0.30'), { level: 'signature', version: '0.30.3' }, 'no identity without verified provenance')
  t.notOk(built.lockfile.packages.has('broken'), 'a broken signature is not recorded')
  t.notOk(built.lockfile.packages.has('unfetched'), 'no evidence: not recorded')
  t.notOk(built.lockfile.packages.has('gitdep'), 'no release line: not recorded')
  t.equal(built.lockfile.packages.get('warned')?.get('3')?.level, 'signature', 'a requirement finding is not a verification failure')
  t.same(built.notRecorded, ['broken@1.0.0', 'unfetched@2.0.0'])
  t.same(built.kept, [])
})

t.test('build keeps the previous entry of a line none of whose versions verified', async (t) => {
  const previous = parseTrustLockfile(SAMPLE, 'f')
  const built = buildTrustLockfile([pkg('@acme/a', '1.3.0'), pkg('left-pad', '0.30.5', facts('signature'))], previous)
  t.same(built.lockfile.packages.get('@acme/a')!.get('1'), previous.packages.get('@acme/a')!.get('1'), 'a failed fetch never erases a baseline')
  t.same(built.kept, [{ name: '@acme/a', line: '1' }])
  t.notOk(built.lockfile.packages.get('left-pad')!.has('2.0.0-beta'), 'a line no longer locked is dropped')
  // A failing version beside a verified one of the same line: the verified one is recorded.
  const mixed = buildTrustLockfile([pkg('@acme/a', '1.3.0'), pkg('@acme/a', '1.4.0', facts('signature'))], previous)
  t.equal(mixed.lockfile.packages.get('@acme/a')!.get('1')!.level, 'signature')
  t.same(mixed.kept, [])
})

t.test('failedVerification: no facts, a validity or binding finding', async (t) => {
  t.ok(failedVerification(pkg('a', '1.0.0')))
  t.ok(failedVerification({ ...pkg('a', '1.0.0', facts('signature')), lockfileFindings: [{ code: 'INTEGRITY_MISMATCH', message: 'x' }] }))
  t.notOk(failedVerification(pkg('a', '1.0.0', facts('signature'))))
})

t.test('diff: added, raised, lowered, identity field by field, removed; sorted; "no changes"', async (t) => {
  const before = parseTrustLockfile(SAMPLE, 'f')
  t.same(diffTrustLockfiles(before, before), [])
  t.equal(formatTrustLockfileDiff([]), 'no changes\n')
  const after: TrustLockfile = parseTrustLockfile(SAMPLE, 'f')
  const a = after.packages.get('@acme/a')!
  a.set('1', { level: 'provenance', version: '1.3.0', identity: { ...a.get('1')!.identity!, repository: 'evil/a', trigger: 'pull-request-target' } })
  after.packages.get('left-pad')!.set('0.30', { level: 'provenance', version: '0.30.5', identity: { repository: 'lp/lp' } })
  after.packages.get('left-pad')!.delete('2.0.0-beta')
  after.packages.set('new', new Map([['1', { level: 'signature', version: '1.0.0' }]]))
  // A new version at the same level and identity is no reviewable change.
  const changes = diffTrustLockfiles(before, after)
  t.same(
    changes.map((c) => `${c.kind} ${c.name} ${c.line}${c.kind === 'identity' ? ` ${c.field}` : ''}`),
    ['lowered @acme/a 1', 'identity @acme/a 1 repository', 'identity @acme/a 1 trigger', 'raised left-pad 0.30', 'removed left-pad 2.0.0-beta', 'added new 1'],
  )
  t.equal(
    formatTrustLockfileDiff(changes),
    [
      'v lowered   @acme/a 1: trusted-publisher (1.2.0) -> provenance (1.3.0)',
      '~ identity  @acme/a 1: repository acme/a -> evil/a (1.3.0)',
      '~ identity  @acme/a 1: trigger release -> pull-request-target (1.3.0)',
      '^ raised    left-pad 0.30: signature (0.30.4) -> provenance (0.30.5)',
      '- removed   left-pad 2.0.0-beta: was none (2.0.0-beta.3)',
      '+ added     new 1: signature (1.0.0)',
      '',
    ].join('\n'),
  )
  const version = parseTrustLockfile(SAMPLE, 'f')
  version.packages.get('left-pad')!.set('0.30', { level: 'signature', version: '0.30.9' })
  t.same(diffTrustLockfiles(before, version), [], 'same level, new version: no change')
  const gone = parseTrustLockfile(SAMPLE, 'f')
  const g = gone.packages.get('@acme/a')!.get('1')!
  const { runner: _runner, ...withoutRunner } = g.identity!
  gone.packages.get('@acme/a')!.set('1', { ...g, identity: withoutRunner })
  t.same(formatTrustLockfileDiff(diffTrustLockfiles(before, gone)), '~ identity  @acme/a 1: runner github-hosted -> (none) (1.2.0)\n')
  const added = formatTrustLockfileDiff(diffTrustLockfiles(emptyTrustLockfile(), before))
  t.match(added, /^\+ added {5}@acme\/a 1: trusted-publisher \(1\.2\.0; issuer https:\/\/token\.actions\.githubusercontent\.com, refKind tag, repository acme\/a/)
})

t.test('baselineIdentityChanges: the identityChanges rules against a recorded baseline', async (t) => {
  const baseline = baselineIdentityOf(IDENTITY)
  t.same(baselineIdentityChanges(baseline, { ...IDENTITY, ref: 'refs/tags/v1.14.1', commit: 'def', trigger: 'release' }), [], 'a new tag, commit, and a push → release event of the same class')
  t.same(baselineIdentityChanges(baseline, { ...IDENTITY, repository: 'AXIOS/axios' }), [], 'the repository without case')
  t.same(baselineIdentityChanges(baseline, { ...IDENTITY, runner: 'self-hosted', trigger: 'pull_request_target', ref: 'refs/heads/main', repositoryId: '999' }), [
    { field: 'repositoryId', before: '123', after: '999' },
    { field: 'trigger', before: 'release', after: 'pull-request-target' },
    { field: 'refKind', before: 'tag', after: 'branch' },
    { field: 'runner', before: 'github-hosted', after: 'self-hosted' },
  ])
  t.same(baselineIdentityChanges({ runner: 'self-hosted', workflow: 'a.yml' }, { ...IDENTITY, workflow: undefined, runner: 'github-hosted' } as SignerIdentity), [], 'self-hosted → hosted is no change; a field one side lacks is not compared')
})

t.test('no value can forge a line of the diff: control characters are escaped', async (t) => {
  const after = emptyTrustLockfile()
  after.packages.set('evil\n+ added     axios 1', new Map([['1', { level: 'signature', version: '1.0.0', identity: { workflow: 'a.yml\r\n- removed x' } }]]))
  const text = formatTrustLockfileDiff(diffTrustLockfiles(emptyTrustLockfile(), after))
  t.equal(text.split('\n').length, 2, 'one line and the final newline')
  t.match(text, /evil\\u\{a\}\+ added/)
  t.match(text, /workflow a\.yml\\u\{d\}\\u\{a\}- removed x/)
})
