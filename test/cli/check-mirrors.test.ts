// Behind a mirror (issue 15, part 2; docs/mirrors.md), through the library on the loopback registry:
// a stripping mirror (no dist.signatures, no dist.attestations, no keys) and a keyless mirror (npm's
// signatures kept, no keys endpoint) in front of it. Without --upstream each gets one banner and
// nothing it cannot verify passes; with --upstream the same packages verify as against the registry
// itself; a lying upstream fails; the mirror's token never reaches the upstream.
import t, { type Test } from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkScenario, type CheckResult, type TestCheckOptions } from '../helpers/check.js'
import { startMirrorProxy, type MirrorKind, type MirrorProxy, type MirrorProxyOptions } from '../helpers/mirror-proxy.js'
import { createScenario, type Scenario } from '../helpers/scenario/index.js'
import { createRegistryKey, signRegistrySignature } from '../helpers/registry/index.js'
import { cleanEnv, runCli } from './run.js'

const MIRROR_TOKEN = 'mirror-secret-token-0123456789'

/** a → @acme/b, both with provenance and a publish attestation; c signed, without attestations. */
async function world(t: Test) {
  return createScenario(t, {
    packages: [
      { name: 'a', version: '1.0.0', dependencies: { '@acme/b': '^1.0.0' } },
      { name: '@acme/b', version: '1.2.0' },
      { name: 'c', version: '2.0.0', provenance: 'missing' },
    ],
  })
}

/**
 * A mirror of `s.registry` in front of it, and the project switched to it as npm would have it: its
 * lockfile's `resolved` URLs on the mirror, `registry=` the mirror and the mirror's token in the
 * project .npmrc (plus `extraNpmrc`). Restores the project when the test ends.
 */
async function behindMirror(t: Test, s: Scenario, kind: MirrorKind, extraNpmrc = '', options: Partial<MirrorProxyOptions> = {}): Promise<MirrorProxy> {
  const mirror = await startMirrorProxy({ target: s.registry.url, kind, token: MIRROR_TOKEN, ...options })
  t.teardown(() => mirror.close())
  const lockfile = join(s.projectDir, 'package-lock.json')
  const npmrc = join(s.projectDir, '.npmrc')
  const [lockText, npmrcText] = [readFileSync(lockfile, 'utf8'), readFileSync(npmrc, 'utf8')]
  t.teardown(() => {
    writeFileSync(lockfile, lockText)
    writeFileSync(npmrc, npmrcText)
  })
  writeFileSync(lockfile, lockText.replaceAll(s.registry.url, mirror.url))
  writeFileSync(npmrc, `registry=${mirror.url}\n${mirror.url.replace(/^http:/, '')}:_authToken=${MIRROR_TOKEN}\n${extraNpmrc}`)
  return mirror
}

/** The registry's keys pinned for `upstream` (it stands in for registry.npmjs.org, whose keys come from TUF); no verification cache. */
function trustFor(s: Scenario, upstream: string): Partial<TestCheckOptions> {
  return { trustedRootFile: s.trustedRootFile, registryKeysPins: { [upstream]: s.registryKeysFile }, cacheDir: false }
}

function bannerLines(r: CheckResult, pattern: RegExp): string[] {
  return r.output('text').split('\n').filter((l) => pattern.test(l))
}

function upstreamSettings(r: CheckResult): unknown[] {
  return r.json.project.settings.filter((setting: { key: string }) => setting.key.endsWith('verify-deps-upstream'))
}

function decisions(r: CheckResult): Record<string, string> {
  return Object.fromEntries(r.json.packages.map((p: { name: string; decision: string }) => [p.name, p.decision]))
}

t.test('a stripping mirror without --upstream: one banner naming it, with the counts and the fix; nothing passes', async (t) => {
  const s = await world(t)
  const mirror = await behindMirror(t, s, 'stripping')
  const r = await checkScenario(s, trustFor(s, s.registry.url))
  t.equal(r.status, 3, 'could not verify')
  t.same(Object.values(decisions(r)), ['warn', 'warn', 'warn'], 'nothing it cannot verify passes')
  t.match(r.json.registries, [{ url: mirror.url, keysSource: 'none', packages: 3, verified: 0, unsigned: 3, upstream: null, couldNotVerify: true, diagnosis: { kind: 'keyless' } }])
  const banners = bannerLines(r, /^registry .*publishes no signing keys/)
  t.same(banners, [`registry ${mirror.url} publishes no signing keys: 3 packages could not be verified`], 'one banner, not one per package')
  t.match(r.output('text'), /fix: if it mirrors the public npm registry \(Artifactory, Nexus, Verdaccio\): --upstream https:\/\/registry\.npmjs\.org\//)
  t.match(r.output('text'), /fix: accept unsigned packages from it explicitly: a policy rule for your private scopes/)
  t.match(r.json.registries[0].diagnosis.fixes, [/--upstream https:\/\/registry\.npmjs\.org\//, /require: \{ signature: false \}/, /--registry-keys/], 'the JSON report carries the banner too')
  t.notOk(s.registry.requests.some((rq) => rq.headers['x-mirror'] === undefined), 'nothing was asked of the registry behind the mirror directly')
})

t.test('a stripping mirror with --upstream: the same packages verify as against the registry itself, evidence from the upstream', async (t) => {
  const s = await world(t)
  const direct = await checkScenario(s, trustFor(s, s.registry.url))
  t.equal(direct.status, 0, 'the registry itself: everything verifies')

  const mirror = await behindMirror(t, s, 'stripping')
  const r = await checkScenario(s, { ...trustFor(s, s.registry.url), upstream: s.registry.url })
  t.equal(r.status, 0)
  t.same(decisions(r), decisions(direct), 'the same decisions as against the registry itself')
  for (const name of ['a', '@acme/b', 'c']) {
    const [viaMirror, itself] = [r.pkg(name), direct.pkg(name)]
    t.same({ ...viaMirror.evidence, origin: null }, { ...itself.evidence, origin: null }, `${name}: the same evidence statuses`)
    t.same(viaMirror.evidence.origin, { registry: s.registry.url, role: 'upstream', keys: s.registry.url }, `${name}: evidence from the upstream`)
    t.equal(viaMirror.registry, mirror.url, `${name}: installed from the mirror`)
    t.same(itself.evidence.origin, { registry: s.registry.url, role: 'registry', keys: s.registry.url })
  }
  t.match(r.json.registries, [{ url: mirror.url, upstream: s.registry.url, keysSource: 'pinned', packages: 3, verified: 3, fromUpstream: 3, diagnosis: null }])
  t.same(upstreamSettings(r), [{ key: 'verify-deps-upstream', value: s.registry.url, from: 'command line' }], 'the setting is reported with where it came from')
  t.same(bannerLines(r, /publishes no signing keys|looks like a mirror/), [], 'no banner')
})

t.test('a keyless mirror without --upstream: signed versions are not verified, and one banner says it looks like a mirror', async (t) => {
  const s = await world(t)
  const mirror = await behindMirror(t, s, 'keyless')
  const r = await checkScenario(s, trustFor(s, s.registry.url))
  t.equal(r.status, 3)
  for (const name of ['a', '@acme/b', 'c']) t.same(r.codes(name), ['FETCH_FAILED'], `${name}: could not verify, never a pass`)
  t.match(r.json.registries, [{ url: mirror.url, keysSource: 'none', signedWithoutKeys: 3, diagnosis: { kind: 'signed-without-keys' } }])
  t.same(bannerLines(r, /looks like a mirror/), [`registry ${mirror.url} publishes no signing keys, yet 3 of 3 packages from it carry registry signatures: it looks like a mirror of a registry that signs; they could not be verified`])
  t.match(r.output('text'), /fix: if it mirrors the public npm registry .*--upstream https:\/\/registry\.npmjs\.org\//)
})

t.test('a keyless mirror with --upstream (from the project .npmrc): its complete evidence is checked with the upstream keys, the rest comes from the upstream', async (t) => {
  const s = await world(t)
  const mirror = await behindMirror(t, s, 'keyless', `verify-deps-upstream=${s.registry.url}\n`)
  const r = await checkScenario(s, trustFor(s, s.registry.url))
  t.equal(r.status, 0)
  t.same(decisions(r), { '@acme/b': 'pass', a: 'pass', c: 'warn' }, 'as against the registry itself (c has no provenance: a warning)')
  t.same(r.pkg('a').evidence.origin, { registry: mirror.url, role: 'mirror', keys: s.registry.url }, 'signatures and attestations from the mirror')
  t.same(r.pkg('@acme/b').evidence.origin, { registry: mirror.url, role: 'mirror', keys: s.registry.url })
  t.same(r.pkg('c').evidence.origin, { registry: s.registry.url, role: 'upstream', keys: s.registry.url }, 'no attestations on the mirror: the upstream was asked')
  t.equal(r.pkg('a').evidence.signature.status, 'verified')
  t.match(r.json.registries, [{ url: mirror.url, upstream: s.registry.url, fromUpstream: 1, verified: 3, diagnosis: null }])
  t.same(upstreamSettings(r), [{ key: 'verify-deps-upstream', value: s.registry.url, from: join(s.projectDir, '.npmrc') }], 'a project .npmrc upstream is visible in the report')
  const text = r.output('text')
  t.match(text, `    evidence      from the upstream ${s.registry.url}  keys of ${s.registry.url}\n`, 'the text report says where the warning package’s evidence came from')
  t.match(text, `  ${mirror.url}  keys: pinned (${s.registryKeysFile} (--registry-keys)); 3 of 3 verified  upstream: ${s.registry.url} (evidence of 1 from it)\n`, 'and names the upstream under Registries')
  const html = r.output('html')
  t.match(html, `evidence: from the upstream ${s.registry.url}, keys of ${s.registry.url}`, 'the HTML report too')
  t.match(html, `<td><code>${s.registry.url}</code></td>`, 'the HTML registries table names the upstream')
})

t.test('a lying upstream fails: another integrity, or signatures the keys do not verify', async (t) => {
  const s = await world(t)
  const other = createRegistryKey()
  const liar = await startMirrorProxy({
    target: s.registry.url,
    kind: 'faithful',
    transform: (route, doc) => {
      const versions = route.kind === 'packument' ? Object.values((doc.versions ?? {}) as Record<string, Record<string, any>>) : route.kind === 'manifest' ? [doc as Record<string, any>] : []
      for (const v of versions) {
        if (v.name === 'a') v.dist.integrity = 'sha512-' + Buffer.alloc(64, 7).toString('base64')
        // Signed by a key of its own over the right integrity: not a key the upstream is trusted with.
        if (v.name === '@acme/b') v.dist.signatures = [signRegistrySignature(other, { name: v.name, version: v.version, integrity: v.dist.integrity })]
        // The keyid of a trusted key, with another key's signature.
        if (v.name === 'c') v.dist.signatures = [{ ...signRegistrySignature(other, { name: v.name, version: v.version, integrity: v.dist.integrity }), keyid: s.key.keyid }]
      }
    },
  })
  t.teardown(() => liar.close())
  await behindMirror(t, s, 'stripping')
  const r = await checkScenario(s, { ...trustFor(s, liar.url), upstream: liar.url })
  t.equal(r.status, 1)
  t.same(decisions(r), { '@acme/b': 'fail', a: 'fail', c: 'fail' }, 'nothing passes')
  t.ok(r.codes('a').includes('INTEGRITY_MISMATCH'), 'an upstream document with another integrity is a finding')
  t.ok(r.codes('@acme/b').includes('SIGNATURE_KEY_UNKNOWN'))
  t.ok(r.codes('c').includes('SIGNATURE_INVALID'))
})

t.test("the mirror's token never reaches the upstream, even one on the mirror's own host that its credential would match", async (t) => {
  const s = await world(t)
  const mirror = await behindMirror(t, s, 'stripping')
  // `//127.0.0.1:<port>/:_authToken` matches every path on the mirror's host, /upstream/ included.
  const r = await checkScenario(s, { ...trustFor(s, mirror.upstreamUrl), upstream: mirror.upstreamUrl })
  t.equal(r.status, 0)
  t.match(r.json.registries, [{ upstream: mirror.upstreamUrl, keysSource: 'pinned' }])
  t.equal(r.pkg('a').evidence.origin.registry, mirror.upstreamUrl)
  const [toMirror, toUpstream] = [mirror.requests.filter((rq) => !rq.upstream), mirror.requests.filter((rq) => rq.upstream)]
  t.ok(toMirror.length > 0 && toMirror.every((rq) => rq.tokenMatched), 'the mirror got its token')
  t.ok(toUpstream.length > 0, 'the upstream was asked')
  t.same(toUpstream.filter((rq) => rq.authorized), [], 'no request to the upstream carried credentials')
  t.notOk(s.registry.requests.some((rq) => rq.hasAuthorization), 'nor did anything reach the registry with them')
  t.notMatch(JSON.stringify(r.json), MIRROR_TOKEN, 'the token is not in the report')
})

t.test("an upstream's own keys vouch for nothing: unpinned and not from TUF, its packages could not be verified", async (t) => {
  // A pull request can name the upstream in the project .npmrc; with keys of its own choosing it could
  // sign any name@version with the integrity of any tarball the mirror serves.
  const s = await world(t)
  const mirror = await behindMirror(t, s, 'stripping')
  const r = await checkScenario(s, { ...trustFor(s, s.registry.url), upstream: mirror.upstreamUrl })
  t.equal(r.status, 3, 'could not verify, never a pass')
  t.same(Object.values(decisions(r)).filter((d) => d === 'pass'), [], 'nothing passes')
  for (const name of ['a', '@acme/b', 'c']) t.same(r.codes(name), ['FETCH_FAILED'], name)
  t.match(r.pkg('a').findings[0].message, /serves its own signing keys, which vouch only for itself: an upstream's keys must be pinned/)
  t.match(r.json.registries, [{ upstream: mirror.upstreamUrl, keysSource: 'unavailable' }])
  const keyRequests = mirror.requests.filter((rq) => rq.upstream && rq.path.endsWith('/-/npm/v1/keys'))
  t.ok(keyRequests.length > 0 && keyRequests.every((rq) => !rq.authorized), "its keys were asked of it, without the mirror's token")
  t.notOk(mirror.requests.some((rq) => rq.upstream && !rq.path.endsWith('/-/npm/v1/keys')), 'and no evidence was fetched from it')
})

t.test('mirror and upstream evidence are cached apart: a run without the upstream is not served the upstream evidence', async (t) => {
  const s = await world(t)
  const mirror = await behindMirror(t, s, 'stripping')
  const cacheDir = mkdtempSync(join(tmpdir(), 'verify-deps-mirror-cache-'))
  t.teardown(() => rmSync(cacheDir, { recursive: true, force: true }))
  const trust = { ...trustFor(s, s.registry.url), cacheDir }
  const first = await checkScenario(s, { ...trust, upstream: s.registry.url })
  t.equal(first.status, 0)

  // Offline, the cache is all there is: the mirror's (incomplete) entries and the upstream's.
  const offline = await checkScenario(s, { ...trust, upstream: s.registry.url, offline: true })
  t.equal(offline.status, 0, 'both are cached')
  t.equal(offline.pkg('c').evidence.origin.role, 'upstream')

  // Without the upstream the same cache gives the mirror's own evidence: still unsigned, still a banner.
  mirror.requests.length = 0
  const without = await checkScenario(s, trust)
  t.equal(without.status, 3)
  t.same(Object.values(decisions(without)), ['warn', 'warn', 'warn'])
  t.same(without.pkg('a').evidence.origin, { registry: mirror.url, role: 'registry', keys: mirror.url })
})

t.test('--upstream must be an http(s) URL without credentials', async (t) => {
  const s = await world(t)
  await t.rejects(checkScenario(s, { ...trustFor(s, s.registry.url), upstream: 'ftp://example.test/' }), { code: 'EINVALIDREGISTRY' })
  writeFileSync(join(s.projectDir, '.npmrc'), `registry=${s.registry.url}\n@acme:verify-deps-upstream=https://user:pass@example.test/\n`)
  await t.rejects(checkScenario(s, trustFor(s, s.registry.url)), { code: 'EINVALIDREGISTRY', message: /@acme:verify-deps-upstream carries credentials/ })
})

t.test('--upstream through the real bin: a bad URL or one with credentials is a usage error (exit 2); --help names it', async (t) => {
  const dir = t.testdir({})
  const env = cleanEnv(join(dir, 'home'))
  const [bad, creds, help] = await Promise.all([
    runCli(['--upstream', 'registry.npmjs.org'], { cwd: dir, env }),
    runCli(['--upstream', 'https://me:hunter2@registry.example/'], { cwd: dir, env }),
    runCli(['check', '--help'], { cwd: dir, env }),
  ])
  t.equal(bad.status, 2)
  t.match(bad.stderr, /--upstream must be an http\(s\) registry URL \(got "registry\.npmjs\.org"\)/)
  t.equal(creds.status, 2)
  t.match(creds.stderr, /--upstream must not carry credentials/)
  t.notMatch(creds.stderr, 'hunter2')
  t.match(help.stdout, /--upstream URL +the registry the default registry mirrors/)
  t.match(help.stdout, /verify-deps-upstream=URL, per scope @scope:verify-deps-upstream=URL/)
})
