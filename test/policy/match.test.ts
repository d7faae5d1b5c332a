import t from 'tap'
import { PolicyFileError } from '../../lib/policy/errors.js'
import { evaluatePolicy, evaluateRun } from '../../lib/policy/evaluate.js'
import { matchGlob, matchPackageSpec, selectRule, splitPackageSpec } from '../../lib/policy/match.js'
import { NOW, policyFrom, ref, verified } from './helpers.js'

t.test('globs: `*` stays within one path segment, `**` crosses them, everything is anchored', async (t) => {
  t.ok(matchGlob('acme/*', 'acme/app'))
  t.notOk(matchGlob('acme/*', 'acme/x/y'), '`*` does not cross `/`')
  t.ok(matchGlob('acme/**', 'acme/x/y'))
  t.notOk(matchGlob('acme/*', 'evil/acme/app'), 'anchored at the start')
  t.notOk(matchGlob('acme/app', 'acme/app-fork'), 'exact strings are exact')
  t.notOk(matchGlob('acme/a*', 'acme/app/../x'))
  t.ok(matchGlob('refs/tags/v*', 'refs/tags/v1.2.3'))
  t.notOk(matchGlob('refs/tags/v*', 'refs/tags/v1/evil'))
  t.notOk(matchGlob('refs/heads/*', 'refs/heads/feature/x'))
  t.ok(matchGlob('refs/heads/**', 'refs/heads/feature/x'))
  t.notOk(matchGlob('a.b', 'axb'), 'regular-expression characters are literal')
  t.notOk(matchGlob('(a|b)', 'a'))
  t.ok(matchGlob('(a|b)', '(a|b)'))
  t.ok(matchGlob('*', 'left-pad'))
  t.notOk(matchGlob('*', '@acme/app'), '`*` matches unscoped names only')
  t.ok(matchGlob('@*/*', '@acme/app'))
  t.ok(matchGlob('**', '@acme/app'))
  t.ok(matchGlob('https://token.actions.githubusercontent.com', 'https://token.actions.githubusercontent.com'))
})

t.test('package specs: name, name@version, name@range, scoped and glob names', async (t) => {
  t.same(splitPackageSpec('@acme/app@^1'), { name: '@acme/app', range: '^1' })
  t.same(splitPackageSpec('@acme/app'), { name: '@acme/app' })
  t.same(splitPackageSpec('left-pad@1.3.0'), { name: 'left-pad', range: '1.3.0' })
  t.ok(matchPackageSpec('left-pad', 'left-pad', '9.9.9'))
  t.ok(matchPackageSpec('left-pad@1.3.0', 'left-pad', '1.3.0'))
  t.notOk(matchPackageSpec('left-pad@1.3.0', 'left-pad', '1.3.1'))
  t.ok(matchPackageSpec('left-pad@<2', 'left-pad', '1.3.1'))
  t.notOk(matchPackageSpec('left-pad@<2', 'left-pad', '2.0.0'))
  t.ok(matchPackageSpec('@acme/*@^1', '@acme/app', '1.4.0'))
  t.notOk(matchPackageSpec('@acme/*@^1', '@other/app', '1.4.0'))
  t.notOk(matchPackageSpec('left-pad@^1.0.0', 'left-pad', '1.1.0-beta.1'), 'prereleases only match ranges that name them')
  t.ok(matchPackageSpec('left-pad@1.1.0-beta.1', 'left-pad', '1.1.0-beta.1'))
  t.notOk(matchPackageSpec('left-pad@1', 'left-pad', 'not-semver'))
})

t.test('an exact name beats any glob', async (t) => {
  const rules = [{ packages: ['@acme/**'] }, { packages: ['@acme/app'] }, { packages: ['@acme/*'] }]
  const s = selectRule(rules, '@acme/app')
  t.equal(s.kind, 'rule')
  if (s.kind === 'rule') {
    t.equal(s.winner.index, 1)
    t.same(s.others.map((o) => o.index).sort(), [0, 2])
  }
})

t.test('among globs the longest literal prefix wins', async (t) => {
  const rules = [{ packages: ['@acme/*'] }, { packages: ['@acme/cli-*'] }, { packages: ['**'] }]
  const s = selectRule(rules, '@acme/cli-tools')
  t.equal(s.kind === 'rule' && s.winner.index, 1)
  const other = selectRule(rules, '@acme/app')
  t.equal(other.kind === 'rule' && other.winner.index, 0)
  const outside = selectRule(rules, 'left-pad')
  t.equal(outside.kind === 'rule' && outside.winner.index, 2)
  t.same(selectRule([{ packages: ['@acme/*'] }], 'left-pad'), { kind: 'none' })
})

t.test("a rule's most specific pattern speaks for it", async (t) => {
  const rules = [{ packages: ['**', '@acme/app'] }, { packages: ['@acme/*'] }]
  const s = selectRule(rules, '@acme/app')
  t.equal(s.kind === 'rule' && s.winner.index, 0)
  t.equal(s.kind === 'rule' && s.winner.pattern, '@acme/app')
})

t.test('two equally specific globs are ambiguous', async (t) => {
  const s = selectRule([{ packages: ['@acme/*'] }, { packages: ['@acme/*-cli'] }, { packages: ['**'] }], '@acme/x-cli')
  t.equal(s.kind, 'ambiguous')
  if (s.kind === 'ambiguous') t.same(s.tied.map((c) => c.index), [0, 1])
})

t.test('the same pattern in two rules is refused when the policy is loaded', async (t) => {
  t.throws(() => policyFrom('version: 1\nrules:\n  - packages: [a, "@acme/*"]\n  - packages: ["@acme/*"]\n'), { code: 'EPOLICY', path: 'rules[1].packages[0]', line: 4, column: 16 })
  t.throws(() => policyFrom('version: 1\nrules:\n  - packages: [a, a]\n'), { code: 'EPOLICY', path: 'rules[0].packages[1]' })
})

t.test('a package two equally specific globs match stops the run with a PolicyFileError naming the rules and the package', async (t) => {
  const policy = policyFrom('version: 1\nrules:\n  - packages: ["@acme/*"]\n    mode: warn\n  - packages: ["@acme/*-cli"]\n')
  t.equal(evaluatePolicy(policy, ref('@acme/app'), verified(), NOW).rule, 'rules[0] (@acme/*)', 'only one matches: fine')
  const err = t.throws(() => evaluatePolicy(policy, ref('@acme/x-cli'), verified(), NOW)) as PolicyFileError
  t.ok(err instanceof PolicyFileError)
  t.match(err, { code: 'EPOLICY', file: 'verify-deps.policy.yaml', rules: [0, 1], package: '@acme/x-cli@1.0.0', path: 'rules[1].packages[0]', line: 5, column: 16 })
  t.match(err.message, /^verify-deps\.policy\.yaml:5:16: rules\[1\]\.packages\[0\]: @acme\/x-cli@1\.0\.0 is matched equally specifically by rules\[0\]/)
  t.throws(() => evaluateRun(policy, [{ ref: ref('@acme/app'), outcome: verified() }, { ref: ref('@acme/x-cli'), outcome: verified() }], NOW), { code: 'EPOLICY' })
})
