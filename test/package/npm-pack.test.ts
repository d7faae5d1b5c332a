// What users install (issue 10, point 4): `npm pack` on a clean copy of the repo makes a tarball that
// holds exactly bin/, dist/ (built afresh from lib/, no source maps), trust/, docs/, the demo fixtures,
// README and LICENSE, with a package.json that has no scripts. Installed as docs/ci.md says into a
// scratch project under the npm settings .npmrc.example recommends, its dependencies served by the
// loopback registry from verify-deps' own locked production closure, `npx verify-deps demo` then works
// with no network: a proxy that records every connection is set for anything not on 127.0.0.1, and
// sees none. It runs under whichever npm is on PATH (CI: npm 11 on Node 20, npm 12 on Node 24);
// 45-60 s on the idle 2-core machine (docs/testing.md "The package").
import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { create, extract } from 'tar'
import { childCommand } from '../helpers/child.js'
import { serveProductionClosure } from '../helpers/package-closure.js'
import { runNpm, startRegistry, type RegistryServer } from '../helpers/registry/index.js'
import { cleanEnv, runCommand } from '../cli/run.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** sha256 of the Apache License 2.0 as apache.org publishes it (LICENSE-2.0.txt; Debian's /usr/share/common-licenses/Apache-2.0). */
const APACHE_2_0_SHA256 = 'cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30'
/** What a clean clone does not have: installed, built, or left by an earlier pack. */
const NOT_IN_A_CLONE = /^(node_modules|dist|\.git|\.tap|package\.json\.prepack|verify-deps-.*\.tgz)$/

const work = mkdtempSync(join(tmpdir(), 'verify-deps-pack-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

function listFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(root, join(dir, e.name)) : [relative(root, join(dir, e.name))]))
    .sort()
}

const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>

/** The repo as a fresh clone has it, its node_modules linked, and a file an old build left in dist/. */
function cloneLikeCopy(): string {
  const repo = join(work, 'repo')
  cpSync(ROOT, repo, { recursive: true, filter: (src) => !NOT_IN_A_CLONE.test(relative(ROOT, src)) })
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(repo, 'node_modules'))
  mkdirSync(join(repo, 'dist'))
  writeFileSync(join(repo, 'dist', 'removed-module.js'), 'export const stale = true\n')
  return repo
}

/** The project .npmrc lines .npmrc.example recommends (its uncommented settings), with `registry` pointed at `registryUrl`. */
function recommendedNpmrc(registryUrl: string): { npmrc: string; settings: Map<string, string> } {
  const lines = readFileSync(join(ROOT, '.npmrc.example'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith(';') && !line.startsWith('#'))
  const settings = new Map(lines.map((line) => [line.slice(0, line.indexOf('=')).trim(), line.slice(line.indexOf('=') + 1).trim()]))
  settings.set('registry', registryUrl)
  return { npmrc: [...settings].map(([key, value]) => `${key}=${value}\n`).join(''), settings }
}

/** A listener that stands in for every host but 127.0.0.1: it records each connection and drops it. */
async function startTrapProxy(): Promise<{ url: string; connections: string[]; close(): void }> {
  const connections: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.once('data', (data) => connections.push(data.toString('latin1').split('\r\n')[0] ?? ''))
    socket.on('close', () => sockets.delete(socket))
    setTimeout(() => socket.destroy(), 50)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    close() {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}

// --- pack ---------------------------------------------------------------------------------------
const repo = cloneLikeCopy()
const sourceManifest = readFileSync(join(repo, 'package.json'), 'utf8')
const packed = join(work, 'packed')
mkdirSync(packed)
// The tarball is found in its folder, not in --json output, whose shape npm 12 changed.
const pack = await runNpm(['pack', '--pack-destination', packed], { cwd: repo, scratchDir: join(work, 'npm-pack'), config: { 'ignore-scripts': 'false' } })
const tarballs = readdirSync(packed)
const tarball = join(packed, tarballs[0] ?? 'none.tgz')
const unpacked = join(work, 'unpacked')
mkdirSync(unpacked)
if (tarballs.length === 1) extract({ file: tarball, cwd: unpacked, sync: true })
const shipped = join(unpacked, 'package')

t.test('npm pack builds and packs from a clean copy of the repo', async (t) => {
  t.equal(pack.code, 0, 'npm pack succeeds', { stderr: pack.stderr })
  t.same(tarballs, [`verify-deps-${JSON.parse(sourceManifest).version}.tgz`], 'one tarball is written')
  t.equal(readFileSync(join(repo, 'package.json'), 'utf8'), sourceManifest, 'package.json is put back as it was after the pack')
  t.notOk(existsSync(join(repo, 'package.json.prepack')), 'no backup is left behind')
})

t.test('the tarball holds exactly bin/, dist/, trust/, docs/, the demo fixtures, README and LICENSE', async (t) => {
  const inRepo = (dir: string) => listFiles(join(repo, dir)).map((file) => `${dir}/${file}`)
  // dist/ is what tsconfig.build.json makes of lib/: a module and its types per source file.
  const dist = listFiles(join(repo, 'lib'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .flatMap((file) => [`dist/${file.replace(/\.ts$/, '.js')}`, `dist/${file.replace(/\.ts$/, '.d.ts')}`])
  const expected = ['LICENSE', 'README.md', 'package.json', ...inRepo('bin'), ...inRepo('trust'), ...inRepo('docs'), ...inRepo('fixtures/demo'), ...dist]
  t.same(listFiles(shipped), expected.sort())
  t.notOk(existsSync(join(shipped, 'dist', 'removed-module.js')), "a file an old build left in dist/ does not ship")
  for (const file of inRepo('fixtures/demo').concat(inRepo('trust'), inRepo('bin'))) {
    if (!readFileSync(join(shipped, file)).equals(readFileSync(join(repo, file)))) t.fail(`${file} differs from the repo's`)
  }
})

t.test('no shipped module points at a source map or at lib/ sources the package does not hold', async (t) => {
  const modules = listFiles(join(shipped, 'dist')).filter((file) => file.endsWith('.js'))
  t.ok(modules.length > 50, `${modules.length} modules`)
  const pointing = modules.filter((file) => readFileSync(join(shipped, 'dist', file), 'utf8').includes('sourceMappingURL'))
  t.same(pointing, [], 'no sourceMappingURL comment')
})

t.test('the shipped package.json is the repo\'s without its scripts and tap settings', async (t) => {
  const { scripts, tap: _tap, ...expected } = JSON.parse(sourceManifest) as Record<string, unknown> & { scripts: Record<string, string> }
  t.same(readJson(join(shipped, 'package.json')), expected)
  t.ok(scripts.prepare, 'the repo keeps `prepare`, which builds dist/ on a git install')
})

t.test('LICENSE is the Apache License 2.0 that package.json names', async (t) => {
  const license = readFileSync(join(shipped, 'LICENSE'))
  t.equal(createHash('sha256').update(license).digest('hex'), APACHE_2_0_SHA256, 'the full standard text, unchanged')
  t.equal(readJson(join(shipped, 'package.json')).license, 'Apache-2.0')
})

// --- install the tarball and run it, offline ------------------------------------------------------
const registry: RegistryServer = await startRegistry()
t.teardown(() => registry.close())
const served = serveProductionClosure(registry.store, ROOT)
const trap = await startTrapProxy()
t.teardown(() => trap.close())
const { npmrc, settings } = recommendedNpmrc(registry.url)

function scratchProject(dir: string): string {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: basename(dir).replace(/^\./, ''), version: '1.0.0', private: true }, null, 2) + '\n')
  writeFileSync(join(dir, '.npmrc'), npmrc)
  return dir
}

/** npm under the recommended settings; anything but the loopback registry goes to the trap. */
function npm(args: string[], cwd: string) {
  return runNpm(args, {
    cwd,
    scratchDir: join(work, 'npm-install'),
    // runNpm turns scripts off by default; here the recommended settings decide.
    config: { 'ignore-scripts': settings.get('ignore-scripts') ?? 'false', proxy: trap.url, 'https-proxy': trap.url, noproxy: '127.0.0.1' },
  })
}

/** Runs the installed verify-deps' demo in `cwd`: `[file, args]` for runCommand, with no way out of 127.0.0.1. */
async function runDemoOffline(t: Test, command: [string, string[]], cwd: string, installDir: string): Promise<void> {
  const before = registry.requests.length
  // update-notifier off: npm's own weekly look for a newer npm, not verify-deps, would ask the registry.
  const proxies = { HTTP_PROXY: trap.url, HTTPS_PROXY: trap.url, http_proxy: trap.url, https_proxy: trap.url }
  const env = cleanEnv(join(work, 'home'), { npm_config_update_notifier: 'false', npm_config_proxy: trap.url, npm_config_https_proxy: trap.url, ...proxies })
  const demo = await runCommand(command, { cwd, env })
  t.equal(demo.status, 0, 'the demo exits 0', { stderr: demo.stderr })
  t.match(demo.stdout, /8 packages: 4 pass, 1 warn, 3 fail, 0 skipped/)
  t.match(demo.stdout, /The demo itself exits 0: every package ended as intended/)
  t.ok(demo.stdout.includes(join(realpathSync(installDir), 'node_modules', 'verify-deps', 'fixtures', 'demo', 'project')), 'the installed copy ran, on its own demo fixtures')
  t.equal(registry.requests.length, before, 'nothing asked the registry')
  t.same(trap.connections, [], 'no request left 127.0.0.1')
}

t.test(`under the recommended settings (${[...settings.keys()].filter((k) => k !== 'registry').join(', ')}), a package.json with \`prepare\` would not install`, {
  skip: settings.get('strict-allow-scripts') === 'true' ? false : '.npmrc.example does not recommend strict-allow-scripts',
}, async (t) => {
  // The same tarball with the repo's `prepare` put back, as it shipped before scripts were stripped
  // (and without dependencies: npm refuses after resolving the tree, before fetching any tarball).
  const rebuilt = join(work, 'with-prepare')
  cpSync(shipped, join(rebuilt, 'package'), { recursive: true })
  const { dependencies: _dependencies, ...manifest } = readJson(join(shipped, 'package.json'))
  writeFileSync(join(rebuilt, 'package', 'package.json'), JSON.stringify({ ...manifest, scripts: { prepare: 'npm run build:package' } }, null, 2) + '\n')
  const file = join(work, 'verify-deps-with-prepare.tgz')
  create({ file, gzip: true, cwd: rebuilt, portable: true, sync: true }, ['package'])
  const project = scratchProject(join(work, 'scratch-with-prepare'))
  const r = await npm(['install', file], project)
  t.not(r.code, 0, 'npm refuses the install')
  t.notOk(existsSync(join(project, 'node_modules', 'verify-deps')), 'before writing anything')
  t.match(r.stdout + r.stderr, /ESTRICTALLOWSCRIPTS[\s\S]*verify-deps@[\d.]+ \(prepare: /)
})

// docs/ci.md's recipe: the tarball in .github/verify-deps/ with a lockfile of its own.
t.test('installed from the tarball as docs/ci.md says, `npx verify-deps demo` works offline', async (t) => {
  const project = join(work, 'project')
  const folder = scratchProject(join(project, '.github', 'verify-deps'))
  const file = basename(tarball)
  cpSync(tarball, join(folder, file))
  const install = await npm(['install', '--save-exact', `./${file}`], folder)
  t.equal(install.code, 0, 'npm install --save-exact succeeds', { stderr: install.stderr })
  if (install.code !== 0) return

  // Every installed package came from the loopback registry: verify-deps' locked production closure.
  const lock = readJson(join(folder, 'package-lock.json')) as { packages: Record<string, { version?: string; resolved?: string; name?: string; integrity?: string }> }
  t.match(lock.packages['node_modules/verify-deps'], { resolved: `file:${file}`, integrity: /^sha512-/ }, 'the lockfile pins the tarball by its integrity')
  const installed = Object.entries(lock.packages).filter(([location]) => location.startsWith('node_modules/') && location !== 'node_modules/verify-deps')
  for (const [location, entry] of installed) {
    if (!entry.resolved?.startsWith(registry.url)) t.fail(`${location} came from ${entry.resolved}`)
  }
  const ids = (list: Array<{ name: string; version?: string }>) => [...new Set(list.map((p) => `${p.name}@${p.version}`))].sort()
  const nameOf = (location: string, entry: { name?: string }) => entry.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length)
  t.same(ids(installed.map(([location, entry]) => ({ name: nameOf(location, entry), version: entry.version }))), ids(served), "exactly verify-deps' locked production dependencies")

  await runDemoOffline(t, childCommand('npx', ['verify-deps', 'demo']), folder, folder)

  // The workflow's steps, from the project root: `npm ci --prefix …`, then the installed bin.
  rmSync(join(folder, 'node_modules'), { recursive: true })
  const ci = await npm(['ci', '--prefix', '.github/verify-deps', '--ignore-scripts'], project)
  t.equal(ci.code, 0, 'npm ci --prefix .github/verify-deps succeeds', { stderr: ci.stderr })
  await runDemoOffline(t, childCommand(join(folder, 'node_modules', '.bin', 'verify-deps'), ['demo']), project, folder)
})
