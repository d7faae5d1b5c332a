// `--at <ISO time>` through the real CLI: the whole check decided as of that moment (exception
// expiry here; release age in test/policy/continuity.test.ts), named in the report; anything but a
// strict ISO 8601 time with a timezone is a usage error naming the flag.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createScenario } from '../helpers/scenario/index.js'
import { cleanEnv, pinnedTrust, runCli } from './run.js'
import { parseAtOption } from '../../lib/cli/check-command.js'

const POLICY = `version: 1
default:
  mode: enforce
  require: { provenance: true }
exceptions:
  - package: old@1.0.0
    allow: [PROVENANCE_MISSING]
    reason: published before provenance
    expires: 2026-06-01
`

t.test('--at decides as of that moment and the report says so', async (t) => {
  const s = await createScenario(t, { packages: [{ name: 'old', version: '1.0.0', provenance: 'missing' }] })
  writeFileSync(join(s.projectDir, 'verify-deps.policy.yaml'), POLICY)
  const env = cleanEnv(join(s.dir, 'home'))
  const check = (at: string, ...more: string[]) => runCli([s.projectDir, ...pinnedTrust(s), '--no-cache', '--at', at, ...more], { cwd: s.dir, env })

  const before = await check('2026-05-31T23:59:59Z', '--json')
  t.equal(before.status, 0, before.stderr)
  const report = JSON.parse(before.stdout)
  t.match(report.packages[0], { name: 'old', decision: 'pass', findings: [{ code: 'PROVENANCE_MISSING', severity: 'info' }] }, 'the exception still applied then')
  t.same(report.project.settings.find((x: { key: string }) => x.key === 'at'), { key: 'at', value: '2026-05-31T23:59:59Z', from: '--at' })

  // With an offset: 2026-06-01T01:00:00+02:00 is 2026-05-31T23:00:00Z, still before the expiry.
  t.equal((await check('2026-06-01T01:00:00+02:00')).status, 0)
  const after = await check('2026-06-01T00:00:00.000Z')
  t.equal(after.status, 1, 'from 00:00 UTC on its expiry date it no longer waives')
  t.match(after.stdout, /EXCEPTION_EXPIRED/)
  t.match(after.stdout, 'setting: at=2026-06-01T00:00:00.000Z (from --at) — decided as of that time, not now')

  // explain decides as the check does.
  const explained = await runCli(['explain', 'old', s.projectDir, ...pinnedTrust(s), '--no-cache', '--at', '2026-05-01T00:00:00Z'], { cwd: s.dir, env })
  t.equal(explained.status, 0, explained.stderr)
  t.match(explained.stdout, /exceptions\[0\] \(old@1\.0\.0\): waived PROVENANCE_MISSING/)
})

t.test('--at takes only a strict ISO 8601 time with a timezone: anything else is a usage error (exit 2)', async (t) => {
  const dir = t.testdir({ 'package.json': '{"name":"x","version":"1.0.0"}' })
  const env = cleanEnv(join(dir, 'home'))
  for (const bad of ['2026-05-16', '2026-05-16T12:00:00', '2026-05-16 12:00:00Z', 'yesterday', '2026-02-30T12:00:00Z', '2026-05-16T24:00:00Z', '2026-05-16T12:60:00Z', '2026-13-01T00:00:00Z', '2026-05-16T12:00:00+25:00', '1715860800', '']) {
    const r = await runCli([dir, '--at', bad], { cwd: dir, env })
    t.equal(r.status, 2, bad)
    t.match(r.stderr, `--at must be an ISO 8601 time with a timezone, like 2026-05-16T12:00:00Z (got "${bad}")`, bad)
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')
  }
  // A time to come reproduces nothing: it would only age every release past minimumReleaseAge.
  const future = new Date(Date.now() + 24 * 3_600_000).toISOString()
  const ahead = await runCli([dir, '--at', future], { cwd: dir, env })
  t.equal(ahead.status, 2, 'a future --at is a usage error')
  t.match(ahead.stderr, `--at ${future} is in the future`)
  t.notMatch(ahead.stderr, /\n\s+at /, 'no stack trace')
  const help = await runCli(['check', '--help'], { cwd: dir, env })
  t.match(help.stdout, /--at TIME +decide as of that moment/)
})

t.test('parseAtOption: up to 5 minutes ahead of the clock (skew between machines), no further', async (t) => {
  const now = new Date('2026-05-16T12:00:00Z')
  t.same(parseAtOption('2026-05-16T12:05:00Z', now), new Date('2026-05-16T12:05:00Z'))
  t.same(parseAtOption('2020-01-01T00:00:00+02:00', now), new Date('2019-12-31T22:00:00Z'))
  t.throws(() => parseAtOption('2026-05-16T12:05:01Z', now), { code: 'EUSAGE', message: /--at 2026-05-16T12:05:01Z is in the future \(now 2026-05-16T12:00:00\.000Z\)/ })
})
