/**
 * Real PostgreSQL for tests. `postgresServer()` gives a server URL (a superuser connection):
 *   - VERIFY_DEPS_TEST_DATABASE_URL when set (CI: .ci/run starts one cluster for every pass);
 *   - else a throwaway cluster this process starts itself, when Debian's binaries are there
 *     (/usr/lib/postgresql/<major>/bin, or VERIFY_DEPS_POSTGRES_BIN): initdb into a temp folder,
 *     listening on 127.0.0.1 at a free port, stopped and removed when the process exits (or is
 *     stopped by SIGINT or SIGTERM). initdb and postgres refuse to run as root: as root they run
 *     as the `postgres` OS user (runuser);
 *   - else `{ missing }` with the reason: the test skips, unless VERIFY_DEPS_REQUIRE_POSTGRES=1 (CI),
 *     where that is a failure.
 * `freshDatabase(t, server)` creates a database with a unique name for one test (tests run in
 * parallel, each in its own database) and drops it at the test's teardown.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

export interface PostgresTest {
  teardown(fn: () => unknown): void
}

/** Whether a missing PostgreSQL must fail the test run instead of skipping (CI). */
export function postgresRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.VERIFY_DEPS_REQUIRE_POSTGRES === '1'
}

/** The folder of initdb, pg_ctl and postgres: VERIFY_DEPS_POSTGRES_BIN, else the newest Debian major. */
export function findPostgresBin(env: NodeJS.ProcessEnv = process.env): { bin: string } | { missing: string } {
  if (env.VERIFY_DEPS_POSTGRES_BIN) {
    const bin = env.VERIFY_DEPS_POSTGRES_BIN
    return existsSync(join(bin, 'initdb')) ? { bin } : { missing: `no initdb in VERIFY_DEPS_POSTGRES_BIN=${bin}` }
  }
  const root = '/usr/lib/postgresql'
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : []
  for (const major of majors) {
    const bin = join(root, major, 'bin')
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return { bin }
  }
  return { missing: 'no VERIFY_DEPS_TEST_DATABASE_URL and no PostgreSQL binaries in /usr/lib/postgresql/*/bin (install the Debian package postgresql, or set VERIFY_DEPS_TEST_DATABASE_URL)' }
}

let server: Promise<{ url: string } | { missing: string }> | undefined

/** The server for this process (started once, on first use). */
export function postgresServer(env: NodeJS.ProcessEnv = process.env): Promise<{ url: string } | { missing: string }> {
  server ??= (async () => {
    if (env.VERIFY_DEPS_TEST_DATABASE_URL) return { url: env.VERIFY_DEPS_TEST_DATABASE_URL }
    const found = findPostgresBin(env)
    if ('missing' in found) return found
    return { url: await startCluster(found.bin) }
  })()
  return server
}

/** `[command, args]` running a PostgreSQL binary, as the `postgres` OS user when we are root. */
function asPostgres(file: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args]
}

function runAs(file: string, args: string[]): void {
  const result = spawnSync(...asPostgres(file, args), { encoding: 'utf8', timeout: 60_000 })
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr || result.error?.message}`)
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

/** initdb + pg_ctl start in a temp folder; stopped (immediate) and removed when this process exits. */
async function startCluster(bin: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'verify-deps-postgres-'))
  const data = join(dir, 'data')
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:', dir])
  chmodSync(dir, 0o700)
  const port = await freePort()
  const stop = () => {
    spawnSync(...asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']), { stdio: 'ignore', timeout: 30_000 })
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', stop)
  // A test run stopped by a signal (Ctrl-C, tap's timeout) stops the cluster too, then ends as the signal would.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) process.once(signal, () => process.exit(code))
  try {
    runAs(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--locale=C'])
    // fsync off: a test cluster that dies loses nothing anyone needs; it makes every write cheap.
    const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`
    runAs(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '30', 'start'])
  } catch (err) {
    stop()
    process.off('exit', stop)
    throw err
  }
  return `postgres://postgres@127.0.0.1:${port}/postgres`
}

let counter = 0

/** A new, empty database for one test on `serverUrl`; dropped at the test's teardown. Returns its URL. */
export async function freshDatabase(t: PostgresTest, serverUrl: string): Promise<string> {
  const name = `verify_deps_test_${process.pid}_${Date.now().toString(36)}_${counter++}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  t.teardown(async () => {
    const c = new pg.Client({ connectionString: serverUrl })
    await c.connect()
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    } finally {
      await c.end()
    }
  })
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** One statement on `url`, on a connection of its own. */
export async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await client.query(text, params)
  } finally {
    await client.end()
  }
}

/** Resolves once `condition` holds (checked every 200 ms); rejects after `timeoutMs`. */
export async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
