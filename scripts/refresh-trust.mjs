#!/usr/bin/env node
// Refreshes the embedded trust material in trust/ from the TUF targets that @sigstore/tuf ships in
// its seeds (seeds.json): the Sigstore public-good trusted_root.json and npm's registry keys.json.
// Run after upgrading @sigstore/tuf:  node scripts/refresh-trust.mjs
// It records where the files came from and when in trust/SOURCE.json.
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createHash } from 'node:crypto'

const require = createRequire(import.meta.url)
const MIRROR = 'https://tuf-repo-cdn.sigstore.dev'
const seedsPath = require.resolve('@sigstore/tuf/seeds.json')
const tufVersion = JSON.parse(readFileSync(require.resolve('@sigstore/tuf/package.json'), 'utf8')).version
const seeds = JSON.parse(readFileSync(seedsPath, 'utf8'))[MIRROR]
if (!seeds) throw new Error(`${seedsPath}: no seeds for ${MIRROR}`)

const TARGETS = { 'trusted_root.json': 'trusted_root.json', 'registry.npmjs.org%2Fkeys.json': 'registry.npmjs.org.keys.json' }
const files = {}
for (const [target, file] of Object.entries(TARGETS)) {
  const b64 = seeds.targets?.[target]
  if (!b64) throw new Error(`${seedsPath}: no target ${target}`)
  const bytes = Buffer.from(b64, 'base64')
  JSON.parse(bytes.toString('utf8')) // must be JSON
  writeFileSync(new URL(`../trust/${file}`, import.meta.url), bytes)
  files[file] = { tufTarget: target, sha256: createHash('sha256').update(bytes).digest('hex') }
}
const root = JSON.parse(Buffer.from(seeds['root.json'], 'base64').toString('utf8'))
const source = {
  refreshedAt: new Date().toISOString(),
  from: `@sigstore/tuf@${tufVersion} seeds.json (${MIRROR})`,
  tufRootVersion: root.signed.version,
  tufRootExpires: root.signed.expires,
  files,
}
writeFileSync(new URL('../trust/SOURCE.json', import.meta.url), JSON.stringify(source, null, 2) + '\n')
console.log(JSON.stringify(source, null, 2))
