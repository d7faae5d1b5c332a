/**
 * The audit's population (docs/audit.md): the packages to audit, from a file of names
 * (`--packages FILE`), a project tree (`--lockfile DIR`, every registry package of it, read as the
 * check reads it), or the registry's CouchDB-style replication feed (`--changes`, followed from the
 * sequence stored by the last run).
 */
import { join } from 'node:path'
import { inputError, VerifyDepsError } from '../errors.js'
import { requestContext } from '../fetch/evidence.js'
import type { NpmConfig } from '../fetch/npm-config.js'
import { normalizeRegistry } from '../fetch/registry-keys/by-registry.js'
import { FileReadError, readRegularFile } from '../tree/files.js'
import { parsePackageSpec } from './packument.js'

/** A population file is a list of names: 64 MiB is millions of lines. */
export const MAX_PACKAGES_FILE_BYTES = 64 * 1024 * 1024

/** `name` or `name@version` per line; blank lines and `#` comments are ignored; a bad line is EAUDITPOPULATION naming file:line. */
export function readPackagesFile(path: string, shown = path): string[] {
  let text: string
  try {
    text = readRegularFile(path, MAX_PACKAGES_FILE_BYTES).toString('utf8')
  } catch (err) {
    throw inputError('EAUDITPOPULATION', `${shown}: cannot be read: ${err instanceof FileReadError ? err.reason : String(err)}`)
  }
  const specs: string[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim()
    if (line === '') return
    if (!parsePackageSpec(line)) throw inputError('EAUDITPOPULATION', `${shown}:${i + 1}: ${JSON.stringify(line.slice(0, 200))} is not a package name or name@version`)
    specs.push(line)
  })
  return specs
}

/** Every registry package (name@version) of the project tree at `config.projectDir` (npm config read from it), as the check reads it: its lockfile. */
export async function readProjectPackages(config: NpmConfig): Promise<string[]> {
  const { loadPackages } = await import('../tree/index.js')
  const tree = await loadPackages({
    projectDir: config.projectDir,
    mode: 'lockfile',
    registryFor: (name) => config.registryFor(name),
    resolvedRewrite: { registry: config.registry, replaceRegistryHost: String(config.get('replace-registry-host') ?? 'npmjs') },
    arboristOptions: { registry: config.registry, cache: join(config.cacheDir, '_cacache') },
  })
  return [...new Set(tree.packages.filter((p) => p.source === 'registry').map((p) => `${p.name}@${p.version}`))]
}

/** The replication feed of a registry: npm's is replicate.npmjs.com; any other registry serves its own (`<registry>/_changes`). */
export function defaultFeed(registry: string): string {
  return new URL(registry).hostname === 'registry.npmjs.org' ? 'https://replicate.npmjs.com/' : normalizeRegistry(registry)
}

/** One page of the changes feed. */
export interface ChangesPage {
  /** Package names changed, in feed order, each once. */
  names: string[]
  /** The sequence to ask from next (CouchDB `last_seq`), as the feed wrote it. */
  lastSeq: string
  /** Changes on the page (design documents and repeats included): none means the feed is followed to its end. */
  changes: number
}

/** The stored-sequence key of a feed in the store's state table. */
export const changesStateKey = (feed: string): string => `changes:${normalizeRegistry(feed)}`

/**
 * `GET <feed>/_changes?since=SEQ&limit=N`: the names changed after `since`. Sent with credentials only
 * when the feed is the configured registry itself. A feed that cannot be read, or answers something
 * that is not a changes document, is EAUDITFEED (the run resumes from the stored sequence).
 */
export async function fetchChangesPage(feed: string, since: string, limit: number, config: NpmConfig, options: { timeoutMs?: number; retries?: number } = {}): Promise<ChangesPage> {
  const base = normalizeRegistry(feed)
  const url = `${base}_changes?since=${encodeURIComponent(since)}&limit=${limit}`
  const anonymous = base !== normalizeRegistry(config.registry)
  const response = await requestContext({ config, ...options }).request(url, base, { anonymous })
  const shown = config.redact(url)
  if (!response.ok) throw new VerifyDepsError('EAUDITFEED', `${response.reason}`)
  const doc = response.document as { results?: unknown; last_seq?: unknown } | null
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.results)) throw new VerifyDepsError('EAUDITFEED', `GET ${shown}: not a changes document (no results array)`)
  const lastSeq = doc.last_seq
  if (typeof lastSeq !== 'string' && typeof lastSeq !== 'number') throw new VerifyDepsError('EAUDITFEED', `GET ${shown}: not a changes document (no last_seq)`)
  const names: string[] = []
  const seen = new Set<string>()
  for (const change of doc.results as unknown[]) {
    const id = (change as { id?: unknown } | null)?.id
    // Design documents and anything that is not a package name are not packages.
    if (typeof id !== 'string' || id.startsWith('_design/') || !parsePackageSpec(id) || id.includes('@', 1) || seen.has(id)) continue
    seen.add(id)
    names.push(id)
  }
  return { names, lastSeq: String(lastSeq), changes: doc.results.length }
}
