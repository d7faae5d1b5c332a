/** lib/policy/init-policy.ts: the policy `verify-deps init` writes, from observed packages; every output must parse as a policy. */
import t from 'tap'
import type { PackageFacts, SignerIdentity } from '../../lib/model/facts.js'
import type { ObservedPackage } from '../../lib/model/trust-lockfile.js'
import { initPolicy } from '../../lib/policy/init-policy.js'
import { parsePolicyFile } from '../../lib/policy/load.js'

const ISSUER = 'https://token.actions.githubusercontent.com'

function identity(repository: string, ref: string, extra: Partial<SignerIdentity> = {}): SignerIdentity {
  return { issuer: ISSUER, repository, repositoryUri: `https://github.com/${repository}`, workflow: '.github/workflows/release.yml', ref, runner: 'github-hosted', trigger: 'push', buildSignerUri: `https://github.com/${repository}/.github/workflows/release.yml@${ref}`, sources: {}, ...extra }
}

function pkg(name: string, version: string, id?: SignerIdentity, findings: PackageFacts['findings'] = []): ObservedPackage {
  return {
    name,
    version,
    facts: {
      name,
      version,
      integrity: { status: 'verified' },
      signature: { status: 'verified' },
      provenance: id ? { status: 'verified', identity: id } : { status: 'none' },
      publish: { status: 'none' },
      publisher: { source: 'registry-metadata' },
      findings,
    },
  }
}

t.test('refs: v tags, any tags, one ref, mixed refs', async (t) => {
  const out = initPolicy(
    [
      pkg('@v/a', '1.0.0', identity('v/a', 'refs/tags/v1.0.0')),
      pkg('@t/a', '1.0.0', identity('t/a', 'refs/tags/release-1')),
      pkg('@t/b', '1.0.0', identity('t/b', 'refs/tags/v2')),
      pkg('@m/a', '1.0.0', identity('m/a', 'refs/heads/main')),
      pkg('@m/b', '1.0.0', identity('m/a', 'refs/heads/next')),
      pkg('@n/a', '1.0.0', { ...identity('n/a', 'x'), ref: undefined } as SignerIdentity),
    ],
    'package-lock.json',
  )
  t.match(out.text, /packages: \["@v\/\*"\][^]*?ref: "refs\/tags\/v\*"/)
  t.match(out.text, /packages: \["@t\/\*"\][^]*?repository: "t\/\*"[^]*?ref: "refs\/tags\/\*"/)
  t.notMatch(/packages: \["@m\/\*"\][^]*?severity/.exec(out.text)?.[0] ?? '', /ref:/, 'mixed branches: no ref')
  t.match(out.text, /packages: \["@m\/\*"\][^]*?repository: "m\/a"/, 'one repository for both: exact')
  t.notMatch(/packages: \["@n\/\*"\][^]*?severity/.exec(out.text)?.[0] ?? '', /ref:/, 'no ref seen: no ref')
  t.equal(out.rules, 4)
  t.ok(await parsePolicyFile(out.text, 'p.yaml'))
})

t.test('a reusable workflow from another repository is named as the signer', async (t) => {
  const id = identity('acme/a', 'refs/tags/v1.0.0', { buildSignerUri: 'https://github.com/acme/shared/.github/workflows/publish.yml@refs/heads/main' })
  const out = initPolicy([pkg('@acme/a', '1.0.0', id)], 'package-lock.json')
  t.match(out.text, /signer: "acme\/shared\/\.github\/workflows\/publish\.yml"/)
  const policy = await parsePolicyFile(out.text, 'p.yaml')
  t.equal(policy.rules[0]?.builds?.[0]?.signer, 'acme/shared/.github/workflows/publish.yml')
})

t.test('unscoped packages by repository owner (also a non-GitHub source URI); none without provenance', async (t) => {
  const gitlab: SignerIdentity = { issuer: 'https://gitlab.com', repository: 'https://gitlab.com/grp/sub/tool', repositoryUri: 'https://gitlab.com/grp/sub/tool', ref: 'refs/tags/v1.0.0', sources: {} }
  const out = initPolicy(
    [
      pkg('tool', '1.0.0', gitlab),
      pkg('tool2', '1.0.0', { ...gitlab, repository: 'https://gitlab.com/grp/sub/tool2', repositoryUri: 'https://gitlab.com/grp/sub/tool2' }),
      pkg('a', '1.0.0'),
      pkg('b', '1.0.0'),
      pkg('c', '1.0.0'),
      pkg('d', '1.0.0'),
    ],
    'pnpm-lock.yaml',
  )
  t.match(out.text, /# built from https:\/\/gitlab\.com\/grp\/sub\/\*: 2 packages \(tool, tool2\)/)
  t.match(out.text, /repository: "https:\/\/gitlab\.com\/grp\/sub\/\*"/)
  t.match(out.text, /# 4 unscoped packages without verified provenance \(a, b, c, …\): no rule/)
  t.same(out.unruled, ['a', 'b', 'c', 'd'])
  t.match(out.text, /from the packages in pnpm-lock\.yaml:/)
  const policy = await parsePolicyFile(out.text, 'p.yaml')
  t.same(policy.rules[0]?.packages, ['tool', 'tool2'])
})

t.test('failed packages never shape a rule; a scope with no provenance requires signatures only, under warn', async (t) => {
  const broken = pkg('@x/bad', '1.0.0', identity('evil/bad', 'refs/tags/v1.0.0'), [{ code: 'ATTESTATION_INVALID', message: 'bad' }])
  const out = initPolicy([broken, pkg('@x/ok', '1.0.0'), pkg('@x/ok2', '1.0.0'), pkg('@x/ok3', '1.0.0'), { name: '@x/unfetched', version: '1.0.0' }], 'package-lock.json')
  t.notMatch(out.text, /evil/, 'the identity of a package that failed verification is not allowed')
  t.match(out.text, /# @x\/\*: 5 packages \(@x\/bad, @x\/ok, @x\/ok2, …\), 5 locked versions; 0 with verified provenance; 2 failed verification\./)
  t.match(out.text, /mode: warn\n {4}require:\n {6}signature: true\n {4}severity:\n {6}SIGNATURE_UNSUPPORTED_BY_REGISTRY: warning/, 'no builds; signatures not all verified: no SIGNATURE_MISSING: error')
  t.same(out.failed, ['@x/bad@1.0.0', '@x/unfetched@1.0.0'])
  t.ok(await parsePolicyFile(out.text, 'p.yaml'))
})

t.test('no packages: a valid policy with no rules; names with control characters cannot break out of a comment', async (t) => {
  const empty = initPolicy([], 'package-lock.json')
  t.match(empty.text, /\nrules: \[\]\n/)
  t.equal((await parsePolicyFile(empty.text, 'p.yaml')).rules.length, 0)
  const odd = initPolicy([pkg('evil\ndeny: []', '1.0.0')], 'lock\nfile')
  t.notMatch(odd.text, /\ndeny: \[\]\n[^]*\ndeny: \[\]/, 'only one deny section')
  t.match(odd.text, /without verified provenance \(evil deny: \[\]\)/)
  t.ok(await parsePolicyFile(odd.text, 'p.yaml'))
})
