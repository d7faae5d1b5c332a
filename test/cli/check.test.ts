// `npx verify-deps` end to end: the real bin against projects built by the scenario builder on the
// loopback registry, locked by the real npm.
import t from 'tap'
import { join } from 'node:path'
import { createScenario } from '../helpers/scenario/index.js'
import { MIXED_TREE, cleanEnv, pinnedTrust, runCli } from './run.js'

t.test('a mixed tree: pass, warn and fail, exit 1, JSON report with every package', async (t) => {
  const s = await createScenario(t, { packages: MIXED_TREE })
  const env = cleanEnv(join(s.dir, 'home'))
  const args = [s.projectDir, ...pinnedTrust(s), '--cache-dir', join(s.dir, 'cache')]
  const r = await runCli([...args, '--json'], { cwd: s.dir, env })
  t.equal(r.status, 1, r.stderr)
  const report = JSON.parse(r.stdout)
  t.same(report.summary, { total: 4, pass: 2, warn: 1, fail: 1, skipped: 0 })
  const by = Object.fromEntries(report.packages.map((p: any) => [p.name, p]))
  t.equal(by['app-lib'].decision, 'pass')
  t.equal(by['@acme/util'].decision, 'pass')
  t.equal(by['@acme/util'].evidence.provenance.identity.repository, 'acme/util')
  t.equal(by['no-prov'].decision, 'warn')
  t.same(by['no-prov'].findings.map((f: any) => f.code), ['PROVENANCE_MISSING'])
  t.equal(by['bad-sig'].decision, 'fail')
  t.same(by['bad-sig'].findings.map((f: any) => f.code), ['SIGNATURE_INVALID'])
  t.match(by['@acme/util'].locations[0].why, ['scenario-project', 'app-lib@1.0.0', '@acme/util@2.1.0'])
  t.equal(by['bad-sig'].rule, 'default')

  // The text report: a summary line, then the failure with its path and a fix.
  const text = await runCli(args, { cwd: s.dir, env })
  t.equal(text.status, 1)
  t.match(text.stdout, /4 packages: 2 pass, 1 warn, 1 fail/)
  t.match(text.stdout, /SIGNATURE_INVALID/)

  // A re-run on the unchanged lockfile makes no registry requests for cached packages.
  s.registry.clearRequests()
  const again = await runCli([...args, '--json'], { cwd: s.dir, env })
  t.equal(again.status, 1)
  t.same(JSON.parse(again.stdout).summary, report.summary)
  const packageRequests = s.registry.requests.filter((q) => q.path !== '/-/npm/v1/keys')
  t.same(packageRequests.map((q) => q.path), [], 'cached re-run: no package requests')
})
