/**
 * `verify-deps audit --lockfile DIR`: every registry package of a project tree, read as the check
 * reads it, each locked version verified with the check's engine: the same verdicts as the check.
 */
import t from 'tap'
import { join } from 'node:path'
import { createScenario } from '../helpers/scenario/index.js'
import { MIXED_TREE, cleanEnv, pinnedTrust, runCli } from '../cli/run.js'

t.test('audit --lockfile: the locked versions, with the check\'s verdicts', async (t) => {
  const s = await createScenario(t, { packages: MIXED_TREE })
  const env = cleanEnv(join(s.dir, 'home'))
  const db = ['--db', join(s.dir, 'db')]
  const r = await runCli(['audit', '--lockfile', s.projectDir, ...db, ...pinnedTrust(s), '--registry', s.registry.url], { cwd: s.dir, env })
  t.equal(r.status, 0, r.stderr)
  const check = JSON.parse((await runCli([s.projectDir, ...pinnedTrust(s), '--json', '--no-cache'], { cwd: s.dir, env })).stdout)
  const locked = (check.packages as Array<{ name: string; version: string }>).map((p) => `${p.name}@${p.version}`).sort()
  t.match(r.stdout, new RegExp(`audited ${locked.length} versions of ${locked.length} packages`))
  const records = (await runCli(['audit', 'export', '--format', 'jsonl', ...db], { cwd: s.dir, env })).stdout.trim().split('\n').map((l) => JSON.parse(l))
  t.same(records.map((x) => `${x.name}@${x.version}`), locked, 'the packages the check reads, each locked version')
  for (const x of records) {
    const expected = { 'bad-sig': 'invalid' }[x.name as string] ?? 'verified'
    t.equal(x.signature, expected, `${x.name}: signature ${expected}`)
    t.equal(x.provenance, x.name === 'no-prov' ? 'missing' : 'verified')
  }
  t.same(records.find((x) => x.name === 'bad-sig').findings, ['SIGNATURE_INVALID'], 'the check\'s finding codes')
})
