/**
 * readTarballManifest: the manifest npm would read from a package tarball, parsed by `tar`. Ordinary
 * packages (the corpus's real tarballs, the test registry's) read as before; where an archive is odd
 * (duplicate manifests, pax or GNU long names, another top-level folder, absolute or `..` paths,
 * links) the answer is the one pacote gives when it unpacks the tarball (checked against pacote 21
 * when these cases were written); damaged or oversized archives are ENOTTARBALL errors.
 */
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { extractedPath, readTarballManifest } from '../../lib/fetch/tarball.js'
import { corpusPath } from '../helpers/corpus.js'
import { packTarball } from '../helpers/registry/index.js'

interface Entry {
  path: string
  data?: string | Buffer
  /** ustar typeflag: '0' file (default), '2' symlink, '5' directory, 'x' pax header, 'L' GNU long name. */
  type?: string
  linkpath?: string
}

/** A ustar header block for `name` (≤ 100 bytes), with a valid checksum. */
function header(name: string, size: number, type: string, linkpath = ''): Buffer {
  const h = Buffer.alloc(512)
  h.write(name, 0, 100, 'utf8')
  h.write('0000644\0', 100)
  h.write('0000000\0', 108)
  h.write('0000000\0', 116)
  h.write(size.toString(8).padStart(11, '0') + '\0', 124)
  h.write('00000000000\0', 136)
  h.write(type, 156)
  h.write(linkpath, 157, 100, 'utf8')
  h.write('ustar\0' + '00', 257, 'binary')
  h.fill(0x20, 148, 156)
  const sum = h.reduce((a, b) => a + b, 0)
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'binary')
  return h
}

function tarOf(entries: Entry[]): Buffer {
  const blocks: Buffer[] = []
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '')
    blocks.push(header(e.path, data.length, e.type ?? '0', e.linkpath), data, Buffer.alloc((512 - (data.length % 512)) % 512))
  }
  blocks.push(Buffer.alloc(1024))
  return Buffer.concat(blocks)
}

const tgz = (entries: Entry[]): Buffer => gzipSync(tarOf(entries))
const manifest = (name: string, version = '1.0.0'): string => JSON.stringify({ name, version })
/** A pax extended header record: "<length> <key>=<value>\n", the length counting itself. */
function pax(key: string, value: string): string {
  const body = ` ${key}=${value}\n`
  let len = body.length + 1
  while (String(len).length + body.length !== len) len++
  return `${len}${body}`
}
const read = (bytes: Buffer) => readTarballManifest(bytes, 'pkg.tgz')

t.test('reads name and version of every real tarball in the corpus', async (t) => {
  const dir = corpusPath('tarballs')
  const files = readdirSync(dir).filter((f) => f.endsWith('.tgz'))
  t.ok(files.length >= 5)
  for (const file of files) {
    // Corpus files are named <name with / as __>-<version>.tgz.
    const m = /^(.+)-(\d+\.\d+\.\d+[^/]*)\.tgz$/.exec(file)!
    t.same(readTarballManifest(readFileSync(`${dir}/${file}`), file), { name: m[1]!.replace('__', '/'), version: m[2] }, file)
  }
})

t.test('reads a tarball packed like npm pack, whatever else it holds', async (t) => {
  const long = `lib/${'deep/'.repeat(25)}file.js`
  t.same(read(packTarball({ name: '@acme/util', version: '2.0.1' }, { 'index.js': 'x', [long]: 'y' }).bytes), { name: '@acme/util', version: '2.0.1' })
})

t.test('duplicate manifests: the last one wins, as it overwrites the first on disk', async (t) => {
  const first = { path: 'package/package.json', data: manifest('first') }
  const second = { path: 'package/package.json', data: manifest('second', '2.0.0') }
  t.same(read(tgz([first, { path: 'package/index.js', data: 'x' }, second])), { name: 'second', version: '2.0.0' })
  t.same(read(tgz([second, first])), { name: 'first', version: '1.0.0' })
})

t.test('a second gzip member is part of the archive, as tar (and npm) read it', async (t) => {
  const first = tarOf([{ path: 'package/package.json', data: manifest('first') }]).subarray(0, 1024) // no end-of-archive blocks
  const second = tarOf([{ path: 'package/package.json', data: manifest('second') }])
  t.same(read(Buffer.concat([gzipSync(first), gzipSync(second)])).name, 'second')
  t.throws(() => read(Buffer.concat([gzipSync(second), Buffer.from('trailing garbage')])), { code: 'ENOTTARBALL', message: /cannot decompress/ })
})

t.test('the top-level folder may have any name (npm strips one component)', async (t) => {
  t.same(read(tgz([{ path: 'node-foo/package.json', data: manifest('foo') }])), { name: 'foo', version: '1.0.0' })
  // Another folder's manifest later in the archive lands on the same file.
  t.same(read(tgz([{ path: 'package/package.json', data: manifest('a') }, { path: 'other/package.json', data: manifest('b') }])).name, 'b')
})

t.test('a package.json outside the top-level folder or deeper inside is not the manifest', async (t) => {
  const root = { path: 'package.json', data: manifest('root') }
  const nested = { path: 'package/lib/package.json', data: manifest('nested') }
  const real = { path: 'package/package.json', data: manifest('real') }
  t.same(read(tgz([real, root, nested])).name, 'real')
  t.same(read(tgz([root, nested, real])).name, 'real')
  t.throws(() => read(tgz([root, nested])), { code: 'ENOTTARBALL', message: /has no package\/package.json/ })
})

t.test('pax and GNU long names decide the path, as tar applies them', async (t) => {
  // The ustar name says one thing, the pax header another: npm extracts by the pax path.
  t.same(
    read(tgz([{ path: 'PaxHeader', type: 'x', data: pax('path', 'package/package.json') }, { path: 'package/decoy.json', data: manifest('pax') }])),
    { name: 'pax', version: '1.0.0' },
  )
  t.throws(
    () => read(tgz([{ path: 'PaxHeader', type: 'x', data: pax('path', 'package/decoy.json') }, { path: 'package/package.json', data: manifest('ustar') }])),
    { message: /has no package\/package.json/ },
  )
  const longFolder = `${'x'.repeat(120)}/package.json`
  t.same(read(tgz([{ path: '././@LongLink', type: 'L', data: `${longFolder}\0` }, { path: 'ignored', data: manifest('gnu') }])).name, 'gnu')
})

t.test('absolute roots are stripped and ".." paths are skipped, as tar unpacks them', async (t) => {
  t.same(read(tgz([{ path: 'package/package.json', data: manifest('a') }, { path: 'package//package.json', data: manifest('root-stripped') }])).name, 'root-stripped')
  t.same(read(tgz([{ path: 'package/package.json', data: manifest('a') }, { path: 'package/x/../package.json', data: manifest('dotdot') }])).name, 'a')
  t.equal(extractedPath('package/package.json'), '/package-root/package.json')
  t.equal(extractedPath('package/./package.json'), '/package-root/package.json')
  t.equal(extractedPath('package/C:/package.json'), '/package-root/package.json')
  t.equal(extractedPath('package'), undefined)
  t.equal(extractedPath('package/../package.json'), undefined)
})

t.test('links and directories are not manifests; a file under package.json/ first makes it a directory', async (t) => {
  const real = { path: 'package/package.json', data: manifest('real') }
  t.same(read(tgz([real, { path: 'package/package.json', type: '2', linkpath: '/etc/passwd' }])).name, 'real')
  t.throws(() => read(tgz([{ path: 'package/package.json', type: '2', linkpath: 'other.json' }, { path: 'package/other.json', data: manifest('x') }])), {
    message: /has no package\/package.json/,
  })
  t.same(read(tgz([{ path: 'package/package.json/', type: '5' }, real])).name, 'real')
  t.same(read(tgz([real, { path: 'package/package.json/x', data: 'y' }])).name, 'real')
  t.throws(() => read(tgz([{ path: 'package/package.json/x', data: 'y' }, real])), { code: 'ENOTTARBALL', message: /package.json is a directory/ })
})

t.test('the manifest is JSON with a string name and version (a byte-order mark is ignored, as npm does)', async (t) => {
  t.same(read(tgz([{ path: 'package/package.json', data: `\uFEFF${manifest('bom')}` }])).name, 'bom')
  t.throws(() => read(tgz([{ path: 'package/package.json', data: '{nope' }])), { code: 'ENOTTARBALL', message: /not valid JSON/ })
  t.throws(() => read(tgz([{ path: 'package/package.json', data: '{"name":"x","version":1}' }])), { code: 'ENOTTARBALL', message: /no name and version/ })
})

t.test('damaged archives are ENOTTARBALL, never a manifest', async (t) => {
  const good = tgz([{ path: 'package/package.json', data: manifest('x') }])
  t.throws(() => read(Buffer.from('hello')), { code: 'ENOTTARBALL', message: /pkg\.tgz: not a gzip/ })
  t.throws(() => read(tarOf([{ path: 'package/package.json', data: manifest('x') }])), { code: 'ENOTTARBALL', message: /not a gzip/ })
  t.throws(() => read(good.subarray(0, good.length - 10)), { code: 'ENOTTARBALL', message: /cannot decompress/ })
  const corrupt = tarOf([{ path: 'package/package.json', data: manifest('x') }])
  corrupt[10] = 0x41 // name byte changed, checksum not updated
  t.throws(() => read(gzipSync(corrupt)), { code: 'ENOTTARBALL', message: /not a readable npm package tarball/ })
  const truncated = tarOf([{ path: 'package/package.json', data: 'x'.repeat(2000) }]).subarray(0, 1024)
  t.throws(() => read(gzipSync(truncated)), { code: 'ENOTTARBALL', message: /not a readable npm package tarball/ })
  t.throws(() => read(gzipSync(Buffer.from('just some text, not a tar archive'))), { code: 'ENOTTARBALL' })
})

t.test('a decompression bomb is refused before it is parsed', async (t) => {
  const zeros = gzipSync(tarOf([{ path: 'package/package.json', data: manifest('x') }, { path: 'package/big', data: Buffer.alloc(8 * 1024 * 1024) }]), { level: 9 })
  const ratio = (8 * 1024 * 1024) / zeros.length
  t.ok(ratio > 1000, `zeros compress ${Math.round(ratio)}:1`)
  t.throws(() => read(zeros), { code: 'ENOTTARBALL', message: /more than 1000 times its compressed size/ })
})
