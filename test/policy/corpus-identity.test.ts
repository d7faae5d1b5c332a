import t from 'tap'
import { X509Certificate } from '@sigstore/core'
import { readCorpusJSON } from '../helpers/corpus.js'
import { mergeIdentity, readCertificateIdentity, readPredicateIdentity } from '../../lib/verify/identity.js'
import type { SignerIdentity } from '../../lib/model/facts.js'
import { evaluatePolicy } from '../../lib/policy/evaluate.js'
import { NOW, policyFrom, ref, verified } from './helpers.js'

// Real signer identities (recorded npm attestations), read by the verify stage, against `builds`.
function identityOf(file: string): SignerIdentity {
  const doc = readCorpusJSON(file) as { attestations: { predicateType: string; bundle: { verificationMaterial: Record<string, any>; dsseEnvelope: { payload: string } } }[] }
  const a = doc.attestations.find((x) => x.predicateType.startsWith('https://slsa.dev/provenance/'))!
  const vm = a.bundle.verificationMaterial
  const raw: string = vm.certificate?.rawBytes ?? vm.x509CertificateChain.certificates[0].rawBytes
  const statement = JSON.parse(Buffer.from(a.bundle.dsseEnvelope.payload, 'base64').toString('utf8'))
  return mergeIdentity(readCertificateIdentity(X509Certificate.parse(Buffer.from(raw, 'base64'))), readPredicateIdentity(statement.predicateType, statement.predicate)).identity
}

const decide = (policy: string, identity: SignerIdentity) => evaluatePolicy(policyFrom(policy), ref('pkg'), verified({ name: 'pkg', provenance: { status: 'verified', identity } }), NOW)

t.test('a release from the repository’s own workflow matches a pinned build', async (t) => {
  const identity = identityOf('attestations/slsa-verifier__gundam-visor-cli-v1-tag.json')
  const policy = (extra: string) =>
    `version: 1\nrules:\n  - packages: [pkg]\n    builds:\n      - issuer: https://token.actions.githubusercontent.com\n        repository: ramonpetgrave64/gundam-visor\n        repositoryId: "810002373"\n        workflow: .github/workflows/npm-publish.yml\n        ref: refs/tags/v*\n        runner: github-hosted\n        trigger: [push, release]\n${extra}`
  t.equal(decide(policy(''), identity).decision, 'pass')
  t.equal(decide(policy('        visibility: private\n'), identity).decision, 'fail')
})

t.test('a build signed by slsa-github-generator needs `signer` to name it', async (t) => {
  const identity = identityOf('attestations/slsa-verifier__provenance-npm-test-ossf.json')
  const base = 'version: 1\nrules:\n  - packages: [pkg]\n    builds:\n      - repository: laurentsimon/provenance-npm-test\n        workflow: .github/workflows/release-slsa3.yml\n'
  const without = decide(base, identity)
  t.equal(without.decision, 'fail')
  t.match(without.findings[0]?.message, 'signer is "slsa-framework/slsa-github-generator/.github/workflows/delegator_lowperms-generic_slsa3.yml", allowed a workflow in laurentsimon/provenance-npm-test')
  t.equal(decide(`${base}        signer: slsa-framework/slsa-github-generator/.github/workflows/*@refs/tags/v*\n`, identity).decision, 'pass')
  t.equal(decide(`${base}        signer: slsa-framework/slsa-github-generator/.github/workflows/*@refs/tags/v2.*\n`, identity).decision, 'fail', 'at another version')
})
