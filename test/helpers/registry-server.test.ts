import t, { type Test } from 'tap'
import { request, Agent } from 'node:http'
import { createRequire } from 'node:module'
import ssri from 'ssri'
import {
  CORGI_MEDIA_TYPE,
  createRegistryKey,
  startRegistry,
  type AttestationsDocument,
  type RegistryServer,
} from './registry/index.js'

// pacote ships no types; only manifest() is used, to check it can install from a corgi.
const pacote = createRequire(import.meta.url)('pacote') as {
  manifest(spec: string, opts: Record<string, unknown>): Promise<Record<string, unknown> & { dist: Record<string, unknown> }>
}

interface Got {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** GET with node:http so transport errors keep their codes (fetch wraps them). */
function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function getJSON(url: string, headers: Record<string, string> = {}): Promise<Record<string, any>> {
  const res = await get(url, headers)
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`)
  return JSON.parse(res.body.toString('utf8')) as Record<string, any>
}

const PROVENANCE_V1 = 'https://slsa.dev/provenance/v1'
const ATTESTATIONS: AttestationsDocument = {
  attestations: [
    { predicateType: 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1', bundle: { mediaType: 'publish' } },
    { predicateType: PROVENANCE_V1, bundle: { mediaType: 'provenance' } },
  ],
}
const TRUSTED = {
  name: 'GitHub Actions',
  email: 'npm-oidc-no-reply@github.com',
  trustedPublisher: { id: 'github', oidcConfigId: 'oidc:5259c11f-dfdf-4d41-877f-b470d9a086cd' },
  approver: { name: 'alice', email: 'alice@example.test' },
}

async function populated(t: Test): Promise<RegistryServer> {
  const key = createRegistryKey()
  const registry = await startRegistry({ keys: [key] })
  t.teardown(() => registry.close())
  registry.addVersion({ name: 'lib', version: '1.0.0', publishTime: '2025-01-01T00:00:00Z' })
  registry
    .addVersion({
      name: 'lib',
      version: '1.1.0',
      manifest: {
        description: 'a lib',
        dependencies: { tiny: '^2.0.0' },
        optionalDependencies: { opt: '^1.0.0' },
        peerDependencies: { peer: '*' },
        bin: { lib: 'cli.js' },
        engines: { node: '>=20' },
        scripts: { test: 'tap', postinstall: 'node x.js' },
        repository: { type: 'git', url: 'git+https://github.com/acme/lib.git' },
      },
      files: { 'cli.js': '#!/usr/bin/env node\n' },
      attestations: ATTESTATIONS,
      npmUser: TRUSTED,
      publishTime: '2025-02-01T00:00:00Z',
    })
    .sign(key)
  registry.addVersion({ name: 'lib', version: '2.0.0-beta.1', tag: 'next', publishTime: '2025-03-01T00:00:00Z' })
  registry.addVersion({ name: '@acme/util', version: '1.0.0', attestations: ATTESTATIONS, files: { 'index.js': 'scoped\n' } })
  return registry
}

t.test('full packument: dist-tags, versions with dist and _npmUser, time', async (t) => {
  const registry = await populated(t)
  const doc = await getJSON(`${registry.origin}/lib`, { accept: 'application/json' })
  t.equal(doc.name, 'lib')
  t.same(doc['dist-tags'], { latest: '1.1.0', next: '2.0.0-beta.1' })
  t.same(Object.keys(doc.versions), ['1.0.0', '1.1.0', '2.0.0-beta.1'])
  t.same(doc.time, {
    created: '2025-01-01T00:00:00.000Z',
    modified: '2025-03-01T00:00:00.000Z',
    '1.0.0': '2025-01-01T00:00:00.000Z',
    '1.1.0': '2025-02-01T00:00:00.000Z',
    '2.0.0-beta.1': '2025-03-01T00:00:00.000Z',
  })
  const v = doc.versions['1.1.0']
  const record = registry.store.getVersion('lib', '1.1.0')!
  t.match(v, { name: 'lib', version: '1.1.0', _id: 'lib@1.1.0', description: 'a lib', scripts: { test: 'tap' }, hasInstallScript: true })
  t.same(v._npmUser, TRUSTED)
  t.same(v.dist, {
    integrity: record.integrity,
    shasum: record.shasum,
    tarball: `${registry.origin}/lib/-/lib-1.1.0.tgz`,
    fileCount: 2,
    unpackedSize: record.unpackedSize,
    signatures: record.signatures,
    attestations: { url: `${registry.origin}/-/npm/v1/attestations/lib@1.1.0`, provenance: { predicateType: PROVENANCE_V1 } },
  })
  t.notOk('signatures' in doc.versions['1.0.0'].dist, 'nothing is signed unless asked')
  t.notOk('attestations' in doc.versions['1.0.0'].dist)
  t.same(doc.versions['1.0.0']._npmUser, { name: 'loopback-publisher', email: 'publisher@loopback.test' })
})

t.test('corgi packument when npm asks for it, and pacote picks manifests from it', async (t) => {
  const registry = await populated(t)
  const res = await get(`${registry.origin}/lib`, { accept: `${CORGI_MEDIA_TYPE}; q=1.0, application/json; q=0.8, */*` })
  t.equal(res.headers['content-type'], CORGI_MEDIA_TYPE)
  const corgi = JSON.parse(res.body.toString('utf8')) as Record<string, any>
  t.same(Object.keys(corgi).sort(), ['dist-tags', 'modified', 'name', 'versions'])
  t.equal(corgi.modified, '2025-03-01T00:00:00.000Z')
  const v = corgi.versions['1.1.0']
  t.same(Object.keys(v).sort(), ['_hasShrinkwrap', 'bin', 'dependencies', 'dist', 'engines', 'hasInstallScript', 'name', 'optionalDependencies', 'peerDependencies', 'version'])
  const full = await getJSON(`${registry.origin}/lib`)
  t.same(v.dist, full.versions['1.1.0'].dist, 'the same dist, signatures and attestations included')

  registry.clearRequests()
  const manifest = await pacote.manifest('lib@^1.0.0', { registry: registry.url, fullMetadata: false, cache: t.testdir() })
  t.equal(manifest.version, '1.1.0')
  t.equal(manifest.dist.integrity, full.versions['1.1.0'].dist.integrity)
  t.match(registry.requests[0]!.headers.accept, CORGI_MEDIA_TYPE)
})

t.test('version manifests by version and dist-tag', async (t) => {
  const registry = await populated(t)
  const full = await getJSON(`${registry.origin}/lib`)
  t.same(await getJSON(`${registry.origin}/lib/1.1.0`), full.versions['1.1.0'])
  t.same(await getJSON(`${registry.origin}/lib/latest`), full.versions['1.1.0'])
  t.same((await getJSON(`${registry.origin}/lib/next`)).version, '2.0.0-beta.1')
  t.equal((await get(`${registry.origin}/lib/3.0.0`)).status, 404)
  t.equal((await get(`${registry.origin}/nope`)).status, 404)
  t.same(JSON.parse((await get(`${registry.origin}/nope`)).body.toString('utf8')), { error: 'not found' })
})

t.test('tarballs match dist.integrity and dist.shasum', async (t) => {
  const registry = await populated(t)
  const { dist } = await getJSON(`${registry.origin}/lib/1.1.0`)
  const res = await get(dist.tarball)
  t.equal(res.status, 200)
  t.equal(res.headers['content-type'], 'application/octet-stream')
  t.ok(ssri.checkData(res.body, dist.integrity))
  t.equal(ssri.fromData(res.body, { algorithms: ['sha1'] }).hexDigest(), dist.shasum)
  t.equal((await get(`${registry.origin}/lib/-/lib-9.9.9.tgz`)).status, 404)
  t.equal((await get(`${registry.origin}/lib/-/other-1.1.0.tgz`)).status, 404)
})

t.test('a scoped package round-trips under every spelling of its name', async (t) => {
  const registry = await populated(t)
  const doc = await getJSON(`${registry.origin}/@acme%2futil`)
  t.equal(doc.name, '@acme/util')
  t.same(await getJSON(`${registry.origin}/%40acme%2Futil`), doc)
  t.same(await getJSON(`${registry.origin}/@acme/util`), doc)
  t.same(await getJSON(`${registry.origin}/@acme%2futil/1.0.0`), doc.versions['1.0.0'])
  const { dist } = doc.versions['1.0.0']
  t.equal(dist.tarball, `${registry.origin}/@acme/util/-/util-1.0.0.tgz`)
  t.ok(ssri.checkData((await get(dist.tarball)).body, dist.integrity))
  t.equal(dist.attestations.url, `${registry.origin}/-/npm/v1/attestations/@acme%2futil@1.0.0`)
  t.same(await getJSON(dist.attestations.url), ATTESTATIONS)
  t.same(await getJSON(`${registry.origin}/-/npm/v1/attestations/@acme/util@1.0.0`), ATTESTATIONS)
  t.same(await getJSON(`${registry.origin}/-/npm/v1/attestations/%40acme%2Futil@1.0.0`), ATTESTATIONS)
})

t.test('attestations: the document, or 404', async (t) => {
  const registry = await populated(t)
  t.same(await getJSON(`${registry.origin}/-/npm/v1/attestations/lib@1.1.0`), ATTESTATIONS)
  t.equal((await get(`${registry.origin}/-/npm/v1/attestations/lib@1.0.0`)).status, 404)
  t.equal((await get(`${registry.origin}/-/npm/v1/attestations/nope@1.0.0`)).status, 404)
})

t.test('keys endpoint: the keys, a verbatim document, or 404 without keys', async (t) => {
  const old = createRegistryKey({ expires: '2025-01-29T00:00:00Z' })
  const registry = await startRegistry({ keys: [old] })
  t.teardown(() => registry.close())
  t.same(await getJSON(`${registry.origin}/-/npm/v1/keys`), {
    keys: [{ expires: '2025-01-29T00:00:00.000Z', keyid: old.keyid, keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256', key: old.spkiBase64 }],
  })
  registry.store.keysDocument = { keys: 'malformed' }
  t.same(await getJSON(`${registry.origin}/-/npm/v1/keys`), { keys: 'malformed' })
  registry.store.keysDocument = undefined
  registry.store.keys = null
  t.equal((await get(`${registry.origin}/-/npm/v1/keys`)).status, 404)
  const none = await startRegistry()
  t.teardown(() => none.close())
  t.equal((await get(`${none.origin}/-/npm/v1/keys`)).status, 404, 'a new registry has no keys')
})

t.test('changes to the store show in the next response', async (t) => {
  const registry = await populated(t)
  const record = registry.store.getVersion('lib', '1.1.0')!
  record.signatures = [{ keyid: 'SHA256:other', sig: 'AAAA' }]
  record.npmUser = { name: 'mallory' }
  record.dist = { tarball: '/elsewhere.tgz', attestations: undefined }
  delete record.attestations
  registry.store.getPackage('lib')!.distTags.latest = '1.0.0'
  const doc = await getJSON(`${registry.origin}/lib`)
  const v = doc.versions['1.1.0']
  t.same(v.dist.signatures, [{ keyid: 'SHA256:other', sig: 'AAAA' }])
  t.same(v._npmUser, { name: 'mallory' })
  t.equal(v.dist.tarball, `${registry.origin}/elsewhere.tgz`, 'a relative tarball override resolves against the server')
  t.notOk('attestations' in v.dist)
  t.equal(doc['dist-tags'].latest, '1.0.0')
  t.equal((await get(`${registry.origin}/-/npm/v1/attestations/lib@1.1.0`)).status, 404)
})

t.test('with a token, requests need Authorization: Bearer <token>', async (t) => {
  const registry = await populated(t)
  registry.token = 'secret'
  const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong' }, { authorization: 'Basic c2VjcmV0' }]
  for (const headers of attempts) {
    const res = await get(`${registry.origin}/lib`, headers)
    t.equal(res.status, 401)
    t.match(res.headers['www-authenticate'], /^Bearer /)
  }
  t.equal((await get(`${registry.origin}/lib`, { authorization: 'Bearer secret' })).status, 200)
  t.equal((await get(`${registry.origin}/lib/-/lib-1.1.0.tgz`, { authorization: 'Bearer secret' })).status, 200)
  t.same(
    registry.requests.map((r) => [r.hasAuthorization, r.tokenMatched, r.status]),
    [[false, false, 401], [true, false, 401], [true, false, 401], [true, true, 200], [true, true, 200]],
  )
  registry.token = null
  t.equal((await get(`${registry.origin}/lib`)).status, 200)
})

t.test('status faults answer instead of the registry, then expire', async (t) => {
  const registry = await populated(t)
  registry.addFault({ path: '/lib', type: 'status', status: 500, times: 2 })
  registry.addFault({ prefix: '/lib/-/', type: 'status', status: 404 })
  t.equal((await get(`${registry.origin}/lib`)).status, 500)
  t.equal((await get(`${registry.origin}/lib`)).status, 500)
  t.equal((await get(`${registry.origin}/lib`)).status, 200, 'a fault with times expires')
  for (let i = 0; i < 3; i++) t.equal((await get(`${registry.origin}/lib/-/lib-1.1.0.tgz`)).status, 404, 'a fault without times stays')
  t.same(registry.faults.active.map((f) => [f.rule.type, f.hits, f.remaining]), [['status', 3, undefined]])
  registry.faults.clear()
  t.equal((await get(`${registry.origin}/lib/-/lib-1.1.0.tgz`)).status, 200)
})

t.test('rate-limit faults answer 429 with Retry-After', async (t) => {
  const registry = await populated(t)
  registry.addFault({ pattern: /^\/-\/npm\/v1\/attestations\//, type: 'rate-limit', retryAfterSeconds: 7, times: 1 })
  const res = await get(`${registry.origin}/-/npm/v1/attestations/lib@1.1.0`)
  t.equal(res.status, 429)
  t.equal(res.headers['retry-after'], '7')
  t.equal((await get(`${registry.origin}/-/npm/v1/attestations/lib@1.1.0`)).status, 200)
})

t.test('delay faults hold the response, then serve it', async (t) => {
  const registry = await populated(t)
  registry.addFault({ path: '/lib', type: 'delay', delayMs: 150, times: 1 })
  const started = performance.now()
  const res = await get(`${registry.origin}/lib`)
  t.ok(performance.now() - started >= 140, 'took at least the delay (less a timer tolerance)')
  t.equal(res.status, 200)
  t.equal(JSON.parse(res.body.toString('utf8')).name, 'lib')
})

t.test('truncate faults cut the body short of its Content-Length', async (t) => {
  const registry = await populated(t)
  registry.addFault({ path: '/lib/-/lib-1.1.0.tgz', type: 'truncate', times: 2 })
  await t.rejects(get(`${registry.origin}/lib/-/lib-1.1.0.tgz`), { code: 'ECONNRESET' })
  const res = await fetch(`${registry.origin}/lib/-/lib-1.1.0.tgz`)
  t.equal(res.status, 200, 'the status line arrived')
  await t.rejects(res.arrayBuffer(), 'reading the body fails')
  t.equal((await get(`${registry.origin}/lib/-/lib-1.1.0.tgz`)).status, 200)
})

t.test('reset faults drop the connection without a response', async (t) => {
  const registry = await populated(t)
  // Faults match the canonical path too, so one rule covers every spelling of a scoped name.
  registry.addFault({ path: '/@acme/util', type: 'reset', times: 2 })
  await t.rejects(get(`${registry.origin}/@acme%2futil`), { code: 'ECONNRESET' })
  await t.rejects(fetch(`${registry.origin}/%40acme%2Futil`), TypeError)
  t.equal((await get(`${registry.origin}/@acme%2futil`)).status, 200)
  t.same(registry.requests.map((r) => [r.fault, r.status]), [['reset', undefined], ['reset', undefined], [undefined, 200]])
})

t.test('faults given at start apply, before auth', async (t) => {
  const registry = await startRegistry({ token: 'secret', faults: [{ prefix: '/', type: 'status', status: 503, times: 1 }] })
  t.teardown(() => registry.close())
  t.equal((await get(`${registry.origin}/anything`)).status, 503)
  t.equal((await get(`${registry.origin}/anything`)).status, 401)
  t.throws(() => registry.addFault({ type: 'reset' }), 'a rule needs a matcher')
  t.throws(() => registry.addFault({ path: '/a', prefix: '/b', type: 'reset' }), 'only one matcher')
  t.throws(() => registry.addFault({ path: '/a', type: 'reset', times: 0 }))
})

t.test('the request log records what was served', async (t) => {
  const registry = await populated(t)
  const before = new Date()
  await get(`${registry.origin}/@acme%2futil?write=true`, { accept: 'application/json', 'npm-command': 'install' })
  await get(`${registry.origin}/lib/-/lib-1.1.0.tgz`, {}, 'HEAD')
  await get(`${registry.origin}/lib`, {}, 'PUT')
  await get(`${registry.origin}/-/npm/v1/keys`)
  await get(`${registry.origin}/-/whoami`)
  const [scoped, head, put, keys, unknown] = registry.requests
  t.match(scoped, { method: 'GET', url: '/@acme%2futil?write=true', path: '/@acme/util', route: 'packument', status: 200, hasAuthorization: false })
  t.match(scoped!.headers, { accept: 'application/json', 'npm-command': 'install', host: `127.0.0.1:${registry.port}` })
  t.ok(scoped!.time >= before)
  t.match(head, { method: 'HEAD', route: 'tarball', status: 200 })
  t.match(put, { method: 'PUT', status: 405 })
  t.match(keys, { route: 'keys', status: 200 })
  t.match(unknown, { route: 'unknown', status: 404 })
  t.equal(registry.requests.length, 5)
  registry.clearRequests()
  t.same(registry.requests, [])
})

t.test('close() ends keep-alive connections', async (t) => {
  const registry = await populated(t)
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const socketClosed = new Promise<void>((resolve) => {
    const req = request(`${registry.origin}/lib`, { agent }, (res) => {
      res.resume()
      res.on('end', () => req.socket?.once('close', () => resolve()))
    })
    req.end()
  })
  await new Promise((resolve) => setTimeout(resolve, 50))
  await registry.close()
  await socketClosed
  t.pass('the idle keep-alive socket was closed by the server')
})
