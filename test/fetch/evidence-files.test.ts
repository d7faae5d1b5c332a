// readEvidenceFiles: files → the PackageEvidence the registry path produces, with its field checks;
// every unusable file is a usage error (exit 2) with a code and a message naming the file.
import t, { type Test } from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import ssri from 'ssri'
import { readEvidenceFiles, type EvidenceFiles } from '../../lib/fetch/evidence-files.js'
import { VerifyDepsError as RunError } from '../../lib/errors.js'
import { corpusPath, loadCorpusCases, readCorpusJSON } from '../helpers/corpus.js'

const c = loadCorpusCases().find((c) => c.id === 'npm-cli__sigstore@1.0.0')!
const TARBALL = corpusPath(c.tarball!)
const ATTESTATIONS = corpusPath(c.file)
const tarballIntegrity = ssri.fromData(readFileSync(TARBALL), { algorithms: ['sha512'] }).toString()

/** Writes `files` (name → JSON value or raw text) to a fresh folder and gives their paths. */
function write(t: Test, files: Record<string, unknown>): Record<string, string> {
  const dir = t.testdir({})
  return Object.fromEntries(
    Object.entries(files).map(([name, value]) => {
      const path = join(dir, name)
      writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value))
      return [name, path]
    }),
  )
}

async function rejectsWith(t: Test, files: EvidenceFiles, code: string, message: RegExp, what: string) {
  const err = await readEvidenceFiles(files).then(
    () => undefined,
    (e: unknown) => e,
  )
  t.ok(err instanceof RunError, `${what}: a RunError`)
  t.equal((err as RunError).kind, 'usage', `${what}: unusable input (exit 2)`)
  t.equal((err as RunError).code, code, `${what}: ${code}`)
  t.match((err as Error).message, message, `${what}: names the file and the problem`)
}

t.test('reads name and version from the tarball and binds to its own sha512', async (t) => {
  const evidence = await readEvidenceFiles({ tarballFile: TARBALL, attestationsFile: ATTESTATIONS })
  t.equal(evidence.name, 'sigstore')
  t.equal(evidence.version, '1.0.0')
  t.equal(evidence.integrity, tarballIntegrity)
  t.equal(evidence.integrity, c.integrity, 'the integrity the corpus records for this tarball')
  t.same(evidence.tarball, readFileSync(TARBALL))
  t.same(evidence.attestations, { state: 'fetched', document: readCorpusJSON(c.file) })
  t.equal(evidence.versionData, undefined, 'no packument: no registry data')
})

t.test('--name and --version override the tarball manifest', async (t) => {
  const evidence = await readEvidenceFiles({ tarballFile: TARBALL, name: 'other', version: '9.9.9' })
  t.equal(evidence.name, 'other')
  t.equal(evidence.version, '9.9.9')
  t.same(evidence.attestations, { state: 'not-requested' })
})

t.test('a packument gives the version fields and the publish time; a version document the fields', async (t) => {
  const dist = { integrity: tarballIntegrity, signatures: [{ keyid: 'SHA256:k', sig: 'MEUC' }], attestations: { url: 'https://x', provenance: {} } }
  const f = write(t, {
    'packument.json': { name: 'sigstore', time: { '1.0.0': '2023-01-25T00:00:00.000Z' }, versions: { '1.0.0': { name: 'sigstore', version: '1.0.0', dist, _npmUser: { name: 'u' }, scripts: {} } } },
    'version.json': { name: 'sigstore', version: '1.0.0', dist },
  })
  const fromPackument = await readEvidenceFiles({ tarballFile: TARBALL, packumentFile: f['packument.json']! })
  t.same(fromPackument.versionData, { dist, _npmUser: { name: 'u' } }, 'only the fields the verifier reads')
  t.equal(fromPackument.publishTime, '2023-01-25T00:00:00.000Z')
  const fromVersion = await readEvidenceFiles({ tarballFile: TARBALL, packumentFile: f['version.json']! })
  t.same(fromVersion.versionData, { dist })
  t.equal(fromVersion.publishTime, undefined)
})

t.test('a bare Sigstore bundle is wrapped as a one-entry attestations document labelled with its predicate type', async (t) => {
  const doc = readCorpusJSON(c.file) as { attestations: { predicateType: string; bundle: unknown }[] }
  const entry = doc.attestations[0]!
  const f = write(t, { 'bundle.json': entry.bundle })
  const evidence = await readEvidenceFiles({ tarballFile: TARBALL, attestationsFile: f['bundle.json']! })
  t.same(evidence.attestations, { state: 'fetched', document: { attestations: [{ predicateType: entry.predicateType, bundle: entry.bundle }] } })
})

t.test('unusable files are usage errors with a code, naming the file', async (t) => {
  const f = write(t, {
    'not-json.json': '{nope',
    'not-a-tarball.tgz': 'hello',
    'array.json': [],
    'other-version.json': { name: 'sigstore', version: '2.0.0', dist: {} },
    'other-package.json': { name: 'evil', version: '1.0.0', dist: {} },
    'no-such-version.json': { name: 'sigstore', versions: { '2.0.0': {} } },
    'dist-string.json': { name: 'sigstore', versions: { '1.0.0': { dist: 'sha512-x' } } },
    'integrity-number.json': { name: 'sigstore', version: '1.0.0', dist: { integrity: 42 } },
    'inner-other-package.json': { name: 'sigstore', versions: { '1.0.0': { name: 'evil', version: '1.0.0', dist: {} } } },
    'time-string.json': { name: 'sigstore', time: 'yesterday', versions: { '1.0.0': { dist: {} } } },
    'bundle-no-dsse.json': { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', messageSignature: {} },
  })
  await rejectsWith(t, { tarballFile: join(t.testdirName, 'missing.tgz') }, 'EINPUTFILE', /missing\.tgz: cannot read tarball: no such file/, 'missing tarball')
  await rejectsWith(t, { tarballFile: f['not-a-tarball.tgz']! }, 'ENOTTARBALL', /not-a-tarball\.tgz: not a gzip/, 'not a tarball')
  await rejectsWith(t, { tarballFile: TARBALL, attestationsFile: f['not-json.json']! }, 'EJSONPARSE', /not-json\.json: attestations is not valid JSON/, 'attestations not JSON')
  await rejectsWith(t, { tarballFile: TARBALL, attestationsFile: f['bundle-no-dsse.json']! }, 'EATTESTATIONS', /bundle-no-dsse\.json: the bundle has no DSSE envelope/, 'bundle without DSSE')
  await rejectsWith(t, { tarballFile: TARBALL, packumentFile: f['not-json.json']! }, 'EJSONPARSE', /not-json\.json: packument is not valid JSON/, 'packument not JSON')
  await rejectsWith(t, { tarballFile: TARBALL, packumentFile: f['array.json']! }, 'EPACKUMENT', /array\.json: packument is not a JSON object/, 'packument an array')
  await rejectsWith(t, { tarballFile: TARBALL, packumentFile: f['other-version.json']! }, 'EPACKUMENT', /other-version\.json: version document is for sigstore@2\.0\.0, not sigstore@1\.0\.0/, 'version document of another version')
  await rejectsWith(t, { tarballFile: TARBALL, packumentFile: f['other-package.json']! }, 'EPACKUMENT', /other-package\.json: version document is for evil@1\.0\.0/, 'version document of another package')
  await rejectsWith(t, { tarballFile: TARBALL, packumentFile: f['no-such-version.json']! }, 'EPACKUMENT', /no-such-version\.json: packument has no version 1\.0\.0 of sigstore/, 'packument without the version')
  // The registry path's field checks (readVersionData) apply to the files too: a field of the
  // wrong type is refused, never read as "absent".
  await rejectsWith(t, { tarballFile: TARBALL, packumentFile: f['dist-string.json']! }, 'EPACKUMENT', /dist-string\.json: the version sigstore@1\.0\.0 has a dist that is not an object/, 'dist of the wrong type')
  await rejectsWith(t, { tarballFile: TARBALL, packumentFile: f['integrity-number.json']! }, 'EPACKUMENT', /integrity-number\.json: .*dist\.integrity that is not a string/, 'dist.integrity of the wrong type')
  await rejectsWith(t, { tarballFile: TARBALL, packumentFile: f['inner-other-package.json']! }, 'EPACKUMENT', /inner-other-package\.json: .*is about "evil", not sigstore/, 'packument version about another package')
  await rejectsWith(t, { tarballFile: TARBALL, packumentFile: f['time-string.json']! }, 'EPACKUMENT', /time-string\.json: packument has a time field that is not an object/, 'time of the wrong type')
})
