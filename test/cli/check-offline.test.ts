// --offline and npm's offline config mean no network at all (issue 14, item 18), through the real
// bin on the loopback registry: evidence only from the verification cache.
import t from 'tap'
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { createScenario } from '../helpers/scenario/index.js'
import { cleanEnv, pinnedTrust, runCli } from './run.js'

const codesOf = (report: any, name: string): string[] => report.packages.find((p: any) => p.name === name).findings.map((f: any) => f.code)

t.test('--offline makes no request at all: without cached evidence every package could not be verified (exit 3)', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }, { name: 'b', version: '1.0.0' }] })
  const env = cleanEnv(join(s.dir, 'home'))
  const cache = ['--cache-dir', join(s.dir, 'cache')]
  const cold = await runCli([s.projectDir, '--offline', ...pinnedTrust(s), ...cache, '--json'], { cwd: s.dir, env })
  t.equal(cold.status, 3, cold.stderr)
  const report = JSON.parse(cold.stdout)
  for (const name of ['a', 'b']) t.same(codesOf(report, name), ['FETCH_FAILED'], name)
  t.match(report.packages[0].findings[0].message, /offline: no evidence for it in the verification cache/)
  t.same(s.registry.requests, [], 'not one request to the registry')

  // After an online run, the cache answers offline.
  t.equal((await runCli([s.projectDir, ...pinnedTrust(s), ...cache], { cwd: s.dir, env })).status, 0)
  s.registry.clearRequests()
  const warm = await runCli([s.projectDir, '--offline', ...pinnedTrust(s), ...cache], { cwd: s.dir, env })
  t.equal(warm.status, 0, warm.stdout + warm.stderr)
  t.same(s.registry.requests, [])

  // An unpinned registry offline: its keys cannot be had without a request.
  const unpinned = await runCli([s.projectDir, '--offline', '--trusted-root', s.trustedRootFile, ...cache, '--json'], { cwd: s.dir, env })
  t.equal(unpinned.status, 3)
  t.match(JSON.parse(unpinned.stdout).packages[0].findings[0].message, /offline: no keys for .* pin them with --registry-keys/)
  t.same(s.registry.requests, [])
})

t.test("npm's offline config (npm_config_offline, .npmrc offline=true) means no network too", async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'a', version: '1.0.0' }] })
  const env = cleanEnv(join(s.dir, 'home'))
  const fromEnv = await runCli([s.projectDir, ...pinnedTrust(s), '--no-cache', '--json'], { cwd: s.dir, env: { ...env, npm_config_offline: 'true' } })
  t.equal(fromEnv.status, 3, fromEnv.stderr)
  t.same(codesOf(JSON.parse(fromEnv.stdout), 'a'), ['FETCH_FAILED'])

  appendFileSync(join(s.projectDir, '.npmrc'), '\noffline=true\n')
  const fromNpmrc = await runCli([s.projectDir, ...pinnedTrust(s), '--no-cache', '--json'], { cwd: s.dir, env })
  t.equal(fromNpmrc.status, 3, fromNpmrc.stderr)
  t.same(s.registry.requests, [])
})
