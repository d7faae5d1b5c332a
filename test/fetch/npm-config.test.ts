import t, { type Test } from 'tap'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { inspect } from 'node:util'
import { join } from 'node:path'
import { DEFAULT_REGISTRY, loadNpmConfig, type LoadNpmConfigOptions } from '../../lib/fetch/npm-config.js'
import { VerifyDepsError } from '../../lib/errors.js'
import { redact } from '../../lib/fetch/redact.js'

/** A home, a project and a global prefix, each with the given .npmrc; no machine configuration leaks in. */
function layout(t: Test, files: { project?: string; user?: string; global?: string; extra?: Record<string, string> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'verify-deps-npm-config-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const write = (path: string, content: string | undefined) => {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    if (content !== undefined) writeFileSync(join(dir, path), content)
  }
  write('home/.npmrc', files.user)
  write('project/.npmrc', files.project)
  write('prefix/etc/npmrc', files.global)
  for (const [path, content] of Object.entries(files.extra ?? {})) write(path, content)
  const env = { HOME: join(dir, 'home'), PREFIX: join(dir, 'prefix') }
  const load = (options: Partial<LoadNpmConfigOptions> = {}) =>
    loadNpmConfig({ cwd: join(dir, 'project'), ...options, env: { ...env, ...options.env } })
  return { dir, env, load }
}

t.test('defaults: the public registry and ~/.npm, with no configuration anywhere', async (t) => {
  const { dir, load } = layout(t)
  const config = await load()
  t.equal(config.registry, DEFAULT_REGISTRY)
  t.equal(config.registryFor('@any/pkg'), DEFAULT_REGISTRY)
  t.equal(config.cacheDir, join(dir, 'home', '.npm'))
  t.same(config.files, [])
  const options = config.fetchOptions(config.registry)
  t.equal(options.registry, DEFAULT_REGISTRY)
  t.equal(options.strictSSL, true)
  t.equal(options.cache, join(dir, 'home', '.npm', '_cacache'))
  t.match(options.userAgent, /^verify-deps node\/v\d+/)
})

t.test('precedence is cli > env > project > user > global, as in npm', async (t) => {
  const { dir, load } = layout(t, {
    global: 'registry=https://global.example/\nstrict-ssl=false\ncache=/from/global\nfetch-retries=4\n',
    user: 'registry=https://user.example/\nstrict-ssl=true\ncache=~/user-cache\n',
    project: 'registry=https://project.example/\n',
  })
  t.equal((await load()).registry, 'https://project.example/')
  t.equal((await load()).where('registry')?.layer, 'project')
  t.equal((await load()).get('strict-ssl'), true, 'user over global')
  t.equal((await load()).cacheDir, join(dir, 'home', 'user-cache'), '~/ is the home from the given env')
  t.same((await load()).fetchSettings(), { retries: 4 }, 'only what is configured')
  t.equal((await load({ env: { npm_config_registry: 'https://env.example' } })).registry, 'https://env.example/', 'env over project; trailing slash added')
  t.equal(
    (await load({ env: { npm_config_registry: 'https://env.example/' }, cli: { registry: 'https://cli.example/' } })).registry,
    'https://cli.example/',
    'cli over env',
  )
  t.same((await load()).files, [join(dir, 'project', '.npmrc'), join(dir, 'home', '.npmrc'), join(dir, 'prefix', 'etc', 'npmrc')])
})

t.test('env keys are normalised as npm does; empty values are unset; nerf-darted keys are kept as they are', async (t) => {
  const { load } = layout(t, { project: 'strict-ssl=true\n' })
  const config = await load({
    env: {
      NPM_CONFIG_STRICT_SSL: 'false',
      npm_config_fetch_retry_mintimeout: '5',
      npm_config_registry: '',
      'npm_config_//r.example/:_authToken': 'tok-env',
    },
  })
  t.equal(config.get('strict-ssl'), false, 'typed as npm types it')
  t.equal(config.fetchOptions(config.registry).strictSSL, false)
  t.same(config.fetchSettings(), { retryMinTimeoutMs: 5 })
  t.equal(config.registry, DEFAULT_REGISTRY, 'an empty env value does not set the registry')
  t.equal(config.fetchOptions(config.registry)['//r.example/:_authToken'], 'tok-env')
})

t.test('the user and global files can be moved by userconfig / globalconfig, and named by the caller', async (t) => {
  const { dir, load } = layout(t, { extra: { 'other/u': 'registry=https://moved-user.example/\n', 'other/g': '@g:registry=https://moved-global.example/\n' } })
  const other = join(dir, 'other')
  const viaEnv = await load({ env: { npm_config_userconfig: join(other, 'u'), npm_config_globalconfig: join(other, 'g') } })
  t.equal(viaEnv.registry, 'https://moved-user.example/')
  t.equal(viaEnv.registryFor('@g/x'), 'https://moved-global.example/')
  const viaOptions = await load({ cli: { userconfig: join(other, 'u'), globalconfig: join(other, 'g') } })
  t.equal(viaOptions.registry, 'https://moved-user.example/')
  t.notOk(viaOptions.files.includes(join(dir, 'home', '.npmrc')))
})

t.test('a project in the home folder reads that .npmrc once, as the user file', async (t) => {
  const dir = t.testdir({ '.npmrc': 'registry=https://home.example/\n' })
  const config = await loadNpmConfig({ cwd: dir, env: { HOME: dir, PREFIX: join(dir, 'none') } })
  t.equal(config.registry, 'https://home.example/')
  t.equal(config.where('registry')?.layer, 'user')
  t.same(config.files, [join(dir, '.npmrc')])
})

t.test('scoped registries: @scope:registry from any layer, the default for everything else', async (t) => {
  const { load } = layout(t, {
    user: '@acme:registry=https://npm.acme.example/private\n',
    project: 'registry=https://mirror.example/\n@other:registry=https://other.example/\n',
  })
  const config = await load({ env: { 'npm_config_@env:registry': 'https://env-scope.example/' } })
  t.equal(config.registryFor('@acme/lib'), 'https://npm.acme.example/private/')
  t.equal(config.registryFor('@other/lib'), 'https://other.example/')
  t.equal(config.registryFor('@env/lib'), 'https://env-scope.example/')
  t.equal(config.registryFor('@unknown/lib'), 'https://mirror.example/')
  t.equal(config.registryFor('plain'), 'https://mirror.example/')
  t.equal(config.registryFor('acme'), 'https://mirror.example/', 'an unscoped name never matches a scope')
})

t.test('${VAR} expansion in keys and values as npm does it', async (t) => {
  const env = { TOKEN: 'abc123', HOST: 'r.example' }
  const { load } = layout(t, { project: '//${HOST}/:_authToken=${TOKEN}\nregistry=https://${HOST}/\n' })
  const config = await load({ env })
  t.equal(config.registry, 'https://r.example/')
  t.equal(config.fetchOptions(config.registry)['//r.example/:_authToken'], 'abc123')
})

t.test('fetchOptions carries every nerf-darted credential for the library to match per URL, and no unscoped token', async (t) => {
  const { load } = layout(t, {
    user: [
      '//a.example/:_authToken=token-a',
      '//b.example/path/:_auth=dXNlcjpzZWNyZXRwYXNz',
      '//c.example/:username=u',
      '//c.example/:_password=cGFzc3dvcmQ=',
      '//c.example/:email=me@example.com',
      'always-auth=true',
    ].join('\n'),
  })
  const options = (await load()).fetchOptions('https://a.example')
  t.equal(options.registry, 'https://a.example/')
  t.equal(options['//a.example/:_authToken'], 'token-a')
  t.equal(options['//b.example/path/:_auth'], 'dXNlcjpzZWNyZXRwYXNz')
  t.equal(options['//c.example/:username'], 'u')
  t.equal(options['//c.example/:_password'], 'cGFzc3dvcmQ=')
  t.notOk('//c.example/:email' in options)
  for (const key of ['_authToken', 'token', '_auth', 'forceAuth', 'alwaysAuth']) t.notOk(key in options, `no ${key}`)
})

t.test('unscoped credentials in a file are refused as npm 9+ refuses them, without showing the value', async (t) => {
  const { load } = layout(t, { user: '_authToken=npm_secretsecretsecretsecretsecretsecret12\n' })
  const err = await load().then(
    () => undefined,
    (e: unknown) => e,
  )
  t.type(err, VerifyDepsError)
  t.match(err, { code: 'EINVALIDAUTH', kind: 'usage', message: /unscoped credentials \(_authToken\)/ })
  t.notMatch((err as Error).message + ((err as VerifyDepsError).hint ?? ''), /secret/)
})

t.test('unscoped credentials from the environment are ignored with a warning', async (t) => {
  const { load } = layout(t)
  const config = await load({ env: { npm_config__authToken: 'env-secret-token' } })
  t.notOk(Object.keys(config.fetchOptions(config.registry)).some((key) => /auth/i.test(key)), 'never sent anywhere')
  t.match(config.warnings, [/ignoring unscoped _authtoken/])
  t.notMatch(config.warnings.join('\n'), /env-secret-token/)
})

t.test('secrets never show: redact(), toJSON and inspect', async (t) => {
  const { load } = layout(t, {
    user: [
      '//a.example/:_authToken=tok-a-very-secret',
      '//c.example/:username=u',
      `//c.example/:_password=${Buffer.from('hunter2-pass').toString('base64')}`,
      'https-proxy=http://proxyuser:proxypass@proxy.example:8080/',
    ].join('\n'),
  })
  const config = await load()
  const text = `failed with tok-a-very-secret and hunter2-pass via http://proxyuser:proxypass@proxy.example:8080/`
  const clean = config.redact(text)
  t.notMatch(clean, /tok-a-very-secret|hunter2-pass|proxypass|proxyuser/)
  t.match(clean, /http:\/\/\*\*\*@proxy\.example:8080/)
  t.equal(config.redactor(text), clean, 'the redactor on its own redacts as redact() does')
  const dumped = JSON.stringify(config) + inspect(config)
  t.notMatch(dumped, /tok-a-very-secret|proxypass|aHVudGVyMi1wYXNz/)
  t.match(dumped, /\/\/a\.example\/:_authToken/)
  t.equal(redact('token npm_abcdefghijABCDEFGHIJ0123456789abcdef in text'), 'token *** in text', 'npm tokens even when not configured')
})

t.test('an invalid registry is a usage error naming where it was set, redacted', async (t) => {
  const { dir, load } = layout(t, { project: '@x:registry=not a url\n//h/:_authToken=zzz-secret\n' })
  await t.rejects(load(), { code: 'EINVALIDREGISTRY', kind: 'usage', message: new RegExp(`${join(dir, 'project', '.npmrc').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: @x:registry`) })
  const { load: load2 } = layout(t, { project: '//h/:_authToken=zzz-secret\n' })
  const err = await load2({ cli: { registry: 'ftp://u:zzz-secret@h/' } }).then(
    () => undefined,
    (e: unknown) => e as Error,
  )
  t.match(err, { code: 'EINVALIDREGISTRY' })
  t.notMatch(err?.message ?? '', /zzz-secret/)
})

t.test('proxy, noproxy, strict-ssl and cafile become npm-registry-fetch options', async (t) => {
  const pem = (n: number) => `-----BEGIN CERTIFICATE-----\nAAAA${n}\n-----END CERTIFICATE-----`
  const { load } = layout(t, {
    project: `proxy=http://proxy.example:3128/\nhttps-proxy=http://sproxy.example:3128/\nnoproxy[]=localhost\nnoproxy[]=.internal\nstrict-ssl=false\ncafile=./certs/ca.pem\n`,
    extra: { 'project/certs/ca.pem': `${pem(1)}\r\n${pem(2)}\n` },
  })
  const options = (await load()).fetchOptions(DEFAULT_REGISTRY)
  t.equal(options.proxy, 'http://proxy.example:3128/')
  t.equal(options.httpsProxy, 'http://sproxy.example:3128/')
  t.equal(options.noProxy, 'localhost,.internal')
  t.equal(options.strictSSL, false)
  t.same(options.ca, [pem(1), pem(2)])

  const fromEnv = (await layout(t).load({ env: { HTTPS_PROXY: 'http://env-proxy:1/', NO_PROXY: 'corp' } })).fetchOptions(DEFAULT_REGISTRY)
  t.equal(fromEnv.httpsProxy, 'http://env-proxy:1/', 'proxy environment variables from the env the caller passed')
  t.equal(fromEnv.noProxy, 'corp')

  const missing = await layout(t, { project: 'cafile=./nope.pem\nca=inline-ca\n' }).load()
  t.same(missing.fetchOptions(DEFAULT_REGISTRY).ca, ['inline-ca'], 'a missing cafile is ignored, as npm does')
  t.match(missing.warnings, [/nope\.pem does not exist/])
})

t.test("npm's offline: from .npmrc or npm_config_offline; false by default", async (t) => {
  t.equal((await layout(t).load()).offline.value, false)
  t.equal((await layout(t, { project: 'offline=true\n' }).load()).offline.value, true)
  t.equal((await layout(t).load({ env: { npm_config_offline: 'true' } })).offline.value, true)
})

t.test('a registry keys pin is read nerf-darted, for that registry exactly, relative to the project', async (t) => {
  const { dir, load } = layout(t, { project: '//npm.acme.test/private/:verify-deps-registry-keys=trust/acme.json\n' })
  const config = await load()
  t.same(config.registryKeysPin('https://npm.acme.test/private'), { file: join(dir, 'project', 'trust', 'acme.json'), from: `${join(dir, 'project', '.npmrc')}: //npm.acme.test/private/:verify-deps-registry-keys` })
  t.equal(config.registryKeysPin('https://npm.acme.test/'), undefined, 'another path on the host is another registry')
  t.equal(config.registryKeysPin('https://npm.acme.test:8443/private/'), undefined, 'another port too')
})

t.test('the project root is found by walking up, as npm finds it: a sub-folder reads the project .npmrc', async (t) => {
  const { dir, load } = layout(t, { project: 'registry=https://project.example/\n', extra: { 'project/package.json': '{"name":"p"}', 'project/src/deep/.keep': '' } })
  const config = await load({ cwd: join(dir, 'project', 'src', 'deep') })
  t.equal(config.projectDir, join(dir, 'project'))
  t.equal(config.hasPackageJson, true)
  t.equal(config.registry, 'https://project.example/')
  t.equal(config.workspaces, undefined, 'a plain sub-folder selects no workspace')
  const named = await load({ cwd: join(dir, 'project', 'src'), projectDir: join(dir, 'project', 'src') })
  t.equal(named.projectDir, join(dir, 'project', 'src'), 'a root the caller names is used as it is')
  t.equal(named.hasPackageJson, false)
})

t.test('a workspace folder maps to its workspace root with that workspace selected, as npm 8+ does', async (t) => {
  const { dir, load } = layout(t, {
    extra: {
      'project/package.json': JSON.stringify({ name: 'root', workspaces: ['packages/*'] }),
      'project/packages/a/package.json': JSON.stringify({ name: 'a' }),
    },
  })
  const config = await load({ cwd: join(dir, 'project', 'packages', 'a') })
  t.equal(config.projectDir, join(dir, 'project'))
  t.same(config.workspaces?.value, [join(dir, 'project', 'packages', 'a')])
  t.match(config.workspaces?.from, /workspace folder/)
  const chosen = await load({ cwd: join(dir, 'project', 'packages', 'a'), cli: { workspace: ['b'] } })
  t.same(chosen.workspaces, { value: ['b'], from: 'command line' }, 'the command line wins')
})

t.test('omit: from .npmrc, npm_config_omit or NODE_ENV=production, with where it came from; include and the command line win', async (t) => {
  const { dir, load } = layout(t, { project: 'omit=dev\n' })
  t.same(await load().then((c) => c.omit), { value: ['dev'], from: `omit (${join(dir, 'project', '.npmrc')})` })
  t.same((await load({ env: { npm_config_omit: 'optional' } })).omit?.value, ['optional'], 'env over project')
  t.equal((await load({ cli: { include: ['dev'] } })).omit, undefined, '--include dev undoes omit=dev')
  t.same((await load({ cli: { omit: ['peer'] } })).omit, { value: ['peer'], from: 'omit (command line)' })
  const plain = layout(t)
  t.equal((await plain.load()).omit, undefined)
  t.same((await plain.load({ env: { NODE_ENV: 'production' } })).omit, { value: ['dev'], from: 'NODE_ENV=production (environment)' })
  const before = process.env.NODE_ENV
  await (await load()).fetchOptions(DEFAULT_REGISTRY)
  t.equal(process.env.NODE_ENV, before, "npm's flattening does not change this process's NODE_ENV")
})

t.test('an invalid value for a setting verify-deps acts on is an error naming the file; others warn as npm does', async (t) => {
  const { dir, load } = layout(t, { project: 'omit=banana\n' })
  await t.rejects(load(), { code: 'ENPMCONFIG', message: new RegExp(`${join(dir, 'project', '.npmrc').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: omit="banana" is not a valid value`) })
  await t.rejects(layout(t).load({ env: { npm_config_fetch_retries: 'many' } }), { code: 'ENPMCONFIG', message: /environment \(npm_config_\*\): fetch-retries="many"/ })
  await t.rejects(layout(t).load({ env: { npm_config_registry: 'not a url' } }), { code: 'EINVALIDREGISTRY' })
  const other = await layout(t, { user: 'loglevel=loudest\n' }).load()
  t.match(other.warnings, [/loglevel="loudest" is not a valid value; npm ignores it too/])
})

t.test('a config file that is not a regular file or too large is an error naming it; a missing one is fine', async (t) => {
  const big = layout(t, { project: `; ${'x'.repeat(4 * 1024 * 1024 + 10)}\n` })
  await t.rejects(big.load(), { code: 'ENPMRC', message: /project[/\\]\.npmrc: cannot read npm configuration: larger than/ })
  const { dir, load } = layout(t)
  symlinkSync('/dev/zero', join(dir, 'home', '.npmrc'))
  await t.rejects(load(), { code: 'ENPMRC', message: /home[/\\]\.npmrc: cannot read npm configuration: not a regular file/ })
  mkdirSync(join(dir, 'other'))
  const asDir = await layout(t).load({ cli: { globalconfig: join(dir, 'other') } }).then(
    () => undefined,
    (e: unknown) => e,
  )
  t.match(asDir, { code: 'ENPMRC', message: /other: cannot read npm configuration: not a regular file \(a directory\)/ })
})

t.test("verify-deps' own keys: typed, with their source; those that change whom to trust are a usage error from the project .npmrc", async (t) => {
  const { dir, load } = layout(t, {
    project: 'verify-deps-fetch-tarballs=true\nverify-deps-concurrency=3\n',
    user: 'verify-deps-policy=~/team-policy.yaml\nverify-deps-tuf-mirror=https://tuf.internal/\n',
  })
  const config = await load()
  t.same(config.own('verify-deps-policy'), { value: join(dir, 'home', 'team-policy.yaml'), from: join(dir, 'home', '.npmrc') })
  t.same(config.own('verify-deps-tuf-mirror'), { value: 'https://tuf.internal/', from: join(dir, 'home', '.npmrc') })
  t.equal(config.own('verify-deps-trusted-root'), undefined)
  t.same(config.own('verify-deps-fetch-tarballs'), { value: true, from: join(dir, 'project', '.npmrc') })
  t.same(config.own('verify-deps-concurrency'), { value: 3, from: join(dir, 'project', '.npmrc') })
  const fromEnv = await load({ env: { npm_config_verify_deps_trusted_root: 'trust/root.json' } })
  t.same(fromEnv.own('verify-deps-trusted-root'), { value: join(dir, 'project', 'trust', 'root.json'), from: 'environment (npm_config_*)' }, 'a relative path resolves against the folder it runs in, as npm resolves paths')
  await t.rejects(layout(t, { user: 'verify-deps-concurrency=lots\n' }).load(), { code: 'ENPMCONFIG', message: /verify-deps-concurrency="lots"/ })
  for (const key of ['verify-deps-policy', 'verify-deps-trusted-root', 'verify-deps-tuf-mirror']) {
    const value = key === 'verify-deps-tuf-mirror' ? 'https://evil.example/tuf' : './evil'
    const project = layout(t, { project: `${key}=${value}\n` })
    const error = { code: 'EPROJECTNPMRC', message: new RegExp(`project[/\\\\]\\.npmrc: ${key} may not be set in the project \\.npmrc`) }
    await t.rejects(project.load(), error, `${key} from the project .npmrc`)
    // Under npm run / npx / a lifecycle hook, npm exports the project's setting as npm_config_*.
    await t.rejects(project.load({ env: { [`npm_config_${key.replaceAll('-', '_')}`]: value } }), error, `${key} from the project .npmrc, exported by npm to the environment`)
  }
})

t.test('a user or global npmrc the project names or contains is project-controlled', async (t) => {
  const { dir, load } = layout(t, {
    project: 'userconfig=./u.npmrc\n',
    extra: { 'project/u.npmrc': 'verify-deps-policy=./evil.policy.yaml\n', 'project/g.npmrc': 'verify-deps-trusted-root=./root.json\nverify-deps-fetch-tarballs=false\n' },
  })
  await t.rejects(load(), { code: 'EPROJECTNPMRC', message: /u\.npmrc: verify-deps-policy may not be set in a user npmrc the project names/ })
  // npm exports the project's userconfig as npm_config_userconfig; the file inside the project gives it away.
  const viaEnv = layout(t, { extra: { 'project/u.npmrc': 'verify-deps-policy=./evil.policy.yaml\n' } })
  await t.rejects(viaEnv.load({ env: { npm_config_userconfig: join(viaEnv.dir, 'project', 'u.npmrc') } }), { code: 'EPROJECTNPMRC', message: /verify-deps-policy may not be set in a user npmrc the project contains/ })
  await t.rejects(load({ env: { npm_config_userconfig: join(dir, 'home', '.npmrc') }, cli: { globalconfig: join(dir, 'project', 'g.npmrc') } }), { code: 'EPROJECTNPMRC', message: /g\.npmrc: verify-deps-trusted-root may not be set in a global npmrc the project contains/ })
  const outside = layout(t, { extra: { 'ci/u.npmrc': 'verify-deps-policy=/ci/policy.yaml\n' } })
  t.same((await outside.load({ env: { npm_config_userconfig: join(outside.dir, 'ci', 'u.npmrc') } })).own('verify-deps-policy'), { value: '/ci/policy.yaml', from: join(outside.dir, 'ci', 'u.npmrc') }, 'a user file outside the project is read')
})

t.test('verify-deps-fetch-tarballs from a project-controlled layer counts only when true', async (t) => {
  const { dir, load } = layout(t, { project: 'verify-deps-fetch-tarballs=false\n', user: 'verify-deps-fetch-tarballs=true\n' })
  t.same((await load()).own('verify-deps-fetch-tarballs'), { value: true, from: join(dir, 'home', '.npmrc') }, 'the project cannot turn off what the user turned on')
  t.equal((await layout(t, { project: 'verify-deps-fetch-tarballs=false\n' }).load()).own('verify-deps-fetch-tarballs'), undefined)
  t.same((await load({ env: { npm_config_verify_deps_fetch_tarballs: 'false' } })).own('verify-deps-fetch-tarballs'), { value: false, from: 'environment (npm_config_*)' }, 'the environment may turn it off')
})

t.test("npm's fetch-* settings are capped", async (t) => {
  const { dir, load } = layout(t, { project: 'fetch-retries=1000\nfetch-retry-factor=100\nfetch-retry-mintimeout=99999999\nfetch-retry-maxtimeout=99999999\nfetch-timeout=99999999\n' })
  const config = await load()
  t.same(config.fetchSettings(), { retries: 5, retryFactor: 10, retryMinTimeoutMs: 60_000, retryMaxTimeoutMs: 120_000, timeoutMs: 300_000 })
  t.match(config.warnings, [new RegExp(`${join(dir, 'project', '.npmrc').replace(/[\\.]/g, '\\$&')}: fetch-retries=1000 is more than verify-deps allows; using 5`)])
  t.same((await layout(t, { project: 'fetch-retries=4\n' }).load()).fetchSettings(), { retries: 4 }, 'values under the cap are kept')
})

t.test("the builtin layer is the npm that runs us (npm_execpath), and none otherwise", async (t) => {
  const { dir, load } = layout(t, { extra: { 'npm/npmrc': 'registry=https://builtin.example/\n', 'npm/package.json': '{"version":"11.0.0"}', 'npm/bin/npm-cli.js': '' } })
  t.equal((await load()).registry, DEFAULT_REGISTRY)
  const underNpm = await load({ env: { npm_execpath: join(dir, 'npm', 'bin', 'npm-cli.js') } })
  t.equal(underNpm.registry, 'https://builtin.example/')
  t.same(underNpm.where('registry'), { layer: 'builtin', source: join(dir, 'npm', 'npmrc') })
  t.equal((await load({ env: { npm_execpath: join(dir, 'npm', 'bin', 'yarn.js') } })).registry, DEFAULT_REGISTRY, 'another package manager: none')
})

t.test('upstreams: verify-deps-upstream for the default registry, @scope:verify-deps-upstream per scope, with where each was set', async (t) => {
  const { load } = layout(t, {
    user: '@acme:verify-deps-upstream=https://upstream.acme.example/\n@private:registry=https://npm.private.example/\n',
    project: 'registry=https://mirror.example/\nverify-deps-upstream=https://registry.npmjs.org\n',
  })
  const config = await load()
  t.same(config.upstreamFor('plain', 'https://mirror.example/'), { url: 'https://registry.npmjs.org/', key: 'verify-deps-upstream', from: join(config.projectDir, '.npmrc') })
  t.same(config.upstreamFor('@acme/lib', config.registryFor('@acme/lib')), { url: 'https://upstream.acme.example/', key: '@acme:verify-deps-upstream', from: join(config.projectDir, '..', 'home', '.npmrc') })
  t.equal(config.upstreamFor('@private/lib', config.registryFor('@private/lib')), undefined, 'a scope with a registry of its own has no upstream unless its scope names one')
  t.equal(config.upstreamFor('@other/lib', 'https://mirror.example/')?.url, 'https://registry.npmjs.org/', 'a scope without a registry of its own goes with the default registry')
  t.same(config.scopedUpstreams(), [{ key: '@acme:verify-deps-upstream', value: 'https://upstream.acme.example/', from: join(config.projectDir, '..', 'home', '.npmrc') }])

  // An upstream that is the registry itself is none; the command line wins over the project.
  const same = await load({ cli: { upstream: 'https://mirror.example' } })
  t.equal(same.upstreamFor('plain', 'https://mirror.example/'), undefined)
  t.same(same.own('verify-deps-upstream'), { value: 'https://mirror.example/', from: 'command line' }, 'as npm parses a url setting')
})

t.test('an upstream that is not an http(s) URL, or carries credentials, is a usage error naming where it was set', async (t) => {
  const bad = layout(t, { project: 'verify-deps-upstream=ftp://mirror.example/\n' })
  await t.rejects(bad.load(), { code: 'EINVALIDREGISTRY', message: /project[/\\]\.npmrc: verify-deps-upstream is not an http\(s\) URL/ })
  const userinfo = layout(t, { user: '@acme:verify-deps-upstream=https://me:hunter2@upstream.example/\n' })
  const err = await userinfo.load().catch((e: unknown) => e)
  t.match(err, { code: 'EINVALIDREGISTRY', message: /\.npmrc: @acme:verify-deps-upstream carries credentials/ })
  t.notMatch((err as Error).message, 'hunter2')
})

t.test('fetchOptions without credentials carries none, whatever the registry', async (t) => {
  const { load } = layout(t, { user: '//a.example/:_authToken=token-a\n//a.example/:certfile=/c.pem\n//a.example/:keyfile=/k.pem\n' })
  const options = (await load()).fetchOptions('https://a.example/', { credentials: false })
  t.equal(options.registry, 'https://a.example/')
  t.same(Object.keys(options).filter((key) => key.startsWith('//')), [])
})
