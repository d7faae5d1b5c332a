import t from 'tap'
import { checkPublishPredicate, checkSubject, npmPurl, parseStatement, sha512Hex } from '../../lib/verify/statement.js'

const integrity = 'sha512-e+qfbn/zf1+rCza/BhIA//Awmf0v1pa5HQS8Xk8iXrn9bgytytVLqYD0P7NSqZ6IELTgq+tcDvLPkQjNHyWLNg=='
const hex = sha512Hex(integrity)!
const statement = (over: Record<string, unknown> = {}) => ({
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'pkg:npm/%40scope/pkg@1.0.0', digest: { sha512: hex } }],
  predicateType: 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1',
  predicate: { name: '@scope/pkg', version: '1.0.0', registry: 'https://registry.npmjs.org' },
  ...over,
})
const parse = (doc: unknown, type = 'application/vnd.in-toto+json') => parseStatement(type, Buffer.from(JSON.stringify(doc)))

t.test('npm purls percent-encode the scope', async (t) => {
  t.equal(npmPurl('@scope/pkg', '1.0.0'), 'pkg:npm/%40scope/pkg@1.0.0')
  t.equal(npmPurl('pkg', '1.0.0-rc.1'), 'pkg:npm/pkg@1.0.0-rc.1')
})

t.test('parses a statement and checks it names this package and these bytes', async (t) => {
  const r = parse(statement())
  t.ok(r.ok)
  if (!r.ok) return
  t.equal(checkSubject(r.value, '@scope/pkg', '1.0.0', integrity), undefined)
  t.equal(checkPublishPredicate(r.value, '@scope/pkg', '1.0.0'), undefined)
  t.match(checkSubject(r.value, '@scope/pkg', '1.0.1', integrity), /subject is pkg:npm\/%40scope\/pkg@1\.0\.0/)
  t.match(checkSubject(r.value, '@other/pkg', '1.0.0', integrity), /expected pkg:npm\/%40other/)
  t.match(checkSubject(r.value, '@scope/pkg', '1.0.0', 'sha512-' + Buffer.alloc(64).toString('base64')), /sha512/)
  t.match(checkPublishPredicate(r.value, '@scope/pkg', '2.0.0'), /publish predicate names/)
})

t.test('the unencoded scope form is not accepted as the same name', async (t) => {
  const r = parse(statement({ subject: [{ name: 'pkg:npm/@scope/pkg@1.0.0', digest: { sha512: hex } }] }))
  t.ok(r.ok && checkSubject(r.value, '@scope/pkg', '1.0.0', integrity))
})

t.test('refuses several subjects, missing digests and other payload types', async (t) => {
  const two = parse(statement({ subject: [statement().subject[0], { name: 'pkg:npm/x@1.0.0', digest: { sha512: hex } }] }))
  t.ok(two.ok && checkSubject(two.value, '@scope/pkg', '1.0.0', integrity))
  t.notOk(parse(statement({ subject: [{ name: 'pkg:npm/%40scope/pkg@1.0.0' }] })).ok)
  t.notOk(parse(statement({ subject: [] })).ok)
  t.notOk(parse(statement({ _type: 'https://example.com/Statement' })).ok)
  t.notOk(parse(statement({ predicate: 'x' })).ok)
  t.notOk(parse(statement(), 'application/json').ok)
  t.notOk(parseStatement('application/vnd.in-toto+json', Buffer.from('{not json')).ok)
  const noSha512 = parse(statement({ subject: [{ name: 'pkg:npm/%40scope/pkg@1.0.0', digest: { sha256: 'ab' } }] }))
  t.ok(noSha512.ok && checkSubject(noSha512.value, '@scope/pkg', '1.0.0', integrity))
})

t.test('sha512Hex is total: unparsable or ambiguous integrities have no sha512', async (t) => {
  for (const bad of ['', ' ', 'not-an-sri', 'SHA512-' + integrity.slice(7), `${integrity} sha512-${Buffer.alloc(64).toString('base64')}`]) {
    t.equal(sha512Hex(bad), undefined, JSON.stringify(bad))
  }
})
