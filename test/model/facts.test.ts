/**
 * createFactsCompactor (lib/model/facts.ts): the facts it gives are equal to the facts it was given,
 * in the same key order (the report's bytes), and the small objects that repeat from package to
 * package are shared between packages and frozen.
 */
import t from 'tap'
import { createFactsCompactor, type PackageFacts } from '../../lib/model/facts.js'

const SAN = 'https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.0.0'

function factsOf(name: string, overrides: Partial<PackageFacts> = {}): PackageFacts {
  return {
    name,
    version: '1.0.0',
    integrity: { status: 'verified', integrity: `sha512-${name}`, registryIntegrity: `sha512-${name}` },
    signature: { status: 'verified', keyid: 'SHA256:key' },
    provenance: {
      status: 'verified',
      predicateType: 'https://slsa.dev/provenance/v1',
      signedAt: '2025-03-01T11:59:00.000Z',
      identity: {
        issuer: 'https://token.actions.githubusercontent.com',
        subjectAlternativeName: SAN,
        repository: 'o/r',
        workflow: '.github/workflows/release.yml',
        commit: `commit-of-${name}`,
        buildSignerUri: SAN,
        sources: { issuer: 'certificate', subjectAlternativeName: 'certificate-san', repository: 'certificate', workflow: 'certificate', commit: 'certificate', buildSignerUri: 'certificate' },
      },
    },
    publish: { status: 'verified', keyid: 'SHA256:key', signedAt: '2025-03-01T12:00:00.000Z' },
    publisher: { name: 'someone', email: 'someone@example.test', source: 'registry-metadata' },
    origin: { registry: 'https://registry.npmjs.org/', role: 'registry', keys: 'https://registry.npmjs.org/' },
    findings: [],
    ...overrides,
  }
}

t.test('the compacted facts are the facts given, field for field and in the same key order', async (t) => {
  const compact = createFactsCompactor()
  const cases = [
    factsOf('a'),
    factsOf('b', { provenance: { status: 'missing' }, origin: undefined }),
    factsOf('c', { integrity: { status: 'verified', integrity: 'sha512-c', tarball: 'verified' }, signature: { status: 'missing' }, publish: { status: 'none' }, publisher: { source: 'registry-metadata', trustedPublisher: { id: 'github' } } }),
    factsOf('d', { findings: [{ code: 'SIGNATURE_MISSING', message: 'no signature' }] }),
    // A build signer that is not the SAN (a reusable workflow), and an identity without one.
    factsOf('e', { provenance: { status: 'verified', identity: { subjectAlternativeName: SAN, buildSignerUri: 'https://github.com/o/shared/.github/workflows/build.yml@refs/heads/main', sources: {} } } }),
    factsOf('f', { provenance: { status: 'verified', identity: { issuer: 'https://issuer.example', sources: { issuer: 'certificate' } } } }),
  ]
  for (const facts of cases) {
    const given = JSON.stringify(facts)
    // With the lockfile's integrity (the same text as the facts', or another) or without.
    for (const lockfileIntegrity of [undefined, `sha512-${facts.name}`, 'sha1-other']) {
      const compacted = compact(structuredClone(facts), lockfileIntegrity)
      t.same(compacted, facts, `${facts.name}, ${lockfileIntegrity}`)
      t.equal(JSON.stringify(compacted), given, `${facts.name}, ${lockfileIntegrity}: the same JSON`)
    }
  }
})

t.test('what repeats from package to package is shared, frozen; what differs is not', async (t) => {
  const compact = createFactsCompactor()
  // As facts from a worker arrive: a structured clone, nothing shared with anything else.
  const a = compact(structuredClone(factsOf('a')))
  const b = compact(structuredClone(factsOf('b')))
  t.equal(b.provenance.identity?.sources, a.provenance.identity?.sources, 'identity.sources')
  t.equal(b.publisher, a.publisher, 'publisher')
  t.equal(b.origin, a.origin, 'origin')
  t.ok(Object.isFrozen(a.publisher) && Object.isFrozen(a.origin) && Object.isFrozen(a.provenance.identity?.sources), 'shared objects are frozen')
  t.not(b.provenance.identity, a.provenance.identity, 'the identity itself is each package’s own')
  t.equal(b.provenance.identity?.commit, 'commit-of-b')
  const other = compact(structuredClone(factsOf('c', { publisher: { name: 'someone else', source: 'registry-metadata' } })))
  t.not(other.publisher, a.publisher, 'a different publisher is not shared')
  t.same(other.publisher, { name: 'someone else', source: 'registry-metadata' })
})

t.test('the facts given are not changed', async (t) => {
  const given = factsOf('a')
  createFactsCompactor()(given)
  t.notOk(Object.isFrozen(given.publisher))
  t.same(given, factsOf('a'))
})
