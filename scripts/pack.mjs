#!/usr/bin/env node
// The package's build and pack steps (package.json scripts call them; see docs/testing.md "The package").
//
//   build     dist/ from lib/ only: the old dist/ is removed first, so a file left by an earlier
//             build (a module since deleted or renamed) never ships, and no source maps are emitted,
//             since they would name lib/*.ts files the package does not contain. `prepare` runs
//             it, so a git install (pacote runs `prepare` in the clone, then packs it) builds dist/.
//   prepack   build, then write the package.json the tarball carries: without "scripts" and tap's
//             settings. The tarball already holds dist/ and needs no script to install; and npm counts
//             a `prepare` in a package installed from a tarball (`npm install ./verify-deps-0.1.0.tgz`)
//             as an install script it cannot approve, so under `strict-allow-scripts` the install
//             fails (ESTRICTALLOWSCRIPTS) although npm never runs `prepare` for a tarball
//             (@npmcli/arborist lib/install-scripts.js lists `prepare` for every non-registry source).
//             The original is kept in PACK_BACKUP until postpack.
//   postpack  put the original package.json back.
//   publish   (prepublishOnly) refuse a publish from the folder: npm would send the registry the
//             restored package.json while the tarball carries the packed one. Publish the tarball that
//             was packed and tested instead (`npm publish ./verify-deps-<version>.tgz`).
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = new URL('../', import.meta.url)
const packageJson = fileURLToPath(new URL('package.json', root))
const PACK_BACKUP = fileURLToPath(new URL('package.json.prepack', root))
/** Top-level package.json fields that are for developing verify-deps, not for installing it. */
const DEVELOPMENT_FIELDS = ['scripts', 'tap']

const commands = {
  build() {
    rmSync(fileURLToPath(new URL('dist/', root)), { recursive: true, force: true })
    // tsc from this checkout's devDependencies (npm puts node_modules/.bin on PATH for scripts).
    const tsc = spawnSync('tsc', ['-p', 'tsconfig.build.json', '--sourceMap', 'false'], { cwd: fileURLToPath(root), stdio: 'inherit' })
    if (tsc.status !== 0) fail(`tsc ${tsc.error ? `could not start: ${tsc.error.message}` : `exited with ${tsc.status ?? tsc.signal}`}`)
  },
  prepack() {
    if (existsSync(PACK_BACKUP)) {
      fail(`${PACK_BACKUP} exists: an earlier npm pack stopped before postpack. Compare it with package.json, keep the right one as package.json, delete the other, and pack again.`)
    }
    commands.build()
    const text = readFileSync(packageJson, 'utf8')
    const manifest = JSON.parse(text)
    for (const field of DEVELOPMENT_FIELDS) delete manifest[field]
    renameSync(packageJson, PACK_BACKUP)
    writeFileSync(packageJson, JSON.stringify(manifest, null, 2) + '\n')
  },
  postpack() {
    if (existsSync(PACK_BACKUP)) renameSync(PACK_BACKUP, packageJson)
  },
  publish() {
    fail('publish the packed tarball, not the folder: `npm pack`, test it, then `npm publish ./verify-deps-<version>.tgz` (a folder publish sends the registry a package.json the tarball does not carry).')
  },
}

function fail(message) {
  console.error(`scripts/pack.mjs: ${message}`)
  process.exit(1)
}

const command = process.argv[2]
if (!Object.hasOwn(commands, command)) fail(`usage: node scripts/pack.mjs ${Object.keys(commands).join('|')}`)
commands[command]()
