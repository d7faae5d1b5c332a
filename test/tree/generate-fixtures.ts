/**
 * Regenerates the npm-made lockfiles under fixtures/tree/ (`app`, `workspaces`) with the real npm
 * CLI against two loopback registries, then rewrites what depends on this run (ports, temp paths)
 * so the committed files are stable:
 *   http://127.0.0.1:<port>/      → https://registry.test/   (the default registry)
 *   http://127.0.0.1:<acmePort>/  → https://acme.test/       (the `@acme:registry`)
 *   git+file:///<tmp>/gitdep.git  → git+ssh://git@git.test/acme/gitdep.git
 * With npm 11 on PATH it writes the fixtures (package.json, files, package-lock.json); with npm 12
 * on PATH only each fixture's `package-lock.npm12.json`, the same project locked by npm 12, which
 * test/tree/npm12.test.ts compares with npm 11's. Not a test; run by hand when the fixtures change:
 *   TS_NODE_TRANSPILE_ONLY=1 node --import @tapjs/typescript/import test/tree/generate-fixtures.ts --write
 *   PATH=~/.cache/verify-deps-ci/node24/bin:$PATH TS_NODE_TRANSPILE_ONLY=1 node --import @tapjs/typescript/import test/tree/generate-fixtures.ts --write
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { npmMajorOnPath, packTarball, runNpm, startRegistry, type RegistryServer } from '../helpers/registry/index.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/tree')
// npm 12 fetches no git or tarball-URL dependency unless allowed (npm 11's default is all).
const INSTALL = ['install', '--package-lock-only', '--no-audit', '--no-fund', '--ignore-scripts', '--allow-git=all', '--allow-remote=all']
const NPM_MAJOR = npmMajorOnPath()

const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n'
const index = (name: string): Record<string, string> => ({ 'index.js': `module.exports = ${JSON.stringify(name)}\n` })

function publish(registry: RegistryServer, acme: RegistryServer): void {
  const add = (name: string, version: string, manifest: Record<string, unknown> = {}, files = index(name)): void => {
    registry.addVersion({ name, version, manifest, files })
  }
  add('c', '1.0.0')
  add('c', '2.0.0')
  add('a', '1.0.0', { dependencies: { c: '^1.0.0' } })
  // x and y both need c@2 while the root has c@1 hoisted: c@2 lands under each of them.
  add('x', '1.0.0', { dependencies: { c: '^2.0.0' } })
  add('y', '1.0.0', { dependencies: { c: '^2.0.0' } })
  add('node-fetch', '1.7.3')
  add('peerdep', '1.0.0')
  add('withpeer', '1.0.0', { peerDependencies: { peerdep: '^1.0.0' } })
  add('devonly', '1.0.0')
  add('devopt', '1.0.0')
  add('devtool', '1.0.0', { dependencies: { devonly: '^1.0.0', c: '^1.0.0' }, optionalDependencies: { devopt: '^1.0.0' } })
  add('opt', '1.0.0')
  add('tiny', '1.0.0')
  add('remote-pkg', '1.0.0')
  // bundler ships inner (and inner's own dependency deep) inside its tarball.
  add(
    'bundler',
    '1.0.0',
    { dependencies: { inner: '^1.0.0' }, bundleDependencies: ['inner'] },
    {
      ...index('bundler'),
      'node_modules/inner/package.json': json({ name: 'inner', version: '1.0.0', dependencies: { deep: '^1.0.0' } }),
      'node_modules/inner/index.js': 'module.exports = "inner"\n',
      'node_modules/deep/package.json': json({ name: 'deep', version: '1.0.0' }),
      'node_modules/deep/index.js': 'module.exports = "deep"\n',
    },
  )
  acme.addVersion({ name: '@acme/util', version: '1.0.0', manifest: { dependencies: { c: '^1.0.0' } }, files: index('@acme/util') })

  add('lib-a', '1.0.0', { dependencies: { shared: '^1.0.0' } })
  add('lib-b', '1.0.0', { dependencies: { shared: '^1.0.0' } })
  add('lib-b-dev', '1.0.0')
  add('shared', '1.0.0')
  add('root-dep', '1.0.0')
}

function gitRepo(dir: string): string {
  const work = join(dir, 'gitdep-work')
  mkdirSync(work, { recursive: true })
  writeFileSync(join(work, 'package.json'), json({ name: 'gitdep', version: '0.3.0' }))
  writeFileSync(join(work, 'index.js'), 'module.exports = "gitdep"\n')
  // Fixed identity and dates: the same commit id on every run.
  const env = { ...process.env, GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z' }
  const git = (...args: string[]): void => {
    execFileSync('git', ['-c', 'user.name=fixture', '-c', 'user.email=fixture@example.test', '-c', 'commit.gpgsign=false', ...args], { cwd: work, env, stdio: 'ignore' })
  }
  git('init', '-q', '-b', 'main')
  git('add', '.')
  git('commit', '-q', '-m', 'gitdep 0.3.0')
  const bare = join(dir, 'gitdep.git')
  execFileSync('git', ['clone', '-q', '--bare', work, bare], { stdio: 'ignore' })
  return bare
}

async function generate(name: string, files: Record<string, string | Uint8Array>, rewrite: (text: string) => string, npmrc: string, scratch: string, registry: RegistryServer): Promise<void> {
  const work = join(scratch, name)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true })
    writeFileSync(join(work, path), content)
  }
  writeFileSync(join(work, '.npmrc'), npmrc)
  const result = await runNpm(INSTALL, { cwd: work, scratchDir: join(scratch, `${name}-npm`), registry: registry.url })
  if (result.code !== 0) throw new Error(`npm install in ${name} failed:\n${result.stderr}`)
  const out = join(FIXTURES, name)
  if (NPM_MAJOR >= 12) {
    writeFileSync(join(out, `package-lock.npm${NPM_MAJOR}.json`), rewrite(readFileSync(join(work, 'package-lock.json'), 'utf8')))
    return
  }
  // Other npms' lockfiles of this fixture stay.
  const others = existsSync(out) ? readdirSync(out).filter((f) => /^package-lock\.npm\d+\.json$/.test(f)).map((f) => [f, readFileSync(join(out, f))] as const) : []
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  for (const [file, bytes] of others) writeFileSync(join(out, file), bytes)
  for (const path of Object.keys(files)) {
    mkdirSync(dirname(join(out, path)), { recursive: true })
    if (path.endsWith('.json')) writeFileSync(join(out, path), rewrite(readFileSync(join(work, path), 'utf8')))
    else cpSync(join(work, path), join(out, path))
  }
  writeFileSync(join(out, 'package-lock.json'), rewrite(readFileSync(join(work, 'package-lock.json'), 'utf8')))
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'tree-fixtures-'))
  const registry = await startRegistry()
  const acme = await startRegistry()
  try {
    publish(registry, acme)
    const bare = gitRepo(scratch)
    const rewrite = (text: string): string =>
      text
        .replaceAll(`git+file://${bare}`, 'git+ssh://git@git.test/acme/gitdep.git')
        .replaceAll(`file://${bare}`, 'git+ssh://git@git.test/acme/gitdep.git')
        .replaceAll(acme.url, 'https://acme.test/')
        .replaceAll(registry.url, 'https://registry.test/')

    const vendored = packTarball({ name: 'vendored', version: '1.0.0' }, index('vendored'))
    await generate(
      'app',
      {
        'package.json': json({
          name: 'app',
          version: '1.0.0',
          private: true,
          dependencies: {
            a: '^1.0.0',
            c: '^1.0.0',
            x: '^1.0.0',
            y: '^1.0.0',
            get: 'npm:node-fetch@^1.0.0',
            '@acme/util': '^1.0.0',
            bundler: '^1.0.0',
            withpeer: '^1.0.0',
            'local-lib': 'file:local/local-lib',
            'remote-pkg': registry.tarballUrl('remote-pkg', '1.0.0'),
            vendored: 'file:vendor/vendored-1.0.0.tgz',
            gitdep: `git+file://${bare}`,
          },
          devDependencies: { devtool: '^1.0.0' },
          optionalDependencies: { opt: '^1.0.0' },
        }),
        'local/local-lib/package.json': json({ name: 'local-lib', version: '0.1.0', dependencies: { tiny: '^1.0.0' } }),
        'local/local-lib/index.js': 'module.exports = "local-lib"\n',
        'vendor/vendored-1.0.0.tgz': vendored.bytes,
      },
      rewrite,
      `@acme:registry=${acme.url}\n`,
      scratch,
      registry,
    )
    await generate(
      'workspaces',
      {
        'package.json': json({ name: 'ws-root', version: '1.0.0', private: true, workspaces: ['packages/*'], dependencies: { 'root-dep': '^1.0.0' } }),
        'packages/a/package.json': json({ name: 'ws-a', version: '1.0.0', dependencies: { 'lib-a': '^1.0.0' } }),
        'packages/b/package.json': json({
          name: 'ws-b',
          version: '2.0.0',
          dependencies: { 'lib-b': '^1.0.0', 'ws-a': '^1.0.0' },
          devDependencies: { 'lib-b-dev': '^1.0.0' },
        }),
      },
      rewrite,
      '',
      scratch,
      registry,
    )
  } finally {
    await registry.close()
    await acme.close()
    rmSync(scratch, { recursive: true, force: true })
  }
}

// tap runs every .ts file it is pointed at; only write fixtures when asked to.
if (process.argv.includes('--write')) await main()
