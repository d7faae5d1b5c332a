/**
 * The audit's database connection (issue 13, docs/audit.md): one tiny interface over the two
 * PostgreSQL engines it runs on, so that the store (store.ts) has one schema and one SQL for both:
 * - embedded PostgreSQL in this process (PGlite, `@electric-sql/pglite`), persisted in `--db DIR`
 *   (default `.verify-deps-audit/`): no server to install;
 * - a real PostgreSQL server (`--database postgres://…`, node-postgres `pg`), shared by workers.
 *
 * Both drivers are optional peer dependencies: `npx verify-deps` never downloads them. They are
 * loaded here, by dynamic import(), only when the audit opens a store; a missing one is
 * EAUDITDEPENDENCY naming what to install.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { inputError, VerifyDepsError } from '../errors.js'
import { redact } from '../fetch/redact.js'

/** What the store needs of a database: parameterised queries ($1, $2, …), scripts, and closing. */
export interface AuditDb {
  query<R>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }>
  /** One or more statements without parameters (the schema). */
  exec(sql: string): Promise<void>
  close(): Promise<void>
  /** Where the data lives, for messages: the folder, or the server's URL without its password. */
  readonly where: string
}

/** The store's default folder (`--db`), relative to the working directory. */
export const DEFAULT_AUDIT_DB_DIR = '.verify-deps-audit'

/** Embedded PostgreSQL persisted in `dir` (created when missing). */
export async function openPglite(dir: string): Promise<AuditDb> {
  const { PGlite } = await optionalPeer<typeof import('@electric-sql/pglite')>('@electric-sql/pglite', () => import('@electric-sql/pglite'))
  try {
    mkdirSync(dir, { recursive: true })
  } catch (err) {
    throw inputError('EAUDITDB', `${dir}: the audit store folder cannot be created: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  // PGlite is one process's database: a second process on the same folder would corrupt it.
  const unlock = lockFolder(dir)
  let db: InstanceType<typeof PGlite>
  try {
    db = await PGlite.create(dir)
  } catch (err) {
    unlock()
    throw inputError('EAUDITDB', `${dir}: the audit store cannot be opened: ${(err as Error).message}`)
  }
  return {
    where: dir,
    query: async <R>(sql: string, params: readonly unknown[] = []) => ({ rows: (await db.query<R>(sql, [...params])).rows }),
    exec: async (sql) => void (await db.exec(sql)),
    close: async () => {
      try {
        await db.close()
      } finally {
        unlock()
      }
    },
  }
}

/** The lock file of a PGlite folder: it holds the process id of the process using it. */
export const AUDIT_DB_LOCK = 'verify-deps-audit.lock'

/**
 * Takes `dir`'s lock (created exclusively, holding our pid), or EAUDITDB naming the process that
 * holds it. A lock left by a process that no longer runs (killed) is taken over.
 */
export function lockFolder(dir: string): () => void {
  const path = join(dir, AUDIT_DB_LOCK)
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => rmSync(path, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw inputError('EAUDITDB', `${dir}: the audit store cannot be locked: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
      }
    }
    const holder = Number(readFileSync(path, 'utf8').trim())
    if (Number.isInteger(holder) && holder > 0 && processRuns(holder)) {
      throw inputError('EAUDITDB', `${dir}: the audit store is in use by process ${holder}`, 'PGlite lets one process use a folder at a time: wait for it, or use --database postgres://… for several processes.')
    }
    // Stale: its process is gone.
    rmSync(path, { force: true })
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A PostgreSQL server: a small pool of connections (node-postgres). The URL's password is never printed. */
export async function openPostgres(url: string): Promise<AuditDb> {
  const pg = await optionalPeer<typeof import('pg')>('pg', () => import('pg'))
  const where = redactDatabase(url, url)
  const Pool = pg.Pool ?? (pg as unknown as { default: typeof pg }).default.Pool
  const pool = new Pool({ connectionString: url, max: 4 })
  // An idle connection that the server drops must not crash the process: the next query reconnects.
  pool.on('error', () => {})
  try {
    await pool.query('SELECT 1')
  } catch (err) {
    await pool.end().catch(() => {})
    throw new VerifyDepsError('EAUDITDATABASE', `${where}: cannot connect to the audit database: ${redactDatabase((err as Error).message, url)}`)
  }
  return {
    where,
    query: async <R>(sql: string, params: readonly unknown[] = []) => ({ rows: (await pool.query(sql, [...params])).rows as R[] }),
    exec: async (sql) => void (await pool.query(sql)),
    close: () => pool.end(),
  }
}

/** `text` without the URL's credentials (userinfo, and the password wherever else it appears): fetch/redact.ts's patterns and the password itself. */
export function redactDatabase(text: string, url: string): string {
  let password = ''
  try {
    password = decodeURIComponent(new URL(url).password)
  } catch {
    // Not a URL: only the patterns.
  }
  return redact(text, password ? [password] : [])
}

/**
 * An optional peer dependency, or EAUDITDEPENDENCY naming what to install (`install`: the package
 * with its version range, when only some versions will do). A module missing inside it (a broken
 * install) is not reported as the package missing: that error is thrown as it is.
 */
export async function optionalPeer<M>(name: string, load: () => Promise<unknown>, install = name): Promise<M> {
  try {
    return (await load()) as M
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if ((e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && e.message.includes(`'${name}'`)) {
      throw inputError('EAUDITDEPENDENCY', `verify-deps audit needs ${name}, which is not installed`, `npm install ${install} (an optional peer dependency: the check never needs it)`)
    }
    throw err
  }
}
