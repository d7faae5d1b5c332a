// npm's configuration through the real bin: the project root found as npm finds it (a sub-folder, a
// workspace folder), omit/include/NODE_ENV from npm config with the command line winning, and every
// setting that narrowed the check shown in the report with where it came from.
import t, { type Test } from 'tap'
import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createScenario } from '../helpers/scenario/index.js'
import { cleanEnv, pinnedTrust, runCli } from './run.js'

/** The report's settings but the TUF mirror cleanEnv points at a closed port (so no test reaches TUF). */
const settings = (report: { project: { settings: Array<{ key: string }> } }) => report.project.settings.filter((s) => s.key !== 'verify-deps-tuf-mirror')

const packages = [
  { name: 'prod-dep', version: '1.0.0' },
  { name: 'dev-dep', version: '1.0.0', signature: 'invalid' as const },
  { name: 'ws-dep', version: '2.0.0' },
]

async function scenario(t: Test) {
  const s = await createScenario(t, {
    packages,
    project: {
      dependencies: { 'prod-dep': '1.0.0' },
      devDependencies: { 'dev-dep': '1.0.0' },
      workspaces: { 'packages/one': { name: 'one', dependencies: { 'ws-dep': '2.0.0' } } },
    },
  })
  return { s, env: cleanEnv(join(s.dir, 'home')), args: [...pinnedTrust(s), '--no-cache', '--json'] }
}

t.test('from a sub-folder of the project, the project is checked (npm walks up the same way)', async (t) => {
  const { s, env, args } = await scenario(t)
  const sub = join(s.projectDir, 'src', 'lib')
  mkdirSync(sub, { recursive: true })
  const r = await runCli(args, { cwd: sub, env })
  t.equal(r.status, 1, r.stderr)
  const report = JSON.parse(r.stdout)
  t.equal(report.project.root, s.projectDir)
  t.equal(report.project.lockfile, join(s.projectDir, 'package-lock.json'))
  t.same(report.packages.map((p: { name: string }) => p.name).sort(), ['dev-dep', 'prod-dep', 'ws-dep'])
  t.same(settings(report), [])
  const named = await runCli([join('src', 'lib'), ...args], { cwd: s.projectDir, env })
  t.equal(JSON.parse(named.stdout).project.root, s.projectDir, 'a [dir] inside the project too')
})

t.test('from a workspace folder: the root lockfile with that workspace selected, and the report says why', async (t) => {
  const { s, env, args } = await scenario(t)
  const r = await runCli(args, { cwd: join(s.projectDir, 'packages', 'one'), env })
  t.equal(r.status, 0, r.stderr)
  const report = JSON.parse(r.stdout)
  t.equal(report.project.root, s.projectDir)
  t.same(report.packages.map((p: { name: string }) => p.name), ['ws-dep'])
  t.match(settings(report), [{ key: 'workspace', value: [join(s.projectDir, 'packages', 'one')], from: /workspace folder/ }])
})

t.test('workspace with include-workspace-root=true in the project .npmrc: the root\'s own dependencies are checked too (npm installs them), and the report says so', async (t) => {
  const { s, env, args } = await scenario(t)
  const npmrc = join(s.projectDir, '.npmrc')
  appendFileSync(npmrc, '\nworkspace=one\ninclude-workspace-root=true\n')
  const r = await runCli([s.projectDir, ...args], { cwd: s.dir, env })
  t.equal(r.status, 1, 'the failing root dev dependency is checked')
  const report = JSON.parse(r.stdout)
  t.same(report.packages.map((p: { name: string }) => p.name).sort(), ['dev-dep', 'prod-dep', 'ws-dep'])
  t.same(settings(report), [
    { key: 'workspace', value: ['one'], from: npmrc },
    { key: 'include-workspace-root', value: true, from: npmrc },
  ])

  // Without it, only the workspace; on the command line, as npm's flag.
  const flagged = await runCli([s.projectDir, ...args, '-w', 'one', '--include-workspace-root', '--omit', 'dev'], { cwd: s.dir, env: { ...env, npm_config_include_workspace_root: 'false' } })
  t.equal(flagged.status, 0, flagged.stderr)
  const flaggedReport = JSON.parse(flagged.stdout)
  t.same(flaggedReport.packages.map((p: { name: string }) => p.name).sort(), ['prod-dep', 'ws-dep'], 'the root\'s prod dependency, its dev one omitted')
  t.match(settings(flaggedReport), [{ key: 'omit' }, { key: 'workspace' }, { key: 'include-workspace-root', value: true, from: 'command line' }])
  appendFileSync(npmrc, 'include-workspace-root=false\n')
  const off = await runCli([s.projectDir, ...args], { cwd: s.dir, env })
  t.equal(off.status, 0, off.stderr)
  t.same(JSON.parse(off.stdout).packages.map((p: { name: string }) => p.name), ['ws-dep'])
  t.same(settings(JSON.parse(off.stdout)).map((x: { key: string }) => x.key), ['workspace'])
})

t.test('omit=dev added to the project .npmrc: dev dependencies are left out as npm ci would, and the report (text and JSON) says so and where from', async (t) => {
  const { s, env, args } = await scenario(t)
  const npmrc = join(s.projectDir, '.npmrc')
  appendFileSync(npmrc, '\nomit=dev\n')
  const r = await runCli([s.projectDir, ...args], { cwd: s.dir, env })
  t.equal(r.status, 0, 'the failing dev dependency is not checked')
  const report = JSON.parse(r.stdout)
  t.notOk(report.packages.some((p: { name: string }) => p.name === 'dev-dep'))
  t.same(settings(report), [{ key: 'omit', value: ['dev'], from: `omit (${npmrc})` }])
  const text = await runCli([s.projectDir, ...pinnedTrust(s), '--no-cache'], { cwd: s.dir, env })
  t.match(text.stdout, `setting: omit=dev (from omit (${npmrc})) — dev dependencies were not checked`)

  const included = await runCli([s.projectDir, ...args, '--include', 'dev'], { cwd: s.dir, env })
  t.equal(included.status, 1, '--include dev on the command line wins over the .npmrc')
  t.same(settings(JSON.parse(included.stdout)), [])
  const cliOmit = await runCli([s.projectDir, ...args, '--omit', 'optional'], { cwd: s.dir, env })
  t.equal(cliOmit.status, 1, '--omit on the command line replaces the config omit')
  t.same(settings(JSON.parse(cliOmit.stdout)), [{ key: 'omit', value: ['optional'], from: 'omit (command line)' }])
})

t.test('NODE_ENV=production omits dev as npm does, and says so', async (t) => {
  const { s, env, args } = await scenario(t)
  const r = await runCli([s.projectDir, ...args], { cwd: s.dir, env: { ...env, NODE_ENV: 'production' } })
  t.equal(r.status, 0, r.stderr)
  t.same(settings(JSON.parse(r.stdout)), [{ key: 'omit', value: ['dev'], from: 'NODE_ENV=production (environment)' }])
})

t.test('omit=banana in .npmrc is a configuration error naming the file (exit 2), as JSON under --json', async (t) => {
  const { s, env, args } = await scenario(t)
  appendFileSync(join(s.projectDir, '.npmrc'), '\nomit=banana\n')
  const r = await runCli([s.projectDir, ...args], { cwd: s.dir, env })
  t.equal(r.status, 2)
  const { error } = JSON.parse(r.stdout)
  t.equal(error.code, 'ENPMCONFIG')
  t.match(error.summary, /\.npmrc: omit="banana" is not a valid value/)
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')
})

t.test('verify-deps-policy in the project .npmrc is a usage error, also when npm exported it to the environment; from the environment alone it is used', async (t) => {
  const { s, env, args } = await scenario(t)
  appendFileSync(join(s.projectDir, '.npmrc'), '\nverify-deps-policy=./lenient.json\n')
  const r = await runCli([s.projectDir, ...args], { cwd: s.dir, env })
  t.equal(r.status, 2)
  t.match(JSON.parse(r.stdout).error, { code: 'EPROJECTNPMRC', summary: /\.npmrc: verify-deps-policy may not be set in the project \.npmrc/ })
  // What `npm run`, `npx` and a preinstall hook do: every project setting is exported as npm_config_*.
  const underNpm = await runCli([s.projectDir, ...args], { cwd: s.dir, env: { ...env, npm_config_verify_deps_policy: join(s.projectDir, 'lenient.json') } })
  t.equal(underNpm.status, 2)
  t.match(JSON.parse(underNpm.stdout).error, { code: 'EPROJECTNPMRC' })

  const clean = await scenario(t)
  const missing = join(clean.s.dir, 'team-policy.yaml')
  const fromEnv = await runCli([clean.s.projectDir, ...clean.args], { cwd: clean.s.dir, env: { ...clean.env, npm_config_verify_deps_policy: missing } })
  t.equal(fromEnv.status, 2, 'the named policy is used: a missing one is an error')
  t.match(JSON.parse(fromEnv.stdout).error.summary, /team-policy\.yaml/)
})
