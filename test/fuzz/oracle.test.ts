// The fuzz's own judgement, checked on hand-made cases: the invariant flags what it must and accepts
// equivalent spellings, and bundle mutations are classified bound or unbound as documented.
import t from 'tap'
import { createHash } from 'node:crypto'
import { bindingProblem, judgeFacts } from './oracle.js'
import { fieldsOf, firstTLV, mutateBundle } from './bundle-mutations.js'
import { createRng } from './prng.js'
import { readCorpusJSON } from '../helpers/corpus.js'
import type { PackageEvidence } from '../../lib/model/evidence.js'
import type { PackageFacts } from '../../lib/model/facts.js'

const bytes = Buffer.from('tarball bytes')
const sha512 = createHash('sha512').update(bytes).digest('base64')
const other = createHash('sha512').update('other').digest('base64')
const truth = { name: '@acme/widget', version: '1.2.3', sha512 }
const evidence = (over: Partial<PackageEvidence> = {}): PackageEvidence => ({
  name: truth.name,
  version: truth.version,
  integrity: `sha512-${sha512}`,
  attestations: { state: 'not-requested' },
  ...over,
})
const verifiedFacts = (e: PackageEvidence): PackageFacts => ({
  name: e.name,
  version: e.version,
  integrity: { status: 'verified', integrity: e.integrity!, ...(e.tarball ? { tarball: 'verified' as const } : {}) },
  signature: { status: 'verified' },
  provenance: { status: 'verified' },
  publish: { status: 'verified' },
  publisher: { source: 'registry-metadata' },
  findings: [],
})

t.test('binding: anything but the exact name, version and one sha512 is refused', async (t) => {
  t.equal(bindingProblem(evidence(), truth), undefined)
  t.match(bindingProblem(evidence({ name: '@acme/Widget' }), truth), /name given/)
  t.match(bindingProblem(evidence({ version: 'v1.2.3' }), truth), /version given/)
  t.match(bindingProblem(evidence({ integrity: `sha512-${sha512} sha512-${other}` }), truth), /has 2 sha512 digests/)
  t.match(bindingProblem(evidence({ integrity: `SHA512-${sha512}` }), truth), /has 0 sha512 digests/)
  t.match(bindingProblem(evidence({ integrity: `sha1-${createHash('sha1').update(bytes).digest('base64')}` }), truth), /has 0 sha512 digests/)
  t.match(bindingProblem(evidence({ integrity: `sha512-${other}` }), truth), /not the real tarball's/)
})

t.test('binding: spellings npm reads as the same single sha512 are accepted', async (t) => {
  for (const integrity of [`sha512-${sha512}?opt=1`, `  sha512-${sha512}\n`, `sha512-${sha512} sha1-abcd`, `sha512-${sha512} sha512-${sha512}`]) {
    t.equal(bindingProblem(evidence({ integrity }), truth), undefined, JSON.stringify(integrity))
  }
  t.match(bindingProblem(evidence({ integrity: '', versionData: { dist: { integrity: `sha512-${sha512}` } } }), truth), /0 sha512 digests/, 'an empty lockfile integrity never falls back to the registry')
})

t.test('judgement: a verified facet after a step that breaks it is a failure', async (t) => {
  const e = evidence({ tarball: bytes })
  t.same(judgeFacts(verifiedFacts(e), e, truth, []), [])
  t.match(judgeFacts(verifiedFacts(e), e, truth, [{ kind: 'flip', path: 'payload', breaks: ['provenance'] }]), [/provenance verified after a change of signed content/])
  const swapped = evidence({ tarball: Buffer.from('other') })
  t.match(judgeFacts(verifiedFacts(swapped), swapped, truth, []), [/tarball reported matching/])
})

t.test('bundle mutations are classified by what signs them', async (t) => {
  const doc = readCorpusJSON('attestations/slsa-verifier__gundam-visor-cli-v1-tag.json') as { attestations: { bundle: any }[] }
  const base = doc.attestations[0]!.bundle
  const seen = new Map<string, Set<boolean>>()
  const valueAt = (b: any, path: string) => fieldsOf(b).find((f) => f.path === path)?.value
  for (let seed = 0; seed < 400; seed++) {
    const bundle = structuredClone(base)
    const step = mutateBundle(createRng(seed), bundle, { donors: [doc.attestations[1]!.bundle], timeHints: [] })
    if (!step) continue
    const key = step.path.replace(/\[\d+\]/g, '[]')
    // A base64 edit that decodes to the same bytes (padding, ignored characters) changes nothing.
    const [before, after] = [valueAt(base, step.path), valueAt(bundle, step.path)]
    const same = step.kind === 'b64-edit' && typeof after === 'string' && Buffer.from(before, 'base64').equals(Buffer.from(after, 'base64'))
    if (!same) seen.set(key, (seen.get(key) ?? new Set()).add(step.bound))
  }
  const always = (path: string, bound: boolean) => {
    const got = seen.get(path)
    if (got) t.same([...got], [bound], `${path}: ${bound ? 'bound' : 'unbound'}`)
  }
  always('dsseEnvelope.payload', true)
  always('dsseEnvelope.payloadType', true)
  always('dsseEnvelope.signatures[].keyid', false)
  always('verificationMaterial.tlogEntries[].canonicalizedBody', true)
  always('verificationMaterial.tlogEntries[].inclusionProof.checkpoint.envelope', true)
  always('mediaType', false)
  t.ok(seen.size > 15, `${seen.size} distinct fields mutated`)
  t.ok(fieldsOf(base).some((f) => f.path.endsWith('signedEntryTimestamp')))
})

t.test('integratedTime is bound only while a SET covers it', async (t) => {
  const doc = readCorpusJSON('attestations/slsa-verifier__gundam-visor-cli-v1-tag.json') as { attestations: { bundle: any }[] }
  let withSet = 0
  let withoutSet = 0
  for (let seed = 0; seed < 3000 && (withSet === 0 || withoutSet === 0); seed++) {
    const bundle = structuredClone(doc.attestations[0]!.bundle)
    const dropSet = seed % 2 === 1
    if (dropSet) delete bundle.verificationMaterial.tlogEntries[0].inclusionPromise
    const step = mutateBundle(createRng(seed), bundle, { donors: [], timeHints: [] })
    if (step?.kind !== 'int-edit' || !step.path.endsWith('.integratedTime')) continue
    if (dropSet) {
      withoutSet++
      t.equal(step.bound, false, `without a SET: ${step.detail}`)
    } else if (!['leading zero', 'as number'].includes(step.detail)) {
      withSet++
      t.equal(step.bound, true, `with a SET: ${step.detail}`)
    }
  }
  t.ok(withSet > 0 && withoutSet > 0)
})

t.test('firstTLV: bytes after a DER value are not part of it', async (t) => {
  const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05])
  t.same(firstTLV(Buffer.concat([der, Buffer.from([1, 2, 3])])), der)
  t.same(firstTLV(der), der)
})
