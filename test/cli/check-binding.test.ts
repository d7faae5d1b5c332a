// Issue 14, "what is verified must be what npm installs": a pull request that edits only
// package-lock.json (or package.json) must not get a verdict about other bytes, another source or
// another name than npm will install. Each test post-edits a real npm-written project and checks it
// through the library; the lockfile errors (exit 2, naming the file) go through the real bin.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkScenario, type CheckResult } from '../helpers/check.js'
import { createScenario, type Scenario } from '../helpers/scenario/index.js'
import { cleanEnv, runCli, type RunResult } from './run.js'

type Json = Record<string, any>

function edit(path: string, change: (doc: Json) => void): void {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Json
  change(doc)
  writeFileSync(path, JSON.stringify(doc, null, 2))
}

const editLock = (s: Scenario, change: (lock: Json) => void) => edit(join(s.projectDir, 'package-lock.json'), change)
const editManifest = (s: Scenario, change: (pkg: Json) => void) => edit(join(s.projectDir, 'package.json'), change)

/** `verify-deps <project> --trusted-root FILE --no-cache`, through the library. */
function check(s: Scenario, env?: Record<string, string>): Promise<CheckResult> {
  return checkScenario(s, { trustedRootFile: s.trustedRootFile, cacheDir: false, ...(env && { env }) })
}

/** The same through the real bin, for the runs that end in an error (exit 2 and its message). */
function checkCli(s: Scenario): Promise<RunResult> {
  return runCli([s.projectDir, '--trusted-root', s.trustedRootFile, '--no-cache', '--json'], { cwd: s.dir, env: cleanEnv(join(s.dir, 'home')) })
}

const result = (r: CheckResult, name: string): Json => r.pkg(name)
const codes = (r: CheckResult, name: string): string[] => r.codes(name)

t.test('exit 2 naming the dependency when the lockfile does not cover package.json', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'kept', version: '1.0.0' }, { name: 'dropped', version: '1.0.0' }] })
  const before = await check(s)
  t.equal(before.status, 0)

  // The PR removes the entry: the rest of the lockfile still verifies, but npm would not install it as is.
  editLock(s, (lock) => {
    delete lock.packages['node_modules/dropped']
  })
  const missing = await checkCli(s)
  t.equal(missing.status, 2, 'a lockfile error, not a pass')
  t.match(missing.stderr, '"dropped"')
  t.match(missing.stderr, join(s.projectDir, 'package.json'))

  // package.json asks for a version the lockfile does not have.
  const s2 = await createScenario(t, { packages: [{ name: 'kept', version: '1.0.0' }, { name: 'kept', version: '2.0.0' }], project: { dependencies: { kept: '1.0.0' } } })
  editManifest(s2, (pkg) => (pkg.dependencies.kept = '^2.0.0'))
  const invalid = await checkCli(s2)
  t.equal(invalid.status, 2)
  t.match(invalid.stderr, '"kept": "^2.0.0"')
})

t.test('reports SOURCE_MISMATCH (exit 1) when the lockfile swaps a registry dependency for git or a file', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'victim', version: '1.0.0' }, { name: 'other', version: '1.0.0' }] })
  // The PR points package.json's "victim": "1.0.0" at a git commit and at a vendored tarball; the
  // git-dependency default (UNVERIFIABLE_SOURCE, a warning) must not make that a pass.
  editLock(s, (lock) => {
    const entry = lock.packages['node_modules/victim']
    lock.packages['node_modules/victim'] = { version: entry.version, resolved: 'git+ssh://git@evil.test/evil/victim.git#' + 'e'.repeat(40) }
  })
  const git = await check(s)
  t.equal(git.status, 1)
  t.same(codes(git, 'victim'), ['SOURCE_MISMATCH', 'UNVERIFIABLE_SOURCE'])
  t.equal(result(git, 'victim').decision, 'fail')
  t.equal(result(git, 'other').decision, 'pass')

  editLock(s, (lock) => {
    lock.packages['node_modules/victim'] = { version: '1.0.0', resolved: 'file:evil-1.0.0.tgz', integrity: lock.packages['node_modules/other'].integrity }
  })
  const file = await check(s)
  t.equal(file.status, 1)
  t.same(codes(file, 'victim'), ['SOURCE_MISMATCH', 'UNVERIFIABLE_SOURCE'])
})

t.test('a git, file or tarball-URL spec written into another registry package\'s lockfile entry does not excuse SOURCE_MISMATCH', async (t) => {
  // Found by an attacker review: the dependencies a registry package's lockfile entry lists are
  // unsigned and unchecked, and npm ci trusts them; a fake declaring edge there must not turn the
  // swap of package.json's registry dependency into an UNVERIFIABLE_SOURCE warning (exit 0).
  const s = await createScenario(t, { packages: [{ name: 'victim', version: '1.0.0' }, { name: 'other', version: '1.0.0' }] })
  const otherTarball = (lock: Json): string => lock.packages['node_modules/other'].resolved as string
  const swaps: Record<string, (lock: Json) => void> = {
    'a file: tarball': (lock) => {
      lock.packages['node_modules/victim'] = { version: '1.0.0', resolved: 'file:victim-1.0.0.tgz', integrity: lock.packages['node_modules/other'].integrity }
      lock.packages['node_modules/other'].dependencies = { victim: 'file:../../victim-1.0.0.tgz' }
    },
    'a git commit': (lock) => {
      lock.packages['node_modules/victim'] = { version: '1.0.0', resolved: 'git+ssh://git@evil.test/evil/victim.git#' + 'e'.repeat(40) }
      lock.packages['node_modules/other'].dependencies = { victim: 'github:evil/victim' }
    },
    'a tarball URL': (lock) => {
      lock.packages['node_modules/victim'] = { version: '1.0.0', resolved: otherTarball(lock), integrity: lock.packages['node_modules/other'].integrity }
      lock.packages['node_modules/other'].dependencies = { victim: otherTarball(lock) }
    },
  }
  const original = readFileSync(join(s.projectDir, 'package-lock.json'), 'utf8')
  for (const [what, swap] of Object.entries(swaps)) {
    writeFileSync(join(s.projectDir, 'package-lock.json'), original)
    editLock(s, swap)
    if (what === 'a git commit') {
      // The git entry does not satisfy the edge's spec: the lockfile is out of sync (npm ci refuses it
      // too), so the run stops before any verdict.
      const err = await check(s).catch((e: unknown) => e)
      t.equal((err as { code?: unknown }).code, 'ELOCKSYNC', `${what}: ELOCKSYNC`)
      continue
    }
    const r = await check(s)
    t.equal(r.status, 1, `${what}: exit 1`)
    t.ok(codes(r, 'victim').includes('SOURCE_MISMATCH'), `${what}: SOURCE_MISMATCH (${codes(r, 'victim').join(', ')})`)
    t.equal(result(r, 'victim').decision, 'fail', `${what}: victim fails`)
  }
})

t.test('reports NAME_MISMATCH (exit 1) when the lockfile installs another package under a dependency\'s name', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'wanted', version: '1.0.0' }, { name: 'imposter', version: '1.0.0' }] })
  const before = await check(s)
  t.equal(before.status, 0)
  // The imposter is genuinely signed: only the name binds it to what package.json asked for.
  editLock(s, (lock) => {
    lock.packages['node_modules/wanted'] = { name: 'imposter', ...lock.packages['node_modules/imposter'] }
  })
  const r = await check(s)
  t.equal(r.status, 1)
  const imposter = (r.json.packages as Json[]).find((p) => p.locations.some((l: Json) => l.path === 'node_modules/wanted'))
  t.equal(imposter?.name, 'imposter')
  t.same(imposter?.findings.map((f: Json) => f.code), ['NAME_MISMATCH'])
  t.equal(imposter?.decision, 'fail')
})

t.test('reports RESOLVED_ORIGIN_MISMATCH (exit 1) when npm would fetch the tarball from another host', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'fetched', version: '1.0.0' }, { name: 'other', version: '1.0.0' }] })
  const registry = new URL(s.registry.url)
  editLock(s, (lock) => {
    const entry = lock.packages['node_modules/fetched']
    entry.resolved = entry.resolved.replace(registry.origin, 'https://evil.test')
  })
  const r = await check(s)
  t.equal(r.status, 1)
  t.same(codes(r, 'fetched'), ['RESOLVED_ORIGIN_MISMATCH'])
  t.match(result(r, 'fetched').findings[0].message, 'https://evil.test')
  t.equal(result(r, 'other').decision, 'pass')

  // Another port on the same host is another origin.
  editLock(s, (lock) => {
    const entry = lock.packages['node_modules/fetched']
    entry.resolved = entry.resolved.replace('https://evil.test', `${registry.protocol}//${registry.hostname}:1`)
  })
  const port = await check(s)
  t.equal(port.status, 1)
  t.same(codes(port, 'fetched'), ['RESOLVED_ORIGIN_MISMATCH'])

  // A registry.npmjs.org URL is what npm fetches from the configured registry (replace-registry-host=npmjs).
  editLock(s, (lock) => {
    const entry = lock.packages['node_modules/fetched']
    entry.resolved = `https://registry.npmjs.org${new URL(entry.resolved).pathname}`
  })
  const npmjs = await check(s)
  t.equal(npmjs.status, 0)
  t.same(codes(npmjs, 'fetched'), [])
  const never = await check(s, cleanEnv(join(s.dir, 'home'), { npm_config_replace_registry_host: 'never' }))
  t.equal(never.status, 1, 'with replace-registry-host=never npm would fetch registry.npmjs.org')
  t.same(codes(never, 'fetched'), ['RESOLVED_ORIGIN_MISMATCH'])
})

t.test('an npm: alias is held to the policy rule for the name it is installed under (exit 1)', async (t) => {
  const s = await createScenario(t, {
    packages: [{ name: 'evil', version: '1.0.0', provenance: 'missing' }],
    project: { dependencies: { '@acme/util': 'npm:evil@1.0.0' } },
  })
  writeFileSync(join(s.projectDir, 'verify-deps.policy.yaml'), 'version: 1\nrules:\n  - packages: ["@acme/*"]\n    mode: enforce\n    require: { signature: true, provenance: true }\n')
  const r = await check(s)
  t.equal(r.status, 1)
  const evil = result(r, 'evil')
  t.equal(evil.locations[0].alias, '@acme/util')
  t.equal(evil.decision, 'fail', 'the @acme/* rule applies to what is installed as @acme/util')
  t.equal(evil.rule, 'rules[0] (@acme/*)')
  t.ok(evil.findings.some((f: Json) => f.code === 'PROVENANCE_MISSING' && f.severity === 'error'))
})
