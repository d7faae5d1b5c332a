import t from 'tap'
import { createHash } from 'node:crypto'
import { Parser, type ReadEntry } from 'tar'
import ssri from 'ssri'
import { packTarball, TARBALL_MTIME_SECONDS } from './registry/index.js'

interface Entry {
  path: string
  type: string
  mode: number | undefined
  mtime: number | undefined
  content: string
}

/** Reads a .tgz with npm's own tar parser. */
async function readEntries(bytes: Buffer): Promise<Entry[]> {
  const entries: Entry[] = []
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      onReadEntry: (entry: ReadEntry) => {
        const chunks: Buffer[] = []
        entry.on('data', (chunk: Buffer) => chunks.push(chunk))
        entry.on('end', () =>
          entries.push({
            path: entry.path,
            type: entry.type,
            mode: entry.mode,
            mtime: entry.mtime && entry.mtime.getTime() / 1000,
            content: Buffer.concat(chunks).toString('utf8'),
          }),
        )
      },
    })
    parser.on('error', reject)
    parser.on('end', resolve)
    parser.end(bytes)
  })
  return entries
}

t.test('packs package.json and files under package/, readable by npm\'s tar', async (t) => {
  const long = `lib/${'deep/'.repeat(25)}file.js` // longer than ustar's 100-byte name field
  const packed = packTarball({ name: '@acme/util', version: '1.0.0', main: 'index.js' }, { 'index.js': 'x\n', [long]: 'y\n', 'bin/cli.js': Buffer.from('#!/usr/bin/env node\n') })
  const entries = await readEntries(packed.bytes)
  t.same(entries.map((e) => e.path), ['package/bin/cli.js', 'package/index.js', `package/${long}`, 'package/package.json'])
  for (const e of entries) {
    t.equal(e.type, 'File')
    t.equal(e.mode, 0o644)
    t.equal(e.mtime, TARBALL_MTIME_SECONDS)
  }
  t.same(JSON.parse(entries.find((e) => e.path === 'package/package.json')!.content), { name: '@acme/util', version: '1.0.0', main: 'index.js' })
  t.equal(packed.fileCount, 4)
  t.equal(packed.unpackedSize, entries.reduce((n, e) => n + Buffer.byteLength(e.content), 0))
})

t.test('is deterministic and reports its sha512 integrity and sha1 shasum', async (t) => {
  const a = packTarball({ name: 'x', version: '1.0.0' }, { 'b.js': 'b', 'a.js': 'a' })
  const b = packTarball({ name: 'x', version: '1.0.0' }, { 'a.js': 'a', 'b.js': 'b' })
  t.same(a.bytes, b.bytes)
  t.match(a.integrity, /^sha512-[A-Za-z0-9+/]{86}==$/)
  t.ok(ssri.checkData(a.bytes, a.integrity))
  t.equal(a.shasum, createHash('sha1').update(a.bytes).digest('hex'))
  t.not(packTarball({ name: 'x', version: '1.0.1' }).integrity, a.integrity)
})

t.test('a package.json among the files overrides the manifest', async (t) => {
  const packed = packTarball({ name: 'x', version: '1.0.0' }, { 'package.json': '{"name":"y","version":"9.9.9"}' })
  const entries = await readEntries(packed.bytes)
  t.equal(entries.find((e) => e.path === 'package/package.json')!.content, '{"name":"y","version":"9.9.9"}')
})

t.test('rejects paths that would escape package/', async (t) => {
  t.throws(() => packTarball({ name: 'x', version: '1.0.0' }, { '../evil.js': '' }))
  t.throws(() => packTarball({ name: 'x', version: '1.0.0' }, { 'a//b.js': '' }))
})
