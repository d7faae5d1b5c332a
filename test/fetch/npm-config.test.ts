import t, { type Test } from 'tap'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { inspect } from 'node:util'
import { join } from 'node:path'
import { DEFAULT_REGISTRY, envReplace, loadNpmConfig, type LoadNpmConfigOptions } from '../../lib/fetch/npm-config.js'
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
    loadNpmConfig({ projectDir: join(dir, 'project'), ...options, env: { ...env, ...options.env } })
  return { dir, env, load }
}

t.test('defaults: the public registry and ~/.npm, with no configuration anywhere', async (t) => {
  const { dir, load } = layout(t)
  const config = load()
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
    global: 'registry=https://global.example/\nstrict-ssl=false\ncache=/from/global\nfetch-retries=7\n',
    user: 'registry=https://user.example/\nstrict-ssl=true\ncache=~/user-cache\n',
    project: 'registry=https://project.example/\n',
  })
  t.equal(load().registry, 'https://project.example/')
  t.equal(load().where('registry')?.layer, 'project')
  t.equal(load().get('strict-ssl'), true, 'user over global')
  t.equal(load().cacheDir, join(dir, 'home', 'user-cache'), '~/ is the home from the given env')
  t.same(load().fetchSettings(), { retries: 7 }, 'only what is configured')
  t.equal(load({ env: { npm_config_registry: 'https://env.example' } }).registry, 'https://env.example/', 'env over project; trailing slash added')
  t.equal(
    load({ env: { npm_config_registry: 'https://env.example/' }, cliOptions: { registry: 'https://cli.example/' } }).registry,
    'https://cli.example/',
    'cli over env',
  )
  t.same(load().files, [join(dir, 'project', '.npmrc'), join(dir, 'home', '.npmrc'), join(dir, 'prefix', 'etc', 'npmrc')])
})

t.test('env keys are normalised as npm does; empty values are unset; nerf-darted keys are kept as they are', async (t) => {
  const { load } = layout(t, { project: 'strict-ssl=true\n' })
  const config = load({
    env: {
      NPM_CONFIG_STRICT_SSL: 'false',
      npm_config_fetch_retry_mintimeout: '5',
      npm_config_registry: '',
      'npm_config_//r.example/:_authToken': 'tok-env',
    },
  })
  t.equal(config.get('strict-ssl'), 'false')
  t.equal(config.fetchOptions(config.registry).strictSSL, false)
  t.same(config.fetchSettings(), { retryMinTimeoutMs: 5 })
  t.equal(config.registry, DEFAULT_REGISTRY, 'an empty env value does not set the registry')
  t.equal(config.fetchOptions(config.registry)['//r.example/:_authToken'], 'tok-env')
})

t.test('the user and global files can be moved by userconfig / globalconfig, and named by the caller', async (t) => {
  const { dir, load } = layout(t, { extra: { 'other/u': 'registry=https://moved-user.example/\n', 'other/g': '@g:registry=https://moved-global.example/\n' } })
  const other = join(dir, 'other')
  const viaEnv = load({ env: { npm_config_userconfig: join(other, 'u'), npm_config_globalconfig: join(other, 'g') } })
  t.equal(viaEnv.registry, 'https://moved-user.example/')
  t.equal(viaEnv.registryFor('@g/x'), 'https://moved-global.example/')
  const viaOptions = load({ userConfigPath: join(other, 'u'), globalConfigPath: join(other, 'g') })
  t.equal(viaOptions.registry, 'https://moved-user.example/')
  t.notOk(viaOptions.files.includes(join(dir, 'home', '.npmrc')))
})

t.test('a project in the home folder reads that .npmrc once, as the user file', async (t) => {
  const dir = t.testdir({ '.npmrc': 'registry=https://home.example/\n' })
  const config = loadNpmConfig({ projectDir: dir, env: { HOME: dir, PREFIX: join(dir, 'none') } })
  t.equal(config.registry, 'https://home.example/')
  t.equal(config.where('registry')?.layer, 'user')
  t.same(config.files, [join(dir, '.npmrc')])
})

t.test('scoped registries: @scope:registry from any layer, the default for everything else', async (t) => {
  const { load } = layout(t, {
    user: '@acme:registry=https://npm.acme.example/private\n',
    project: 'registry=https://mirror.example/\n@other:registry=https://other.example/\n',
  })
  const config = load({ env: { 'npm_config_@env:registry': 'https://env-scope.example/' } })
  t.equal(config.registryFor('@acme/lib'), 'https://npm.acme.example/private/')
  t.equal(config.registryFor('@other/lib'), 'https://other.example/')
  t.equal(config.registryFor('@env/lib'), 'https://env-scope.example/')
  t.equal(config.registryFor('@unknown/lib'), 'https://mirror.example/')
  t.equal(config.registryFor('plain'), 'https://mirror.example/')
  t.equal(config.registryFor('acme'), 'https://mirror.example/', 'an unscoped name never matches a scope')
})

t.test('${VAR} expansion in keys and values as npm does it', async (t) => {
  const env = { TOKEN: 'abc123', HOST: 'r.example' }
  t.equal(envReplace('${TOKEN}', env), 'abc123')
  t.equal(envReplace('x-${MISSING}-y', env), 'x-${MISSING}-y', 'unset: left as written')
  t.equal(envReplace('x-${MISSING?}-y', env), 'x--y', '?: empty when unset')
  t.equal(envReplace('\\${TOKEN}', env), '${TOKEN}', 'escaped')
  t.equal(envReplace('\\\\${TOKEN}', env), '\\abc123', 'an escaped backslash')
  const { load } = layout(t, { project: '//${HOST}/:_authToken=${TOKEN}\nregistry=https://${HOST}/\n' })
  const config = load({ env })
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
  const options = load().fetchOptions('https://a.example')
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
  const err = (() => {
    try {
      load()
    } catch (e) {
      return e
    }
  })()
  t.type(err, VerifyDepsError)
  t.match(err, { code: 'EINVALIDAUTH', kind: 'usage', message: /unscoped credentials \(_authToken\)/ })
  t.notMatch((err as Error).message + ((err as VerifyDepsError).hint ?? ''), /secret/)
})

t.test('unscoped credentials from the environment are ignored with a warning', async (t) => {
  const { load } = layout(t)
  const config = load({ env: { npm_config__authToken: 'env-secret-token' } })
  t.notOk(config.get('_authtoken'))
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
  const config = load()
  const text = `failed with tok-a-very-secret and hunter2-pass via http://proxyuser:proxypass@proxy.example:8080/`
  const clean = config.redact(text)
  t.notMatch(clean, /tok-a-very-secret|hunter2-pass|proxypass|proxyuser/)
  t.match(clean, /http:\/\/\*\*\*@proxy\.example:8080/)
  const dumped = JSON.stringify(config) + inspect(config)
  t.notMatch(dumped, /tok-a-very-secret|proxypass|aHVudGVyMi1wYXNz/)
  t.match(dumped, /\/\/a\.example\/:_authToken/)
  t.equal(redact('token npm_abcdefghijABCDEFGHIJ0123456789abcdef in text'), 'token *** in text', 'npm tokens even when not configured')
})

t.test('an invalid registry is a usage error naming where it was set, redacted', async (t) => {
  const { dir, load } = layout(t, { project: '@x:registry=not a url\n//h/:_authToken=zzz-secret\n' })
  t.throws(() => load(), { code: 'EINVALIDREGISTRY', kind: 'usage', message: new RegExp(`${join(dir, 'project', '.npmrc').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: @x:registry`) })
  const { load: load2 } = layout(t, { project: '//h/:_authToken=zzz-secret\n' })
  const err = (() => {
    try {
      load2({ cliOptions: { registry: 'ftp://u:zzz-secret@h/' } })
    } catch (e) {
      return e as Error
    }
  })()
  t.match(err, { code: 'EINVALIDREGISTRY' })
  t.notMatch(err?.message ?? '', /zzz-secret/)
})

t.test('proxy, noproxy, strict-ssl and cafile become npm-registry-fetch options', async (t) => {
  const pem = (n: number) => `-----BEGIN CERTIFICATE-----\nAAAA${n}\n-----END CERTIFICATE-----`
  const { load } = layout(t, {
    project: `proxy=http://proxy.example:3128/\nhttps-proxy=http://sproxy.example:3128/\nnoproxy[]=localhost\nnoproxy[]=.internal\nstrict-ssl=false\ncafile=./certs/ca.pem\n`,
    extra: { 'project/certs/ca.pem': `${pem(1)}\r\n${pem(2)}\n` },
  })
  const options = load().fetchOptions(DEFAULT_REGISTRY)
  t.equal(options.proxy, 'http://proxy.example:3128/')
  t.equal(options.httpsProxy, 'http://sproxy.example:3128/')
  t.equal(options.noProxy, 'localhost,.internal')
  t.equal(options.strictSSL, false)
  t.same(options.ca, [pem(1), pem(2)])

  const fromEnv = layout(t).load({ env: { HTTPS_PROXY: 'http://env-proxy:1/', NO_PROXY: 'corp' } }).fetchOptions(DEFAULT_REGISTRY)
  t.equal(fromEnv.httpsProxy, 'http://env-proxy:1/', 'proxy environment variables from the env the caller passed')
  t.equal(fromEnv.noProxy, 'corp')

  const missing = layout(t, { project: 'cafile=./nope.pem\nca=inline-ca\n' }).load()
  t.same(missing.fetchOptions(DEFAULT_REGISTRY).ca, ['inline-ca'], 'a missing cafile is ignored, as npm does')
  t.match(missing.warnings, [/nope\.pem does not exist/])
})

t.test("npm's offline: from .npmrc or npm_config_offline; false by default", async (t) => {
  t.equal(layout(t).load().offline, false)
  t.equal(layout(t, { project: 'offline=true\n' }).load().offline, true)
  t.equal(layout(t).load({ env: { npm_config_offline: 'true' } }).offline, true)
})

t.test('a registry keys pin is read nerf-darted, for that registry exactly, relative to the project', async (t) => {
  const { dir, load } = layout(t, { project: '//npm.acme.test/private/:verify-deps-registry-keys=trust/acme.json\n' })
  const config = load()
  t.same(config.registryKeysPin('https://npm.acme.test/private'), { file: join(dir, 'project', 'trust', 'acme.json'), from: `${join(dir, 'project', '.npmrc')}: //npm.acme.test/private/:verify-deps-registry-keys` })
  t.equal(config.registryKeysPin('https://npm.acme.test/'), undefined, 'another path on the host is another registry')
  t.equal(config.registryKeysPin('https://npm.acme.test:8443/private/'), undefined, 'another port too')
})
