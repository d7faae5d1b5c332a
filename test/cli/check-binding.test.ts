// Issue 14, "what is verified must be what npm installs": a pull request that edits only
// package-lock.json (or package.json) must not get a verdict about other bytes, another source or
// another name than npm will install. Each test post-edits a real npm-written project.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
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

function check(s: Scenario, extra: string[] = []): Promise<RunResult> {
  return runCli([s.projectDir, '--offline', '--trusted-root', s.trustedRootFile, '--no-cache', '--json', ...extra], { cwd: s.dir, env: cleanEnv(join(s.dir, 'home')) })
}

const result = (r: RunResult, name: string): Json => {
  const found = (JSON.parse(r.stdout) as { packages: Json[] }).packages.find((p) => p.name === name)
  if (!found) throw new Error(`${name} is not in the report: ${r.stdout}`)
  return found
}
const codes = (r: RunResult, name: string): string[] => result(r, name).findings.map((f: Json) => f.code)

t.test('exit 2 naming the dependency when the lockfile does not cover package.json', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'kept', version: '1.0.0' }, { name: 'dropped', version: '1.0.0' }] })
  const before = await check(s)
  t.equal(before.status, 0, before.stderr)

  // The PR removes the entry: the rest of the lockfile still verifies, but npm would not install it as is.
  editLock(s, (lock) => {
    delete lock.packages['node_modules/dropped']
  })
  const missing = await check(s)
  t.equal(missing.status, 2, 'a lockfile error, not a pass')
  t.match(missing.stderr, '"dropped"')
  t.match(missing.stderr, join(s.projectDir, 'package.json'))

  // package.json asks for a version the lockfile does not have.
  const s2 = await createScenario(t, { packages: [{ name: 'kept', version: '1.0.0' }, { name: 'kept', version: '2.0.0' }], project: { dependencies: { kept: '1.0.0' } } })
  editManifest(s2, (pkg) => (pkg.dependencies.kept = '^2.0.0'))
  const invalid = await check(s2)
  t.equal(invalid.status, 2)
  t.match(invalid.stderr, '"kept": "^2.0.0"')
})
