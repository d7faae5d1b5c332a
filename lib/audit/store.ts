/**
 * The audit's store (docs/audit.md "Store"): one schema and the same SQL on PGlite and on a
 * PostgreSQL server (db.ts). Every write is an idempotent upsert (INSERT … ON CONFLICT … DO UPDATE)
 * keyed by (name, version) or name: a batch written twice — a worker killed after writing and
 * before acknowledging its job, a run resumed — leaves one row per version, never two.
 *
 * Tables (prefixed `audit_`: a PostgreSQL database shared with other tools, pg-boss among them):
 * - audit_versions: one AuditRecord per version, with the trust-material digest and tool version it
 *   was verified with and when (verified_at): a version stored verified with the same digest and
 *   tool version is not fetched again (published versions are immutable); FETCH_FAILED rows are.
 * - audit_packages: each package's `dist-tags.latest` (and weekly downloads, when known).
 * - audit_state: key → value: the schema version, the `_changes` sequence followed so far.
 */
import type { AuditRecord, AuditStatus } from '../model/audit.js'
import type { AuditPackage, AuditPackageGroup } from '../model/audit-metrics.js'
import { VerifyDepsError } from '../errors.js'
import type { AuditDb } from './db.js'

/** Bumped when the tables change shape; a store of another version is refused (EAUDITDB), never misread. */
export const AUDIT_STORE_SCHEMA_VERSION = '1'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_state (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS audit_packages (name text PRIMARY KEY, latest text, downloads bigint);
CREATE TABLE IF NOT EXISTS audit_versions (
  name text NOT NULL,
  version text NOT NULL,
  published_at text,
  signed_at text,
  signature text NOT NULL,
  provenance text NOT NULL,
  predicate_type text,
  publish_attestation text NOT NULL,
  trusted_publisher boolean NOT NULL,
  approver boolean NOT NULL,
  issuer text,
  repository text,
  repository_id text,
  workflow text,
  ref text,
  ref_kind text,
  trigger text,
  runner text,
  visibility text,
  repository_matches_package_json boolean,
  findings text NOT NULL,
  fetch_failed boolean NOT NULL,
  trust_digest text NOT NULL,
  tool_version text NOT NULL,
  verified_at text NOT NULL,
  PRIMARY KEY (name, version)
);
`

/** The record's columns, in the order the upsert binds them. */
const RECORD_COLUMNS = [
  'name', 'version', 'published_at', 'signed_at', 'signature', 'provenance', 'predicate_type', 'publish_attestation',
  'trusted_publisher', 'approver', 'issuer', 'repository', 'repository_id', 'workflow', 'ref', 'ref_kind', 'trigger',
  'runner', 'visibility', 'repository_matches_package_json', 'findings', 'fetch_failed', 'trust_digest', 'tool_version', 'verified_at',
] as const

/** Rows per INSERT: well under PostgreSQL's 65,535 bind parameters. */
const ROWS_PER_STATEMENT = 500

/** What a stored version was verified with: enough to decide whether to fetch it again. */
export interface StoredVersion {
  fetchFailed: boolean
  trustDigest: string
  toolVersion: string
}

/** How a version was verified: the trust material's digest, the tool version, and when. */
export interface VerifiedWith {
  trustDigest: string
  toolVersion: string
  verifiedAt: string
}

export class AuditStore {
  constructor(readonly db: AuditDb) {}

  /** Creates the tables when missing and checks the schema version (EAUDITDB for another). */
  async migrate(): Promise<void> {
    await this.db.exec(SCHEMA)
    await this.db.query(`INSERT INTO audit_state (key, value) VALUES ('schemaVersion', $1) ON CONFLICT (key) DO NOTHING`, [AUDIT_STORE_SCHEMA_VERSION])
    const version = await this.state('schemaVersion')
    if (version !== AUDIT_STORE_SCHEMA_VERSION) {
      throw new VerifyDepsError('EAUDITDB', `${this.db.where}: the audit store has schema version ${JSON.stringify(version)}; this verify-deps writes version ${AUDIT_STORE_SCHEMA_VERSION}`, 'Use another --db folder or database for this version.')
    }
  }

  async state(key: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ value: string }>('SELECT value FROM audit_state WHERE key = $1', [key])
    return rows[0]?.value
  }

  async setState(key: string, value: string): Promise<void> {
    await this.db.query('INSERT INTO audit_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', [key, value])
  }

  /** Upserts each package's `dist-tags.latest` (a package whose packument was not read keeps what it had). */
  async upsertPackages(packages: readonly AuditPackage[]): Promise<void> {
    for (let i = 0; i < packages.length; i += ROWS_PER_STATEMENT) {
      const chunk = packages.slice(i, i + ROWS_PER_STATEMENT)
      const values = chunk.map((_, j) => `($${j * 2 + 1}, $${j * 2 + 2})`).join(', ')
      await this.db.query(
        `INSERT INTO audit_packages (name, latest) VALUES ${values} ON CONFLICT (name) DO UPDATE SET latest = COALESCE(EXCLUDED.latest, audit_packages.latest)`,
        chunk.flatMap((p) => [p.name, p.latest ?? null]),
      )
    }
  }

  /** Upserts records: one row per (name, version), however often the same batch is written. */
  async upsertVersions(records: readonly AuditRecord[], how: VerifiedWith): Promise<void> {
    const width = RECORD_COLUMNS.length
    const updates = RECORD_COLUMNS.filter((c) => c !== 'name' && c !== 'version').map((c) => `${c} = EXCLUDED.${c}`).join(', ')
    for (let i = 0; i < records.length; i += ROWS_PER_STATEMENT) {
      const chunk = records.slice(i, i + ROWS_PER_STATEMENT)
      const values = chunk.map((_, j) => `(${RECORD_COLUMNS.map((__, k) => `$${j * width + k + 1}`).join(', ')})`).join(', ')
      await this.db.query(`INSERT INTO audit_versions (${RECORD_COLUMNS.join(', ')}) VALUES ${values} ON CONFLICT (name, version) DO UPDATE SET ${updates}`, chunk.flatMap((r) => recordRow(r, how)))
    }
  }

  /** The stored versions of `names`, by name then version: what they were verified with. */
  async storedVersions(names: readonly string[]): Promise<Map<string, Map<string, StoredVersion>>> {
    const stored = new Map<string, Map<string, StoredVersion>>()
    if (names.length === 0) return stored
    const { rows } = await this.db.query<{ name: string; version: string; fetch_failed: boolean; trust_digest: string; tool_version: string }>(
      'SELECT name, version, fetch_failed, trust_digest, tool_version FROM audit_versions WHERE name = ANY($1::text[])',
      [[...names]],
    )
    for (const row of rows) {
      let versions = stored.get(row.name)
      if (!versions) stored.set(row.name, (versions = new Map()))
      versions.set(row.version, { fetchFailed: row.fetch_failed, trustDigest: row.trust_digest, toolVersion: row.tool_version })
    }
    return stored
  }

  /** Every stored record, by name then version (the metrics and the export read them all). */
  async records(): Promise<AuditRecord[]> {
    const { rows } = await this.db.query<VersionRow>(`SELECT ${RECORD_COLUMNS.join(', ')} FROM audit_versions ORDER BY name, version`)
    return rows.map(recordOf)
  }

  /**
   * Every stored record, by name then version, a page at a time (keyset pagination): the export of a
   * registry-sized store never holds it whole.
   */
  recordPages(pageSize = 10_000): AsyncGenerator<AuditRecord[]> {
    return this.versionPages(pageSize)
  }

  /** The records `filter` (SQL over `v`, audit_versions) admits, by name then version, a page at a time (keyset pagination). */
  private async *versionPages(pageSize: number, filter = 'TRUE'): AsyncGenerator<AuditRecord[]> {
    const columns = RECORD_COLUMNS.map((c) => `v.${c}`).join(', ')
    let after: [string, string] | undefined
    for (;;) {
      const { rows } = after
        ? await this.db.query<VersionRow>(`SELECT ${columns} FROM audit_versions v WHERE ${filter} AND (v.name, v.version) > ($1, $2) ORDER BY v.name, v.version LIMIT $3`, [...after, pageSize])
        : await this.db.query<VersionRow>(`SELECT ${columns} FROM audit_versions v WHERE ${filter} ORDER BY v.name, v.version LIMIT $1`, [pageSize])
      if (rows.length > 0) yield rows.map(recordOf)
      if (rows.length < pageSize) return
      const last = rows.at(-1)!
      after = [last.name as string, last.version as string]
    }
  }

  /**
   * Every package with all its records, a page of packages at a time, by name (byte order): first
   * the packages of the population, then the names that have records but no package row. What
   * `audit report` reads to compute the metrics of a registry-sized store without holding it.
   */
  async *packageGroups(pageSize = 1000): AsyncGenerator<AuditPackageGroup> {
    const columns = RECORD_COLUMNS.join(', ')
    let after: string | undefined
    for (;;) {
      const { rows: packages } = after === undefined
        ? await this.db.query<{ name: string; latest: string | null }>('SELECT name, latest FROM audit_packages ORDER BY name COLLATE "C" LIMIT $1', [pageSize])
        : await this.db.query<{ name: string; latest: string | null }>('SELECT name, latest FROM audit_packages WHERE name > $1 COLLATE "C" ORDER BY name COLLATE "C" LIMIT $2', [after, pageSize])
      if (packages.length === 0) break
      const { rows } = await this.db.query<VersionRow>(`SELECT ${columns} FROM audit_versions WHERE name = ANY($1::text[])`, [packages.map((p) => p.name)])
      const byName = new Map<string, AuditRecord[]>()
      for (const row of rows) {
        const r = recordOf(row)
        const list = byName.get(r.name)
        if (list) list.push(r)
        else byName.set(r.name, [r])
      }
      for (const p of packages) yield { name: p.name, pkg: { name: p.name, ...(p.latest !== null && { latest: p.latest }) }, records: byName.get(p.name) ?? [] }
      if (packages.length < pageSize) break
      after = packages.at(-1)!.name
    }
    // Records of names without a package row (none when every run wrote its packages; kept, never dropped), grouped by name.
    let group: { name: string; records: AuditRecord[] } | undefined
    for await (const page of this.versionPages(pageSize * 10, 'NOT EXISTS (SELECT 1 FROM audit_packages p WHERE p.name = v.name)')) {
      for (const r of page) {
        if (group && group.name !== r.name) {
          yield group
          group = undefined
        }
        group ??= { name: r.name, records: [] }
        group.records.push(r)
      }
    }
    if (group) yield group
  }

  /** Every stored package with its latest version. */
  async packages(): Promise<AuditPackage[]> {
    const { rows } = await this.db.query<{ name: string; latest: string | null }>('SELECT name, latest FROM audit_packages ORDER BY name')
    return rows.map((r) => ({ name: r.name, ...(r.latest !== null && { latest: r.latest }) }))
  }

  /** Versions stored, and of them not fetched (FETCH_FAILED, retried on the next run). */
  async counts(): Promise<{ packages: number; versions: number; fetchFailed: number }> {
    const { rows } = await this.db.query<{ packages: unknown; versions: unknown; failed: unknown }>(
      'SELECT (SELECT count(*) FROM audit_packages) AS packages, (SELECT count(*) FROM audit_versions) AS versions, (SELECT count(*) FROM audit_versions WHERE fetch_failed) AS failed',
    )
    const row = rows[0]!
    return { packages: Number(row.packages), versions: Number(row.versions), fetchFailed: Number(row.failed) }
  }

  close(): Promise<void> {
    return this.db.close()
  }
}

type VersionRow = Record<(typeof RECORD_COLUMNS)[number], string | boolean | null>

function recordRow(r: AuditRecord, how: VerifiedWith): unknown[] {
  return [
    r.name, r.version, r.publishedAt ?? null, r.signedAt ?? null, r.signature, r.provenance, r.predicateType ?? null, r.publishAttestation,
    r.trustedPublisher, r.approver, r.issuer ?? null, r.repository ?? null, r.repositoryId ?? null, r.workflow ?? null, r.ref ?? null, r.refKind ?? null,
    r.trigger ?? null, r.runner ?? null, r.visibility ?? null, r.repositoryMatchesPackageJson ?? null, JSON.stringify(r.findings), r.fetchFailed,
    how.trustDigest, how.toolVersion, how.verifiedAt,
  ]
}

/** A stored row as the record it was written from (absent fields stay absent). */
function recordOf(row: VersionRow): AuditRecord {
  const text = (column: (typeof RECORD_COLUMNS)[number]): string | undefined => (typeof row[column] === 'string' ? (row[column] as string) : undefined)
  const optional = <K extends string>(key: K, value: string | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, string>))
  const matches = row.repository_matches_package_json
  return {
    name: text('name')!,
    version: text('version')!,
    ...optional('publishedAt', text('published_at')),
    ...optional('signedAt', text('signed_at')),
    signature: text('signature') as AuditStatus,
    provenance: text('provenance') as AuditStatus,
    ...optional('predicateType', text('predicate_type')),
    publishAttestation: text('publish_attestation') as AuditStatus,
    trustedPublisher: row.trusted_publisher === true,
    approver: row.approver === true,
    ...optional('issuer', text('issuer')),
    ...optional('repository', text('repository')),
    ...optional('repositoryId', text('repository_id')),
    ...optional('workflow', text('workflow')),
    ...optional('ref', text('ref')),
    ...optional('refKind', text('ref_kind')),
    ...optional('trigger', text('trigger')),
    ...optional('runner', text('runner')),
    ...optional('visibility', text('visibility')),
    ...(typeof matches === 'boolean' && { repositoryMatchesPackageJson: matches }),
    findings: JSON.parse(text('findings') ?? '[]') as string[],
    fetchFailed: row.fetch_failed === true,
  }
}

/** Opens the store the options name (`--database URL`, else `--db DIR`) and brings its schema up to date. */
export async function openAuditStore(options: { database?: string; dir: string }): Promise<AuditStore> {
  const { openPglite, openPostgres } = await import('./db.js')
  const db = options.database !== undefined ? await openPostgres(options.database) : await openPglite(options.dir)
  const store = new AuditStore(db)
  try {
    await store.migrate()
  } catch (err) {
    await db.close().catch(() => {})
    throw err
  }
  return store
}
