// Serves one generated world (bench/world.ts) on the loopback registry until Ctrl-C, and prints the
// verify-deps command line and environment the bench would use — for profiling by hand, e.g.
//   npm run -s bench:serve -- --tree 1000 > /tmp/world.sh &  # -s: npm's own lines would be sourced too
//   (--history N: N - 1 earlier versions per package, as bench:vs-npm --history)
//   . /tmp/world.sh; node --cpu-prof "${VD_ARGS[@]}"
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { cleanEnv } from '../test/cli/run.js'
import { createWorld } from './world.js'

const BIN = fileURLToPath(new URL('../bin/verify-deps.js', import.meta.url))
const { values } = parseArgs({ options: { tree: { type: 'string', default: '1000' }, history: { type: 'string', default: '1' } }, strict: true })
const teardowns: (() => unknown)[] = []
const owner = { teardown: (fn: () => unknown) => void teardowns.push(fn) }
const stop = async () => {
  for (const fn of teardowns.splice(0).reverse()) await fn()
  process.exit(0)
}
process.once('SIGINT', () => void stop()).once('SIGTERM', () => void stop())

const total = Number(values.tree)
const world = await createWorld(owner, total, total <= 2000 ? 'npm' : 'direct', Number(values.history))
const s = world.scenario
const home = join(s.dir, 'bench-home')
mkdirSync(home, { recursive: true })
const env = cleanEnv(home, { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_color: 'false' })
const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`
const lines = ['unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY proxy']
for (const [k, v] of Object.entries(env)) if (v !== undefined && !/^(https?_proxy|no_proxy|proxy)$/i.test(k)) lines.push(`export ${k}=${q(v)}`)
lines.push(`cd ${q(s.projectDir)}`)
lines.push(`VD_CACHE=${q(join(s.dir, 'verify-deps-cache'))}`)
lines.push(`VD_ARGS=(${[BIN, s.projectDir, '--trusted-root', s.trustedRootFile, '--cache-dir', join(s.dir, 'verify-deps-cache'), '--json'].map(q).join(' ')})`)
process.stdout.write(lines.join('\n') + '\n')
process.stderr.write(`serving ${world.expected.length} packages at ${s.registry.url}; Ctrl-C to stop\n`)
