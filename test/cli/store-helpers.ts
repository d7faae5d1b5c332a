// Helpers of the sealed store tests (check-store*.test.ts): a mixed world, and the pack on disk as an
// attacker who can write the cache folder sees it.
import { createHmac } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import { checkScenario, type CheckResult } from '../helpers/check.js'
import { createScenario, type Scenario } from '../helpers/scenario/index.js'
import { cleanEnv } from './run.js'
import { defaultKeyFile, PACK_FILE } from '../../lib/fetch/store/index.js'

export interface PackEntry {
  kind: string
  id: string
  storedAt: string
  data: string
  mac: string
}

export const MIXED = [
  { name: 'good', version: '1.0.0' },
  { name: 'bad-sig', version: '1.0.0', signature: 'invalid' as const },
  { name: 'bad-prov', version: '1.0.0', provenance: 'tampered' as const },
  { name: 'no-prov', version: '1.0.0', provenance: 'missing' as const },
  { name: 'scripted', version: '1.0.0', scripts: { postinstall: 'node x.js' } },
  { name: 'unknown-key', version: '1.0.0', signature: 'unknown-key' as const },
]

export function decisions(r: CheckResult): Record<string, string> {
  return Object.fromEntries((r.json.packages as Array<{ name: string; decision: string }>).map((p) => [p.name, p.decision]))
}

/** The package documents the run asked the registry for (not the keys). */
export function packageRequests(s: Scenario): string[] {
  return s.registry.requests.map((q) => q.path).filter((path) => path !== '/-/npm/v1/keys')
}

export function keyFileOf(s: Scenario): string {
  return defaultKeyFile(cleanEnv(join(s.dir, 'home')))!
}

export function readPack(cacheDir: string): PackEntry[] {
  return (JSON.parse(readFileSync(join(cacheDir, PACK_FILE), 'utf8')) as { entries: PackEntry[] }).entries
}

export function writePack(cacheDir: string, entries: PackEntry[]): void {
  writeFileSync(join(cacheDir, PACK_FILE), JSON.stringify({ format: 1, entries }))
}

/** An entry sealed as lib/fetch/store/pack.ts seals it: what only the key's holder can make. */
export function seal(key: Buffer, entry: Omit<PackEntry, 'mac'>): PackEntry {
  const mac = createHmac('sha256', key).update(`verify-deps sealed pack 1\0${entry.kind}\0${entry.id}\0${entry.storedAt}\0`).update(entry.data).digest('hex')
  return { ...entry, mac }
}

/** The pack with every failing package's facts replaced by the good package's, sealed under `key`. */
export function forgedPack(entries: PackEntry[], key: Buffer, names: string[]): PackEntry[] {
  const good = factsEntryOf(entries, 'good')
  const targets = new Map(names.map((name) => [factsEntryOf(entries, name), name]))
  return entries.map((e) => {
    const name = targets.get(e)
    return name ? seal(key, { ...e, data: good.data.replaceAll('"good"', JSON.stringify(name)) }) : e
  })
}

export function factsEntryOf(entries: PackEntry[], name: string): PackEntry {
  const found = entries.find((e) => e.kind === 'facts' && (JSON.parse(e.data) as { facts: { name: string } }).facts.name === name)
  if (!found) throw new Error(`no facts entry for ${name}`)
  return found
}

export async function mixedScenario(t: Test) {
  const s = await createScenario(t, { packages: MIXED })
  const cacheDir = join(s.dir, 'cache')
  const check = (more: { cacheDir?: string | false } = {}) => checkScenario(s, { trustedRootFile: s.trustedRootFile, cacheDir, ...more })
  return { s, cacheDir, check }
}

