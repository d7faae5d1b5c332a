// Every attestation case in fixtures/corpus/cases.json gives its expected outcome through the library.
import t from 'tap'
import { readFileSync } from 'node:fs'
import ssri from 'ssri'
import { corpusPath, loadCorpusCases, readCorpusJSON } from '../helpers/corpus.js'
import { loadTrustFiles } from '../../lib/fetch/trust.js'
import { createTrustContext } from '../../lib/verify/trust-context.js'
import { verifyPackage } from '../../lib/verify/package.js'

const trust = createTrustContext(
  loadTrustFiles({
    trustedRootFile: corpusPath('trust/sigstore-public-good.trusted_root.json'),
    registryKeysFile: corpusPath('trust/npm-registry-keys.tuf-keys.json'),
  }),
)
const cases = loadCorpusCases()

t.test('attestation cases', async (t) => {
  const attestationCases = cases.filter((c) => c.kind === 'attestations')
  t.ok(attestationCases.length >= 20)
  for (const c of attestationCases) {
    const facts = verifyPackage(
      {
        name: c.name!,
        version: c.version!,
        integrity: c.integrity!,
        tarball: readFileSync(corpusPath(c.tarball!)),
        attestations: { state: 'fetched', document: readCorpusJSON(c.file) },
      },
      trust,
    )
    const failing = new Set(c.failing ?? [])
    t.equal(facts.provenance.status === 'verified', !failing.has('provenance'), `${c.id}: provenance ${facts.provenance.status} (${c.reason})`)
    t.equal(facts.publish.status === 'verified', !failing.has('publish'), `${c.id}: publish ${facts.publish.status}`)
    t.equal(facts.integrity.tarball, 'verified', `${c.id}: tarball matches`)
    if (c.expect === 'verify') {
      t.same(facts.findings, [], `${c.id}: no findings`)
      t.ok(facts.provenance.identity?.repository, `${c.id}: identity extracted`)
    } else {
      t.ok(facts.findings.length > 0, `${c.id}: has findings`)
    }
  }
})

t.test('structural bundles (no transparency-log entry) never verify', async (t) => {
  const structural = cases.filter((c) => c.kind === 'structural-bundle')
  t.ok(structural.length >= 8)
  for (const c of structural) {
    let bundle: unknown
    try {
      bundle = readCorpusJSON(c.file)
    } catch {
      t.pass(`${c.id}: not even JSON`)
      continue
    }
    const outcome = trust.bundles.verify(bundle)
    t.equal(outcome.ok, false, `${c.id}: ${outcome.ok ? 'verified' : outcome.code}`)
  }
})

t.test('a provenance bundle verified against another package version is a subject mismatch', async (t) => {
  const c = cases.find((c) => c.id === 'slsa-verifier__gundam-visor-cli-v1-tag')!
  const doc = readCorpusJSON(c.file)
  const bytes = readFileSync(corpusPath(c.tarball!))
  const facts = verifyPackage(
    { name: c.name!, version: '9.9.9', integrity: ssri.fromData(bytes, { algorithms: ['sha512'] }).toString(), attestations: { state: 'fetched', document: doc } },
    trust,
  )
  t.equal(facts.provenance.status, 'mismatch')
  t.ok(facts.findings.some((f) => f.code === 'ATTESTATION_SUBJECT_MISMATCH'))
})
