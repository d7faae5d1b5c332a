// The install gates' command line, through the CLI with the real npm on the loopback registry: a
// misspelled option or an npm argument that undoes the gate's flags is a usage error before npm
// runs, and npm settings from the environment or a project .npmrc cannot undo them either.
import t, { type Test } from 'tap'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createScenario } from '../helpers/scenario/index.js'
import { gateEnv } from './gate-env.js'
import { pinnedTrust, runCli } from './run.js'

async function scenario(t: Test) {
  const s = await createScenario(t, {
    packages: [
      { name: 'base', version: '1.0.0' },
      { name: 'good', version: '1.0.0' },
      { name: 'bad', version: '1.0.0', signature: 'invalid' },
    ],
    project: { dependencies: { base: '1.0.0' } },
  })
  const env = gateEnv(join(s.dir, 'home'))
  const trust = [...pinnedTrust(s), '--no-cache']
  const file = (name: string) => join(s.projectDir, name)
  const bytes = (name: string) => (existsSync(file(name)) ? readFileSync(file(name)) : null)
  const cli = (args: string[], extraEnv: Record<string, string> = {}) => runCli(args, { cwd: s.projectDir, env: { ...env, ...extraEnv } })
  return { s, trust, file, bytes, cli }
}

// Every refused argument and setting is a library test (test/gate/args.test.ts); here one of each
// kind through the CLI: a misspelling, an argument after "--", a ci refusal.
t.test('install and ci refuse a misspelled option and npm arguments that undo the gate\'s flags, before npm runs', async (t) => {
  const { s, trust, file, bytes, cli } = await scenario(t)
  const before = { pkg: bytes('package.json'), lock: bytes('package-lock.json') }
  s.registry.clearRequests()
  for (const [args, why] of [
    [['install', ...trust, '--polcy', 'p.yaml', 'good'], /unknown option "--polcy": not a verify-deps option, nor an npm install option verify-deps passes on \(did you mean --policy\?\)/],
    [['install', ...trust, 'good', '--', '--ignore-scripts=false'], /"--ignore-scripts=false" is not supported by verify-deps install: npm would run install scripts/],
    [['ci', ...trust, '--', '--dry-run'], /"--dry-run" is not supported by verify-deps ci/],
  ] as const) {
    const r = await cli([...args])
    t.equal(r.status, 2, `${args.slice(trust.length + 1).join(' ')}: exit 2 (${r.stderr})`)
    t.match(r.stderr, why, `${args.slice(trust.length + 1).join(' ')}: says why`)
  }
  t.same(s.registry.requests, [], 'npm never ran: no request reached the registry')
  t.same(bytes('package.json'), before.pkg)
  t.same(bytes('package-lock.json'), before.lock)
  t.notOk(existsSync(file('node_modules')))
})

t.test('install: save=false in a project .npmrc cannot make npm install what the check did not see', async (t) => {
  // A pull request adds a dependency to package.json but not to the lockfile, and sets save=false:
  // npm would then write no lockfile for the check to read, and install the new dependency after it.
  const { trust, file, cli } = await scenario(t)
  const pkg = JSON.parse(readFileSync(file('package.json'), 'utf8'))
  writeFileSync(file('package.json'), JSON.stringify({ ...pkg, dependencies: { ...pkg.dependencies, bad: '1.0.0' } }, null, 2) + '\n')
  writeFileSync(file('.npmrc'), readFileSync(file('.npmrc'), 'utf8') + 'save=false\n')
  const r = await cli(['install', ...trust, '--npm-install'])
  t.equal(r.status, 1, r.stderr)
  t.match(r.stdout, /SIGNATURE_INVALID/, 'the check saw the new dependency')
  t.notOk(existsSync(file('node_modules/bad')), 'and it was not installed')
})

t.test('install: dry-run in the environment cannot turn the install into a pass that installed nothing', async (t) => {
  const { trust, file, cli } = await scenario(t)
  const r = await cli(['install', ...trust, 'good'], { npm_config_dry_run: 'true' })
  t.equal(r.status, 0, r.stderr)
  t.match(r.stderr, /npm install --no-audit --no-fund good --package-lock-only --ignore-scripts --package-lock --save --no-dry-run --no-global --location=project\n/, 'the gate\'s flags come last')
  t.ok(existsSync(file('node_modules/good/package.json')), 'what passed was installed')
})
