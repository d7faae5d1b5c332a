// fixtures/demo is what scripts/generate-demo.ts makes: a fresh generation has the same files,
// byte for byte where the output is reproducible (everything but keys and signatures), and the
// snapshot holds every document the main branch and the pull request need.
import t from 'tap'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { DEMO_FIXTURES_DIR, GENERATED_DIRS, generateDemo } from '../../scripts/generate-demo.js'
import { DEMO_PACKAGES } from '../../lib/demo/world.js'

function listFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(root, join(dir, e.name)) : [relative(root, join(dir, e.name))]))
    .sort()
}

const readJSON = (file: string): any => JSON.parse(readFileSync(file, 'utf8'))

/** A registry document without what a new key or PKI changes. */
function withoutSignatures(doc: any): any {
  const strip = (v: any) => {
    if (v?.dist) delete v.dist.signatures
  }
  strip(doc)
  for (const v of Object.values(doc.versions ?? {})) strip(v)
  return doc
}

t.test('a fresh generation matches the committed demo world', async (t) => {
  const fresh = mkdtempSync(join(tmpdir(), 'verify-deps-demo-fresh-'))
  t.teardown(() => rmSync(fresh, { recursive: true, force: true }))
  await generateDemo(fresh)

  for (const dir of GENERATED_DIRS) {
    const committed = listFiles(join(DEMO_FIXTURES_DIR, dir))
    t.same(listFiles(join(fresh, dir)), committed, `${dir}/: the same files`)
    for (const file of committed) {
      const [a, b] = [join(DEMO_FIXTURES_DIR, dir, file), join(fresh, dir, file)]
      if (!existsSync(b)) continue
      if (dir === 'project' || dir === 'pull-request' || file.endsWith('.tgz')) {
        t.ok(readFileSync(a).equals(readFileSync(b)), `${dir}/${file}: byte for byte`)
      } else if (file.startsWith('-/npm/v1/attestations/')) {
        const types = (f: string) => readJSON(f).attestations.map((x: any) => x.predicateType)
        t.same(types(b), types(a), `${dir}/${file}: the same attestations`)
      } else if (dir === 'registry' && file !== '-/npm/v1/keys.json') {
        t.same(withoutSignatures(readJSON(b)), withoutSignatures(readJSON(a)), `${dir}/${file}: the same document but for signatures`)
      }
    }
  }
})

t.test('the snapshot holds what main and the pull request need', async (t) => {
  const registry = join(DEMO_FIXTURES_DIR, 'registry')
  t.ok(existsSync(join(registry, '-/npm/v1/keys.json')), 'registry keys')
  t.ok(existsSync(join(DEMO_FIXTURES_DIR, 'trust', 'trusted_root.json')), 'trusted root')

  for (const branch of ['main', 'pull-request'] as const) {
    const lock = readJSON(join(DEMO_FIXTURES_DIR, branch === 'main' ? 'project' : 'pull-request', 'package-lock.json'))
    const locked = Object.entries(lock.packages).filter(([path]) => path !== '')
    t.equal(locked.length, DEMO_PACKAGES.length, `${branch}: every demo package is in the lockfile`)
    for (const [path, entry] of locked as [string, any][]) {
      const name = path.slice('node_modules/'.length)
      const pkg = DEMO_PACKAGES.find((p) => p.name === name)
      if (!pkg) {
        t.fail(`${branch}: ${name} is not a demo package`)
        continue
      }
      t.equal(entry.version, branch === 'main' ? (pkg.mainVersion ?? pkg.version) : pkg.version, `${branch}: ${name} at the version the branch locks`)
      t.match(entry.resolved, /^http:\/\/registry\.demo\.invalid\//, `${branch}: ${name}: resolved points at the placeholder host`)
      const doc = readJSON(join(registry, name, `${entry.version}.json`))
      t.ok(readJSON(join(registry, name, 'index.json')).versions[entry.version], `${branch}: ${name}: packument`)
      const attestations = join(registry, '-/npm/v1/attestations', `${name}@${entry.version}.json`)
      t.equal(existsSync(attestations), Boolean(doc.dist.attestations), `${branch}: ${name}: attestations served exactly when advertised`)
      const basename = name.replace(/^@[^/]+\//, '')
      const tarball = readFileSync(join(registry, name, '-', `${basename}-${entry.version}.tgz`))
      const served = `sha512-${createHash('sha512').update(tarball).digest('base64')}`
      t.equal(served, doc.dist.integrity, `${branch}: ${name}: the registry serves the signed tarball`)
      if (branch === 'pull-request' && pkg.role === 'tampered') {
        const altered = readFileSync(join(DEMO_FIXTURES_DIR, 'pull-request', `${basename}-${entry.version}.tgz`))
        t.equal(entry.integrity, `sha512-${createHash('sha512').update(altered).digest('base64')}`, `${branch}: ${name}: the lockfile records the altered bytes`)
        t.not(entry.integrity, doc.dist.integrity, `${branch}: ${name}: which are not what the registry signed`)
      } else {
        t.equal(entry.integrity, doc.dist.integrity, `${branch}: ${name}: the lockfile agrees with the registry`)
      }
    }
  }
})

t.test('the pull request changes what the demo says it does, and nothing else', async (t) => {
  const main = readJSON(join(DEMO_FIXTURES_DIR, 'project', 'package-lock.json')).packages
  const pullRequest = readJSON(join(DEMO_FIXTURES_DIR, 'pull-request', 'package-lock.json')).packages
  t.same(Object.keys(pullRequest), Object.keys(main), 'the same paths')
  const changed = Object.keys(main).filter((path) => JSON.stringify(main[path]) !== JSON.stringify(pullRequest[path]))
  const expected = DEMO_PACKAGES.filter((p) => p.mainVersion || p.role === 'tampered').map((p) => `node_modules/${p.name}`)
  t.same(changed.sort(), expected.sort())
  const tampered = DEMO_PACKAGES.find((p) => p.role === 'tampered')!
  const path = `node_modules/${tampered.name}`
  t.same({ ...pullRequest[path], integrity: null }, { ...main[path], integrity: null }, `${tampered.name}: only its integrity changed`)
  for (const pkg of DEMO_PACKAGES.filter((p) => p.mainVersion)) {
    t.ok(pkg.earlier?.some((e) => e.version === pkg.mainVersion), `${pkg.name}: main locks one of its earlier releases`)
  }
})
