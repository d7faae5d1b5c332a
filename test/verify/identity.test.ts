import t from 'tap'
import { X509Certificate } from '@sigstore/core'
import { readCorpusJSON } from '../helpers/corpus.js'
import { mergeIdentity, readCertificateIdentity, readPredicateIdentity, repositoryName } from '../../lib/verify/identity.js'

interface Doc {
  attestations: { predicateType: string; bundle: { verificationMaterial: Record<string, any>; dsseEnvelope: { payload: string } } }[]
}

function provenanceOf(file: string) {
  const doc = readCorpusJSON(file) as Doc
  const a = doc.attestations.find((a) => a.predicateType.startsWith('https://slsa.dev/provenance/'))!
  const vm = a.bundle.verificationMaterial
  const raw: string = vm.certificate?.rawBytes ?? vm.x509CertificateChain.certificates[0].rawBytes
  const statement = JSON.parse(Buffer.from(a.bundle.dsseEnvelope.payload, 'base64').toString('utf8'))
  return { cert: X509Certificate.parse(Buffer.from(raw, 'base64')), statement }
}

t.test('reads every identity field from a 2024 certificate and SLSA v1 predicate', async (t) => {
  const { cert, statement } = provenanceOf('attestations/slsa-verifier__gundam-visor-cli-v1-tag.json')
  const { identity, conflicts } = mergeIdentity(readCertificateIdentity(cert), readPredicateIdentity(statement.predicateType, statement.predicate))
  t.same(conflicts, [])
  t.match(identity, {
    issuer: 'https://token.actions.githubusercontent.com',
    subjectAlternativeName: 'https://github.com/ramonpetgrave64/gundam-visor/.github/workflows/npm-publish.yml@refs/tags/v1.0.1',
    repository: 'ramonpetgrave64/gundam-visor',
    repositoryId: '810002373',
    repositoryOwnerId: '32398091',
    workflow: '.github/workflows/npm-publish.yml',
    ref: 'refs/tags/v1.0.1',
    commit: '599500821344b070902a7a5666064bfdaba715df',
    runner: 'github-hosted',
    trigger: 'release',
    visibility: 'public',
    runInvocationUri: 'https://github.com/ramonpetgrave64/gundam-visor/actions/runs/9358004112/attempts/1',
    buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
    builderId: 'https://github.com/actions/runner/github-hosted',
  })
  t.equal(identity.sources.repository, 'certificate')
  t.equal(identity.sources.buildType, 'predicate')
})

t.test('a pre-April-2023 certificate: legacy extensions, SAN and predicate, each field saying where it came from', async (t) => {
  const { cert, statement } = provenanceOf('attestations/npm-cli__sigstore@1.0.0.json')
  const certIdentity = readCertificateIdentity(cert)
  t.same(certIdentity.extensions, {}, 'no .8–.22 extensions')
  t.equal(certIdentity.legacyExtensions.githubWorkflowRepository, 'sigstore/sigstore-js')
  const { identity, conflicts } = mergeIdentity(certIdentity, readPredicateIdentity(statement.predicateType, statement.predicate))
  t.same(conflicts, [])
  t.match(identity, {
    issuer: 'https://token.actions.githubusercontent.com',
    repository: 'sigstore/sigstore-js',
    ref: 'refs/tags/v1.0.0',
    commit: '06528997c3c8ab9f864fad9a3658446aca7fd86d',
    trigger: 'release',
    workflow: '.github/workflows/publish.yml',
    repositoryId: '495574555',
  })
  t.same(
    { issuer: identity.sources.issuer, workflow: identity.sources.workflow, repositoryId: identity.sources.repositoryId },
    { issuer: 'certificate-legacy', workflow: 'certificate-san', repositoryId: 'predicate' },
  )
})

t.test('a reusable workflow: the SAN names the shared workflow, the repository is the one that was built', async (t) => {
  const { cert, statement } = provenanceOf('attestations/slsa-verifier__provenance-npm-test-ossf.json')
  const { identity } = mergeIdentity(readCertificateIdentity(cert), readPredicateIdentity(statement.predicateType, statement.predicate))
  t.match(identity.subjectAlternativeName, /^https:\/\/github\.com\/slsa-framework\/slsa-github-generator\//)
  t.equal(identity.repository, 'laurentsimon/provenance-npm-test')
  t.equal(identity.workflow, '.github/workflows/release-slsa3.yml')
})

t.test('certificate and predicate disagreeing on repository, ref or commit is a conflict', async (t) => {
  const { cert, statement } = provenanceOf('attestations/slsa-verifier__gundam-visor-cli-v1-tag.json')
  const certIdentity = readCertificateIdentity(cert)
  const mutate = (f: (p: any) => void) => {
    const p = structuredClone(statement.predicate)
    f(p)
    return mergeIdentity(certIdentity, readPredicateIdentity(statement.predicateType, p)).conflicts
  }
  t.match(mutate((p) => (p.buildDefinition.externalParameters.workflow.repository = 'https://github.com/evil/fork')), [/^repository:/])
  t.match(mutate((p) => (p.buildDefinition.externalParameters.workflow.ref = 'refs/heads/evil')), [/^ref:/])
  t.match(mutate((p) => (p.buildDefinition.resolvedDependencies[0].digest.gitCommit = 'f'.repeat(40))), [/^commit:/])
  t.match(mutate((p) => (p.buildDefinition.internalParameters.github.repository_id = '1')), [/^repositoryId:/])
  t.same(mutate(() => {}), [])
})

t.test('repositoryName keeps non-GitHub URIs whole', async (t) => {
  t.equal(repositoryName('https://github.com/a/b'), 'a/b')
  t.equal(repositoryName('git+https://github.com/a/b.git'), 'a/b')
  t.equal(repositoryName('https://gitlab.com/group/sub/project'), 'https://gitlab.com/group/sub/project')
})
