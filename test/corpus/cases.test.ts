import t from 'tap'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import ssri from 'ssri'
import { corpusPath, loadCorpusCases } from '../helpers/corpus.js'

const cases = loadCorpusCases()

t.test('cases.json lists every kind of case the corpus README describes', async (t) => {
  const kinds = new Set(cases.map((c) => c.kind))
  for (const kind of ['attestations', 'structural-bundle', 'packument', 'registry-signatures', 'conformance']) {
    t.ok(kinds.has(kind as never), `has ${kind} cases`)
  }
})

t.test('every case file exists', async (t) => {
  for (const c of cases) t.ok(existsSync(corpusPath(c.file)), `${c.id}: ${c.file}`)
})

t.test("every tarball's sha512 matches its case's integrity", async (t) => {
  const withIntegrity = cases.filter((c) => c.tarball && c.integrity)
  t.ok(withIntegrity.length >= 20, 'the attestation cases carry tarball integrities')
  for (const c of withIntegrity) {
    const bytes = readFileSync(corpusPath(c.tarball!))
    const computed = ssri.fromData(bytes, { algorithms: ['sha512'] }).toString()
    t.equal(computed, c.integrity, `${c.id}: ${c.tarball}`)
  }
})

t.test('tarballs without a recorded integrity are still gzip files', async (t) => {
  for (const c of cases.filter((c) => c.tarball && !c.integrity)) {
    const bytes = readFileSync(corpusPath(c.tarball!))
    t.same([bytes[0], bytes[1]], [0x1f, 0x8b], `${c.id}: ${c.tarball} is gzip`)
  }
})

t.test('a tampered tarball no longer matches its integrity', async (t) => {
  const c = cases.find((c) => c.tarball && c.integrity)!
  const bytes = Buffer.from(readFileSync(corpusPath(c.tarball!)))
  const last = bytes.length - 1
  bytes.writeUInt8(bytes.readUInt8(last) ^ 0xff, last)
  t.equal(ssri.checkData(bytes, c.integrity!), false)
})

t.test("every corpus file is pinned by MANIFEST.sha256, and nothing else is in the folder", async (t) => {
  const manifest = new Map<string, string>()
  for (const line of readFileSync(corpusPath('MANIFEST.sha256'), 'utf8').split('\n')) {
    if (!line.trim()) continue
    const match = /^([0-9a-f]{64}) {2}\.\/(.+)$/.exec(line)
    t.ok(match, `a manifest line is "<sha256>  ./<path>": ${line}`)
    if (match) manifest.set(match[2]!, match[1]!)
  }
  t.ok(manifest.size >= 100, `the manifest lists the corpus (${manifest.size} files)`)
  const files = listFiles(corpusPath('.')).filter((f) => f !== 'MANIFEST.sha256')
  t.same(files, [...manifest.keys()].sort(), 'the folder holds exactly the files the manifest lists')
  for (const file of files) {
    const digest = createHash('sha256').update(readFileSync(corpusPath(file))).digest('hex')
    t.equal(digest, manifest.get(file), file)
  }
})

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort()
}
